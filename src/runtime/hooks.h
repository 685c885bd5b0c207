/* uctr: the OCI hooks that run in the runtime's namespaces (prestart,
   createRuntime, poststart, poststop), from the parent side. */
#pragma once

#include <glib.h>
#include "oci/config.h"

/* Runs the hooks of KIND from the parent with the state JSON on stdin. */
gboolean uctr_hooks_run (const UctrConfig *config, UctrHookKind kind, const char *state_json, GError **error);
