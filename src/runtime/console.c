/* uctr: the container's terminal. */
#include "runtime/console.h"
#include "base/util.h"

#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>

static struct termios saved_termios;
static gboolean termios_saved;

gboolean
uctr_console_send (const char *path, int master, GError **error)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char name[] = "/dev/ptmx";
  char cbuf[CMSG_SPACE (sizeof (int))] = { 0 };
  struct iovec iov = { name, sizeof name - 1 };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *c = CMSG_FIRSTHDR (&mh);
  uctr_autofd int sock = -1;

  if (strlen (path) >= sizeof addr.sun_path)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("--console-socket: path too long: %s"), path);
  strcpy (addr.sun_path, path);
  sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return uctr_throw_errno (error, _("--console-socket: creating a socket"));
  if (connect (sock, (struct sockaddr *) &addr, sizeof addr) < 0)
    return uctr_throw_errno (error, _("--console-socket: connecting to %s"), path);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &master, sizeof master);
  if (TEMP_FAILURE_RETRY (sendmsg (sock, &mh, MSG_NOSIGNAL)) < 0)
    return uctr_throw_errno (error, _("--console-socket: sending the terminal to %s"), path);
  return TRUE;
}

void
uctr_console_resize (int master)
{
  struct winsize ws;
  int fd;

  /* Whichever of our stdio is the terminal (uctr run -t </dev/null: stdout). */
  for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
    if (ioctl (fd, TIOCGWINSZ, &ws) == 0)
      {
        (void) ioctl (master, TIOCSWINSZ, &ws);
        return;
      }
}

/* The signals that end us (by default) and that uctr_cli_wait_process
   does not forward: the terminal is restored before any of them does. */
static const int fatal_signals[]
    = { SIGABRT, SIGALRM, SIGBUS, SIGFPE,  SIGILL,    SIGPIPE, SIGPOLL, SIGPROF,
        SIGPWR,  SIGSEGV, SIGSYS, SIGTRAP, SIGVTALRM, SIGXCPU, SIGXFSZ, SIGSTKFLT };
static struct sigaction fatal_saved[G_N_ELEMENTS (fatal_signals)];

/* Async-signal-safe: the terminal as it was, then the signal again with
   the handler it had (the default, or a sanitizer's), once we return. */
static void
restore_and_resend (int sig)
{
  gsize i;

  (void) tcsetattr (STDIN_FILENO, TCSANOW, &saved_termios);
  for (i = 0; i < G_N_ELEMENTS (fatal_signals); i++)
    if (fatal_signals[i] == sig)
      (void) sigaction (sig, &fatal_saved[i], NULL);
  (void) raise (sig);
}

static void
catch_fatal_signals (void)
{
  struct sigaction sa = { .sa_handler = restore_and_resend };
  gsize i;

  sigfillset (&sa.sa_mask);
  for (i = 0; i < G_N_ELEMENTS (fatal_signals); i++)
    {
      (void) sigaction (fatal_signals[i], NULL, &fatal_saved[i]);
      /* Ignored by whoever started us: left so. */
      if (fatal_saved[i].sa_handler != SIG_IGN)
        (void) sigaction (fatal_signals[i], &sa, NULL);
    }
}

static void
release_fatal_signals (void)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (fatal_signals); i++)
    if (fatal_saved[i].sa_handler != SIG_IGN)
      (void) sigaction (fatal_signals[i], &fatal_saved[i], NULL);
}

/* Fully raw, output too: the container's own pty already did what its
   programs asked of it (ONLCR, or not after their stty -onlcr), and a
   second pass here would rewrite the bytes again (\n to \r\n). */
void
uctr_console_raw (int master)
{
  struct termios raw;

  uctr_console_resize (master);
  if (!isatty (STDIN_FILENO) || tcgetattr (STDIN_FILENO, &saved_termios) < 0)
    return;
  termios_saved = TRUE;
  catch_fatal_signals ();
  raw = saved_termios;
  cfmakeraw (&raw);
  (void) tcsetattr (STDIN_FILENO, TCSANOW, &raw);
}

void
uctr_console_restore (void)
{
  if (!termios_saved)
    return;
  (void) tcsetattr (STDIN_FILENO, TCSANOW, &saved_termios);
  release_fatal_signals ();
  termios_saved = FALSE;
}

gboolean
uctr_console_pump (int from, int to)
{
  char buf[16384];
  ssize_t n = TEMP_FAILURE_RETRY (read (from, buf, sizeof buf));
  char *p = buf;

  if (n <= 0)
    return FALSE;
  while (n > 0)
    {
      ssize_t w = TEMP_FAILURE_RETRY (write (to, p, n));
      if (w < 0)
        return FALSE;
      p += w;
      n -= w;
    }
  return TRUE;
}
