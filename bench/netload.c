/* Servers and a client for bench/network, static so that they run in the
   benchmark's containers and namespaces as they are:

     netload httpd ADDR PORT [WORKERS]
         an HTTP/1.1 server: WORKERS processes (2) forked after the
         listen, each an epoll loop over its connections, answering every
         request with a 13-byte body; keep-alive unless the request says
         "Connection: close". As small as a server can be, so that what
         wrk measures is the path between it and the client.
     netload echo ADDR PORT
         a TCP echo server, one connection at a time, TCP_NODELAY.
     netload rtt ADDR PORT [COUNT]
         COUNT (20000) round trips of one byte to an echo server over one
         connection, after 500 unmeasured; prints the median and the 99th
         percentile in microseconds ("p50 p99").
     netload relay ADDR PORT TO-ADDR TO-PORT
         the least a TCP relay in userspace can be: one epoll loop that
         connects each accepted connection to TO-ADDR:TO-PORT and moves
         the bytes with splice() through a pipe per direction. The
         ceiling of every relaying design (uctr's, rootlesskit's) on
         this machine, measured beside them.

   Exit 0, or 1 with a message on stderr. IPv4 only. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 65536
#define REQUEST_MAX 4096

static const char response_keep[] = "HTTP/1.1 200 OK\r\n"
                                    "Content-Length: 13\r\n"
                                    "Content-Type: text/plain\r\n"
                                    "\r\n"
                                    "hello, world\n";
static const char response_close[] = "HTTP/1.1 200 OK\r\n"
                                     "Content-Length: 13\r\n"
                                     "Content-Type: text/plain\r\n"
                                     "Connection: close\r\n"
                                     "\r\n"
                                     "hello, world\n";

struct conn
{
  size_t len;
  char buf[REQUEST_MAX];
};

static struct conn *conns[MAX_FDS];

static void
die (const char *what)
{
  fprintf (stderr, "netload: %s: %s\n", what, strerror (errno));
  exit (1);
}

static _Noreturn void
usage (void)
{
  fputs ("usage: netload httpd|echo ADDR PORT [WORKERS] | netload rtt ADDR PORT [COUNT]\n"
         "       netload relay ADDR PORT TO-ADDR TO-PORT\n",
         stderr);
  exit (1);
}

static struct sockaddr_in
address (const char *addr, const char *port)
{
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons ((unsigned short) atoi (port)) };

  if (inet_pton (AF_INET, addr, &sa.sin_addr) != 1)
    {
      fprintf (stderr, "netload: %s is not an IPv4 address\n", addr);
      exit (1);
    }
  return sa;
}

static int
listen_on (const char *addr, const char *port, int flags)
{
  struct sockaddr_in sa = address (addr, port);
  int one = 1;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);

  if (fd < 0)
    die ("socket");
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind (fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    die ("bind");
  if (listen (fd, 1024) < 0)
    die ("listen");
  return fd;
}

static void
nodelay (int fd)
{
  int one = 1;

  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void
drop (int ep, int fd)
{
  epoll_ctl (ep, EPOLL_CTL_DEL, fd, NULL);
  close (fd);
  free (conns[fd]);
  conns[fd] = NULL;
}

static void
accept_all (int ep, int lfd)
{
  for (;;)
    {
      int fd = accept4 (lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      struct epoll_event ev = { .events = EPOLLIN };

      if (fd < 0)
        return; /* EAGAIN: another worker took it, or none left */
      if (fd >= MAX_FDS || (conns[fd] = calloc (1, sizeof (struct conn))) == NULL)
        {
          close (fd);
          continue;
        }
      nodelay (fd);
      ev.data.fd = fd;
      if (epoll_ctl (ep, EPOLL_CTL_ADD, fd, &ev) < 0)
        drop (ep, fd);
    }
}

/* Answers each whole request in C's buffer; FALSE when the connection is
   to be closed (the client asked, or a request too long or a write that
   would block: a benchmark's client never makes either). */
static int
answer (int fd, struct conn *c)
{
  char *end;

  while ((end = memmem (c->buf, c->len, "\r\n\r\n", 4)) != NULL)
    {
      size_t used = (size_t) (end + 4 - c->buf);
      int close_after = memmem (c->buf, used, "Connection: close", 17) != NULL
                        || memmem (c->buf, used, "connection: close", 17) != NULL;
      const char *r = close_after ? response_close : response_keep;
      size_t n = close_after ? sizeof response_close - 1 : sizeof response_keep - 1;

      if (write (fd, r, n) != (ssize_t) n || close_after)
        return 0;
      memmove (c->buf, c->buf + used, c->len - used);
      c->len -= used;
    }
  return c->len < sizeof c->buf;
}

static _Noreturn void
serve_http (int lfd)
{
  struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = lfd };
  struct epoll_event events[64];
  int ep = epoll_create1 (EPOLL_CLOEXEC);

  if (ep < 0 || epoll_ctl (ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
    die ("epoll");
  for (;;)
    {
      int n = epoll_wait (ep, events, 64, -1);

      if (n < 0 && errno != EINTR)
        die ("epoll_wait");
      for (int i = 0; i < n; i++)
        {
          int fd = events[i].data.fd;
          struct conn *c = conns[fd];
          ssize_t got;

          if (fd == lfd)
            {
              accept_all (ep, lfd);
              continue;
            }
          got = read (fd, c->buf + c->len, sizeof c->buf - c->len);
          if (got < 0 && errno == EAGAIN)
            continue;
          if (got <= 0)
            {
              drop (ep, fd);
              continue;
            }
          c->len += (size_t) got;
          if (!answer (fd, c))
            drop (ep, fd);
        }
    }
}

static int
httpd (int argc, char **argv)
{
  int workers = argc > 4 ? atoi (argv[4]) : 2;
  int lfd = listen_on (argv[2], argv[3], SOCK_NONBLOCK);
  pid_t parent = getpid ();

  signal (SIGPIPE, SIG_IGN);
  for (int i = 0; i < workers; i++)
    {
      pid_t pid = fork ();

      if (pid < 0)
        die ("fork");
      if (pid == 0)
        {
          /* Stopped by its pid, the server stops whole. */
          if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid () != parent)
            _exit (1);
          serve_http (lfd);
        }
    }
  while (wait (NULL) > 0 || errno == EINTR)
    ;
  return 0;
}

static _Noreturn void
echo (char **argv)
{
  int lfd = listen_on (argv[2], argv[3], 0);
  char buf[65536];

  signal (SIGPIPE, SIG_IGN);
  for (;;)
    {
      int fd = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC);
      ssize_t n;

      if (fd < 0)
        {
          if (errno == EINTR || errno == ECONNABORTED)
            continue;
          die ("accept");
        }
      nodelay (fd);
      while ((n = read (fd, buf, sizeof buf)) > 0)
        if (write (fd, buf, (size_t) n) != n)
          break;
      close (fd);
    }
}

static double
now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
round_trip (int fd)
{
  char c = 'x';
  ssize_t n;

  if (write (fd, &c, 1) != 1)
    die ("write");
  n = read (fd, &c, 1);
  if (n < 0)
    die ("read");
  if (n == 0)
    {
      fputs ("netload: the echo server closed the connection\n", stderr);
      exit (1);
    }
}

static int
rtt (int argc, char **argv)
{
  struct sockaddr_in sa = address (argv[2], argv[3]);
  int count = argc > 4 ? atoi (argv[4]) : 20000;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  double *t;

  if (count < 1 || (t = calloc ((size_t) count, sizeof *t)) == NULL)
    usage ();
  if (fd < 0 || connect (fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    die ("connect");
  nodelay (fd);
  for (int i = 0; i < 500; i++)
    round_trip (fd);
  for (int i = 0; i < count; i++)
    {
      double start = now_us ();

      round_trip (fd);
      t[i] = now_us () - start;
    }
  qsort (t, (size_t) count, sizeof *t, compare_doubles);
  printf ("%.0f %.0f\n", t[count / 2], t[(count * 99) / 100]);
  return 0;
}

/* One direction of a relayed connection: from its socket through the pipe
   to the peer's socket; halves[fd] is the direction that reads fd. */
struct half
{
  int peer;
  int rd, wr;
  size_t queued;
  int eof, shut;
};

static struct half *halves[MAX_FDS];

static void
relay_drop (int ep, int fd)
{
  struct half *h = halves[fd], *o = halves[h->peer];

  epoll_ctl (ep, EPOLL_CTL_DEL, fd, NULL);
  epoll_ctl (ep, EPOLL_CTL_DEL, h->peer, NULL);
  close (h->rd);
  close (h->wr);
  close (o->rd);
  close (o->wr);
  close (h->peer);
  close (fd);
  halves[h->peer] = NULL;
  halves[fd] = NULL;
  free (o);
  free (h);
}

static struct half *
half_new (int peer)
{
  struct half *h = calloc (1, sizeof *h);
  int p[2];

  if (h == NULL || pipe2 (p, O_NONBLOCK | O_CLOEXEC) < 0)
    die ("pipe");
  fcntl (p[1], F_SETPIPE_SZ, 1 << 20);
  h->peer = peer;
  h->rd = p[0];
  h->wr = p[1];
  return h;
}

/* Moves what can move from FD to its peer until either side would block
   (the sockets are polled edge-triggered); -1 on an error. */
static int
relay_pump (int fd)
{
  struct half *h = halves[fd];
  const unsigned flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;

  for (;;)
    {
      ssize_t in = h->eof ? -1 : splice (fd, NULL, h->wr, NULL, 1 << 20, flags);
      ssize_t out = 0;

      if (in == 0)
        h->eof = 1;
      else if (in < 0 && !h->eof && errno != EAGAIN)
        return -1;
      else if (in > 0)
        h->queued += (size_t) in;
      if (h->queued > 0)
        {
          out = splice (h->rd, NULL, h->peer, NULL, h->queued, flags);
          if (out < 0 && errno != EAGAIN)
            return -1;
          if (out > 0)
            h->queued -= (size_t) out;
        }
      if (h->eof && h->queued == 0 && !h->shut)
        {
          shutdown (h->peer, SHUT_WR);
          h->shut = 1;
        }
      if (out <= 0 && in <= 0)
        return 0;
    }
}

static _Noreturn void
relay (char **argv)
{
  int lfd = listen_on (argv[2], argv[3], SOCK_NONBLOCK);
  struct sockaddr_in to = address (argv[4], argv[5]);
  int ep = epoll_create1 (EPOLL_CLOEXEC);
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd }, evs[64];

  signal (SIGPIPE, SIG_IGN);
  if (ep < 0 || epoll_ctl (ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
    die ("epoll");
  for (;;)
    {
      int n = epoll_wait (ep, evs, 64, -1);

      for (int i = 0; i < n; i++)
        {
          int fd = evs[i].data.fd, a, b;

          if (fd != lfd)
            {
              /* Either direction may move: fd readable, or fd writable
                 for what its peer sent. */
              if (halves[fd] == NULL)
                continue;
              b = halves[fd]->peer;
              if (relay_pump (fd) < 0 || relay_pump (b) < 0 || (halves[fd]->shut && halves[b]->shut))
                relay_drop (ep, fd);
              continue;
            }
          while ((a = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
            {
              b = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
              if (b < 0 || a >= MAX_FDS || b >= MAX_FDS
                  || connect (b, (struct sockaddr *) &to, sizeof to) < 0)
                die ("connect");
              fcntl (a, F_SETFL, O_NONBLOCK);
              fcntl (b, F_SETFL, O_NONBLOCK);
              nodelay (a);
              nodelay (b);
              halves[a] = half_new (b);
              halves[b] = half_new (a);
              ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
              ev.data.fd = a;
              epoll_ctl (ep, EPOLL_CTL_ADD, a, &ev);
              ev.data.fd = b;
              epoll_ctl (ep, EPOLL_CTL_ADD, b, &ev);
              ev.events = EPOLLIN;
            }
        }
    }
}

int
main (int argc, char **argv)
{
  if (argc < 4)
    usage ();
  if (strcmp (argv[1], "httpd") == 0)
    return httpd (argc, argv);
  if (strcmp (argv[1], "echo") == 0)
    echo (argv);
  if (strcmp (argv[1], "rtt") == 0)
    return rtt (argc, argv);
  if (strcmp (argv[1], "relay") == 0 && argc == 6)
    relay (argv);
  usage ();
}
