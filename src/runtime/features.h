/* uctr: the runtime-spec features document (`uctr features`). */
#pragma once

#include "base/json.h"

/* What this uctr supports, as the runtime-spec's features.md describes it:
   hooks, mount options, namespaces, capabilities, cgroup, seccomp (as
   libseccomp and this kernel have it), annotations. */
json_object *uctr_features_document (void);
