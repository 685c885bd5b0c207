/* uctr: the container's terminal. */
#include "runtime/console.h"
#include "base/util.h"

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

  if (ioctl (STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
    (void) ioctl (master, TIOCSWINSZ, &ws);
}

void
uctr_console_raw (int master)
{
  struct termios raw;

  uctr_console_resize (master);
  if (!isatty (STDIN_FILENO) || tcgetattr (STDIN_FILENO, &saved_termios) < 0)
    return;
  termios_saved = TRUE;
  raw = saved_termios;
  cfmakeraw (&raw);
  raw.c_oflag |= OPOST; /* keep our own output readable */
  (void) tcsetattr (STDIN_FILENO, TCSANOW, &raw);
}

void
uctr_console_restore (void)
{
  if (termios_saved)
    (void) tcsetattr (STDIN_FILENO, TCSANOW, &saved_termios);
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
