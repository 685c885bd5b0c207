/* uctr: waiting in the foreground for a process of ours (run's container
   init, exec's process): signals forwarded, the pty proxied. */
#include "cli/cli.h"
#include "base/log.h"
#include "runtime/container.h"

#include <poll.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>

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

/* When our terminal hangs up (its window closed, the ssh connection
   lost), how long the container has to end after its SIGHUP before it
   gets SIGKILL: an init that has no handler for SIGHUP ignores it. */
#define HANGUP_GRACE_MS 2000

typedef struct
{
  pid_t pid;
  int pidfd;
  int console;
  gboolean in_open;
  const UctrWaitOptions *opts;
  gboolean hung_up; /* our terminal has */
  gint64 kill_at;   /* then when the container gets SIGKILL (monotonic); 0: not (or no more) */
} Wait;

/* A terminal of ours (stdin, stdout or stderr) hung up: the kernel
   answers EIO to any request on it from then on. */
static gboolean
terminal_hung_up (void)
{
  struct termios t;
  int fd;

  for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
    if (tcgetattr (fd, &t) < 0 && errno == EIO)
      return TRUE;
  return FALSE;
}

/* Our terminal is gone: the container goes too, as a session's processes
   do (SIGHUP), and for sure after the grace period. HUP_SENT: the SIGHUP
   that told us has been forwarded already. */
static void
on_hangup (Wait *w, gboolean hup_sent)
{
  if (!w->opts->end_with_terminal || w->hung_up || !terminal_hung_up ())
    return;
  w->hung_up = TRUE;
  uctr_debug ("our terminal hung up: SIGHUP, then SIGKILL in %d ms, to pid %d", HANGUP_GRACE_MS,
              (int) w->pid);
  if (!hup_sent)
    (void) pidfd_send_signal (w->pidfd, SIGHUP, NULL, 0);
  w->kill_at = g_get_monotonic_time () + HANGUP_GRACE_MS * G_TIME_SPAN_MILLISECOND;
  w->in_open = FALSE;
}

static void
on_signal (Wait *w, int sfd)
{
  struct signalfd_siginfo si;

  while (read (sfd, &si, sizeof si) == sizeof si)
    {
      if (si.ssi_signo == SIGWINCH)
        {
          if (w->console >= 0)
            uctr_console_resize (w->console);
          continue;
        }
      (void) pidfd_send_signal (w->pidfd, si.ssi_signo, NULL, 0);
      if (si.ssi_signo == SIGHUP)
        on_hangup (w, TRUE);
    }
}

/* After a hangup, the SIGKILL once it is due; returns how long until
   then, in ms, for poll (-1: nothing to wait for). */
static int
kill_when_due (Wait *w)
{
  gint64 left;

  if (w->kill_at == 0)
    return -1;
  left = w->kill_at - g_get_monotonic_time ();
  if (left > 0)
    return (int) ((left + G_TIME_SPAN_MILLISECOND - 1) / G_TIME_SPAN_MILLISECOND);
  (void) pidfd_send_signal (w->pidfd, SIGKILL, NULL, 0);
  w->kill_at = 0;
  return -1;
}

int
uctr_cli_wait_process (pid_t pid, const UctrWaitOptions *opts)
{
  sigset_t old;
  uctr_autofd int sfd = block_signals (&old);
  uctr_autofd int pidfd = pidfd_open (pid, 0);
  Wait w
      = { .pid = pid, .pidfd = pidfd, .console = opts->console, .in_open = opts->console >= 0, .opts = opts };
  int status = 0;

  if (w.console >= 0)
    uctr_console_raw (w.console);
  for (;;)
    {
      struct pollfd p[5] = {
        { .fd = pidfd, .events = POLLIN },
        { .fd = sfd, .events = POLLIN },
        { .fd = w.console, .events = POLLIN },
        { .fd = w.in_open ? STDIN_FILENO : -1, .events = POLLIN },
        { .fd = uctr_notify_fd (opts->notify), .events = POLLIN },
      };

      if (poll (p, 5, kill_when_due (&w)) < 0 && errno != EINTR)
        break;
      if (p[4].revents & POLLIN)
        (void) uctr_notify_forward (opts->notify, pid);
      if (p[1].revents & POLLIN)
        on_signal (&w, sfd);
      if (p[2].revents & (POLLIN | POLLHUP) && !uctr_console_pump (w.console, STDOUT_FILENO))
        {
          w.console = -1;
          on_hangup (&w, FALSE);
        }
      if (p[3].revents & (POLLIN | POLLHUP) && !uctr_console_pump (STDIN_FILENO, w.console))
        {
          w.in_open = FALSE;
          on_hangup (&w, FALSE);
        }
      if (p[0].revents & POLLIN)
        {
          while (w.console >= 0 && uctr_console_pump (w.console, STDOUT_FILENO))
            ;
          break;
        }
    }
  uctr_console_restore ();
  (void) TEMP_FAILURE_RETRY (waitpid (pid, &status, 0));
  sigprocmask (SIG_SETMASK, &old, NULL);
  return exit_status (status);
}
