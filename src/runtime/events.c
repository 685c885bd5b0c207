/* uctr: a container's cgroup statistics and OOM kills, for `uctr events`. */
#include "runtime/events.h"
#include "cgroup/stats.h"

char *
uctr_container_stats_json (const UctrState *state)
{
  if (state->cgroup_path == NULL || !g_file_test (state->cgroup_path, G_FILE_TEST_IS_DIR))
    return NULL;
  return uctr_stats_json (state->cgroup_path);
}

guint64
uctr_container_oom_kills (const UctrState *state)
{
  return state->cgroup_path != NULL ? uctr_stats_oom_kills (state->cgroup_path) : 0;
}

char *
uctr_container_event (const char *type, const char *id, const char *data)
{
  return uctr_stats_event (type, id, data);
}
