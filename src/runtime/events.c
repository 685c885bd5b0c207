/* uctr: a container's cgroup statistics and OOM kills, for `uctr events`. */
#include "runtime/events.h"
#include "cgroup/stats.h"
#include "cgroup/cgroup.h"
#include "cgroup/v1.h"
#include "base/util.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

char *
uctr_container_stats_json (const UctrState *state)
{
  if (state->cgroup_v1 != NULL && uctr_cgroup_v1_exists (state->cgroup_v1))
    return uctr_stats_v1_json (state->cgroup_v1);
  if (state->cgroup_path == NULL || !g_file_test (state->cgroup_path, G_FILE_TEST_IS_DIR))
    return NULL;
  return uctr_stats_json (state->cgroup_path);
}

guint64
uctr_container_oom_kills (const UctrState *state)
{
  if (state->cgroup_v1 != NULL)
    return uctr_stats_v1_oom_kills (state->cgroup_v1);
  return state->cgroup_path != NULL ? uctr_stats_oom_kills (state->cgroup_path) : 0;
}

char *
uctr_container_event (const char *type, const char *id, const char *data)
{
  return uctr_stats_event (type, id, data);
}

/* memory.events changes as a file modification: inotify sees it at once. */
static int
watch_v2 (const char *path)
{
  g_autofree char *file = g_build_filename (path, "memory.events", NULL);
  int fd;

  if (!g_file_test (file, G_FILE_TEST_EXISTS) || (fd = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK)) < 0)
    return -1;
  if (inotify_add_watch (fd, file, IN_MODIFY) < 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* cgroup v1 notifies through an eventfd given to cgroup.event_control with
   the fd of the file to watch: "EVENTFD OOM_CONTROL_FD". */
static int
watch_v1 (const char *dir)
{
  g_autofree char *file = g_build_filename (dir, "memory.oom_control", NULL);
  uctr_autofd int control = open (file, O_RDONLY | O_CLOEXEC);
  int efd;
  g_autofree char *line = NULL;

  if (control < 0 || (efd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
    return -1;
  line = g_strdup_printf ("%d %d", efd, control);
  if (uctr_cgroup_write_errno (dir, "cgroup.event_control", line) != 0)
    {
      close (efd);
      return -1;
    }
  return efd;
}

int
uctr_container_oom_watch (const UctrState *state)
{
  const char *memory = state->cgroup_v1 != NULL ? uctr_cgroup_v1_find (state->cgroup_v1, "memory") : NULL;

  if (memory != NULL)
    return watch_v1 (memory);
  return state->cgroup_path != NULL ? watch_v2 (state->cgroup_path) : -1;
}
