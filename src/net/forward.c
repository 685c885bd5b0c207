/* uctr: published ports, forwarded without libslirp. The host side accepts
   (TCP) or receives (UDP) here, in the network helper; the inside agent
   (inside.c) hands us sockets made in the container's network namespace,
   bound to the client's own address, so the container sees who connects.
   TCP bytes move with splice() through a pipe per direction and are never
   copied to userspace; UDP datagrams go through one buffer per port.

   Nothing a client does may end the helper: a failed connect, a reset or a
   full fd table closes that connection and nothing else. */
#include "ports.h"
#include "inside.h"
#include "util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define LISTEN_BACKLOG 128
#define ACCEPT_BATCH 64     /* connections accepted per wake-up */
#define PIPE_SIZE (1 << 20) /* fs.pipe-max-size's default; smaller is fine */
#define PUMP_ROUNDS 16      /* splice rounds per direction per wake-up */
#define PAUSE_MS 100        /* a listener rests this long when fds run out */
#define UDP_BATCH 64        /* datagrams per wake-up */
#define UDP_MAX_DATAGRAM 65536
#define UDP_MAX_FLOWS 1024 /* per published port, to keep fds for TCP */
#define UDP_IDLE_SECONDS 60
#define UDP_SWEEP_SECONDS 10

struct _UctrForwarder
{
  GMainContext *context;
  UctrInsideGuest guest;
  int agent; /* our end of the agent's socket */
  pid_t agent_pid;
  GPtrArray *specs;   /* UctrPortSpec *: what uctr_forwarder_list returns */
  GPtrArray *ports;   /* Port *, in the same order */
  GHashTable *routes; /* route_key () -> number of ports that need that rule */
};

typedef struct _Port Port;

/* A host socket of a published port: the TCP listener or the UDP socket,
   of one IP version. A port bound on every address has one of each. */
typedef struct
{
  Port *port;
  int family;     /* AF_INET or AF_INET6 */
  int fd;
  GSource *watch;
  GSource *pause; /* TCP: the listener rests while fds run out */
} Listener;

struct _Port
{
  UctrForwarder *f;
  const UctrPortSpec *spec; /* owned by f->specs */
  Listener ls[2];
  guint n_ls;
  GHashTable *conns; /* TCP: Conn * (owned) */
  GHashTable *flows; /* UDP: &Flow.client -> Flow * (owned) */
  GSource *sweep;    /* UDP: ends idle flows */
  guint8 *buf;       /* UDP: one datagram */
};

/* One direction of a TCP connection: from fd[i] through the pipe to fd[1 - i]. */
typedef struct
{
  int rd, wr;
  gsize queued;  /* bytes in the pipe */
  gsize cap;     /* the pipe's size */
  gboolean full; /* splice in said EAGAIN with bytes queued: wait for a drain */
  gboolean eof;
  gboolean shut; /* EOF passed on with shutdown (SHUT_WR) */
} Pipe;

typedef struct
{
  GSource source;
  Port *port;
  int fd[2]; /* 0: the client's, on the host; 1: the agent's, inside */
  gpointer tag[2];
  Pipe dir[2];
  gboolean connecting;
} Conn;

typedef union
{
  struct in_addr v4;
  struct in6_addr v6;
} LocalAddr;

typedef struct
{
  Port *port;
  Listener *via;       /* the host socket the client sends to */
  UctrSockAddr client; /* the key in port->flows */
  LocalAddr local;     /* the host address the client sent to: the answers' source */
  int fd;              /* the agent's socket, in the container */
  GSource *watch;
  gint64 last_used;
} Flow;

static const char *
proto_name (UctrPortProto proto)
{
  return proto == UCTR_PORT_UDP ? "udp" : "tcp";
}

static int
proto_number (UctrPortProto proto)
{
  return proto == UCTR_PORT_UDP ? IPPROTO_UDP : IPPROTO_TCP;
}

/* --- the agent ---------------------------------------------------------- */

static int
agent_receive (UctrForwarder *f, int *fd_out)
{
  UctrInsideReply r;
  struct iovec iov = { .iov_base = &r, .iov_len = sizeof r };
  union
  {
    struct cmsghdr align;
    char buf[CMSG_SPACE (sizeof (int))];
  } control;
  struct msghdr msg = {
    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf
  };
  struct cmsghdr *c;
  ssize_t n;
  int fd = -1;

  n = TEMP_FAILURE_RETRY (recvmsg (f->agent, &msg, MSG_CMSG_CLOEXEC));
  if (n < 0)
    return errno;
  if (n == 0)
    return EPIPE;
  for (c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN (sizeof fd))
      memcpy (&fd, CMSG_DATA (c), sizeof fd);
  if (n != sizeof r || (r.err == 0 && fd_out != NULL && fd < 0))
    r.err = EPROTO;
  if (r.err != 0 || fd_out == NULL)
    {
      if (fd >= 0)
        (void) close (fd);
      return r.err;
    }
  *fd_out = fd;
  return 0;
}

/* Asks the agent and waits for its answer: each request is a few syscalls
   that do not block, so the loop stalls for a round trip at most. Returns 0
   or an errno. */
static int
agent_call (UctrForwarder *f, UctrInsideOp op, const UctrPortSpec *spec, const UctrSockAddr *client,
            int *fd_out)
{
  UctrInsideRequest req = { .op = op, .proto = proto_number (spec->proto), .port = spec->container_port };

  if (client != NULL)
    req.client = *client;
  if (f->agent < 0)
    return EPIPE;
  if (TEMP_FAILURE_RETRY (send (f->agent, &req, sizeof req, MSG_NOSIGNAL)) < 0)
    return errno;
  return agent_receive (f, fd_out);
}

static gpointer
route_key (const UctrPortSpec *spec)
{
  return GUINT_TO_POINTER ((guint) spec->proto << 16 | spec->container_port);
}

static gboolean
route_ref (UctrForwarder *f, const UctrPortSpec *spec, GError **error)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (f->routes, route_key (spec)));
  int err;

  if (n == 0)
    {
      err = agent_call (f, UCTR_INSIDE_ROUTE_ADD, spec, NULL, NULL);
      if (err != 0)
        return uctr_throw_errno_code (error, err,
                                      _("Routing the container's replies from port %u/%s back to the forwarder"),
                                         spec->container_port, proto_name (spec->proto));
    }
  g_hash_table_insert (f->routes, route_key (spec), GUINT_TO_POINTER (n + 1));
  return TRUE;
}

static void
route_unref (UctrForwarder *f, const UctrPortSpec *spec)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (f->routes, route_key (spec)));

  if (n > 1)
    {
      g_hash_table_insert (f->routes, route_key (spec), GUINT_TO_POINTER (n - 1));
      return;
    }
  g_hash_table_remove (f->routes, route_key (spec));
  /* A rule left behind only redirects replies from a port nobody forwards. */
  (void) agent_call (f, UCTR_INSIDE_ROUTE_DEL, spec, NULL, NULL);
}

static gboolean
agent_start (UctrForwarder *f, int init_pidfd, GError **error)
{
  uctr_autofd int mine = -1, theirs = -1;
  int sv[2], err;
  pid_t parent = getpid ();

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return uctr_throw_errno (error, _("Creating the socket to the forwarder's agent"));
  mine = sv[0];
  theirs = sv[1];
  f->agent_pid = fork ();
  if (f->agent_pid < 0)
    return uctr_throw_errno (error, _("Starting the forwarder's agent"));
  if (f->agent_pid == 0)
    {
      (void) close (mine);
      uctr_inside_agent_run (theirs, init_pidfd, parent, &f->guest);
    }
  f->agent = uctr_steal_fd (&mine);
  err = agent_receive (f, NULL);
  if (err != 0)
    return uctr_throw_errno_code (error, err, _("Joining the container's user and network namespaces"));
  return TRUE;
}

static void
agent_stop (UctrForwarder *f)
{
  uctr_close_fdp (&f->agent);
  if (f->agent_pid > 0)
    (void) TEMP_FAILURE_RETRY (waitpid (f->agent_pid, NULL, 0));
  f->agent_pid = 0;
}

/* --- TCP: one connection ------------------------------------------------ */

static gboolean
pipe_open (Pipe *p)
{
  int fds[2];
  int size;

  if (pipe2 (fds, O_NONBLOCK | O_CLOEXEC) < 0)
    return FALSE;
  p->rd = fds[0];
  p->wr = fds[1];
  /* Refused past fs.pipe-max-size or the user's pipe pages: keep the default. */
  (void) fcntl (p->wr, F_SETPIPE_SZ, PIPE_SIZE);
  size = fcntl (p->wr, F_GETPIPE_SZ);
  p->cap = size > 0 ? (gsize) size : 65536;
  return TRUE;
}

static void
pipe_close (Pipe *p)
{
  uctr_close_fdp (&p->rd);
  uctr_close_fdp (&p->wr);
}

static gboolean
pipe_wants_input (const Pipe *p)
{
  return !p->eof && !p->full && p->queued < p->cap;
}

/* Moves what can move from SRC to DST without blocking; FALSE on an error
   that ends the connection. */
static gboolean
pipe_pump (Pipe *p, int src, int dst)
{
  const guint flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;
  gboolean progress = TRUE;
  ssize_t n;

  for (int round = 0; progress && round < PUMP_ROUNDS; round++)
    {
      progress = FALSE;
      if (pipe_wants_input (p))
        {
          n = splice (src, NULL, p->wr, NULL, p->cap - p->queued, flags);
          if (n > 0)
            p->queued += n;
          else if (n == 0)
            p->eof = TRUE;
          else if (errno == EAGAIN && p->queued > 0)
            p->full = TRUE; /* or nothing to read: either way the drain decides */
          else if (errno != EAGAIN && errno != EINTR)
            return FALSE;
          progress = n >= 0;
        }
      if (p->queued > 0)
        {
          n = splice (p->rd, NULL, dst, NULL, p->queued, flags);
          if (n > 0)
            {
              p->queued -= n;
              p->full = FALSE;
              progress = TRUE;
            }
          else if (n < 0 && errno != EAGAIN && errno != EINTR)
            return FALSE;
        }
    }
  if (p->eof && p->queued == 0 && !p->shut)
    {
      (void) shutdown (dst, SHUT_WR);
      p->shut = TRUE;
    }
  return TRUE;
}

/* Polls FD for COND only: an fd we want nothing from is not polled, or its
   HUP would wake us in a loop. */
static void
conn_watch (Conn *c, int i, GIOCondition cond)
{
  if (cond == 0 && c->tag[i] != NULL)
    {
      g_source_remove_unix_fd (&c->source, c->tag[i]);
      c->tag[i] = NULL;
    }
  else if (cond != 0 && c->tag[i] == NULL)
    c->tag[i] = g_source_add_unix_fd (&c->source, c->fd[i], cond);
  else if (cond != 0)
    g_source_modify_unix_fd (&c->source, c->tag[i], cond);
}

static void
conn_update_watches (Conn *c)
{
  for (int i = 0; i < 2; i++)
    {
      GIOCondition cond = 0;

      if (c->connecting)
        cond = i == 1 ? G_IO_OUT : 0;
      else
        {
          if (pipe_wants_input (&c->dir[i]))
            cond |= G_IO_IN;
          if (c->dir[1 - i].queued > 0)
            cond |= G_IO_OUT;
        }
      conn_watch (c, i, cond);
    }
}

static int
socket_error (int fd)
{
  int err = 0;
  socklen_t len = sizeof err;

  if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
    return errno;
  return err;
}

static gboolean
conn_step (Conn *c)
{
  for (int i = 0; i < 2; i++)
    if (c->tag[i] != NULL && (g_source_query_unix_fd (&c->source, c->tag[i]) & G_IO_ERR)
        && socket_error (c->fd[i]) != 0)
      return FALSE;
  if (c->connecting)
    {
      if (c->tag[1] == NULL || g_source_query_unix_fd (&c->source, c->tag[1]) == 0)
        return TRUE;
      if (socket_error (c->fd[1]) != 0)
        return FALSE;
      c->connecting = FALSE;
    }
  for (int i = 0; i < 2; i++)
    if (!pipe_pump (&c->dir[i], c->fd[i], c->fd[1 - i]))
      return FALSE;
  return !(c->dir[0].shut && c->dir[1].shut);
}

static gboolean
conn_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  Conn *c = (Conn *) source;

  if (!conn_step (c))
    {
      /* Destroys the source; it is finalized once this dispatch returns. */
      g_hash_table_remove (c->port->conns, c);
      return G_SOURCE_REMOVE;
    }
  conn_update_watches (c);
  return G_SOURCE_CONTINUE;
}

static void
conn_finalize (GSource *source)
{
  Conn *c = (Conn *) source;

  for (int i = 0; i < 2; i++)
    {
      uctr_close_fdp (&c->fd[i]);
      pipe_close (&c->dir[i]);
    }
}

static GSourceFuncs conn_funcs = {
  .dispatch = conn_dispatch,
  .finalize = conn_finalize,
};

static void
conn_destroy (gpointer data)
{
  GSource *source = data;

  g_source_destroy (source);
  g_source_unref (source);
}

/* Takes CLIENT; on any failure the client is just closed. */
static void
conn_start (Port *p, int client, const UctrSockAddr *peer)
{
  Conn *c = (Conn *) g_source_new (&conn_funcs, sizeof (Conn));
  int inside = -1;

  c->port = p;
  c->fd[0] = client;
  c->fd[1] = -1;
  c->dir[0].rd = c->dir[0].wr = c->dir[1].rd = c->dir[1].wr = -1;
  c->connecting = TRUE;
  if (agent_call (p->f, UCTR_INSIDE_SOCKET, p->spec, peer, &inside) != 0 || (c->fd[1] = inside) < 0
      || !pipe_open (&c->dir[0]) || !pipe_open (&c->dir[1]))
    {
      g_source_unref (&c->source);
      return;
    }
  g_source_set_static_name (&c->source, "uctr port connection");
  /* See attach_watch: no blocking around each dispatch. */
  g_source_set_can_recurse (&c->source, TRUE);
  conn_update_watches (c);
  g_source_attach (&c->source, p->f->context);
  g_hash_table_add (p->conns, c);
}

/* --- TCP: the listener ------------------------------------------------- */

static void listener_watch (Listener *l);

static gboolean
listener_resume (gpointer data)
{
  Listener *l = data;

  g_clear_pointer (&l->pause, g_source_unref);
  listener_watch (l);
  return G_SOURCE_REMOVE;
}

/* Out of fds: the pending connection stays in the backlog, and polling the
   listener now would only spin. */
static void
listener_pause (Listener *l)
{
  g_source_destroy (l->watch);
  g_clear_pointer (&l->watch, g_source_unref);
  l->pause = g_timeout_source_new (PAUSE_MS);
  g_source_set_callback (l->pause, listener_resume, l, NULL);
  g_source_attach (l->pause, l->port->f->context);
}

static gboolean
listener_ready (int fd, GIOCondition cond, gpointer data)
{
  Listener *l = data;

  for (int i = 0; i < ACCEPT_BATCH; i++)
    {
      UctrSockAddr peer;
      socklen_t len = sizeof peer;
      int client = accept4 (fd, &peer.sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

      if (client >= 0 && peer.sa.sa_family != l->family)
        (void) close (client);
      else if (client >= 0)
        conn_start (l->port, client, &peer);
      else if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
        {
          listener_pause (l);
          return G_SOURCE_REMOVE;
        }
      else if (errno != EINTR && errno != ECONNABORTED)
        break;
    }
  return G_SOURCE_CONTINUE;
}

/* An fd watch that GLib does not block while it dispatches: blocking takes
   the poll out and puts it back, waking the context through its eventfd
   every time, an extra loop iteration per event. Our callbacks never run a
   nested main loop. */
static GSource *
attach_watch (int fd, GSourceFunc func, gpointer data, GMainContext *context)
{
  GSource *source = g_unix_fd_source_new (fd, G_IO_IN);

  g_source_set_callback (source, func, data, NULL);
  g_source_set_can_recurse (source, TRUE);
  g_source_attach (source, context);
  return source;
}

static void
listener_watch (Listener *l)
{
  l->watch = attach_watch (l->fd, G_SOURCE_FUNC (listener_ready), l, l->port->f->context);
}

/* --- UDP: flows ---------------------------------------------------------- */

static guint
flow_hash (gconstpointer key)
{
  const UctrSockAddr *a = key;
  const guint32 *w;

  if (a->sa.sa_family != AF_INET6)
    return a->in.sin_addr.s_addr ^ ((guint) a->in.sin_port << 16);
  w = (const guint32 *) &a->in6.sin6_addr;
  return w[0] ^ w[1] ^ w[2] ^ w[3] ^ ((guint) a->in6.sin6_port << 16);
}

static gboolean
flow_equal (gconstpointer x, gconstpointer y)
{
  const UctrSockAddr *a = x, *b = y;

  if (a->sa.sa_family != b->sa.sa_family)
    return FALSE;
  if (a->sa.sa_family == AF_INET6)
    return a->in6.sin6_port == b->in6.sin6_port && memcmp (&a->in6.sin6_addr, &b->in6.sin6_addr, 16) == 0;
  return a->in.sin_port == b->in.sin_port && a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
}

static void
flow_free (gpointer data)
{
  Flow *flow = data;

  g_source_destroy (flow->watch);
  g_source_unref (flow->watch);
  uctr_close_fdp (&flow->fd);
  g_free (flow);
}

typedef union
{
  struct cmsghdr align;
  char buf[CMSG_SPACE (sizeof (struct in6_pktinfo))];
} PktinfoControl;

/* Sends from the address the client sent to, as a client that connect()ed
   its UDP socket expects, and not from whatever the route prefers. */
static void
flow_send_to_client (Flow *flow, gsize len)
{
  Port *p = flow->port;
  gboolean v6 = flow->via->family == AF_INET6;
  struct iovec iov = { .iov_base = p->buf, .iov_len = len };
  PktinfoControl control = { 0 };
  struct msghdr msg = { .msg_name = &flow->client,
                        .msg_namelen = v6 ? sizeof flow->client.in6 : sizeof flow->client.in,
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = control.buf };
  struct cmsghdr *c;

  if (v6)
    {
      struct in6_pktinfo info = { .ipi6_addr = flow->local.v6 };
      msg.msg_controllen = CMSG_SPACE (sizeof info);
      c = CMSG_FIRSTHDR (&msg);
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_PKTINFO;
      c->cmsg_len = CMSG_LEN (sizeof info);
      memcpy (CMSG_DATA (c), &info, sizeof info);
    }
  else
    {
      struct in_pktinfo info = { .ipi_spec_dst = flow->local.v4 };
      msg.msg_controllen = CMSG_SPACE (sizeof info);
      c = CMSG_FIRSTHDR (&msg);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN (sizeof info);
      memcpy (CMSG_DATA (c), &info, sizeof info);
    }
  (void) sendmsg (flow->via->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* What the container sends back goes out of the published socket, to the client. */
static gboolean
flow_ready (int fd, GIOCondition cond, gpointer data)
{
  Flow *flow = data;
  Port *p = flow->port;

  for (int i = 0; i < UDP_BATCH; i++)
    {
      ssize_t n = recv (fd, p->buf, UDP_MAX_DATAGRAM, MSG_DONTWAIT);

      if (n < 0 && errno == EAGAIN)
        break;
      if (n < 0)
        continue; /* ECONNREFUSED and the like: the next one may go */
      flow->last_used = g_get_monotonic_time ();
      flow_send_to_client (flow, n);
    }
  return G_SOURCE_CONTINUE;
}

static Flow *
flow_get (Listener *l, const UctrSockAddr *client)
{
  Port *p = l->port;
  Flow *flow = g_hash_table_lookup (p->flows, client);
  int fd = -1;

  if (flow != NULL)
    return flow;
  if (g_hash_table_size (p->flows) >= UDP_MAX_FLOWS
      || agent_call (p->f, UCTR_INSIDE_SOCKET, p->spec, client, &fd) != 0)
    return NULL;
  flow = g_new0 (Flow, 1);
  flow->port = p;
  flow->via = l;
  flow->client = *client;
  flow->fd = fd;
  flow->watch = attach_watch (fd, G_SOURCE_FUNC (flow_ready), flow, p->f->context);
  g_hash_table_insert (p->flows, &flow->client, flow);
  return flow;
}

/* One datagram from a client, and the host address it was sent to. */
static ssize_t
udp_receive (Listener *l, UctrSockAddr *client, LocalAddr *local)
{
  Port *p = l->port;
  struct iovec iov = { .iov_base = p->buf, .iov_len = UDP_MAX_DATAGRAM };
  PktinfoControl control;
  struct msghdr msg = { .msg_name = client,
                        .msg_namelen = sizeof *client,
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = control.buf,
                        .msg_controllen = sizeof control.buf };
  struct cmsghdr *c;
  ssize_t n = recvmsg (l->fd, &msg, MSG_DONTWAIT);

  if (n < 0)
    return -1;
  if (client->sa.sa_family != l->family)
    {
      errno = EAFNOSUPPORT;
      return -1;
    }
  memset (local, 0, sizeof *local);
  for (c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
      local->v4 = ((struct in_pktinfo *) CMSG_DATA (c))->ipi_addr;
    else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO)
      local->v6 = ((struct in6_pktinfo *) CMSG_DATA (c))->ipi6_addr;
  return n;
}

static gboolean
udp_ready (int fd, GIOCondition cond, gpointer data)
{
  Listener *l = data;
  Port *p = l->port;
  /* The container's side of the published port: flows' sockets are unconnected (see inside.c). */
  UctrSockAddr service = { 0 };
  socklen_t service_len;

  if (l->family == AF_INET6)
    {
      service.in6 = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_addr = p->f->guest.guest6,
                                           .sin6_port = htons (p->spec->container_port) };
      service_len = sizeof service.in6;
    }
  else
    {
      service.in = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr = p->f->guest.guest,
                                         .sin_port = htons (p->spec->container_port) };
      service_len = sizeof service.in;
    }
  for (int i = 0; i < UDP_BATCH; i++)
    {
      UctrSockAddr client;
      LocalAddr local;
      ssize_t n = udp_receive (l, &client, &local);
      Flow *flow;

      if (n < 0 && errno == EAGAIN)
        break;
      if (n < 0)
        continue;
      flow = flow_get (l, &client);
      if (flow == NULL)
        continue; /* dropped, as a full network would */
      flow->local = local;
      flow->last_used = g_get_monotonic_time ();
      (void) sendto (flow->fd, p->buf, n, MSG_DONTWAIT, &service.sa, service_len);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
flow_is_idle (gpointer key, gpointer value, gpointer data)
{
  const Flow *flow = value;

  return flow->last_used < *(const gint64 *) data;
}

static gboolean
udp_sweep (gpointer data)
{
  Port *p = data;
  gint64 before = g_get_monotonic_time () - UDP_IDLE_SECONDS * G_USEC_PER_SEC;

  g_hash_table_foreach_remove (p->flows, flow_is_idle, &before);
  return G_SOURCE_CONTINUE;
}

/* --- ports ---------------------------------------------------------------- */

static void
listener_clear (Listener *l)
{
  if (l->watch != NULL)
    g_source_destroy (l->watch);
  g_clear_pointer (&l->watch, g_source_unref);
  if (l->pause != NULL)
    g_source_destroy (l->pause);
  g_clear_pointer (&l->pause, g_source_unref);
  uctr_close_fdp (&l->fd);
}

static void
port_free (Port *p)
{
  for (guint i = 0; i < p->n_ls; i++)
    listener_clear (&p->ls[i]);
  if (p->sweep != NULL)
    g_source_destroy (p->sweep);
  g_clear_pointer (&p->sweep, g_source_unref);
  g_clear_pointer (&p->conns, g_hash_table_unref);
  g_clear_pointer (&p->flows, g_hash_table_unref);
  route_unref (p->f, p->spec);
  g_free (p->buf);
  g_free (p);
}

/* Takes the N host sockets in FDS (FAMILIES say their IP versions). */
static Port *
port_new (UctrForwarder *f, const UctrPortSpec *spec, int *fds, const int *families, guint n)
{
  Port *p = g_new0 (Port, 1);

  p->f = f;
  p->spec = spec;
  if (spec->proto == UCTR_PORT_TCP)
    p->conns = g_hash_table_new_full (NULL, NULL, conn_destroy, NULL);
  else
    {
      p->flows = g_hash_table_new_full (flow_hash, flow_equal, NULL, flow_free);
      p->buf = g_malloc (UDP_MAX_DATAGRAM);
      p->sweep = g_timeout_source_new_seconds (UDP_SWEEP_SECONDS);
      g_source_set_callback (p->sweep, udp_sweep, p, NULL);
      g_source_attach (p->sweep, f->context);
    }
  for (p->n_ls = 0; p->n_ls < n; p->n_ls++)
    {
      Listener *l = &p->ls[p->n_ls];

      l->port = p;
      l->family = families[p->n_ls];
      l->fd = uctr_steal_fd (&fds[p->n_ls]);
      if (spec->proto == UCTR_PORT_TCP)
        listener_watch (l);
      else
        l->watch = attach_watch (l->fd, G_SOURCE_FUNC (udp_ready), l, f->context);
    }
  return p;
}

static guint
unprivileged_port_start (void)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents ("/proc/sys/net/ipv4/ip_unprivileged_port_start", &text, NULL, NULL))
    return 1024;
  return (guint) g_ascii_strtoull (text, NULL, 10);
}

static gboolean
bind_error (const UctrPortSpec *spec, int errsv, GError **error)
{
  guint start;

  if (errsv == EADDRINUSE)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("host port %u/%s is busy (another process listens there)"), spec->host_port,
                          proto_name (spec->proto));
  start = unprivileged_port_start ();
  if (errsv == EACCES && spec->host_port < start)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("host port %u is below net.ipv4.ip_unprivileged_port_start (%u): use a port from %u, "
                         "or lower that sysctl"),
                          spec->host_port, start, start);
  if (errsv == EADDRNOTAVAIL)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("%s is not an address of this host"), spec->host_ip);
  return uctr_throw_errno_code (error, errsv,
                                _("Binding host port %u/%s"), spec->host_port, proto_name (spec->proto));
}

/* The socket of one IP version for SPEC, bound to ADDR; -1 and ERROR
   otherwise, with *ERRSV the errno of the step that failed. */
static int
host_socket (const UctrPortSpec *spec, const UctrSockAddr *addr, int *errsv, GError **error)
{
  gboolean tcp = spec->proto == UCTR_PORT_TCP;
  gboolean v6 = addr->sa.sa_family == AF_INET6;
  uctr_autofd int fd = -1;
  int one = 1;

  fd = socket (addr->sa.sa_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  /* Each version its own socket: IPv4 clients are the IPv4 socket's. */
  if (fd < 0 || (v6 && setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
      || (tcp && setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
      || (!tcp && (v6 ? setsockopt (fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one)
                      : setsockopt (fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one)) < 0))
    {
      *errsv = errno;
      return uctr_throw_errno (error, _("Creating a socket for host port %u/%s"), spec->host_port,
                               proto_name (spec->proto)), -1;
    }
  if (bind (fd, &addr->sa, v6 ? sizeof addr->in6 : sizeof addr->in) < 0
      || (tcp && listen (fd, LISTEN_BACKLOG) < 0))
    {
      *errsv = errno;
      return bind_error (spec, errno, error), -1;
    }
  return uctr_steal_fd (&fd);
}

/* Binds SPEC's host side into FDS (FAMILIES: their versions): on its
   address, or on every address, IPv4 and (when the container and the host
   have it) IPv6. Returns how many; 0 with ERROR set on failure. */
static guint
host_sockets (UctrForwarder *f, const UctrPortSpec *spec, int fds[2], int families[2], GError **error)
{
  UctrSockAddr a4 = { .in = { .sin_family = AF_INET, .sin_port = htons (spec->host_port) } };
  UctrSockAddr a6 = { .in6 = { .sin6_family = AF_INET6, .sin6_port = htons (spec->host_port) } };
  gboolean want4 = TRUE, want6 = f->guest.has6;
  g_autoptr(GError) local = NULL;
  guint n = 0;
  int errsv = 0;

  if (spec->host_ip != NULL && inet_pton (AF_INET, spec->host_ip, &a4.in.sin_addr) == 1)
    want6 = FALSE;
  else if (spec->host_ip != NULL && inet_pton (AF_INET6, spec->host_ip, &a6.in6.sin6_addr) == 1)
    {
      if (!f->guest.has6)
        return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                           _("%s is an IPv6 address, and the container has no IPv6 (slirp option ipv6=false)"),
                           spec->host_ip), 0;
      want4 = FALSE;
    }
  else if (spec->host_ip != NULL)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("%s is not an IP address"), spec->host_ip), 0;
  if (want4)
    {
      fds[n] = host_socket (spec, &a4, &errsv, error);
      if (fds[n] < 0)
        return 0;
      families[n++] = AF_INET;
    }
  if (want6)
    {
      fds[n] = host_socket (spec, &a6, &errsv, &local);
      if (fds[n] >= 0)
        families[n++] = AF_INET6;
      /* Every address, on a host without IPv6: IPv4 is all there is. */
      else if (!(spec->host_ip == NULL && (errsv == EAFNOSUPPORT || errsv == EADDRNOTAVAIL)))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          while (n > 0)
            uctr_close_fdp (&fds[--n]);
          return 0;
        }
    }
  return n;
}

static gboolean
is_wildcard (const char *ip)
{
  return ip == NULL || g_str_equal (ip, "0.0.0.0") || g_str_equal (ip, "::");
}

/* Two host addresses that one port number cannot serve twice. */
static gboolean
addresses_overlap (const char *a, const char *b)
{
  if (a == NULL || b == NULL || g_str_equal (a, b))
    return TRUE;
  /* A wildcard of one version takes that version's addresses. */
  return (is_wildcard (a) || is_wildcard (b)) && (strchr (a, ':') != NULL) == (strchr (b, ':') != NULL);
}

static gboolean
check_not_published (UctrForwarder *f, const UctrPortSpec *spec, GError **error)
{
  for (guint i = 0; i < f->specs->len; i++)
    {
      const UctrPortSpec *s = f->specs->pdata[i];

      if (s->proto == spec->proto && s->host_port == spec->host_port
          && addresses_overlap (s->host_ip, spec->host_ip))
        return uctr_throw (error, UCTR_ERROR_EXISTS,
                           _("host port %u/%s is already published"), spec->host_port,
                              proto_name (spec->proto));
    }
  return TRUE;
}

/* --- API ------------------------------------------------------------------ */

UctrForwarder *
uctr_forwarder_new (int init_pidfd, const struct in_addr *guest, const struct in6_addr *guest6, GError **error)
{
  g_autoptr (UctrForwarder) f = g_new0 (UctrForwarder, 1);

  f->context = g_main_context_ref_thread_default ();
  f->guest.guest = *guest;
  if (guest6 != NULL)
    {
      f->guest.guest6 = *guest6;
      f->guest.has6 = TRUE;
    }
  f->agent = -1;
  f->specs = g_ptr_array_new_with_free_func ((GDestroyNotify) uctr_port_spec_free);
  f->ports = g_ptr_array_new ();
  f->routes = g_hash_table_new (NULL, NULL);
  if (!agent_start (f, init_pidfd, error))
    return NULL;
  return g_steal_pointer (&f);
}

gboolean
uctr_forwarder_add (UctrForwarder *f, const UctrPortSpec *spec, GError **error)
{
  g_autoptr (UctrPortSpec) copy = NULL;
  int fds[2] = { -1, -1 }, families[2];
  guint n;

  if (!check_not_published (f, spec, error))
    return FALSE;
  n = host_sockets (f, spec, fds, families, error);
  if (n == 0)
    return FALSE;
  if (!route_ref (f, spec, error))
    {
      while (n > 0)
        uctr_close_fdp (&fds[--n]);
      return FALSE;
    }
  copy = uctr_port_spec_copy (spec);
  g_ptr_array_add (f->ports, port_new (f, copy, fds, families, n));
  g_ptr_array_add (f->specs, g_steal_pointer (&copy));
  return TRUE;
}

gboolean
uctr_forwarder_remove (UctrForwarder *f, const UctrPortSpec *spec, GError **error)
{
  g_autofree char *text = NULL;

  for (guint i = 0; i < f->specs->len; i++)
    if (uctr_port_spec_equal (f->specs->pdata[i], spec))
      {
        port_free (g_ptr_array_steal_index (f->ports, i));
        g_ptr_array_remove_index (f->specs, i);
        return TRUE;
      }
  text = uctr_port_spec_format (spec);
  return uctr_throw (error, UCTR_ERROR_NOT_FOUND, _("%s is not published"), text);
}

const GPtrArray *
uctr_forwarder_list (UctrForwarder *f)
{
  return f->specs;
}

void
uctr_forwarder_free (UctrForwarder *f)
{
  if (f == NULL)
    return;
  while (f->ports != NULL && f->ports->len > 0)
    {
      port_free (g_ptr_array_steal_index (f->ports, f->ports->len - 1));
      g_ptr_array_remove_index (f->specs, f->specs->len - 1);
    }
  agent_stop (f);
  g_clear_pointer (&f->ports, g_ptr_array_unref);
  g_clear_pointer (&f->specs, g_ptr_array_unref);
  g_clear_pointer (&f->routes, g_hash_table_unref);
  g_clear_pointer (&f->context, g_main_context_unref);
  g_free (f);
}
