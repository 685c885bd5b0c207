/* A test tool for the network helper, in several roles:

     slirp-echo serve DIR [--dns]
         on the host: TCP and UDP echo on 127.0.0.1 and ::1 at one port, a
         TCP port that resets every connection after its first bytes, a TCP
         port that answers with
         the address of the peer, and with --dns a DNS server on
         127.0.0.1:53 (in a network namespace of our own). DIR/ports gets
         "ECHO RESET WHOAMI" once all listen.
     slirp-echo client tcp|udp ADDR PORT [--size N] [--timeout MS] [--read]
         sends N bytes and checks they come back (--read: prints what the
         server sends); gives up after MS without progress (30 s). Exit 0
         ok, 2 refused, 3 timed out, 4 wrong echo, 5 reset, 6 unreachable,
         1 anything else.
     slirp-echo dns SERVER NAME
         asks SERVER:53 for NAME's A record; prints the address (exit 0) or
         NXDOMAIN (exit 2).
     slirp-echo netns [--options TEXT] [--helper-pid-file FILE] -- CMD...
         creates a user and network namespace with tap0 in it, starts the
         helper on the host side with the tap fd (as `slirp-echo helper`),
         runs CMD inside once the helper is ready, and checks that the
         helper exits by itself once CMD has. Exit: CMD's status; 124 when
         the helper outlived CMD, 125 when it failed, 126 when it exited
         before CMD.
     slirp-echo helper OPTIONS
         the helper, with tap0 on fd 3, the pidfd on 4, the ready pipe on 5,
         as uctr-net gets them. */
#include "net/slirp.h"
#include "base/util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define HELPER_TAP_FD 3
#define HELPER_PIDFD 4
#define HELPER_READY_FD 5
#define HELPER_EXIT_GRACE_MS 5000
/* How long a client waits for the next bytes: long enough that a busy
   machine (the ASan suite beside other tests, load 10 on two cores) is
   not a failure, so that only a stall is; a test that expects no answer
   passes a short --timeout. */
#define CLIENT_TIMEOUT_MS 30000
#define READY_TIMEOUT_MS 10000

#define DNS_NAME "host.uctr.test"
#define DNS_ADDRESS "192.0.2.53"

enum
{
  EXIT_OK = 0,
  EXIT_FAILED = 1,
  EXIT_REFUSED = 2,
  EXIT_TIMEOUT = 3,
  EXIT_MISMATCH = 4,
  EXIT_RESET = 5,
  EXIT_UNREACHABLE = 6,
};

static void G_GNUC_NORETURN G_GNUC_PRINTF (1, 2) die (const char *fmt, ...)
{
  int errsv = errno;
  va_list ap;

  fputs ("slirp-echo: ", stderr);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  if (errsv != 0)
    fprintf (stderr, ": %s", g_strerror (errsv));
  fputc ('\n', stderr);
  exit (EXIT_FAILED);
}

static guint8
pattern (gsize i)
{
  return (guint8) (i * 31 + i / 251);
}

static int
exit_for_errno (int errsv)
{
  switch (errsv)
    {
    case ECONNREFUSED:
      puts ("refused");
      return EXIT_REFUSED;
    case ETIMEDOUT:
      puts ("timeout");
      return EXIT_TIMEOUT;
    case ECONNRESET:
    case EPIPE:
      puts ("reset");
      return EXIT_RESET;
    case ENETUNREACH:
    case EHOSTUNREACH:
      puts ("unreachable");
      return EXIT_UNREACHABLE;
    default:
      printf ("error: %s\n", g_strerror (errsv));
      return EXIT_FAILED;
    }
}

/* poll() for one fd; ETIMEDOUT when nothing comes within timeout_ms. */
static int
wait_fd (int fd, short events, int timeout_ms)
{
  struct pollfd p = { .fd = fd, .events = events };
  int r = TEMP_FAILURE_RETRY (poll (&p, 1, timeout_ms));

  if (r < 0)
    return errno;
  return r == 0 ? ETIMEDOUT : 0;
}

static void
parse_address (const char *host, int port, struct sockaddr_storage *ss, socklen_t *len)
{
  struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, .ai_family = AF_UNSPEC };
  g_autofree char *service = g_strdup_printf ("%d", port);
  struct addrinfo *res = NULL;

  if (getaddrinfo (host, service, &hints, &res) != 0)
    {
      errno = 0;
      die ("not a numeric address: %s", host);
    }
  memcpy (ss, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo (res);
}

/* --- clients ------------------------------------------------------------ */

static int
connect_tcp (const struct sockaddr_storage *ss, socklen_t len, int timeout_ms, int *out)
{
  uctr_autofd int fd = socket (ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  socklen_t elen = sizeof (int);
  int err = 0;

  if (fd < 0)
    die ("socket");
  if (connect (fd, (const struct sockaddr *) ss, len) < 0 && errno != EINPROGRESS)
    return errno;
  err = wait_fd (fd, POLLOUT, timeout_ms);
  if (err != 0)
    return err;
  if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
    die ("getsockopt");
  if (err == 0)
    *out = uctr_steal_fd (&fd);
  return err;
}

/* Sends SIZE bytes and reads the echo at the same time, so that neither
   side's buffers fill up with the other waiting. */
static int
echo_tcp (int fd, gsize size, int timeout_ms)
{
  g_autofree guint8 *out = g_malloc (MAX (size, 1));
  guint8 in[65536];
  gsize sent = 0, received = 0, i;
  gboolean shut = FALSE;

  for (i = 0; i < size; i++)
    out[i] = pattern (i);
  for (;;)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN | (sent < size ? POLLOUT : 0) };
      int r = TEMP_FAILURE_RETRY (poll (&p, 1, timeout_ms));
      ssize_t n;

      if (r == 0)
        return exit_for_errno (ETIMEDOUT);
      if (sent == size && !shut)
        {
          (void) shutdown (fd, SHUT_WR);
          shut = TRUE;
        }
      if (p.revents & POLLOUT)
        {
          n = send (fd, out + sent, MIN (size - sent, 65536), MSG_NOSIGNAL);
          if (n < 0 && errno != EAGAIN)
            return exit_for_errno (errno);
          sent += MAX (n, 0);
        }
      if (p.revents & (POLLIN | POLLHUP | POLLERR))
        {
          n = recv (fd, in, sizeof in, 0);
          if (n < 0 && errno == EAGAIN)
            continue;
          if (n < 0)
            return exit_for_errno (errno);
          if (n == 0)
            break;
          for (i = 0; i < (gsize) n; i++)
            if (received + i >= size || in[i] != out[received + i])
              {
                printf ("wrong echo at byte %" G_GSIZE_FORMAT "\n", received + i);
                return EXIT_MISMATCH;
              }
          received += n;
        }
    }
  if (received != size)
    {
      printf ("short echo: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes\n", received, size);
      return EXIT_MISMATCH;
    }
  printf ("echo %" G_GSIZE_FORMAT " bytes\n", size);
  return EXIT_OK;
}

/* Prints what the server sends until it closes. */
static int
read_tcp (int fd, int timeout_ms)
{
  char buf[512];
  ssize_t n;
  int err;

  for (;;)
    {
      if ((err = wait_fd (fd, POLLIN, timeout_ms)) != 0)
        return exit_for_errno (err);
      n = recv (fd, buf, sizeof buf, 0);
      if (n < 0 && errno == EAGAIN)
        continue;
      if (n < 0)
        return exit_for_errno (errno);
      if (n == 0)
        return EXIT_OK;
      fwrite (buf, 1, n, stdout);
    }
}

static int
client_tcp (const struct sockaddr_storage *ss, socklen_t len, gsize size, int timeout_ms, gboolean read_only)
{
  uctr_autofd int fd = -1;
  int err = connect_tcp (ss, len, timeout_ms, &fd);

  if (err != 0)
    return exit_for_errno (err);
  return read_only ? read_tcp (fd, timeout_ms) : echo_tcp (fd, size, timeout_ms);
}

/* Two tries: the first datagram may wait for ARP/NDP on either side. */
static int
client_udp (const struct sockaddr_storage *ss, socklen_t len, gsize size, int timeout_ms)
{
  uctr_autofd int fd = socket (ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  g_autofree guint8 *out = g_malloc (MAX (size, 1));
  g_autofree guint8 *in = g_malloc (65536);
  int attempt, err = ETIMEDOUT;
  gsize i;

  if (fd < 0)
    die ("socket");
  for (i = 0; i < size; i++)
    out[i] = pattern (i);
  if (connect (fd, (const struct sockaddr *) ss, len) < 0)
    return exit_for_errno (errno);
  for (attempt = 0; attempt < 2; attempt++)
    {
      ssize_t n;

      if (send (fd, out, size, 0) < 0)
        return exit_for_errno (errno);
      if ((err = wait_fd (fd, POLLIN, timeout_ms / 2)) == ETIMEDOUT)
        continue;
      if (err != 0)
        return exit_for_errno (err);
      n = recv (fd, in, 65536, 0);
      if (n < 0)
        return exit_for_errno (errno);
      if ((gsize) n != size || memcmp (in, out, size) != 0)
        {
          printf ("wrong echo: %zd bytes\n", n);
          return EXIT_MISMATCH;
        }
      printf ("echo %" G_GSIZE_FORMAT " bytes\n", size);
      return EXIT_OK;
    }
  return exit_for_errno (err);
}

static int
cmd_client (int argc, char **argv)
{
  struct sockaddr_storage ss;
  socklen_t len;
  gsize size = 6;
  int timeout_ms = CLIENT_TIMEOUT_MS, i;
  gboolean read_only = FALSE;

  if (argc < 5)
    die ("usage: client tcp|udp ADDR PORT [--size N] [--timeout MS] [--read]");
  parse_address (argv[3], atoi (argv[4]), &ss, &len);
  for (i = 5; i < argc; i++)
    {
      if (strcmp (argv[i], "--size") == 0 && i + 1 < argc)
        size = g_ascii_strtoull (argv[++i], NULL, 10);
      else if (strcmp (argv[i], "--timeout") == 0 && i + 1 < argc)
        timeout_ms = atoi (argv[++i]);
      else if (strcmp (argv[i], "--read") == 0)
        read_only = TRUE;
      else
        die ("unknown client option %s", argv[i]);
    }
  if (strcmp (argv[2], "tcp") == 0)
    return client_tcp (&ss, len, size, timeout_ms, read_only);
  if (strcmp (argv[2], "udp") == 0)
    return client_udp (&ss, len, size, timeout_ms);
  die ("client: tcp or udp, not %s", argv[2]);
}

/* --- DNS ------------------------------------------------------------------ */

/* Appends NAME as DNS labels; FALSE when it does not fit. */
static gboolean
put_name (GByteArray *msg, const char *name)
{
  g_auto(GStrv) labels = g_strsplit (name, ".", -1);
  guint8 zero = 0;
  gsize i;

  for (i = 0; labels[i] != NULL; i++)
    {
      guint8 len = strlen (labels[i]);
      if (strlen (labels[i]) == 0 || strlen (labels[i]) > 63)
        return FALSE;
      g_byte_array_append (msg, &len, 1);
      g_byte_array_append (msg, (const guint8 *) labels[i], len);
    }
  g_byte_array_append (msg, &zero, 1);
  return TRUE;
}

/* Reads the (uncompressed) name at *off into text; FALSE when malformed. */
static gboolean
get_name (const guint8 *msg, gsize len, gsize *off, GString *text)
{
  while (*off < len)
    {
      guint8 l = msg[(*off)++];
      if (l == 0)
        return TRUE;
      if ((l & 0xc0) == 0xc0)
        {
          (*off)++;
          return *off <= len;
        }
      if (*off + l > len)
        return FALSE;
      if (text != NULL)
        g_string_append_printf (text, "%s%.*s", text->len > 0 ? "." : "", l, (const char *) msg + *off);
      *off += l;
    }
  return FALSE;
}

/* Answers one query: an A record for DNS_NAME, NXDOMAIN for other names. */
static gssize
dns_answer (const guint8 *q, gsize qlen, guint8 *out, gsize out_size)
{
  static const guint8 answer[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4 };
  g_autoptr(GString) name = g_string_new (NULL);
  gsize off = 12;
  struct in_addr a;
  gboolean found;

  if (qlen < 12 || !get_name (q, qlen, &off, name) || off + 4 > qlen)
    return -1;
  off += 4;
  found = g_ascii_strcasecmp (name->str, DNS_NAME) == 0;
  if (off + sizeof answer + 4 > out_size)
    return -1;
  memcpy (out, q, off);
  out[2] = 0x80 | (q[2] & 0x01);                         /* QR, RD copied */
  out[3] = 0x80 | (found ? 0 : 3);                       /* RA, NOERROR or NXDOMAIN */
  out[4] = 0, out[5] = 1;                                /* one question */
  out[6] = 0, out[7] = found && q[off - 3] == 1 ? 1 : 0; /* an answer when it asked for A */
  memset (out + 8, 0, 4);
  if (out[7] == 0)
    return off;
  memcpy (out + off, answer, sizeof answer);
  inet_pton (AF_INET, DNS_ADDRESS, &a);
  memcpy (out + off + sizeof answer, &a, 4);
  return off + sizeof answer + 4;
}

static int
cmd_dns (int argc, char **argv)
{
  g_autoptr(GByteArray) q = g_byte_array_new ();
  static const guint8 header[] = { 0x75, 0x63, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
  static const guint8 type_a[] = { 0, 1, 0, 1 };
  struct sockaddr_storage ss;
  socklen_t len;
  uctr_autofd int fd = -1;
  guint8 r[1500];
  gsize off = 12;
  ssize_t n;
  int err, attempt, i, answers;

  if (argc != 4)
    die ("usage: dns SERVER NAME");
  parse_address (argv[2], 53, &ss, &len);
  g_byte_array_append (q, header, sizeof header);
  if (!put_name (q, argv[3]))
    die ("bad name %s", argv[3]);
  g_byte_array_append (q, type_a, sizeof type_a);
  fd = socket (ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect (fd, (struct sockaddr *) &ss, len) < 0)
    return exit_for_errno (errno);
  for (attempt = 0, err = ETIMEDOUT; attempt < 2 && err == ETIMEDOUT; attempt++)
    {
      if (send (fd, q->data, q->len, 0) < 0)
        return exit_for_errno (errno);
      err = wait_fd (fd, POLLIN, 1500);
    }
  if (err != 0)
    return exit_for_errno (err);
  n = recv (fd, r, sizeof r, 0);
  if (n < 12 || r[0] != header[0] || r[1] != header[1])
    return exit_for_errno (n < 0 ? errno : EPROTO);
  if ((r[3] & 0x0f) == 3)
    {
      puts ("NXDOMAIN");
      return EXIT_REFUSED;
    }
  answers = r[6] << 8 | r[7];
  if (!get_name (r, n, &off, NULL) || (off += 4) > (gsize) n)
    return exit_for_errno (EPROTO);
  for (i = 0; i < answers; i++)
    {
      guint16 type, rdlen;
      if (!get_name (r, n, &off, NULL) || off + 10 > (gsize) n)
        return exit_for_errno (EPROTO);
      type = r[off] << 8 | r[off + 1];
      rdlen = r[off + 8] << 8 | r[off + 9];
      off += 10;
      if (off + rdlen > (gsize) n)
        return exit_for_errno (EPROTO);
      if (type == 1 && rdlen == 4)
        {
          char text[INET_ADDRSTRLEN];
          puts (inet_ntop (AF_INET, r + off, text, sizeof text));
          return EXIT_OK;
        }
      off += rdlen;
    }
  puts ("no answer");
  return EXIT_MISMATCH;
}

/* --- servers -------------------------------------------------------------- */

static int
listen_on (int type, const char *addr, int port)
{
  struct sockaddr_storage ss;
  socklen_t len;
  int one = 1;
  int fd;

  parse_address (addr, port, &ss, &len);
  fd = socket (ss.ss_family, type | SOCK_CLOEXEC, 0);
  if (fd < 0)
    die ("socket");
  (void) setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind (fd, (struct sockaddr *) &ss, len) < 0 || (type == SOCK_STREAM && listen (fd, 64) < 0))
    {
      int errsv = errno;
      close (fd);
      errno = errsv;
      return -1;
    }
  return fd;
}

static int
local_port (int fd)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;

  if (getsockname (fd, (struct sockaddr *) &ss, &len) < 0)
    die ("getsockname");
  return ntohs (ss.ss_family == AF_INET ? ((struct sockaddr_in *) &ss)->sin_port
                                        : ((struct sockaddr_in6 *) &ss)->sin6_port);
}

enum
{
  SRV_TCP4,
  SRV_UDP4,
  SRV_TCP6,
  SRV_UDP6,
  SRV_RESET,
  SRV_WHOAMI,
  SRV_DNS,
  SRV_N,
};

/* The four echo sockets share one port, so that the tests name one. */
static void
bind_echo (int fds[SRV_N])
{
  int attempt;

  for (attempt = 0; attempt < 20; attempt++)
    {
      int port;

      fds[SRV_TCP4] = listen_on (SOCK_STREAM, "127.0.0.1", 0);
      if (fds[SRV_TCP4] < 0)
        die ("listening on 127.0.0.1");
      port = local_port (fds[SRV_TCP4]);
      fds[SRV_UDP4] = listen_on (SOCK_DGRAM, "127.0.0.1", port);
      fds[SRV_TCP6] = listen_on (SOCK_STREAM, "::1", port);
      if (fds[SRV_TCP6] < 0 && errno == EADDRNOTAVAIL)
        fds[SRV_UDP6] = -1; /* no IPv6 on lo */
      else
        fds[SRV_UDP6] = listen_on (SOCK_DGRAM, "::1", port);
      if (fds[SRV_UDP4] >= 0 && (fds[SRV_TCP6] >= 0) == (fds[SRV_UDP6] >= 0)
          && (fds[SRV_TCP6] >= 0 || errno == EADDRNOTAVAIL))
        return;
      for (int i = SRV_TCP4; i <= SRV_UDP6; i++)
        uctr_close_fdp (&fds[i]);
    }
  die ("no port free for TCP and UDP on 127.0.0.1 and ::1");
}

/* A child per connection keeps the server simple: echo until EOF. */
static void
serve_echo_connection (int listener)
{
  uctr_autofd int fd = accept4 (listener, NULL, NULL, SOCK_CLOEXEC);
  struct timeval tv = { .tv_sec = 20 };
  guint8 buf[65536];
  pid_t pid;

  if (fd < 0)
    return;
  pid = fork ();
  if (pid != 0)
    return;
  (void) setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void) setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  for (;;)
    {
      ssize_t n = TEMP_FAILURE_RETRY (read (fd, buf, sizeof buf)), off = 0;
      if (n <= 0)
        _exit (0);
      while (off < n)
        {
          ssize_t w = send (fd, buf + off, n - off, MSG_NOSIGNAL);
          if (w <= 0)
            _exit (1);
          off += w;
        }
    }
}

/* Reads the first bytes, then resets the connection while the client is
   still sending: what a crashing server does to the helper. */
static void
serve_reset (int listener)
{
  uctr_autofd int fd = accept4 (listener, NULL, NULL, SOCK_CLOEXEC);
  struct linger lg = { .l_onoff = 1, .l_linger = 0 };
  guint8 buf[4096];

  if (fd < 0 || fork () != 0)
    return;
  if (wait_fd (fd, POLLIN, 5000) == 0)
    (void) !read (fd, buf, sizeof buf);
  (void) setsockopt (fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  _exit (0);
}

static void
serve_whoami (int listener)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  uctr_autofd int fd = accept4 (listener, (struct sockaddr *) &ss, &len, SOCK_CLOEXEC);
  char host[NI_MAXHOST], line[NI_MAXHOST + 1];

  if (fd < 0 || getnameinfo ((struct sockaddr *) &ss, len, host, sizeof host, NULL, 0, NI_NUMERICHOST) != 0)
    return;
  g_snprintf (line, sizeof line, "%s\n", host);
  (void) send (fd, line, strlen (line), MSG_NOSIGNAL);
}

static void
serve_datagram (int fd, gboolean dns)
{
  static guint8 buf[65536], out[1500];
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  ssize_t n = recvfrom (fd, buf, sizeof buf, 0, (struct sockaddr *) &ss, &len);

  if (n < 0)
    return;
  if (dns)
    {
      gssize r = dns_answer (buf, n, out, sizeof out);
      if (r > 0)
        (void) sendto (fd, out, r, 0, (struct sockaddr *) &ss, len);
    }
  else
    (void) sendto (fd, buf, n, 0, (struct sockaddr *) &ss, len);
}

static void
write_ports (const char *dir, const int fds[SRV_N])
{
  g_autofree char *path = g_build_filename (dir, "ports", NULL);
  g_autofree char *tmp = g_strconcat (path, ".tmp", NULL);
  g_autofree char *text = g_strdup_printf ("%d %d %d\n", local_port (fds[SRV_TCP4]),
                                           local_port (fds[SRV_RESET]), local_port (fds[SRV_WHOAMI]));

  if (!g_file_set_contents (tmp, text, -1, NULL) || rename (tmp, path) < 0)
    die ("writing %s", path);
}

static int
cmd_serve (int argc, char **argv)
{
  struct sigaction reap = { .sa_handler = SIG_IGN, .sa_flags = SA_NOCLDWAIT };
  int fds[SRV_N];
  struct pollfd p[SRV_N];
  int i;

  if (argc < 3 || (argc == 4 && strcmp (argv[3], "--dns") != 0) || argc > 4)
    die ("usage: serve DIR [--dns]");
  (void) prctl (PR_SET_PDEATHSIG, SIGTERM);
  (void) sigaction (SIGCHLD, &reap, NULL);
  bind_echo (fds);
  fds[SRV_RESET] = listen_on (SOCK_STREAM, "127.0.0.1", 0);
  fds[SRV_WHOAMI] = listen_on (SOCK_STREAM, "127.0.0.1", 0);
  fds[SRV_DNS] = argc == 4 ? listen_on (SOCK_DGRAM, "127.0.0.1", 53) : -1;
  if (fds[SRV_RESET] < 0 || fds[SRV_WHOAMI] < 0 || (argc == 4 && fds[SRV_DNS] < 0))
    die ("listening on 127.0.0.1");
  write_ports (argv[2], fds);
  for (i = 0; i < SRV_N; i++)
    p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
  for (;;)
    {
      if (TEMP_FAILURE_RETRY (poll (p, SRV_N, -1)) < 0)
        die ("poll");
      for (i = 0; i < SRV_N; i++)
        {
          if (!(p[i].revents & POLLIN))
            continue;
          if (i == SRV_TCP4 || i == SRV_TCP6)
            serve_echo_connection (fds[i]);
          else if (i == SRV_RESET)
            serve_reset (fds[i]);
          else if (i == SRV_WHOAMI)
            serve_whoami (fds[i]);
          else
            serve_datagram (fds[i], i == SRV_DNS);
        }
    }
}

/* --- the namespace and the helper ------------------------------------------ */

static void
write_proc (const char *file, const char *text)
{
  int fd = open (file, O_WRONLY | O_CLOEXEC);

  if (fd < 0 || write (fd, text, strlen (text)) != (ssize_t) strlen (text))
    die ("writing %s", file);
  close (fd);
}

static int
open_tap (void)
{
  struct ifreq ifr = { .ifr_name = "tap0", .ifr_flags = IFF_TAP | IFF_NO_PI };
  int fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);

  if (fd < 0)
    die ("opening /dev/net/tun");
  if (ioctl (fd, TUNSETIFF, &ifr) < 0)
    die ("creating tap0");
  return fd;
}

static void
send_fd (int sock, int fd)
{
  char cbuf[CMSG_SPACE (sizeof (int))] = { 0 };
  char byte = 'T';
  struct iovec iov = { &byte, 1 };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *c = CMSG_FIRSTHDR (&mh);

  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof fd);
  if (sendmsg (sock, &mh, MSG_NOSIGNAL) != 1)
    die ("sending the tap fd");
}

static int
recv_fd (int sock)
{
  char cbuf[CMSG_SPACE (sizeof (int))] = { 0 };
  char byte;
  struct iovec iov = { &byte, 1 };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *c;
  int fd;

  if (recvmsg (sock, &mh, MSG_CMSG_CLOEXEC) != 1 || (c = CMSG_FIRSTHDR (&mh)) == NULL
      || c->cmsg_type != SCM_RIGHTS)
    die ("receiving the tap fd");
  memcpy (&fd, CMSG_DATA (c), sizeof fd);
  return fd;
}

/* The container's side: a user namespace mapping us to root, a network
   namespace it owns, tap0 in it. Runs CMD once the helper is up. */
static void G_GNUC_NORETURN
run_inside (int sock, uid_t uid, gid_t gid, char **cmd)
{
  g_autofree char *uid_map = g_strdup_printf ("0 %u 1", (guint) uid);
  g_autofree char *gid_map = g_strdup_printf ("0 %u 1", (guint) gid);
  char go;
  int tap;

  (void) prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (unshare (CLONE_NEWUSER | CLONE_NEWNET) < 0)
    die ("unshare");
  write_proc ("/proc/self/setgroups", "deny");
  write_proc ("/proc/self/uid_map", uid_map);
  write_proc ("/proc/self/gid_map", gid_map);
  tap = open_tap ();
  send_fd (sock, tap);
  close (tap);
  if (TEMP_FAILURE_RETRY (read (sock, &go, 1)) != 1)
    _exit (EXIT_FAILED);
  close (sock);
  execvp (cmd[0], cmd);
  die ("running %s", cmd[0]);
}

/* The fds of uctr-net: 3, 4, 5, without clobbering each other.
   $SLIRP_ECHO_HELPER_WRAPPER (say "valgrind --leak-check=full") runs it under a tool. */
static void G_GNUC_NORETURN
exec_helper (const char *self, int tap, int pidfd, int ready, const char *options)
{
  const char *wrapper = g_getenv ("SLIRP_ECHO_HELPER_WRAPPER");
  g_auto(GStrv) wrap = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  if (wrapper != NULL && !g_shell_parse_argv (wrapper, NULL, &wrap, NULL))
    _exit (EXIT_FAILED);
  for (int i = 0; wrap != NULL && wrap[i] != NULL; i++)
    g_ptr_array_add (argv, wrap[i]);
  g_ptr_array_add (argv, (char *) self);
  g_ptr_array_add (argv, (char *) "helper");
  g_ptr_array_add (argv, (char *) options);
  g_ptr_array_add (argv, NULL);
  if ((tap = fcntl (tap, F_DUPFD_CLOEXEC, 10)) < 0 || (pidfd = fcntl (pidfd, F_DUPFD_CLOEXEC, 10)) < 0
      || (ready = fcntl (ready, F_DUPFD_CLOEXEC, 10)) < 0 || dup2 (tap, HELPER_TAP_FD) < 0
      || dup2 (pidfd, HELPER_PIDFD) < 0 || dup2 (ready, HELPER_READY_FD) < 0)
    _exit (EXIT_FAILED);
  (void) setsid ();
  execvp (argv->pdata[0], (char **) argv->pdata);
  _exit (EXIT_FAILED);
}

static int
exit_status (int status)
{
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

/* How the helper ended, once CMD has: it must exit by itself, with 0. */
static int
wait_helper (pid_t helper, int helper_pidfd, int cmd_status)
{
  int status;

  if (wait_fd (helper_pidfd, POLLIN, HELPER_EXIT_GRACE_MS) != 0)
    {
      fprintf (stderr, "slirp-echo: helper still running %d ms after the command exited\n",
               HELPER_EXIT_GRACE_MS);
      (void) kill (helper, SIGKILL);
      (void) waitpid (helper, NULL, 0);
      return 124;
    }
  (void) TEMP_FAILURE_RETRY (waitpid (helper, &status, 0));
  fprintf (stderr, "slirp-echo: helper exited %d after the command\n", exit_status (status));
  return exit_status (status) == 0 ? cmd_status : 125;
}

static int
supervise (pid_t inside, int inside_pidfd, pid_t helper, int helper_pidfd)
{
  struct pollfd p[2] = { { .fd = inside_pidfd, .events = POLLIN }, { .fd = helper_pidfd, .events = POLLIN } };
  int status;

  if (TEMP_FAILURE_RETRY (poll (p, 2, -1)) < 0)
    die ("poll");
  if (p[0].revents == 0)
    {
      (void) TEMP_FAILURE_RETRY (waitpid (helper, &status, 0));
      fprintf (stderr, "slirp-echo: helper exited %d before the command\n", exit_status (status));
      (void) kill (inside, SIGKILL);
      (void) waitpid (inside, NULL, 0);
      return 126;
    }
  (void) TEMP_FAILURE_RETRY (waitpid (inside, &status, 0));
  return wait_helper (helper, helper_pidfd, exit_status (status));
}

static int
cmd_netns (int argc, char **argv)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  const char *options = "", *pid_file = NULL;
  uctr_autofd int inside_pidfd = -1, helper_pidfd = -1, tap = -1;
  int sv[2], ready[2], i;
  pid_t inside, helper;
  char c;

  for (i = 2; i < argc && strcmp (argv[i], "--") != 0; i++)
    if (strcmp (argv[i], "--options") == 0 && i + 1 < argc)
      options = argv[++i];
    else if (strcmp (argv[i], "--helper-pid-file") == 0 && i + 1 < argc)
      pid_file = argv[++i];
    else
      die ("usage: netns [--options TEXT] [--helper-pid-file FILE] -- CMD...");
  if (i + 1 >= argc || self == NULL)
    die ("usage: netns [--options TEXT] [--helper-pid-file FILE] -- CMD...");
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 || pipe2 (ready, O_CLOEXEC) < 0)
    die ("socketpair");
  inside = fork ();
  if (inside < 0)
    die ("fork");
  if (inside == 0)
    {
      close (sv[0]);
      run_inside (sv[1], getuid (), getgid (), argv + i + 1);
    }
  close (sv[1]);
  tap = recv_fd (sv[0]);
  inside_pidfd = pidfd_open (inside, 0);
  if (inside_pidfd < 0)
    die ("pidfd_open");
  helper = fork ();
  if (helper < 0)
    die ("fork");
  if (helper == 0)
    exec_helper (self, tap, inside_pidfd, ready[1], options);
  close (ready[1]);
  uctr_close_fdp (&tap);
  helper_pidfd = pidfd_open (helper, 0);
  if (helper_pidfd < 0)
    die ("pidfd_open");
  if (wait_fd (ready[0], POLLIN, READY_TIMEOUT_MS) != 0 || TEMP_FAILURE_RETRY (read (ready[0], &c, 1)) != 1)
    {
      fprintf (stderr, "slirp-echo: the helper did not become ready\n");
      (void) kill (inside, SIGKILL);
      (void) kill (helper, SIGKILL);
      return 125;
    }
  close (ready[0]);
  if (pid_file != NULL)
    {
      g_autofree char *text = g_strdup_printf ("%d\n", (int) helper);
      if (!g_file_set_contents (pid_file, text, -1, NULL))
        die ("writing %s", pid_file);
    }
  if (write (sv[0], "G", 1) != 1)
    die ("starting the command");
  close (sv[0]);
  return supervise (inside, inside_pidfd, helper, helper_pidfd);
}

static int
cmd_helper (int argc, char **argv)
{
  g_auto(UctrNetOptions) o;
  g_autoptr(GError) error = NULL;
  UctrNetHelperArgs args = {
    .tap_fd = HELPER_TAP_FD,
    .init_pidfd = HELPER_PIDFD,
    .ready_fd = HELPER_READY_FD,
    .options = &o,
  };

  uctr_net_options_init (&o);
  if (argc != 3 || !uctr_net_options_parse (&o, argv[2], &error))
    {
      fprintf (stderr, "slirp-echo helper: %s\n", error != NULL ? error->message : "usage: helper OPTIONS");
      return EXIT_FAILED;
    }
  return uctr_net_helper_run (&args);
}

int
main (int argc, char **argv)
{
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (argc >= 2 && strcmp (argv[1], "serve") == 0)
    return cmd_serve (argc, argv);
  if (argc >= 2 && strcmp (argv[1], "client") == 0)
    return cmd_client (argc, argv);
  if (argc >= 2 && strcmp (argv[1], "dns") == 0)
    return cmd_dns (argc, argv);
  if (argc >= 2 && strcmp (argv[1], "netns") == 0)
    return cmd_netns (argc, argv);
  if (argc >= 2 && strcmp (argv[1], "helper") == 0)
    return cmd_helper (argc, argv);
  errno = 0;
  die ("usage: slirp-echo serve|client|dns|netns|helper ...");
}
