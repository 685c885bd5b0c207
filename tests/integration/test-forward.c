/* The port forwarder against a stand-in container: a child in a user and
   network namespace of its own, with 10.0.2.100 on lo and an echo server
   there that first tells each client the address it sees. The loopback
   routes of that namespace are deleted, so a reply to 127.0.0.x only comes
   back to the forwarder through the policy rule the agent installs.
   Clients run in threads; the forwarder runs on the main context. */
#include "net/agent.h"
#include "net/forward.h"
#include "net/ports.h"
#include "net/relay.h"
#include "base/util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define GUEST "10.0.2.100"
#define GUEST_PORT 80
#define BIG (8u << 20)
#define CLIENT_TIMEOUT_MS 20000

static struct
{
  pid_t pid;
  int pidfd;
  UctrAgent *agent;
  UctrForwarder *f;
} target = { -1, -1, NULL, NULL };

/* --- the stand-in container ---------------------------------------------- */

static void G_GNUC_NORETURN
die (const char *what)
{
  fprintf (stderr, "test-forward (namespace): %s: %s\n", what, g_strerror (errno));
  _exit (1);
}

static void
write_proc (const char *file, const char *text)
{
  int fd = open (file, O_WRONLY | O_CLOEXEC);

  if (fd < 0 || write (fd, text, strlen (text)) != (ssize_t) strlen (text))
    die (file);
  close (fd);
}

static void
set_address (int fd, const char *ifname, unsigned long request, const char *addr)
{
  struct ifreq ifr = { 0 };
  struct sockaddr_in *sin = (struct sockaddr_in *) &ifr.ifr_addr;

  g_strlcpy (ifr.ifr_name, ifname, sizeof ifr.ifr_name);
  sin->sin_family = AF_INET;
  inet_pton (AF_INET, addr, &sin->sin_addr);
  if (ioctl (fd, request, &ifr) < 0)
    die (ifname);
}

/* `ip`, also where an unprivileged user's PATH does not look. */
static char *
find_ip (void)
{
  char *ip = g_find_program_in_path ("ip");

  if (ip == NULL && g_file_test ("/usr/sbin/ip", G_FILE_TEST_IS_EXECUTABLE))
    ip = g_strdup ("/usr/sbin/ip");
  if (ip == NULL && g_file_test ("/sbin/ip", G_FILE_TEST_IS_EXECUTABLE))
    ip = g_strdup ("/sbin/ip");
  return ip;
}

static void
run_ip (const char *args)
{
  g_autofree char *ip = find_ip ();
  g_autofree char *cmd = g_strdup_printf ("%s %s", ip != NULL ? ip : "ip", args);
  int status = 0;

  if (!g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL)
      || !g_spawn_check_wait_status (status, NULL))
    {
      errno = EIO;
      die (cmd);
    }
}

/* lo up with 10.0.2.100/32 beside 127.0.0.1, and 127.0.0.0/8 no longer local. */
static void
setup_network (void)
{
  struct ifreq ifr = { 0 };
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  g_strlcpy (ifr.ifr_name, "lo", sizeof ifr.ifr_name);
  if (fd < 0 || ioctl (fd, SIOCGIFFLAGS, &ifr) < 0)
    die ("lo");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl (fd, SIOCSIFFLAGS, &ifr) < 0)
    die ("lo up");
  set_address (fd, "lo:0", SIOCSIFADDR, GUEST);
  set_address (fd, "lo:0", SIOCSIFNETMASK, "255.255.255.255");
  close (fd);
  run_ip ("route del local 127.0.0.0/8 dev lo table local");
  run_ip ("route del local 127.0.0.1 dev lo table local");
}

static int
server_socket (int type)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons (GUEST_PORT) };
  int one = 1;
  int fd = socket (AF_INET, type | SOCK_CLOEXEC, 0);

  inet_pton (AF_INET, GUEST, &a.sin_addr);
  if (fd < 0 || setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0
      || bind (fd, (struct sockaddr *) &a, sizeof a) < 0 || (type == SOCK_STREAM && listen (fd, 128) < 0))
    die ("server socket");
  return fd;
}

static char *
address_text (const struct sockaddr_in *a)
{
  char ip[INET_ADDRSTRLEN];

  inet_ntop (AF_INET, &a->sin_addr, ip, sizeof ip);
  return g_strdup_printf ("%s:%u", ip, ntohs (a->sin_port));
}

static gboolean
write_all (int fd, const void *data, gsize len)
{
  const char *p = data;

  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      p += n;
      len -= n;
    }
  return TRUE;
}

/* "PEER 127.0.0.2:40000\n", then an echo of everything until EOF. */
static gpointer
serve_tcp_client (gpointer data)
{
  int fd = GPOINTER_TO_INT (data);
  struct sockaddr_in peer;
  socklen_t len = sizeof peer;
  g_autofree char *from = NULL;
  g_autofree char *line = NULL;
  char buf[65536];
  ssize_t n;

  getpeername (fd, (struct sockaddr *) &peer, &len);
  from = address_text (&peer);
  line = g_strdup_printf ("PEER %s\n", from);
  if (write_all (fd, line, strlen (line)))
    while ((n = read (fd, buf, sizeof buf)) > 0 && write_all (fd, buf, n))
      ;
  shutdown (fd, SHUT_WR);
  close (fd);
  return NULL;
}

static gpointer
serve_tcp (gpointer data)
{
  int listener = GPOINTER_TO_INT (data);

  for (;;)
    {
      int fd = accept4 (listener, NULL, NULL, SOCK_CLOEXEC);
      if (fd >= 0)
        g_thread_unref (g_thread_new ("conn", serve_tcp_client, GINT_TO_POINTER (fd)));
    }
  return NULL;
}

/* Answers "127.0.0.2:40000 " + the datagram, to its sender. */
static void G_GNUC_NORETURN
serve_udp (int fd)
{
  char buf[65536];

  for (;;)
    {
      struct sockaddr_in peer;
      socklen_t len = sizeof peer;
      ssize_t n = recvfrom (fd, buf, sizeof buf, 0, (struct sockaddr *) &peer, &len);
      g_autofree char *from = NULL;
      g_autofree char *answer = NULL;

      if (n < 0)
        continue;
      from = address_text (&peer);
      answer = g_strdup_printf ("%s %.*s", from, (int) n, buf);
      sendto (fd, answer, strlen (answer), 0, (struct sockaddr *) &peer, len);
    }
}

static void G_GNUC_NORETURN
target_main (int ready, uid_t uid, gid_t gid)
{
  g_autofree char *uid_map = g_strdup_printf ("0 %u 1", (guint) uid);
  g_autofree char *gid_map = g_strdup_printf ("0 %u 1", (guint) gid);
  int tcp, udp;

  (void) prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (unshare (CLONE_NEWUSER | CLONE_NEWNET) < 0)
    die ("unshare");
  write_proc ("/proc/self/setgroups", "deny");
  write_proc ("/proc/self/uid_map", uid_map);
  write_proc ("/proc/self/gid_map", gid_map);
  setup_network ();
  tcp = server_socket (SOCK_STREAM);
  udp = server_socket (SOCK_DGRAM);
  g_thread_unref (g_thread_new ("tcp", serve_tcp, GINT_TO_POINTER (tcp)));
  if (write (ready, "r", 1) != 1)
    die ("ready");
  close (ready);
  serve_udp (udp);
}

static void
target_start (void)
{
  g_autoptr (GError) error = NULL;
  UctrInsideGuest guest = { 0 };
  int ready[2];
  char c;

  g_assert_no_errno (pipe2 (ready, O_CLOEXEC));
  target.pid = fork ();
  g_assert_cmpint (target.pid, >=, 0);
  if (target.pid == 0)
    {
      close (ready[0]);
      target_main (ready[1], geteuid (), getegid ());
    }
  close (ready[1]);
  g_assert_cmpint (read (ready[0], &c, 1), ==, 1);
  close (ready[0]);
  target.pidfd = pidfd_open (target.pid, 0);
  g_assert_cmpint (target.pidfd, >=, 0);
  inet_pton (AF_INET, GUEST, &guest.guest);
  target.agent = uctr_agent_start (target.pidfd, &guest, &error);
  g_assert_no_error (error);
  g_assert_nonnull (target.agent);
  target.f = uctr_forwarder_new (target.agent);
}

static void
target_stop (void)
{
  g_clear_pointer (&target.f, uctr_forwarder_free);
  g_clear_pointer (&target.agent, uctr_agent_free);
  if (target.pid > 0)
    {
      kill (target.pid, SIGKILL);
      waitpid (target.pid, NULL, 0);
    }
  uctr_close_fdp (&target.pidfd);
}

/* --- clients, in threads while the main context runs the forwarder -------- */

typedef struct
{
  GThreadFunc func;
  gpointer data;
  gpointer result;
  gint done;
} Job;

static gpointer
job_main (gpointer data)
{
  Job *job = data;

  job->result = job->func (job->data);
  g_atomic_int_set (&job->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static gpointer
run_client (GThreadFunc func, gpointer data)
{
  Job job = { func, data, NULL, 0 };
  GThread *thread = g_thread_new ("client", job_main, &job);

  while (!g_atomic_int_get (&job.done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  return job.result;
}

static guint16
free_port (int type)
{
  /* On every address: a port a client of ours uses on 127.0.0.2 is busy for 0.0.0.0 */
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_ANY) };
  socklen_t len = sizeof a;
  uctr_autofd int fd = socket (AF_INET, type | SOCK_CLOEXEC, 0);

  g_assert_no_errno (bind (fd, (struct sockaddr *) &a, sizeof a));
  g_assert_no_errno (getsockname (fd, (struct sockaddr *) &a, &len));
  return ntohs (a.sin_port);
}

static UctrPortSpec *
spec_new (const char *host_ip, guint16 host_port, UctrPortProto proto)
{
  UctrPortSpec *s = g_new0 (UctrPortSpec, 1);

  s->host_ip = g_strdup (host_ip);
  s->host_port = host_port;
  s->container_port = GUEST_PORT;
  s->proto = proto;
  return s;
}

typedef struct
{
  const char *bind_ip; /* NULL: any */
  guint16 port;
  const guint8 *data;
  gsize len;
  /* out */
  char *local; /* the client's own address */
  char *peer;  /* what the server said it saw */
  GByteArray *echo;
  int err;
} TcpClient;

typedef struct
{
  int fd;
  const guint8 *data;
  gsize len;
} Writer;

static gpointer
writer_main (gpointer data)
{
  Writer *w = data;
  gboolean ok = write_all (w->fd, w->data, w->len);

  shutdown (w->fd, SHUT_WR);
  return GINT_TO_POINTER (ok);
}

static gpointer
tcp_client_main (gpointer data)
{
  TcpClient *c = data;
  struct sockaddr_in a = { .sin_family = AF_INET };
  socklen_t len = sizeof a;
  uctr_autofd int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct timeval tv = { .tv_sec = CLIENT_TIMEOUT_MS / 1000 };
  Writer w;
  GThread *writer;
  guint8 buf[65536];
  ssize_t n;
  char *nl;

  c->echo = g_byte_array_new ();
  if (c->bind_ip != NULL)
    {
      inet_pton (AF_INET, c->bind_ip, &a.sin_addr);
      if (bind (fd, (struct sockaddr *) &a, sizeof a) < 0)
        return c->err = errno, NULL;
    }
  a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons (c->port) };
  a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect (fd, (struct sockaddr *) &a, sizeof a) < 0)
    return c->err = errno, NULL;
  len = sizeof a;
  getsockname (fd, (struct sockaddr *) &a, &len);
  c->local = address_text (&a);
  w = (Writer){ fd, c->data, c->len };
  writer = g_thread_new ("writer", writer_main, &w);
  while ((n = read (fd, buf, sizeof buf)) > 0)
    g_byte_array_append (c->echo, buf, n);
  if (n < 0)
    c->err = errno;
  if (!GPOINTER_TO_INT (g_thread_join (writer)) && c->err == 0)
    c->err = EPIPE;
  nl = c->echo->len > 0 ? memchr (c->echo->data, '\n', c->echo->len) : NULL;
  if (nl != NULL && g_str_has_prefix ((char *) c->echo->data, "PEER "))
    {
      c->peer = g_strndup ((char *) c->echo->data + 5, nl - (char *) c->echo->data - 5);
      g_byte_array_remove_range (c->echo, 0, nl + 1 - (char *) c->echo->data);
    }
  return NULL;
}

static void
tcp_client_clear (TcpClient *c)
{
  g_clear_pointer (&c->local, g_free);
  g_clear_pointer (&c->peer, g_free);
  g_clear_pointer (&c->echo, g_byte_array_unref);
}

/* Connects, sends DATA, checks it all comes back and that the container
   saw the client's own address and port. */
static void
assert_echo (const char *bind_ip, guint16 port, const guint8 *data, gsize len)
{
  TcpClient c = { .bind_ip = bind_ip, .port = port, .data = data, .len = len };

  run_client (tcp_client_main, &c);
  g_assert_cmpint (c.err, ==, 0);
  g_assert_nonnull (c.peer);
  g_assert_cmpstr (c.peer, ==, c.local);
  if (bind_ip != NULL)
    g_assert_true (g_str_has_prefix (c.peer, bind_ip) && c.peer[strlen (bind_ip)] == ':');
  g_assert_cmpuint (c.echo->len, ==, len);
  g_assert_true (len == 0 || memcmp (c.echo->data, data, len) == 0);
  tcp_client_clear (&c);
}

typedef struct
{
  guint16 port;
  guint rounds;
  /* out */
  guint done; /* round trips completed */
  int err;
} PingPong;

/* Reads exactly LEN bytes; an errno value, or 0. */
static int
read_exactly (int fd, guint8 *buf, gsize len)
{
  while (len > 0)
    {
      ssize_t n = read (fd, buf, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return n == 0 ? ECONNRESET : errno;
      buf += n;
      len -= n;
    }
  return 0;
}

/* A connection to PORT on 127.0.0.1 whose first line, the server's PEER
   line, has been read: the relay has both of its sockets by then. The fd,
   or -1 with *ERR set. */
static int
connect_past_peer_line (guint16 port, int *err)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons (port) };
  struct timeval tv = { .tv_sec = CLIENT_TIMEOUT_MS / 1000 };
  uctr_autofd int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  char c = 0;

  a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect (fd, (struct sockaddr *) &a, sizeof a) < 0)
    return *err = errno, -1;
  while (c != '\n')
    if ((*err = read_exactly (fd, (guint8 *) &c, 1)) != 0)
      return -1;
  return uctr_steal_fd (&fd);
}

/* Round trips over one connection, each a message of 1 to 1500 bytes
   read back whole before the next is sent: the relay has always read all
   there was by the time the answer comes, so a direction it did not pump
   again would hang here (SO_RCVTIMEO ends the wait with EAGAIN). The last
   message goes with the FIN. */
static gpointer
ping_pong_main (gpointer data)
{
  PingPong *pp = data;
  uctr_autofd int fd = connect_past_peer_line (pp->port, &pp->err);
  guint8 out[1500], in[1500];

  if (fd < 0)
    return NULL;
  for (guint i = 0; i < pp->rounds; i++)
    {
      gsize len = 1 + (i * 7919u) % sizeof out;

      memset (out, 'a' + i % 26, len);
      if (!write_all (fd, out, len))
        return pp->err = errno, NULL;
      if (i + 1 == pp->rounds)
        shutdown (fd, SHUT_WR);
      if ((pp->err = read_exactly (fd, in, len)) != 0)
        return NULL;
      if (memcmp (in, out, len) != 0)
        return pp->err = EBADMSG, NULL;
      pp->done++;
    }
  if (read (fd, in, 1) != 0) /* then the server's FIN */
    pp->err = EPROTO;
  return NULL;
}

typedef struct
{
  guint16 port;
  /* out */
  guint relay_fds;    /* the relay's sockets of this connection found */
  guint with_nodelay; /* of which have TCP_NODELAY */
  int err;
} NoDelay;

/* A connected TCP socket of ours whose local port is LOCAL or whose peer's
   port is PEER: one the relay holds for the client's connection. */
static gboolean
relay_socket (int fd, guint16 local, guint16 peer)
{
  struct sockaddr_in a, b;
  socklen_t alen = sizeof a, blen = sizeof b;
  int type = 0;
  socklen_t tlen = sizeof type;

  if (getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 || type != SOCK_STREAM)
    return FALSE;
  if (getsockname (fd, (struct sockaddr *) &a, &alen) < 0 || a.sin_family != AF_INET
      || getpeername (fd, (struct sockaddr *) &b, &blen) < 0)
    return FALSE;
  return ntohs (a.sin_port) == local || ntohs (b.sin_port) == peer;
}

/* Once the container's first line has come through the relay, looks at
   every fd of this process for the relay's two sockets. */
static gpointer
nodelay_main (gpointer data)
{
  NoDelay *nd = data;
  uctr_autofd int fd = connect_past_peer_line (nd->port, &nd->err);
  g_autoptr (GDir) dir = NULL;
  const char *name;

  if (fd < 0)
    return NULL;
  dir = g_dir_open ("/proc/self/fd", 0, NULL);
  if (dir == NULL)
    return nd->err = errno, NULL;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      int other = atoi (name), on = 0;
      socklen_t len = sizeof on;

      if (other == fd || !relay_socket (other, nd->port, GUEST_PORT))
        continue;
      nd->relay_fds++;
      if (getsockopt (other, IPPROTO_TCP, TCP_NODELAY, &on, &len) == 0 && on)
        nd->with_nodelay++;
    }
  return NULL;
}

static gboolean
connect_refused (guint16 port)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons (port) };
  uctr_autofd int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  return connect (fd, (struct sockaddr *) &a, sizeof a) < 0 && errno == ECONNREFUSED;
}

/* The container's policy rules, as `ip rule` prints them inside; NULL
   without nsenter or ip. */
static char *
inside_rules (void)
{
  g_autofree char *nsenter = g_find_program_in_path ("nsenter");
  g_autofree char *ip = find_ip ();
  g_autofree char *cmd = NULL;
  g_autoptr (GError) error = NULL;
  char *out = NULL;
  int status = 0;

  if (nsenter == NULL || ip == NULL)
    return NULL;
  cmd = g_strdup_printf ("%s --target %d --user --net --preserve-credentials %s rule show", nsenter,
                         (int) target.pid, ip);
  g_assert_true (g_spawn_command_line_sync (cmd, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  g_assert_no_error (error);
  return out;
}

static guint
count_fds (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* Once a port's connections have ended their sockets are closed; what
   stays, beside the WITH_PORT fds of the port alone, is at most the empty
   pipes its relays keep for the next ones (relay.h), and those go with the
   port. */
static void
assert_connections_closed (guint with_port)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (count_fds (), <=, with_port + 2 * UCTR_RELAY_SPARE_PIPES);
}

/* --- tests ----------------------------------------------------------------- */

static void
add_port (const UctrPortSpec *spec)
{
  g_autoptr (GError) error = NULL;

  uctr_forwarder_add (target.f, spec, &error);
  g_assert_no_error (error);
}

static void
remove_port (const UctrPortSpec *spec)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (uctr_forwarder_remove (target.f, spec, &error));
  g_assert_no_error (error);
}

static void
test_forward_tcp_echo (void)
{
  g_autoptr (UctrPortSpec) spec = spec_new (NULL, free_port (SOCK_STREAM), UCTR_PORT_TCP);
  const char *hello = "hello, container";

  add_port (spec);
  g_assert_cmpuint (uctr_forwarder_list (target.f)->len, ==, 1);
  /* (a) from the host's 127.0.0.1: the container sees 127.0.0.1 and our port */
  assert_echo (NULL, spec->host_port, (const guint8 *) hello, strlen (hello));
  assert_echo ("127.0.0.1", spec->host_port, (const guint8 *) hello, strlen (hello));
  /* (b) another source address is kept, not turned into 127.0.0.1 or 10.0.2.2 */
  assert_echo ("127.0.0.2", spec->host_port, (const guint8 *) hello, strlen (hello));
  assert_echo ("127.3.4.5", spec->host_port, (const guint8 *) hello, strlen (hello));
  /* an empty connection */
  assert_echo (NULL, spec->host_port, NULL, 0);
  remove_port (spec);
}

static void
test_forward_tcp_big (void)
{
  g_autoptr (UctrPortSpec) spec = spec_new ("127.0.0.1", free_port (SOCK_STREAM), UCTR_PORT_TCP);
  g_autofree guint8 *data = g_malloc (BIG);

  for (gsize i = 0; i < BIG; i++)
    data[i] = (guint8) (i * 2654435761u >> 24);
  add_port (spec);
  /* (c) 8 MiB in, 8 MiB back at the same time */
  assert_echo ("127.0.0.2", spec->host_port, data, BIG);
  remove_port (spec);
}

static void
test_forward_ping_pong (void)
{
  g_autoptr (UctrPortSpec) spec = spec_new ("127.0.0.1", free_port (SOCK_STREAM), UCTR_PORT_TCP);
  PingPong pp = { .rounds = 3000 };

  add_port (spec);
  pp.port = spec->host_port;
  run_client (ping_pong_main, &pp);
  g_assert_cmpint (pp.err, ==, 0);
  g_assert_cmpuint (pp.done, ==, pp.rounds);
  remove_port (spec);
}

/* The relay sends each piece as it comes (TCP_NODELAY on both of its
   sockets): with Nagle on its side, the second piece of a reply that a
   server wrote in two waited for the client's delayed ACK. */
static void
test_forward_nodelay (void)
{
  g_autoptr (UctrPortSpec) spec = spec_new ("127.0.0.1", free_port (SOCK_STREAM), UCTR_PORT_TCP);
  NoDelay nd = { 0 };

  add_port (spec);
  nd.port = spec->host_port;
  run_client (nodelay_main, &nd);
  g_assert_cmpint (nd.err, ==, 0);
  g_assert_cmpuint (nd.relay_fds, ==, 2);
  g_assert_cmpuint (nd.with_nodelay, ==, 2);
  remove_port (spec);
}

static void
test_forward_busy (void)
{
  g_autoptr (GError) error = NULL;
  struct sockaddr_in a = { .sin_family = AF_INET };
  socklen_t len = sizeof a;
  uctr_autofd int other = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_autoptr (UctrPortSpec) spec = NULL;
  g_autofree char *expected = NULL;

  a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_no_errno (bind (other, (struct sockaddr *) &a, sizeof a));
  g_assert_no_errno (listen (other, 1));
  g_assert_no_errno (getsockname (other, (struct sockaddr *) &a, &len));
  spec = spec_new ("127.0.0.1", ntohs (a.sin_port), UCTR_PORT_TCP);
  /* (d) a busy port: a clear error, nothing published */
  g_assert_false (uctr_forwarder_add (target.f, spec, &error));
  expected = g_strdup_printf ("host port %u/tcp is busy (another process listens there)", spec->host_port);
  g_assert_nonnull (error);
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_cmpuint (uctr_forwarder_list (target.f)->len, ==, 0);
  g_clear_error (&error);

  /* our own port twice */
  g_clear_pointer (&spec, uctr_port_spec_free);
  spec = spec_new (NULL, free_port (SOCK_STREAM), UCTR_PORT_TCP);
  add_port (spec);
  g_assert_false (uctr_forwarder_add (target.f, spec, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_EXISTS);
  g_clear_error (&error);
  remove_port (spec);
  g_assert_false (uctr_forwarder_remove (target.f, spec, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* an IPv6 host address, to a container without IPv6 (this stand-in has none) */
  g_clear_pointer (&spec, uctr_port_spec_free);
  spec = spec_new ("::1", free_port (SOCK_STREAM), UCTR_PORT_TCP);
  g_assert_false (uctr_forwarder_add (target.f, spec, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_ARGUMENT);
  g_assert_true (g_str_has_suffix (error->message, "the container has no IPv6 (slirp option ipv6=false)"));
  g_clear_error (&error);

  /* a privileged port, unless we may bind one */
  if (geteuid () != 0)
    {
      g_clear_pointer (&spec, uctr_port_spec_free);
      spec = spec_new ("127.0.0.1", 1, UCTR_PORT_TCP);
      g_assert_false (uctr_forwarder_add (target.f, spec, &error));
      g_assert_nonnull (error);
      g_assert_true (
          g_str_has_prefix (error->message, "host port 1 is below net.ipv4.ip_unprivileged_port_start ("));
      g_clear_error (&error);
    }
  g_assert_cmpuint (uctr_forwarder_list (target.f)->len, ==, 0);
}

/* A connection from 127.0.0.2 to PORT, accepted on SERVER (a listener of
   ours) within the client timeout: TRUE when SERVER saw the client's own
   address and port. */
static gboolean
accepted_straight (int server, guint16 port)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons (port) };
  struct sockaddr_in from = { .sin_family = AF_INET };
  UctrSockAddr mine = { 0 }, seen = { 0 };
  socklen_t len = sizeof mine, seen_len = sizeof seen;
  struct pollfd p = { .fd = server, .events = POLLIN };
  uctr_autofd int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  uctr_autofd int conn = -1;

  a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  from.sin_addr.s_addr = htonl (0x7f000002);
  g_assert_no_errno (bind (fd, (struct sockaddr *) &from, sizeof from));
  g_assert_no_errno (connect (fd, (struct sockaddr *) &a, sizeof a));
  g_assert_no_errno (getsockname (fd, &mine.sa, &len));
  if (poll (&p, 1, CLIENT_TIMEOUT_MS) != 1)
    return FALSE;
  conn = accept4 (server, &seen.sa, &seen_len, SOCK_CLOEXEC);
  g_assert_cmpint (conn, >=, 0);
  /* A server of both versions sees it IPv4-mapped. */
  if (seen.sa.sa_family == AF_INET6)
    return IN6_IS_ADDR_V4MAPPED (&seen.in6.sin6_addr) && seen.in6.sin6_port == mine.in.sin_port
           && memcmp (&seen.in6.sin6_addr.s6_addr[12], &mine.in.sin_addr, 4) == 0;
  return seen.in.sin_port == mine.in.sin_port && seen.in.sin_addr.s_addr == mine.in.sin_addr.s_addr;
}

static UctrSockAddr
inside_addr (int family, const char *ip, guint16 port)
{
  UctrSockAddr a = { 0 };

  if (family == AF_INET)
    {
      a.in = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons (port) };
      g_assert_cmpint (inet_pton (AF_INET, ip, &a.in.sin_addr), ==, 1);
    }
  else
    {
      a.in6 = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_port = htons (port) };
      g_assert_cmpint (inet_pton (AF_INET6, ip, &a.in6.sin6_addr), ==, 1);
    }
  return a;
}

/* publish_tcp=handover, with a forwarder of its own: a port another
   process shares with SO_REUSEPORT is still busy; the relay unmaps IPv4
   clients of its listener of both versions; what cannot join the
   listener is refused; a server's socket that can takes the port's
   connections once it listens, straight, and the relay has them again
   once it is closed; meanwhile that container port's ports cannot change. */
static void
test_forward_handover (void)
{
  UctrForwarder *saved = target.f;
  g_autoptr (UctrForwarder) f = uctr_forwarder_new (target.agent);
  g_autoptr (GError) error = NULL;
  g_autoptr (UctrPortSpec) busy = NULL;
  g_autoptr (UctrPortSpec) spec = spec_new ("127.0.0.1", free_port (SOCK_STREAM), UCTR_PORT_TCP);
  g_autoptr (UctrPortSpec) other = spec_new (NULL, free_port (SOCK_STREAM), UCTR_PORT_TCP);
  struct sockaddr_in a = { .sin_family = AF_INET };
  UctrSockAddr at = { 0 }, addr;
  socklen_t len = sizeof a;
  uctr_autofd int holder = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const char *hello = "hello, handover";
  int one = 1, server;

  uctr_forwarder_set_handover (f);
  target.f = f;
  a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_no_errno (setsockopt (holder, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one));
  g_assert_no_errno (bind (holder, (struct sockaddr *) &a, sizeof a));
  g_assert_no_errno (listen (holder, 1));
  g_assert_no_errno (getsockname (holder, (struct sockaddr *) &a, &len));
  busy = spec_new ("127.0.0.1", ntohs (a.sin_port), UCTR_PORT_TCP);
  g_assert_false (uctr_forwarder_add (f, busy, &error));
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error->message, "host port "));
  g_assert_true (g_str_has_suffix (error->message, " is busy (another process listens there)"));
  g_clear_error (&error);

  add_port (spec);
  assert_echo ("127.0.0.2", spec->host_port, (const guint8 *) hello, strlen (hello));

  addr = inside_addr (AF_INET6, "::", GUEST_PORT);
  g_assert_cmpint (uctr_forwarder_hand_over (f, TRUE, &addr), ==, -1);
  addr = inside_addr (AF_INET, "127.0.0.1", GUEST_PORT);
  g_assert_cmpint (uctr_forwarder_hand_over (f, FALSE, &addr), ==, -1);
  addr = inside_addr (AF_INET, "0.0.0.0", GUEST_PORT + 1);
  g_assert_cmpint (uctr_forwarder_hand_over (f, FALSE, &addr), ==, -1);
  addr = inside_addr (AF_INET, "10.0.2.100", 0);
  g_assert_cmpint (uctr_forwarder_hand_over (f, FALSE, &addr), ==, -1);

  for (int i = 0; i < 2; i++)
    {
      int family = i == 0 ? AF_INET : AF_INET6;

      addr = inside_addr (family, i == 0 ? GUEST : "::", GUEST_PORT);
      server = uctr_forwarder_hand_over (f, FALSE, &addr);
      g_assert_cmpint (server, >=, 0);
      g_assert_cmpint (fcntl (server, F_GETFD), ==, FD_CLOEXEC);
      g_assert_false (fcntl (server, F_GETFL) & O_NONBLOCK);
      len = sizeof at;
      g_assert_no_errno (getsockname (server, &at.sa, &len));
      g_assert_cmpint (at.sa.sa_family, ==, family);
      if (family == AF_INET)
        g_assert_cmpuint (ntohl (at.in.sin_addr.s_addr), ==, INADDR_LOOPBACK);
      else
        g_assert_true (IN6_IS_ADDR_V4MAPPED (&at.in6.sin6_addr));
      g_assert_no_errno (listen (server, 4));
      /* Every one: the kernel's hash alone would give the relay half. */
      for (int n = 0; n < 8; n++)
        g_assert_true (accepted_straight (server, spec->host_port));

      g_assert_false (uctr_forwarder_remove (f, spec, &error));
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_BAD_STATE);
      g_clear_error (&error);
      g_assert_false (uctr_forwarder_add (f, other, &error));
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_BAD_STATE);
      g_clear_error (&error);

      g_assert_no_errno (close (server));
      assert_echo ("127.0.0.2", spec->host_port, (const guint8 *) hello, strlen (hello));
    }
  target.f = saved;
}

/* Whether the container has the rule for PROTO and port 80; TRUE without
   the tools to look. */
static gboolean
has_rule (const char *proto, gboolean expected)
{
  g_autofree char *rules = inside_rules ();
  g_autofree char *rule = g_strdup_printf ("from 10.0.2.100 ipproto %s sport 80 lookup", proto);

  if (rules == NULL)
    {
      g_test_message ("nsenter or ip missing: the rules were not checked");
      return expected;
    }
  return strstr (rules, rule) != NULL;
}

static void
test_forward_remove (void)
{
  g_autoptr (UctrPortSpec) spec = spec_new (NULL, free_port (SOCK_STREAM), UCTR_PORT_TCP);
  g_autoptr (UctrPortSpec) second = spec_new ("127.0.0.1", free_port (SOCK_STREAM), UCTR_PORT_TCP);
  g_autoptr (UctrPortSpec) udp = spec_new (NULL, free_port (SOCK_DGRAM), UCTR_PORT_UDP);
  const char *hello = "again";

  g_assert_false (has_rule ("tcp", FALSE));
  add_port (spec);
  g_assert_true (has_rule ("tcp", TRUE));
  /* a second host port for the same container port shares the rule */
  add_port (second);
  add_port (udp);
  g_assert_true (has_rule ("udp", TRUE));
  g_assert_cmpuint (uctr_forwarder_list (target.f)->len, ==, 3);
  g_assert_true (uctr_port_spec_equal (uctr_forwarder_list (target.f)->pdata[1], second));
  remove_port (spec);
  /* (e) the port is closed; the rule stays while the second port needs it */
  g_assert_true (connect_refused (spec->host_port));
  g_assert_true (has_rule ("tcp", TRUE));
  assert_echo ("127.0.0.2", second->host_port, (const guint8 *) hello, strlen (hello));
  remove_port (second);
  g_assert_true (connect_refused (second->host_port));
  g_assert_false (has_rule ("tcp", FALSE));
  g_assert_true (has_rule ("udp", TRUE));
  remove_port (udp);
  g_assert_false (has_rule ("udp", FALSE));
  /* and the same port can be published again, and works */
  add_port (spec);
  assert_echo ("127.0.0.2", spec->host_port, (const guint8 *) hello, strlen (hello));
  remove_port (spec);
  g_assert_cmpuint (uctr_forwarder_list (target.f)->len, ==, 0);
}

/* The container port has no server: the client is closed, nothing else. */
static void
test_forward_nobody_listens (void)
{
  g_autoptr (UctrPortSpec) spec = spec_new (NULL, free_port (SOCK_STREAM), UCTR_PORT_TCP);
  const char *hello = "anyone?";
  guint before, with_port;

  spec->container_port = GUEST_PORT + 1;
  before = count_fds ();
  add_port (spec);
  with_port = count_fds ();
  for (int i = 0; i < 5; i++)
    {
      TcpClient c = { .port = spec->host_port, .data = (const guint8 *) hello, .len = strlen (hello) };

      run_client (tcp_client_main, &c);
      g_assert_null (c.peer);
      g_assert_cmpuint (c.echo->len, ==, 0);
      tcp_client_clear (&c);
    }
  assert_connections_closed (with_port);
  remove_port (spec);
  g_assert_cmpuint (count_fds (), ==, before);
}

typedef struct
{
  const char *bind_ip;
  const char *to; /* a host address; the client connect()s, so answers must come from it */
  guint16 port;
  char *local;
  char *answer;
} UdpClient;

static gpointer
udp_client_main (gpointer data)
{
  UdpClient *c = data;
  struct sockaddr_in a = { .sin_family = AF_INET };
  socklen_t len = sizeof a;
  uctr_autofd int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct pollfd p = { .fd = fd, .events = POLLIN };
  char buf[2048];
  ssize_t n;

  inet_pton (AF_INET, c->bind_ip, &a.sin_addr);
  if (bind (fd, (struct sockaddr *) &a, sizeof a) < 0)
    return NULL;
  getsockname (fd, (struct sockaddr *) &a, &len);
  c->local = address_text (&a);
  a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons (c->port) };
  inet_pton (AF_INET, c->to, &a.sin_addr);
  if (connect (fd, (struct sockaddr *) &a, sizeof a) < 0)
    return NULL;
  for (int i = 0; i < 2; i++)
    {
      if (send (fd, "ping", 4, 0) != 4)
        return NULL;
      if (poll (&p, 1, CLIENT_TIMEOUT_MS) != 1 || (n = recv (fd, buf, sizeof buf - 1, 0)) <= 0)
        return NULL;
      buf[n] = '\0';
      g_free (c->answer);
      c->answer = g_strdup (buf);
    }
  return NULL;
}

static void
test_forward_udp (void)
{
  g_autoptr (UctrPortSpec) spec = spec_new (NULL, free_port (SOCK_DGRAM), UCTR_PORT_UDP);
  const char *from[] = { "127.0.0.1", "127.0.0.2", "127.9.9.9", "127.0.0.2" };
  const char *to[] = { "127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.5" };

  add_port (spec);
  /* (f) each client's datagrams come back to it; the container saw its address */
  for (guint i = 0; i < G_N_ELEMENTS (from); i++)
    {
      UdpClient c = { .bind_ip = from[i], .to = to[i], .port = spec->host_port };
      g_autofree char *expected = NULL;

      run_client (udp_client_main, &c);
      g_assert_nonnull (c.local);
      expected = g_strdup_printf ("%s ping", c.local);
      g_assert_cmpstr (c.answer, ==, expected);
      g_free (c.local);
      g_free (c.answer);
    }
  remove_port (spec);
}

typedef struct
{
  guint16 port;
  guint ok;
} Many;

static gpointer
many_main (gpointer data)
{
  Many *m = data;

  for (int i = 0; i < 50; i++)
    {
      TcpClient c = {
        .bind_ip = i % 2 ? "127.0.0.2" : NULL, .port = m->port, .data = (const guint8 *) "x", .len = 1
      };

      tcp_client_main (&c);
      if (c.err == 0 && c.peer != NULL && g_strcmp0 (c.peer, c.local) == 0 && c.echo->len == 1)
        m->ok++;
      tcp_client_clear (&c);
    }
  return NULL;
}

static void
test_forward_no_fd_leak (void)
{
  g_autoptr (UctrPortSpec) spec = spec_new (NULL, free_port (SOCK_STREAM), UCTR_PORT_TCP);
  Many m = { 0 };
  guint before, with_port;

  while (g_main_context_iteration (NULL, FALSE))
    ;
  before = count_fds ();
  add_port (spec);
  with_port = count_fds ();
  m.port = spec->host_port;
  /* (g) 50 connections, then the same fds as before the port */
  run_client (many_main, &m);
  g_assert_cmpuint (m.ok, ==, 50);
  assert_connections_closed (with_port);
  remove_port (spec);
  g_assert_cmpuint (count_fds (), ==, before);
}

static void
test_forward_client_reset (void)
{
  g_autoptr (UctrPortSpec) spec = spec_new (NULL, free_port (SOCK_STREAM), UCTR_PORT_TCP);
  struct sockaddr_in a = { .sin_family = AF_INET };
  struct linger lg = { .l_onoff = 1, .l_linger = 0 };
  const char *hello = "still there";
  guint before, with_port;

  before = count_fds ();
  add_port (spec);
  with_port = count_fds ();
  a.sin_port = htons (spec->host_port);
  a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  /* clients that reset at once: nothing breaks, nothing stays open */
  for (int i = 0; i < 10; i++)
    {
      uctr_autofd int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

      g_assert_no_errno (connect (fd, (struct sockaddr *) &a, sizeof a));
      g_assert_no_errno (setsockopt (fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
      (void) write (fd, "x", 1);
    }
  for (int i = 0; i < 50; i++)
    {
      g_usleep (10000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  assert_connections_closed (with_port);
  assert_echo (NULL, spec->host_port, (const guint8 *) hello, strlen (hello));
  remove_port (spec);
  g_assert_cmpuint (count_fds (), ==, before);
}

static gboolean
restore_fd_limit (gpointer data)
{
  g_assert_no_errno (setrlimit (RLIMIT_NOFILE, data));
  return G_SOURCE_REMOVE;
}

/* Out of fds, the listener rests and then serves the waiting client. */
static void
test_forward_out_of_fds (void)
{
  g_autoptr (UctrPortSpec) spec = spec_new (NULL, free_port (SOCK_STREAM), UCTR_PORT_TCP);
  const char *hello = "patience";
  struct rlimit old, low;
  int a, b;

  add_port (spec);
  /* the client's socket gets A; the forwarder's accept would need B */
  a = dup (0);
  b = dup (0);
  g_assert_cmpint (a, >=, 0);
  g_assert_cmpint (b, >, a);
  close (a);
  close (b);
  g_assert_no_errno (getrlimit (RLIMIT_NOFILE, &old));
  low = old;
  low.rlim_cur = b;
  g_assert_no_errno (setrlimit (RLIMIT_NOFILE, &low));
  g_timeout_add (300, restore_fd_limit, &old);
  assert_echo (NULL, spec->host_port, (const guint8 *) hello, strlen (hello));
  remove_port (spec);
}

/* Our children: the agent, and the stand-in container. */
static guint
count_children (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/task/%d/children", (int) getpid ());
  g_autofree char *text = NULL;
  g_auto (GStrv) pids = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  pids = g_strsplit (g_strstrip (text), " ", -1);
  return text[0] == '\0' ? 0 : g_strv_length (pids);
}

static void
test_forward_free (void)
{
  g_autoptr (UctrPortSpec) spec = spec_new (NULL, free_port (SOCK_STREAM), UCTR_PORT_TCP);

  add_port (spec);
  g_assert_cmpuint (count_children (), ==, 2);
  g_clear_pointer (&target.f, uctr_forwarder_free);
  g_assert_true (connect_refused (spec->host_port));
  g_clear_pointer (&target.agent, uctr_agent_free);
  g_assert_cmpuint (count_children (), ==, 1);
}

/* An agent that cannot join the namespaces (its target has gone): the
   wait says why, every call after it fails the same way, and freeing it
   reaps it. */
static void
test_agent_cannot_join (void)
{
  UctrInsideGuest guest = { 0 };
  UctrInsideRequest req = { 0 };
  g_autoptr(GError) error = NULL;
  UctrAgent *a;
  pid_t pid = fork ();
  int pidfd;

  if (pid == 0)
    _exit (0);
  g_assert_cmpint (pid, >, 0);
  pidfd = pidfd_open (pid, 0);
  g_assert_cmpint (pidfd, >=, 0);
  g_assert_cmpint (waitpid (pid, NULL, 0), ==, pid);
  a = uctr_agent_start (pidfd, &guest, &error);
  g_assert_no_error (error);
  g_assert_nonnull (a);
  g_assert_false (uctr_agent_wait (a, &error));
  g_assert_error (error, UCTR_ERRNO_ERROR, ESRCH);
  g_test_message ("%s", error->message);
  g_assert_cmpint (uctr_agent_call (a, &req, NULL), ==, ESRCH);
  g_assert_false (uctr_agent_wait (a, NULL));
  uctr_agent_free (a);
  close (pidfd);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);
  target_start ();
  g_test_add_func ("/forward/tcp-echo", test_forward_tcp_echo);
  g_test_add_func ("/forward/tcp-8mib", test_forward_tcp_big);
  g_test_add_func ("/forward/ping-pong", test_forward_ping_pong);
  g_test_add_func ("/forward/nodelay", test_forward_nodelay);
  g_test_add_func ("/forward/busy", test_forward_busy);
  g_test_add_func ("/forward/handover", test_forward_handover);
  g_test_add_func ("/forward/remove", test_forward_remove);
  g_test_add_func ("/forward/nobody-listens", test_forward_nobody_listens);
  g_test_add_func ("/forward/udp", test_forward_udp);
  g_test_add_func ("/forward/no-fd-leak", test_forward_no_fd_leak);
  g_test_add_func ("/forward/client-reset", test_forward_client_reset);
  g_test_add_func ("/forward/out-of-fds", test_forward_out_of_fds);
  g_test_add_func ("/forward/free", test_forward_free);
  g_test_add_func ("/forward/agent-cannot-join", test_agent_cannot_join);
  status = g_test_run ();
  target_stop ();
  return status;
}
