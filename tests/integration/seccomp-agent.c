/* seccomp-agent SOCKET OUTDIR: a tiny seccomp agent for seccomp.sh.
 *
 * Listens on the unix socket SOCKET (creates OUTDIR/ready once it does) and
 * takes one connection from the runtime: the container process state (JSON)
 * with the listener fd in SCM_RIGHTS.  Writes the JSON to OUTDIR/state.json
 * and what the fd is (readlink of /proc/self/fd/N) to OUTDIR/fd, then
 * answers the notifications: mkdir and mkdirat are faked (reported done,
 * nothing made), a line "mkdir" appended to OUTDIR/notified for each; any other call
 * goes on as if unfiltered.  Exits when no process uses the filter any more.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static const char *outdir;

static void
die (const char *what)
{
  fprintf (stderr, "seccomp-agent: %s: %s\n", what, strerror (errno));
  exit (1);
}

static void
write_out (const char *name, const char *data, size_t len, int append)
{
  char path[4096];
  FILE *f;

  snprintf (path, sizeof path, "%s/%s", outdir, name);
  f = fopen (path, append ? "a" : "w");
  if (f == NULL || fwrite (data, 1, len, f) != len || fclose (f) != 0)
    die (path);
}

static int
listen_on (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (sock < 0)
    die ("socket");
  snprintf (addr.sun_path, sizeof addr.sun_path, "%s", path);
  if (bind (sock, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (sock, 1) < 0)
    die (path);
  write_out ("ready", "", 0, 0);
  return sock;
}

/* The state JSON (possibly in several parts) and the fd of the first part. */
static int
receive_state (int sock)
{
  static char text[65536];
  char cbuf[CMSG_SPACE (sizeof (int))];
  size_t len = 0;
  int conn, fd = -1;

  conn = accept4 (sock, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    die ("accept");
  for (;;)
    {
      struct iovec iov = { text + len, sizeof text - len };
      struct msghdr mh
          = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
      struct cmsghdr *c;
      ssize_t n = recvmsg (conn, &mh, MSG_CMSG_CLOEXEC);

      if (n < 0)
        die ("recvmsg");
      for (c = CMSG_FIRSTHDR (&mh); c != NULL; c = CMSG_NXTHDR (&mh, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
          memcpy (&fd, CMSG_DATA (c), sizeof fd);
      if (n == 0 || len + n >= sizeof text)
        break;
      len += n;
    }
  close (conn);
  write_out ("state.json", text, len, 0);
  return fd;
}

static void
describe_fd (int fd)
{
  char link[64], target[256];
  ssize_t n;

  snprintf (link, sizeof link, "/proc/self/fd/%d", fd);
  n = fd < 0 ? -1 : readlink (link, target, sizeof target - 1);
  if (n < 0)
    {
      write_out ("fd", "none\n", 5, 0);
      return;
    }
  target[n++] = '\n';
  write_out ("fd", target, n, 0);
}

static int
is_mkdir (int nr)
{
#ifdef __NR_mkdir
  if (nr == __NR_mkdir)
    return 1;
#endif
  return nr == __NR_mkdirat;
}

static void
answer (int fd)
{
  struct seccomp_notif_sizes sizes;
  struct seccomp_notif *req;
  struct seccomp_notif_resp *resp;

  if (syscall (SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
    die ("SECCOMP_GET_NOTIF_SIZES");
  req = calloc (1, sizes.seccomp_notif);
  resp = calloc (1, sizes.seccomp_notif_resp);
  for (;;)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };

      if (poll (&p, 1, -1) < 0 && errno != EINTR)
        die ("poll");
      if (p.revents & POLLHUP)
        {
          free (req);
          free (resp);
          return;
        }
      memset (req, 0, sizes.seccomp_notif);
      if (ioctl (fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
        {
          if (errno == EINTR || errno == ENOENT)
            continue;
          die ("SECCOMP_IOCTL_NOTIF_RECV");
        }
      memset (resp, 0, sizes.seccomp_notif_resp);
      resp->id = req->id;
      if (is_mkdir (req->data.nr))
        write_out ("notified", "mkdir\n", 6, 1);
      else
        resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
      /* ENOENT: the caller is gone (killed) meanwhile. */
      if (ioctl (fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
        die ("SECCOMP_IOCTL_NOTIF_SEND");
    }
}

int
main (int argc, char **argv)
{
  int sock, fd;

  if (argc != 3)
    {
      fprintf (stderr, "usage: seccomp-agent SOCKET OUTDIR\n");
      return 2;
    }
  outdir = argv[2];
  sock = listen_on (argv[1]);
  fd = receive_state (sock);
  close (sock);
  describe_fd (fd);
  if (fd >= 0)
    answer (fd);
  return 0;
}
