/* tcpprobe: TCP clients for handover.sh, run inside the container (static).

     tcpprobe connect ADDR PORT [nonblock|cloexec|bound|nested|udp|timeout|sndtimeo]
       connects (a non-blocking connect() waited for with poll; a socket
       made with SOCK_CLOEXEC; one bound to port 0 first; one made in a
       new user and network namespace; a UDP socket; one with SO_SNDTIMEO
       and TCP_NODELAY set before; a blocking one with SO_SNDTIMEO of 1 s,
       which prints "error TEXT" or "connected" and nothing else) and prints
         local ADDR PORT      getsockname() after connect()
         fd N cloexec C nonblock B nodelay D
         line TEXT            the server's first line (TCP)
       or "error TEXT" where connect() failed.
     tcpprobe race ADDR PORT BADADDR BADPORT N
       N connects to ADDR:PORT while a second thread keeps rewriting the
       address buffer between the two, then "done OK FAILED": how many
       connected, and to whom each said (a line "line TEXT" per one that
       did)
     tcpprobe serve ADDR PORT N [v6only|dual|cloexec|defer]
       binds a TCP socket to ADDR:PORT (IPV6_V6ONLY set or cleared; made
       with SOCK_CLOEXEC; with TCP_DEFER_ACCEPT), prints
         local ADDR PORT      getsockname() after bind()
         fd N cloexec C nonblock B reuseport R defer D
         listening
       then for each of N clients "peer ADDR PORT", which it also sends
       the client, or "error TEXT" where a call failed */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef union
{
  struct sockaddr sa;
  struct sockaddr_in in;
  struct sockaddr_in6 in6;
} Addr;

static socklen_t
parse (const char *text, const char *port, Addr *a)
{
  memset (a, 0, sizeof *a);
  if (inet_pton (AF_INET, text, &a->in.sin_addr) == 1)
    {
      a->in.sin_family = AF_INET;
      a->in.sin_port = htons (atoi (port));
      return sizeof a->in;
    }
  if (inet_pton (AF_INET6, text, &a->in6.sin6_addr) == 1)
    {
      a->in6.sin6_family = AF_INET6;
      a->in6.sin6_port = htons (atoi (port));
      return sizeof a->in6;
    }
  fprintf (stderr, "tcpprobe: not an address: %s\n", text);
  exit (2);
}

static void
print_local (int fd)
{
  Addr a;
  socklen_t len = sizeof a;
  char text[INET6_ADDRSTRLEN] = "?";

  if (getsockname (fd, &a.sa, &len) < 0)
    {
      printf ("local error %s\n", strerror (errno));
      return;
    }
  if (a.sa.sa_family == AF_INET)
    inet_ntop (AF_INET, &a.in.sin_addr, text, sizeof text);
  else
    inet_ntop (AF_INET6, &a.in6.sin6_addr, text, sizeof text);
  printf ("local %s %d\n", text, ntohs (a.sa.sa_family == AF_INET ? a.in.sin_port : a.in6.sin6_port));
}

static int
int_option (int fd, int level, int name)
{
  int v = -1;
  socklen_t len = sizeof v;

  getsockopt (fd, level, name, &v, &len);
  return v;
}

static void
print_line (int fd)
{
  char buf[256];
  size_t n = 0;

  while (n < sizeof buf - 1 && read (fd, buf + n, 1) == 1 && buf[n] != '\n')
    n++;
  buf[n] = '\0';
  printf ("line %s\n", buf);
}

static int
probe (const char *text, const char *port, const char *mode)
{
  Addr a;
  socklen_t len = parse (text, port, &a);
  int udp = strcmp (mode, "udp") == 0;
  int type = (udp ? SOCK_DGRAM : SOCK_STREAM) | (strcmp (mode, "cloexec") == 0 ? SOCK_CLOEXEC : 0)
             | (strcmp (mode, "nonblock") == 0 ? SOCK_NONBLOCK : 0);
  int fd, r;

  if (strcmp (mode, "nested") == 0 && unshare (CLONE_NEWUSER | CLONE_NEWNET) < 0)
    {
      printf ("error unshare: %s\n", strerror (errno));
      return 1;
    }
  fd = socket (a.sa.sa_family, type, 0);
  if (fd < 0)
    {
      printf ("error socket: %s\n", strerror (errno));
      return 1;
    }
  if (strcmp (mode, "bound") == 0)
    {
      Addr any = { 0 };

      any.sa.sa_family = a.sa.sa_family;
      if (bind (fd, &any.sa, len) < 0)
        printf ("error bind: %s\n", strerror (errno));
    }
  if (strcmp (mode, "timeout") == 0)
    {
      struct timeval tv = { .tv_sec = 7 };
      int one = 1;

      setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
  if (strcmp (mode, "sndtimeo") == 0)
    {
      struct timeval tv = { .tv_sec = 1 };

      setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      if (connect (fd, &a.sa, len) < 0)
        printf ("error %s\n", strerror (errno));
      else
        printf ("connected\n");
      return 0;
    }
  r = connect (fd, &a.sa, len);
  if (r < 0 && errno == EINPROGRESS)
    {
      struct pollfd p = { .fd = fd, .events = POLLOUT };

      printf ("inprogress\n");
      poll (&p, 1, 10000);
      errno = int_option (fd, SOL_SOCKET, SO_ERROR);
      r = errno == 0 ? 0 : -1;
    }
  if (r < 0)
    {
      printf ("error %s\n", strerror (errno));
      return 1;
    }
  print_local (fd);
  printf ("fd %d cloexec %d nonblock %d nodelay %d\n", fd, (fcntl (fd, F_GETFD) & FD_CLOEXEC) != 0,
          (fcntl (fd, F_GETFL) & O_NONBLOCK) != 0, udp ? 0 : int_option (fd, IPPROTO_TCP, TCP_NODELAY));
  if (!udp)
    {
      fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
      print_line (fd);
    }
  fflush (stdout);
  return 0;
}

/* --- serve ------------------------------------------------------------------ */

static void
print_peer (int client)
{
  Addr a;
  socklen_t len = sizeof a;
  char text[INET6_ADDRSTRLEN] = "?", line[128];
  int n;

  if (getpeername (client, &a.sa, &len) < 0)
    return;
  if (a.sa.sa_family == AF_INET)
    inet_ntop (AF_INET, &a.in.sin_addr, text, sizeof text);
  else
    inet_ntop (AF_INET6, &a.in6.sin6_addr, text, sizeof text);
  n = snprintf (line, sizeof line, "peer %s %d\n", text,
                ntohs (a.sa.sa_family == AF_INET ? a.in.sin_port : a.in6.sin6_port));
  fputs (line, stdout);
  fflush (stdout);
  (void) !write (client, line, (size_t) n);
}

static int
serve (const char *text, const char *port, int n, const char *mode)
{
  Addr a;
  socklen_t len = parse (text, port, &a);
  int fd = socket (a.sa.sa_family, SOCK_STREAM | (strcmp (mode, "cloexec") == 0 ? SOCK_CLOEXEC : 0), 0);
  int one = 1, zero = 0, five = 5;

  if (fd < 0)
    return printf ("error %s\n", strerror (errno)), 1;
  if (strcmp (mode, "v6only") == 0)
    setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (strcmp (mode, "dual") == 0)
    setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  if (strcmp (mode, "defer") == 0)
    setsockopt (fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &five, sizeof five);
  if (bind (fd, &a.sa, len) < 0)
    return printf ("error %s\n", strerror (errno)), fflush (stdout), 1;
  print_local (fd);
  printf ("fd %d cloexec %d nonblock %d reuseport %d defer %d\n", fd, (fcntl (fd, F_GETFD) & FD_CLOEXEC) != 0,
          (fcntl (fd, F_GETFL) & O_NONBLOCK) != 0, int_option (fd, SOL_SOCKET, SO_REUSEPORT),
          int_option (fd, IPPROTO_TCP, TCP_DEFER_ACCEPT) > 0);
  if (listen (fd, 16) < 0)
    return printf ("error %s\n", strerror (errno)), fflush (stdout), 1;
  printf ("listening\n");
  fflush (stdout);
  for (int i = 0; i < n; i++)
    {
      int client = accept (fd, NULL, NULL);

      if (client < 0)
        return printf ("error %s\n", strerror (errno)), fflush (stdout), 1;
      print_peer (client);
      close (client);
    }
  return 0;
}

/* --- race ------------------------------------------------------------------ */

static Addr shared, good, bad;
static socklen_t shared_len;
static atomic_int stop;

static void *
flipper (void *data)
{
  (void) data;
  while (!atomic_load (&stop))
    {
      memcpy (&shared, &bad, sizeof shared);
      sched_yield ();
      memcpy (&shared, &good, sizeof shared);
      sched_yield ();
    }
  return NULL;
}

static int
race (char **argv)
{
  int n = atoi (argv[4]), ok = 0, failed = 0;
  pthread_t t;

  shared_len = parse (argv[0], argv[1], &good);
  if (parse (argv[2], argv[3], &bad) != shared_len)
    {
      fprintf (stderr, "tcpprobe: both addresses of one family\n");
      return 2;
    }
  shared = good;
  pthread_create (&t, NULL, flipper, NULL);
  for (int i = 0; i < n; i++)
    {
      int fd = socket (good.sa.sa_family, SOCK_STREAM, 0);

      if (connect (fd, &shared.sa, shared_len) == 0)
        {
          ok++;
          print_line (fd);
        }
      else
        failed++;
      close (fd);
    }
  atomic_store (&stop, 1);
  pthread_join (t, NULL);
  printf ("done %d %d\n", ok, failed);
  return 0;
}

int
main (int argc, char **argv)
{
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (argc >= 4 && strcmp (argv[1], "connect") == 0)
    return probe (argv[2], argv[3], argc > 4 ? argv[4] : "");
  if (argc >= 5 && strcmp (argv[1], "serve") == 0)
    return serve (argv[2], argv[3], atoi (argv[4]), argc > 5 ? argv[5] : "");
  if (argc == 7 && strcmp (argv[1], "race") == 0)
    return race (argv + 2);
  fprintf (stderr, "usage: tcpprobe connect ADDR PORT [MODE] | race ADDR PORT BADADDR BADPORT N\n");
  return 2;
}
