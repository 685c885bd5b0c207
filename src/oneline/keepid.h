/* uctr: --userns=keep-id for one-line runs (podman's spelling): the
   caller's uid and gid map to themselves, the process runs as the caller
   with USER, HOME (bound in) and LOGNAME, and the rootfs's /etc/passwd and
   /etc/group get the caller's entries in copies in the state dir, bound
   over the originals, which are never written. */
#pragma once

#include "base/json.h"
#include "oneline/oneline.h"

/* What o->userns asks of CONFIG (nothing when it is NULL); the generated
   files go to EXTRAS, and so does what the fallback without subordinate
   ids costs. Call it after the rest of process (-u, -e) is set and before
   --bind's mounts are added, so that those go over the home. */
gboolean
uctr_oneline_keep_id (json_object *config, const UctrOneLine *o, UctrOneLineExtras *extras, GError **error);
