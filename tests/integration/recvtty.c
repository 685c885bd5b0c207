/* recvtty: the other end of --console-socket, for the integration tests.
 *
 * Usage: recvtty SOCKET [INPUT]
 *
 * Listens on the unix socket SOCKET, accepts one connection, receives the pty
 * master over SCM_RIGHTS (as runc's contrib/cmd/recvtty does), writes INPUT to
 * it when given, then copies everything the container writes on its terminal
 * to stdout until the last slave is closed.  Exit status: 0 after the copy,
 * 1 on any error (with a message on stderr).  No GLib, on purpose: it must
 * not share code with the runtime it checks.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static void
fail (const char *what)
{
  fprintf (stderr, "recvtty: %s: %s\n", what, strerror (errno));
  exit (1);
}

static int
receive_fd (int conn)
{
  char name[4096];
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct iovec iov = { .iov_base = name, .iov_len = sizeof name - 1 };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  struct cmsghdr *cmsg;
  ssize_t n;
  int fd;

  do
    n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    fail ("recvmsg");
  cmsg = CMSG_FIRSTHDR (&msg);
  if (cmsg == NULL || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS
      || cmsg->cmsg_len != CMSG_LEN (sizeof (int)))
    {
      errno = EBADMSG;
      fail ("no file descriptor in the message");
    }
  memcpy (&fd, CMSG_DATA (cmsg), sizeof fd);
  name[n] = '\0';
  fprintf (stderr, "recvtty: received %s\n", n > 0 ? name : "a terminal");
  return fd;
}

static void
write_all (int fd, const char *buf, size_t len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, buf, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        fail ("write");
      buf += n;
      len -= (size_t) n;
    }
}

int
main (int argc, char **argv)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char buf[4096];
  int sock, conn, master;

  if (argc < 2 || argc > 3)
    {
      fprintf (stderr, "usage: recvtty SOCKET [INPUT]\n");
      return 2;
    }
  if (strlen (argv[1]) >= sizeof addr.sun_path)
    {
      errno = ENAMETOOLONG;
      fail (argv[1]);
    }
  strcpy (addr.sun_path, argv[1]);

  sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    fail ("socket");
  /* Bind under a temporary name and rename, so the socket path appears only
     once it accepts connections: the test waits for it to exist. */
  {
    struct sockaddr_un tmp = addr;
    char tmpname[sizeof addr.sun_path];
    if (snprintf (tmpname, sizeof tmpname, "%s.tmp", argv[1]) >= (int) sizeof tmpname)
      {
        errno = ENAMETOOLONG;
        fail (argv[1]);
      }
    strcpy (tmp.sun_path, tmpname);
    unlink (tmpname);
    if (bind (sock, (struct sockaddr *) &tmp, sizeof tmp) < 0)
      fail ("bind");
    if (listen (sock, 1) < 0)
      fail ("listen");
    if (rename (tmpname, argv[1]) < 0)
      fail ("rename");
  }

  do
    conn = accept4 (sock, NULL, NULL, SOCK_CLOEXEC);
  while (conn < 0 && errno == EINTR);
  if (conn < 0)
    fail ("accept");
  master = receive_fd (conn);
  close (conn);
  close (sock);
  unlink (argv[1]);

  if (argc == 3)
    write_all (master, argv[2], strlen (argv[2]));

  for (;;)
    {
      ssize_t n = read (master, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      /* EIO: every slave is closed, the container is gone. */
      if (n == 0 || (n < 0 && errno == EIO))
        break;
      if (n < 0)
        fail ("read");
      write_all (STDOUT_FILENO, buf, (size_t) n);
    }
  return 0;
}
