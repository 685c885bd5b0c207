/* uctr: waiting in the foreground for a process of ours (run's container
   init, exec's process): signals forwarded, the pty proxied. */
#include "cli/cli.h"
#include "runtime/container.h"

#include <poll.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

static const int forwarded[]
    = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP };

static void
forwarded_set (sigset_t *set)
{
  gsize i;

  sigemptyset (set);
  for (i = 0; i < G_N_ELEMENTS (forwarded); i++)
    sigaddset (set, forwarded[i]);
}

void
uctr_cli_hold_signals (void)
{
  sigset_t set;

  forwarded_set (&set);
  sigprocmask (SIG_BLOCK, &set, NULL);
}

static int
block_signals (sigset_t *old)
{
  sigset_t set;

  forwarded_set (&set);
  sigprocmask (SIG_BLOCK, &set, old);
  return signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int
exit_status (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 255;
}

static void
on_signal (int sfd, int pidfd, int console)
{
  struct signalfd_siginfo si;

  while (read (sfd, &si, sizeof si) == sizeof si)
    {
      if (si.ssi_signo == SIGWINCH)
        {
          if (console >= 0)
            uctr_console_resize (console);
          continue;
        }
      (void) pidfd_send_signal (pidfd, si.ssi_signo, NULL, 0);
    }
}

int
uctr_cli_wait_process (pid_t pid, int console, UctrNotify *notify)
{
  sigset_t old;
  uctr_autofd int sfd = block_signals (&old);
  uctr_autofd int pidfd = pidfd_open (pid, 0);
  gboolean in_open = console >= 0;
  int status = 0;

  if (console >= 0)
    uctr_console_raw (console);
  for (;;)
    {
      struct pollfd p[5] = {
        { .fd = pidfd, .events = POLLIN },
        { .fd = sfd, .events = POLLIN },
        { .fd = console, .events = POLLIN },
        { .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
        { .fd = uctr_notify_fd (notify), .events = POLLIN },
      };

      if (poll (p, 5, -1) < 0 && errno != EINTR)
        break;
      if (p[4].revents & POLLIN)
        (void) uctr_notify_forward (notify, pid);
      if (p[1].revents & POLLIN)
        on_signal (sfd, pidfd, console);
      if (p[2].revents & (POLLIN | POLLHUP) && !uctr_console_pump (console, STDOUT_FILENO))
        console = -1;
      if (p[3].revents & (POLLIN | POLLHUP) && !uctr_console_pump (STDIN_FILENO, console))
        in_open = FALSE;
      if (p[0].revents & POLLIN)
        {
          while (console >= 0 && uctr_console_pump (console, STDOUT_FILENO))
            ;
          break;
        }
    }
  uctr_console_restore ();
  (void) TEMP_FAILURE_RETRY (waitpid (pid, &status, 0));
  sigprocmask (SIG_SETMASK, &old, NULL);
  return exit_status (status);
}
