/* uctr: running OCI hooks. Async-signal-safe: the container init calls it. */
#include "init/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/afterfork.h" /* last: it poisons what comes after */

static void
send_state (int fd, const char *state, size_t len)
{
  /* A hook need not read its stdin: MSG_NOSIGNAL instead of SIGPIPE. */
  while (len > 0)
    {
      ssize_t n = send (fd, state, len, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      state += n;
      len -= n;
    }
}

static int
wait_with_timeout (pid_t pid, int timeout, int *status)
{
  int pidfd = pidfd_open (pid, 0);

  if (pidfd >= 0 && timeout > 0)
    {
      struct pollfd p = { .fd = pidfd, .events = POLLIN };
      int r;

      do
        r = poll (&p, 1, timeout * 1000);
      while (r < 0 && errno == EINTR);
      if (r == 0)
        {
          (void) pidfd_send_signal (pidfd, SIGKILL, NULL, 0);
          (void) TEMP_FAILURE_RETRY (waitpid (pid, status, 0));
          close (pidfd);
          errno = ETIMEDOUT;
          return -1;
        }
    }
  if (pidfd >= 0)
    close (pidfd);
  if (TEMP_FAILURE_RETRY (waitpid (pid, status, 0)) < 0)
    return -1;
  return 0;
}

int
uctr_hook_exec (const char *path, char *const argv[], char *const envp[], const char *state, size_t state_len,
                int timeout, int *status)
{
  int sv[2];
  pid_t pid;

  pid_t parent = getpid ();

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return -1;
  pid = fork ();
  if (pid < 0)
    {
      int errsv = errno;
      close (sv[0]);
      close (sv[1]);
      errno = errsv;
      return -1;
    }
  if (pid == 0)
    {
      /* A hook does not outlive the uctr that waits for it (killed with
         kill -9, say): it would run on with no one to see it fail. */
      sigset_t none;

      if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid () != parent)
        _exit (127);
      /* run holds the signals it forwards: the hook gets them as usual. */
      sigemptyset (&none);
      (void) sigprocmask (SIG_SETMASK, &none, NULL);
      if (dup2 (sv[1], 0) < 0)
        _exit (127);
      (void) shutdown (0, SHUT_WR);
      execve (path, argv, envp);
      _exit (127);
    }
  close (sv[1]);
  send_state (sv[0], state, state_len);
  close (sv[0]);
  return wait_with_timeout (pid, timeout, status);
}
