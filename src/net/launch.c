/* uctr: starting the network helper. It must outlive `uctr create`, so it is
   detached (base/spawn.h); it is started before the init has its tap (a
   socket brings it), and a pipe tells us when its loop runs. */
#include "net/launch.h"
#include "net/fdpass.h"
#include "net/netexit.h"
#include "net/api.h"
#include "base/selfexe.h"
#include "base/spawn.h"
#include "base/util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/pidfd.h>

#define READY_TIMEOUT_MS 10000

/* The order uctr_net_launch hands them over in (fd 3 on). */
G_STATIC_ASSERT (UCTR_NET_HELPER_TAP_FD == 3 && UCTR_NET_HELPER_PIDFD == 4 && UCTR_NET_HELPER_READY_FD == 5);

/* Built before the fork: the child only moves fds and execs. */
static GPtrArray *
helper_argv (const char *options, const char *state_dir, const char *const *publish)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, g_strdup ("uctr-net"));
  g_ptr_array_add (argv, g_strdup ("--await-fds"));
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
uctr_net_launch_start (UctrNetLaunch *l, const char *options, const char *state_dir,
                       const char *const *publish, GError **error)
{
  g_autoptr(GPtrArray) argv = helper_argv (options, state_dir, publish);
  g_autofree char *path = uctr_selfexe_sibling ("uctr-net");
  uctr_autofd int program = -1;
  uctr_autofd int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  uctr_autofd int theirs = -1;
  uctr_autofd int ready_w = -1;
  int fds[2];

  if ((program = uctr_selfexe_open_program (path, error)) < 0)
    return uctr_prefix_error (error, _("Starting the network helper (is uctr installed whole?)"));
  if (devnull < 0)
    return uctr_throw_errno (error, _("Opening /dev/null"));
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    return uctr_throw_errno (error, _("Creating a socket for the network helper"));
  l->sock = fds[0];
  theirs = fds[1];
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return uctr_throw_errno (error, _("Creating a pipe for the network helper"));
  l->ready_r = fds[0];
  ready_w = fds[1];
  /* Nothing of the caller's that it reads to the end (x=$(uctr run -d ...)),
     but our stderr until it is ready, for its message should it fail (then
     it lets go of it: slirp.c, watch.c, agent.c). Fd 4 waits for the
     init's pidfd. */
  if (!uctr_spawn_detached (program, (char **) argv->pdata, (int[]){ theirs, devnull, ready_w }, 3,
                            (int[]){ devnull, devnull, -1 }, &l->pid, error))
    return uctr_prefix_error (error, _("Starting the network helper"));
  l->pidfd = pidfd_open (l->pid, 0);
  return TRUE;
}

/* TAP_FD and INIT_PIDFD to the helper, in one message. */
static gboolean
send_fds (int sock, int tap_fd, int init_pidfd, GError **error)
{
  const int fds[2] = { tap_fd, init_pidfd };

  if (!uctr_fdpass_send (sock, 'T', fds, 2))
    return uctr_throw_errno (error, _("Handing tap0 to the network helper"));
  return TRUE;
}

gboolean
uctr_net_launch_finish (UctrNetLaunch *l, int tap_fd, pid_t init_pid, GError **error)
{
  uctr_autofd int pidfd = pidfd_open (init_pid, 0);

  if (pidfd < 0)
    return uctr_throw_errno (error, _("Watching the container init for the network helper"));
  if (!send_fds (l->sock, tap_fd, pidfd, error))
    return FALSE;
  uctr_close_fdp (&l->sock);
  return wait_ready (l->ready_r, l->pid, error);
}

void
uctr_net_launch_clear (UctrNetLaunch *l)
{
  if (l->sock >= 0 && l->pidfd >= 0)
    {
      struct pollfd p = { .fd = l->pidfd, .events = POLLIN };

      /* It would end at the socket's end; killed, it surely does, now. */
      (void) pidfd_send_signal (l->pidfd, SIGKILL, NULL, 0);
      (void) TEMP_FAILURE_RETRY (poll (&p, 1, READY_TIMEOUT_MS));
    }
  uctr_close_fdp (&l->sock);
  uctr_close_fdp (&l->pidfd);
  uctr_close_fdp (&l->ready_r);
}
