/* uctr: pause and resume, through the freezer of the container's cgroup v2. */
#pragma once

#include <glib.h>

/* uctr pause (PAUSE) and resume: cgroup.freeze of the container's cgroup, waiting
   until the kernel says it is done. Needs a cgroup of its own (UCTR_ERROR_UNSUPPORTED). */
gboolean uctr_container_pause (const char *root, const char *id, gboolean pause, GError **error);
