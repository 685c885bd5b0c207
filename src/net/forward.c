/* uctr: published ports, forwarded without libslirp. The host side accepts
   (TCP) or receives (UDP) here, in the network helper; the inside agent
   (inside.c) hands us sockets made in the container's network namespace,
   bound to the client's own address, so the container sees who connects.
   TCP connections are relayed with splice() (relay.c) and never copied to
   userspace; UDP datagrams go through one buffer per port.

   Nothing a client does may end the helper: a failed connect, a reset or a
   full fd table closes that connection and nothing else. */
#include "net/forward.h"
#include "net/ports.h"
#include "net/agent.h"
#include "net/relay.h"
#include "base/util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <linux/filter.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>

#define LISTEN_BACKLOG 128
#define UDP_BATCH 64 /* datagrams per wake-up */
#define UDP_MAX_DATAGRAM 65536
#define UDP_MAX_FLOWS 1024 /* per published port, to keep fds for TCP */
#define UDP_IDLE_SECONDS 60
#define UDP_SWEEP_SECONDS 10

struct _UctrForwarder
{
  GMainContext *context;
  UctrAgent *agent; /* the helper's */
  const UctrInsideGuest *guest;
  GPtrArray *specs;   /* UctrPortSpec *: what uctr_forwarder_list returns */
  GPtrArray *ports;   /* Port *, in the same order */
  GHashTable *routes; /* route_key () -> number of ports that need that rule */
  gboolean handover;  /* publish_tcp=handover: TCP listeners a server's socket can join */
};

typedef struct _Port Port;

/* A host socket of a published port: the TCP listener or the UDP socket,
   of one IP version. A port bound on every address has one of each. */
typedef struct
{
  Port *port;
  UctrAcceptor a; /* its family is the listener's IP version */
} Listener;

struct _Port
{
  UctrForwarder *f;
  const UctrPortSpec *spec; /* owned by f->specs */
  Listener ls[2];
  guint n_ls;
  gboolean handed;     /* TCP: a socket of its host port was handed to the container's bind() */
  UctrRelaySet *conns; /* TCP: relayed connections */
  GHashTable *flows;   /* UDP: &Flow.client -> Flow * (owned) */
  GSource *sweep;      /* UDP: ends idle flows */
  guint8 *buf;         /* UDP: one datagram */
};

typedef union
{
  struct in_addr v4;
  struct in6_addr v6;
} LocalAddr;

typedef struct
{
  Port *port;
  Listener *via;        /* the host socket the client sends to */
  UctrSockAddr client;  /* the key in port->flows */
  LocalAddr local;      /* the host address the client sent to: the answers' source */
  UctrSockAddr service; /* where the client's datagrams go in the container: see flow_ready */
  int fd;               /* the agent's socket, in the container */
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

/* Asks the agent and waits for its answer: the loop stalls for a round
   trip at most. Returns 0 or an errno. */
static int
agent_call (UctrForwarder *f, UctrInsideOp op, const UctrPortSpec *spec, const UctrSockAddr *client,
            int *fd_out)
{
  UctrInsideRequest req = { .op = op, .proto = proto_number (spec->proto), .port = spec->container_port };

  if (client != NULL)
    req.client = *client;
  return uctr_agent_call (f->agent, &req, fd_out);
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

/* --- TCP ------------------------------------------------------------------ */

/* Takes CLIENT; on any failure the client is reset, as a refused
   connection would be. */
static void
conn_start (int client, const UctrSockAddr *peer, gpointer data)
{
  Port *p = data;
  UctrSockAddr from = *peer;
  int inside = -1;

  /* An IPv4 client of a listener of both versions (publish_tcp=handover)
     reaches the container over IPv4. */
  if (from.sa.sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED (&from.in6.sin6_addr))
    {
      struct in_addr v4;

      memcpy (&v4, &from.in6.sin6_addr.s6_addr[12], sizeof v4);
      from.in
          = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = peer->in6.sin6_port, .sin_addr = v4 };
    }
  if (agent_call (p->f, UCTR_INSIDE_SOCKET, p->spec, &from, &inside) != 0)
    {
      uctr_socket_reset (client);
      return;
    }
  (void) uctr_relay_start (p->conns, client, inside, TRUE, p->f->context, NULL, NULL, NULL);
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
  gboolean v6 = flow->via->a.family == AF_INET6;
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
  (void) sendmsg (flow->via->a.fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* What the container sends back goes out of the published socket, to
   the client. Where it came from is where the client's next datagrams
   go: a service that connect()s its socket to a host-loopback client
   (iperf3, DNS servers) is bound to 127.0.0.1 from then on, not to the
   container's address, and one that answers from a new port (TFTP) goes
   on there, as the client would see through a NAT. */
static gboolean
flow_ready (int fd, GIOCondition cond, gpointer data)
{
  Flow *flow = data;
  Port *p = flow->port;

  for (int i = 0; i < UDP_BATCH; i++)
    {
      UctrSockAddr from;
      socklen_t len = sizeof from;
      ssize_t n = recvfrom (fd, p->buf, UDP_MAX_DATAGRAM, MSG_DONTWAIT, &from.sa, &len);

      if (n < 0 && errno == EAGAIN)
        break;
      if (n < 0)
        continue; /* ECONNREFUSED and the like: the next one may go */
      if (from.sa.sa_family == flow->service.sa.sa_family)
        flow->service = from;
      flow->last_used = g_get_monotonic_time ();
      flow_send_to_client (flow, n);
    }
  return G_SOURCE_CONTINUE;
}

/* The container's side of the published port, until the service answers from elsewhere. */
static void
service_address (const Port *p, int family, UctrSockAddr *service)
{
  memset (service, 0, sizeof *service);
  if (family == AF_INET6)
    service->in6 = (struct sockaddr_in6){ .sin6_family = AF_INET6,
                                          .sin6_addr = p->f->guest->guest6,
                                          .sin6_port = htons (p->spec->container_port) };
  else
    service->in = (struct sockaddr_in){ .sin_family = AF_INET,
                                        .sin_addr = p->f->guest->guest,
                                        .sin_port = htons (p->spec->container_port) };
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
  service_address (p, l->a.family, &flow->service);
  flow->fd = fd;
  flow->watch = uctr_watch_in (fd, G_SOURCE_FUNC (flow_ready), flow, p->f->context);
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
  ssize_t n = recvmsg (l->a.fd, &msg, MSG_DONTWAIT);

  if (n < 0)
    return -1;
  if (client->sa.sa_family != l->a.family)
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
  /* Flows' sockets are unconnected (see inside.c): each datagram says where it goes. */
  socklen_t service_len
      = l->a.family == AF_INET6 ? sizeof (struct sockaddr_in6) : sizeof (struct sockaddr_in);

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
      (void) sendto (flow->fd, p->buf, n, MSG_DONTWAIT, &flow->service.sa, service_len);
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
port_free (Port *p)
{
  for (guint i = 0; i < p->n_ls; i++)
    uctr_acceptor_clear (&p->ls[i].a);
  if (p->sweep != NULL)
    g_source_destroy (p->sweep);
  g_clear_pointer (&p->sweep, g_source_unref);
  g_clear_pointer (&p->conns, uctr_relay_set_free);
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
    p->conns = uctr_relay_set_new ();
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
      int fd = uctr_steal_fd (&fds[p->n_ls]);

      l->port = p;
      if (spec->proto == UCTR_PORT_TCP)
        uctr_acceptor_start (&l->a, fd, families[p->n_ls], conn_start, p, f->context);
      else
        uctr_acceptor_watch (&l->a, fd, families[p->n_ls], G_SOURCE_FUNC (udp_ready), l, f->context);
    }
  return p;
}

/* Read once, when the forwarder starts: the helper's sandbox keeps it
   from /proc later. */
static guint
unprivileged_port_start (void)
{
  static guint start;
  g_autofree char *text = NULL;

  if (start != 0)
    return start;
  if (!g_file_get_contents ("/proc/sys/net/ipv4/ip_unprivileged_port_start", &text, NULL, NULL))
    start = 1024;
  else
    start = MAX ((guint) g_ascii_strtoull (text, NULL, 10), 1);
  return start;
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

/* publish_tcp=handover: the listener hands every connection to the second
   socket of its SO_REUSEPORT group, the container's server's once it
   listens (uctr_forwarder_hand_over); alone, the kernel gives it all. */
static gboolean
steer_to_server (int fd)
{
  struct sock_filter second[] = { BPF_STMT (BPF_RET | BPF_K, 1) };
  struct sock_fprog prog = { .len = G_N_ELEMENTS (second), .filter = second };

  return setsockopt (fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof prog) == 0;
}

/* The socket of one IP version for SPEC, bound to ADDR; -1 and ERROR
   otherwise, with *ERRSV the errno of the step that failed. With
   SHARED (a publish_tcp=handover TCP listener) an IPv6 one takes IPv4
   clients too, and the port is open to SO_REUSEPORT after the bind, so
   that the bind still finds the port busy when another process holds it. */
static int
host_socket (const UctrPortSpec *spec, const UctrSockAddr *addr, gboolean shared, int *errsv, GError **error)
{
  gboolean tcp = spec->proto == UCTR_PORT_TCP;
  gboolean v6 = addr->sa.sa_family == AF_INET6;
  uctr_autofd int fd = -1;
  int one = 1, v6only = !shared;

  fd = socket (addr->sa.sa_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  /* Each version its own socket: IPv4 clients are the IPv4 socket's. */
  if (fd < 0 || (v6 && setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) < 0)
      || (tcp && setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
      || (!tcp
          && (v6 ? setsockopt (fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one)
                 : setsockopt (fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one))
                 < 0))
    {
      *errsv = errno;
      return uctr_throw_errno (error,
                               _("Creating a socket for host port %u/%s"), spec->host_port,
                                  proto_name (spec->proto)),
                               -1;
    }
  if (bind (fd, &addr->sa, v6 ? sizeof addr->in6 : sizeof addr->in) < 0
      || (shared && setsockopt (fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
      || (tcp && listen (fd, LISTEN_BACKLOG) < 0) || (shared && !steer_to_server (fd)))
    {
      *errsv = errno;
      return bind_error (spec, errno, error), -1;
    }
  return uctr_steal_fd (&fd);
}

static UctrSockAddr
mapped (const UctrSockAddr *a4)
{
  UctrSockAddr a6 = { .in6 = { .sin6_family = AF_INET6, .sin6_port = a4->in.sin_port } };

  a6.in6.sin6_addr.s6_addr[10] = 0xff;
  a6.in6.sin6_addr.s6_addr[11] = 0xff;
  memcpy (&a6.in6.sin6_addr.s6_addr[12], &a4->in.sin_addr, 4);
  return a6;
}

/* Binds SPEC's host side into FDS (FAMILIES: their versions): on its
   address, or on every address, IPv4 and (when the container and the host
   have it) IPv6. A publish_tcp=handover TCP port has one socket of IPv6
   for both versions instead, where the host has IPv6, so that a server's
   socket of either kind can join it or outdo it for IPv4 clients
   (uctr_forwarder_hand_over). Returns how many; 0 with ERROR set on
   failure. */
static guint
host_sockets (UctrForwarder *f, const UctrPortSpec *spec, int fds[2], int families[2], GError **error)
{
  UctrSockAddr a4 = { .in = { .sin_family = AF_INET, .sin_port = htons (spec->host_port) } };
  UctrSockAddr a6 = { .in6 = { .sin6_family = AF_INET6, .sin6_port = htons (spec->host_port) } };
  gboolean want4 = TRUE, want6 = f->guest->has6;
  gboolean shared = f->handover && spec->proto == UCTR_PORT_TCP;
  g_autoptr(GError) local = NULL;
  guint n = 0;
  int errsv = 0;

  if (spec->host_ip != NULL && inet_pton (AF_INET, spec->host_ip, &a4.in.sin_addr) == 1)
    want6 = FALSE;
  else if (spec->host_ip != NULL && inet_pton (AF_INET6, spec->host_ip, &a6.in6.sin6_addr) == 1)
    {
      if (!f->guest->has6)
        return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                           _("%s is an IPv6 address, and the container has no IPv6 (slirp option ipv6=false)"),
                              spec->host_ip),
                           0;
      want4 = FALSE;
    }
  else if (spec->host_ip != NULL)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("%s is not an IP address"), spec->host_ip), 0;
  if (shared)
    {
      /* IPv4 alone as IPv4-mapped IPv6 (::ffff:0.0.0.0 for every address). */
      UctrSockAddr one = want6 ? a6 : mapped (&a4);

      fds[0] = host_socket (spec, &one, TRUE, &errsv, &local);
      if (fds[0] >= 0)
        return families[0] = AF_INET6, 1;
      /* A host without IPv6: IPv4 is all there is. */
      if (!want4 || (errsv != EAFNOSUPPORT && errsv != EADDRNOTAVAIL))
        return g_propagate_error (error, g_steal_pointer (&local)), 0;
      g_clear_error (&local);
      want6 = FALSE;
    }
  if (want4)
    {
      fds[n] = host_socket (spec, &a4, shared, &errsv, error);
      if (fds[n] < 0)
        return 0;
      families[n++] = AF_INET;
    }
  if (want6)
    {
      fds[n] = host_socket (spec, &a6, shared, &errsv, &local);
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

/* --- publish_tcp=handover ------------------------------------------------- */

/* The server's socket is on the host: a relay of the same container port
   would find nobody there, and the host port is the server's until it
   closes it, which nothing here learns of. */
static gboolean
check_not_handed (UctrForwarder *f, const UctrPortSpec *spec, GError **error)
{
  for (guint i = 0; i < f->ports->len; i++)
    {
      const Port *p = f->ports->pdata[i];

      if (p->handed && p->spec->proto == spec->proto && p->spec->container_port == spec->container_port)
        return uctr_throw (error, UCTR_ERROR_BAD_STATE,
                           _("the container's server on port %u/tcp has a socket of host port %u of its own "
                             "(publish_tcp=handover): its ports cannot change while the container runs"),
                              p->spec->container_port, p->spec->host_port);
    }
  return TRUE;
}

/* The one TCP port that publishes container port PORT, or NULL. */
static Port *
only_port_of (UctrForwarder *f, guint16 port)
{
  Port *found = NULL;

  for (guint i = 0; i < f->ports->len; i++)
    {
      Port *p = f->ports->pdata[i];

      if (p->spec->proto != UCTR_PORT_TCP || p->spec->container_port != port)
        continue;
      if (found != NULL)
        return NULL;
      found = p;
    }
  return found;
}

/* ADDR, what the server binds, is where the relay would reach it: every
   address, or the container's own on tap0. */
static gboolean
relay_reaches (const UctrInsideGuest *guest, const UctrSockAddr *addr)
{
  if (addr->sa.sa_family == AF_INET)
    return addr->in.sin_addr.s_addr == htonl (INADDR_ANY) || addr->in.sin_addr.s_addr == guest->guest.s_addr;
  return IN6_IS_ADDR_UNSPECIFIED (&addr->in6.sin6_addr)
         || (guest->has6 && IN6_ARE_ADDR_EQUAL (&addr->in6.sin6_addr, &guest->guest6));
}

/* Where the server's socket of FAMILY (V6ONLY) binds, to join L's group
   (both of IPv6 for both versions, at L's address) or to take L's IPv4
   clients (one of IPv4, at the IPv4 address L is bound to, which IPv4
   clients prefer to a socket of IPv6). FALSE where the kernel would give
   its clients to L instead: an IPv6-only socket (L comes first, at the
   same score), one of both versions beside an IPv4 listener (a host
   without IPv6), one of IPv4 where L's address is IPv6 alone. */
static gboolean
joining_address (const Listener *l, int family, gboolean v6only, UctrSockAddr *out)
{
  socklen_t len = sizeof *out;
  struct in6_addr a;

  if (getsockname (l->a.fd, &out->sa, &len) < 0)
    return FALSE;
  if (family == AF_INET6)
    return !v6only && l->a.family == AF_INET6;
  if (l->a.family == AF_INET)
    return TRUE;
  a = out->in6.sin6_addr;
  if (!IN6_IS_ADDR_UNSPECIFIED (&a) && !IN6_IS_ADDR_V4MAPPED (&a))
    return FALSE;
  *out = (UctrSockAddr){ .in = { .sin_family = AF_INET, .sin_port = out->in6.sin6_port } };
  memcpy (&out->in.sin_addr, &a.s6_addr[12], 4);
  return TRUE;
}

int
uctr_forwarder_hand_over (UctrForwarder *f, gboolean v6only, const UctrSockAddr *addr)
{
  int family = addr->sa.sa_family;
  guint16 port = ntohs (family == AF_INET ? addr->in.sin_port : addr->in6.sin6_port);
  Port *p;
  UctrSockAddr at = { 0 };
  uctr_autofd int fd = -1;
  int one = 1, zero = 0;

  if (!f->handover || (family != AF_INET && family != AF_INET6) || port == 0
      || !relay_reaches (f->guest, addr))
    return -1;
  p = only_port_of (f, port);
  /* A socket of a port below it could connect from there, which some
     servers take for a privileged client. */
  if (p == NULL || p->n_ls != 1 || p->spec->host_port < unprivileged_port_start ()
      || !joining_address (&p->ls[0], family, v6only, &at))
    return -1;
  fd = socket (family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || (family == AF_INET6 && setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) < 0)
      || setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0
      || setsockopt (fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0
      || bind (fd, &at.sa, family == AF_INET6 ? sizeof at.in6 : sizeof at.in) < 0)
    {
      g_debug ("network helper: handing host port %u over: %s", p->spec->host_port, g_strerror (errno));
      return -1;
    }
  p->handed = TRUE;
  return uctr_steal_fd (&fd);
}

/* --- API ------------------------------------------------------------------ */

UctrForwarder *
uctr_forwarder_new (UctrAgent *agent)
{
  UctrForwarder *f = g_new0 (UctrForwarder, 1);

  f->context = g_main_context_ref_thread_default ();
  f->agent = agent;
  f->guest = uctr_agent_guest (agent);
  f->specs = g_ptr_array_new_with_free_func ((GDestroyNotify) uctr_port_spec_free);
  f->ports = g_ptr_array_new ();
  f->routes = g_hash_table_new (NULL, NULL);
  (void) unprivileged_port_start ();
  return f;
}

void
uctr_forwarder_set_handover (UctrForwarder *f)
{
  g_return_if_fail (f->ports->len == 0);
  f->handover = TRUE;
}

gboolean
uctr_forwarder_add (UctrForwarder *f, const UctrPortSpec *spec, GError **error)
{
  g_autoptr (UctrPortSpec) copy = NULL;
  int fds[2] = { -1, -1 }, families[2];
  guint n;

  if (!check_not_published (f, spec, error) || !check_not_handed (f, spec, error))
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
        if (!check_not_handed (f, spec, error))
          return FALSE;
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
  g_clear_pointer (&f->ports, g_ptr_array_unref);
  g_clear_pointer (&f->specs, g_ptr_array_unref);
  g_clear_pointer (&f->routes, g_hash_table_unref);
  g_clear_pointer (&f->context, g_main_context_unref);
  g_free (f);
}
