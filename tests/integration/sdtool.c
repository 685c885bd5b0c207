/* A test tool for the session-service tests, linked statically so that it
   runs in the busybox root:
     sdtool notify MESSAGE   sends MESSAGE to $NOTIFY_SOCKET, as sd_notify does
     sdtool accept           accepts one connection on fd 3 (socket
                             activation) and writes what it was handed */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int
notify (const char *message)
{
  const char *path = getenv ("NOTIFY_SOCKET");
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd;

  if (path == NULL || strlen (path) >= sizeof addr.sun_path)
    {
      fprintf (stderr, "sdtool: NOTIFY_SOCKET is not set\n");
      return 1;
    }
  strcpy (addr.sun_path, path);
  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || sendto (fd, message, strlen (message), 0, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      perror ("sdtool: sendto");
      return 1;
    }
  return 0;
}

static int
accept_one (void)
{
  char line[256];
  int c = accept (3, NULL, NULL);

  if (c < 0)
    {
      perror ("sdtool: accept on fd 3");
      return 1;
    }
  snprintf (line, sizeof line, "LISTEN_FDS=%s LISTEN_PID=%s pid=%d\n", getenv ("LISTEN_FDS") ?: "",
            getenv ("LISTEN_PID") ?: "", (int) getpid ());
  if (write (c, line, strlen (line)) < 0)
    return 1;
  close (c);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc == 3 && strcmp (argv[1], "notify") == 0)
    return notify (argv[2]);
  if (argc == 2 && strcmp (argv[1], "accept") == 0)
    return accept_one ();
  fprintf (stderr, "usage: sdtool notify MESSAGE | sdtool accept\n");
  return 2;
}
