/* uctr: update, runc's way: new limits in the container's cgroup, kept in
   the config.json of its state dir. */
#pragma once

#include <glib.h>
#include "cgroup/resources.h"

/* uctr update: writes what UPDATE sets (a UctrResources) into the container's
   cgroup, and keeps the result in the config.json of its state dir, so that a
   later update starts from it (memory+swap is computed from both). */
gboolean uctr_container_update (const char *root, const char *id, const UctrResources *update,
                                GPtrArray *warnings, GError **error);
