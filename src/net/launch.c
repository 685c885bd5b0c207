/* uctr: starting the network helper. It must outlive `uctr create`, so it is
   double-forked into its own session; a pipe tells us when its loop runs. */
#include "net/launch.h"
#include "net/netexit.h"
#include "net/api.h"
#include "base/util.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/pidfd.h>
#include <sys/wait.h>

#define READY_TIMEOUT_MS 10000

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

static void G_GNUC_NORETURN
exec_helper (int self, int tap_fd, int pidfd, int ready_fd, char **argv)
{
  /* Move the three fds to 3, 4, 5 without clobbering each other. */
  if ((tap_fd = fcntl (tap_fd, F_DUPFD_CLOEXEC, 10)) < 0 || (pidfd = fcntl (pidfd, F_DUPFD_CLOEXEC, 10)) < 0
      || (ready_fd = fcntl (ready_fd, F_DUPFD_CLOEXEC, 10)) < 0
      || (self = fcntl (self, F_DUPFD_CLOEXEC, 10)) < 0)
    _exit (127);
  if (dup2 (tap_fd, UCTR_NET_HELPER_TAP_FD) < 0 || dup2 (pidfd, UCTR_NET_HELPER_PIDFD) < 0
      || dup2 (ready_fd, UCTR_NET_HELPER_READY_FD) < 0)
    _exit (127);
  (void) close_range (UCTR_NET_HELPER_READY_FD + 1, ~0U, CLOSE_RANGE_CLOEXEC);
  (void) setsid ();
  fexecve (self, argv, environ);
  _exit (127);
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
  /* Ourselves, by fd: a sealed copy in memory has no path (selfexe.c). */
  uctr_autofd int self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  uctr_autofd int pidfd = pidfd_open (init_pid, 0);
  uctr_autofd int ready_r = -1;
  uctr_autofd int ready_w = -1;
  int fds[2], pipe_fds[2], status = 0;
  pid_t child;

  if (self < 0)
    return uctr_throw_errno (error, _("Finding the uctr binary for the network helper"));
  if (pidfd < 0)
    return uctr_throw_errno (error, _("Watching the container init for the network helper"));
  if (pipe2 (pipe_fds, O_CLOEXEC) < 0)
    return uctr_throw_errno (error, _("Creating a pipe for the network helper"));
  ready_r = pipe_fds[0];
  ready_w = pipe_fds[1];
  /* A pipe for the grandchild's pid: it is not our child, and we report it. */
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return uctr_throw_errno (error, _("Creating a pipe for the network helper"));
  child = fork ();
  if (child < 0)
    {
      close (fds[0]);
      close (fds[1]);
      return uctr_throw_errno (error, _("Starting the network helper"));
    }
  if (child == 0)
    {
      pid_t helper = fork ();
      if (helper == 0)
        exec_helper (self, tap_fd, pidfd, ready_w, (char **) argv->pdata);
      (void) !write (fds[1], &helper, sizeof helper);
      _exit (helper < 0 ? 1 : 0);
    }
  close (fds[1]);
  (void) TEMP_FAILURE_RETRY (waitpid (child, &status, 0));
  if (TEMP_FAILURE_RETRY (read (fds[0], helper_pid, sizeof *helper_pid)) != sizeof *helper_pid
      || *helper_pid < 0)
    {
      close (fds[0]);
      return uctr_throw (error, UCTR_ERROR_FAILED, _("Starting the network helper: fork failed"));
    }
  close (fds[0]);
  uctr_close_fdp (&ready_w);
  return wait_ready (ready_r, *helper_pid, error);
}
