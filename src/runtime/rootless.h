/* uctr: the id mappings of a rootless `uctr spec`. */
#pragma once

#include <glib.h>
#include "oci/config.h"
#include "oci/spec.h"
#include "plan/idmap.h"

/* The options of `uctr spec` (--rootless when ROOTLESS): the caller's ids
   mapped alone, as runc's, in UIDS and GIDS, which OPTS points into, and
   the uctr.subids annotation. */
void uctr_rootless_spec_options (gboolean rootless, UctrSpecOptions *opts, UctrIdMapping uids[1],
                                 UctrIdMapping gids[1]);

/* keep-id's mappings for the caller (uctr_idmap_plan_keep_id with the
   system's /etc/subuid, /etc/subgid and helpers, as create finds them). */
gboolean uctr_rootless_keep_id (UctrIdmapPlan *plan, GError **error);
