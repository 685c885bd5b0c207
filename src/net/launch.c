/* uctr: starting the network helper. It must outlive `uctr create`, so it is
   detached (base/spawn.h); a pipe tells us when its loop runs. */
#include "net/launch.h"
#include "net/netexit.h"
#include "net/api.h"
#include "base/spawn.h"
#include "base/util.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/pidfd.h>

#define READY_TIMEOUT_MS 10000

/* The order uctr_net_launch hands them over in (fd 3 on). */
G_STATIC_ASSERT (UCTR_NET_HELPER_TAP_FD == 3 && UCTR_NET_HELPER_PIDFD == 4 && UCTR_NET_HELPER_READY_FD == 5);

/* Built before the fork: the child only moves fds and execs. */
static GPtrArray *
helper_argv (const char *options, const char *state_dir, const char *const *publish)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, g_strdup ("uctr"));
  g_ptr_array_add (argv, g_strdup ("__net-helper"));
  g_ptr_array_add (argv, g_strdup ("--api"));
  g_ptr_array_add (argv, g_build_filename (state_dir, UCTR_PORT_API_SOCKET, NULL));
  g_ptr_array_add (argv, g_strdup ("--lock"));
  g_ptr_array_add (argv, g_build_filename (state_dir, UCTR_NET_LOCK_FILE, NULL));
  g_ptr_array_add (argv, g_strdup ("--exit"));
  g_ptr_array_add (argv, g_build_filename (state_dir, UCTR_NET_EXIT_FILE, NULL));
  for (; publish != NULL && *publish != NULL; publish++)
    g_ptr_array_add (argv, g_strdup_printf ("--publish=%s", *publish));
  g_ptr_array_add (argv, g_strdup ("--"));
  g_ptr_array_add (argv, g_strdup (options));
  g_ptr_array_add (argv, NULL);
  return argv;
}

static gboolean
wait_ready (int ready_r, pid_t helper, GError **error)
{
  struct pollfd p = { .fd = ready_r, .events = POLLIN };
  char c;
  int r;

  do
    r = poll (&p, 1, READY_TIMEOUT_MS);
  while (r < 0 && errno == EINTR);
  if (r == 0)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("the network helper (pid %d) did not start within %d s"), (int) helper,
                          READY_TIMEOUT_MS / 1000);
  if (TEMP_FAILURE_RETRY (read (ready_r, &c, 1)) != 1)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("the network helper exited before it was ready (see its message above)"));
  return TRUE;
}

gboolean
uctr_net_launch (int tap_fd, pid_t init_pid, const char *options, const char *state_dir,
                 const char *const *publish, pid_t *helper_pid, GError **error)
{
  g_autoptr(GPtrArray) argv = helper_argv (options, state_dir, publish);
  uctr_autofd int pidfd = pidfd_open (init_pid, 0);
  uctr_autofd int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  uctr_autofd int ready_r = -1;
  uctr_autofd int ready_w = -1;
  int pipe_fds[2];

  if (pidfd < 0)
    return uctr_throw_errno (error, _("Watching the container init for the network helper"));
  if (devnull < 0)
    return uctr_throw_errno (error, _("Opening /dev/null"));
  if (pipe2 (pipe_fds, O_CLOEXEC) < 0)
    return uctr_throw_errno (error, _("Creating a pipe for the network helper"));
  ready_r = pipe_fds[0];
  ready_w = pipe_fds[1];
  /* Nothing of the caller's that it reads to the end (x=$(uctr run -d ...)),
     but our stderr until it is ready, for its message should it fail (then
     it lets go of it: slirp.c, watch.c, agent.c). */
  if (!uctr_spawn_detached ((char **) argv->pdata, (int[]){ tap_fd, pidfd, ready_w }, 3,
                            (int[]){ devnull, devnull, -1 }, helper_pid, error))
    return uctr_prefix_error (error, _("Starting the network helper"));
  uctr_close_fdp (&ready_w);
  return wait_ready (ready_r, *helper_pid, error);
}
