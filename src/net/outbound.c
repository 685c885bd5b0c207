/* uctr: the outbound TCP proxy (see outbound.h).

   The container's connect() is answered by its own kernel (the listener
   is in its network namespace) before the proxy tries the host. So only
   destinations libslirp has reached come here (intercept.c explains how
   they are learnt), and one that then fails is reset, and forgotten: the
   client saw a connection that ends at once, and its next try goes
   through libslirp, which refuses as the host does. outbound_tcp=slirp
   keeps every connection on libslirp. */
#include "net/outbound.h"
#include "net/destination.h"
#include "net/relay.h"
#include "base/util.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

/* linux/netfilter_ipv4.h and linux/netfilter_ipv6/ip6_tables.h, which do
   not mix with glibc's netinet headers. */
#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif

typedef struct
{
  UctrOutbound *o;
  UctrAcceptor a;
} Listener;

struct _UctrOutbound
{
  GMainContext *context;
  UctrAgent *agent;
  const UctrInsideGuest *guest;
  gboolean host_loopback;
  struct in_addr bind4; /* INADDR_ANY: none */
  Listener ls[2];       /* IPv4, IPv6 */
  guint n_ls;
  UctrRelaySet *conns; /* relayed connections */
};

/* Where the container meant to connect, before the redirect. */
static gboolean
original_destination (int fd, int family, UctrSockAddr *dst)
{
  socklen_t len = sizeof *dst;

  memset (dst, 0, sizeof *dst);
  if (family == AF_INET6)
    return getsockopt (fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, dst, &len) == 0 && dst->sa.sa_family == AF_INET6;
  return getsockopt (fd, SOL_IP, SO_ORIGINAL_DST, dst, &len) == 0 && dst->sa.sa_family == AF_INET;
}

/* The host's side: a socket connecting (without waiting) to DST. */
static int
host_connect (const UctrOutbound *o, const UctrSockAddr *dst)
{
  gboolean v6 = dst->sa.sa_family == AF_INET6;
  struct sockaddr_in from = { .sin_family = AF_INET, .sin_addr = o->bind4 };
  uctr_autofd int fd = socket (dst->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return -1;
  if (!v6 && o->bind4.s_addr != INADDR_ANY && bind (fd, (struct sockaddr *) &from, sizeof from) < 0)
    return -1;
  if (connect (fd, &dst->sa, v6 ? sizeof dst->in6 : sizeof dst->in) < 0 && errno != EINPROGRESS)
    return -1;
  return uctr_steal_fd (&fd);
}

/* The next connection to DST learns from libslirp whether the host answers. */
static void
forget (UctrOutbound *o, const UctrSockAddr *dst)
{
  UctrInsideRequest req = { .op = UCTR_INSIDE_FORGET, .proto = IPPROTO_TCP, .client = *dst };
  int err = uctr_agent_call (o->agent, &req, NULL);

  if (err != 0)
    g_debug ("outbound proxy: forgetting a destination: %s", g_strerror (err));
}

/* What a relay needs to forget its destination: the one the container
   asked for, before uctr_outbound_destination. */
typedef struct
{
  UctrOutbound *o;
  UctrSockAddr dst;
} Attempt;

static void
attempt_failed (int err, gpointer data)
{
  Attempt *t = data;

  g_debug ("outbound proxy: connecting: %s", g_strerror (err));
  forget (t->o, &t->dst);
}

static void
outbound_accept (int inside, const UctrSockAddr *peer, gpointer data)
{
  Listener *l = data;
  UctrOutbound *o = l->o;
  Attempt *t = g_new0 (Attempt, 1);
  UctrSockAddr dst;
  int host;

  t->o = o;
  /* A connection made to the listener itself has no original destination. */
  if (!original_destination (inside, l->a.family, &t->dst))
    {
      uctr_socket_reset (inside);
      g_free (t);
      return;
    }
  dst = t->dst;
  errno = EACCES;
  host = uctr_outbound_destination (o->guest, o->host_loopback, &dst) ? host_connect (o, &dst) : -1;
  if (host < 0)
    {
      attempt_failed (errno, t);
      uctr_socket_reset (inside);
      g_free (t);
      return;
    }
  (void) uctr_relay_start (o->conns, inside, host, TRUE, o->context, attempt_failed, t, g_free);
}

/* A listener inside, on the loopback address of FAMILY; its port, or 0. */
static guint16
listener_open (UctrOutbound *o, UctrAgent *agent, int family, GError **error)
{
  UctrInsideRequest req = { .op = UCTR_INSIDE_LISTEN, .proto = IPPROTO_TCP };
  UctrSockAddr bound = { 0 };
  socklen_t len = sizeof bound;
  Listener *l = &o->ls[o->n_ls];
  int fd = -1, err;

  req.client.sa.sa_family = family;
  err = uctr_agent_call (agent, &req, &fd);
  if (err != 0)
    return uctr_throw_errno_code (error, err, _("Listening on the container's loopback")), 0;
  if (getsockname (fd, &bound.sa, &len) < 0)
    {
      int errsv = errno;
      (void) close (fd);
      return uctr_throw_errno_code (error, errsv, _("Listening on the container's loopback")), 0;
    }
  l->o = o;
  uctr_acceptor_start (&l->a, fd, family, outbound_accept, l, o->context);
  o->n_ls++;
  return ntohs (family == AF_INET6 ? bound.in6.sin6_port : bound.in.sin_port);
}

UctrOutbound *
uctr_outbound_new (UctrAgent *agent, gboolean host_loopback, const struct in_addr *bind4, GError **error)
{
  g_autoptr(UctrOutbound) o = g_new0 (UctrOutbound, 1);
  UctrInsideRequest req = { .op = UCTR_INSIDE_INTERCEPT, .proto = IPPROTO_TCP };
  int err;

  o->context = g_main_context_ref_thread_default ();
  o->agent = agent;
  o->guest = uctr_agent_guest (agent);
  o->host_loopback = host_loopback;
  if (bind4 != NULL)
    o->bind4 = *bind4;
  o->conns = uctr_relay_set_new ();
  req.port = listener_open (o, agent, AF_INET, error);
  if (req.port == 0)
    return NULL;
  if (o->guest->has6)
    {
      g_autoptr(GError) local = NULL;

      /* IPv6 turned off inside (disable_ipv6): libslirp keeps it, if any. */
      req.port6 = listener_open (o, agent, AF_INET6, &local);
      if (req.port6 == 0)
        g_debug ("outbound proxy: no IPv6: %s", local->message);
    }
  req.flags = host_loopback ? UCTR_INSIDE_HOST_LOOPBACK : 0;
  err = uctr_agent_call (agent, &req, NULL);
  if (err != 0)
    return uctr_throw_errno_code (error, err, _("Redirecting the container's outbound TCP with nftables")),
                                  NULL;
  return g_steal_pointer (&o);
}

void
uctr_outbound_free (UctrOutbound *o)
{
  if (o == NULL)
    return;
  for (guint i = 0; i < o->n_ls; i++)
    uctr_acceptor_clear (&o->ls[i].a);
  g_clear_pointer (&o->conns, uctr_relay_set_free);
  g_clear_pointer (&o->context, g_main_context_unref);
  g_free (o);
}
