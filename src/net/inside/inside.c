/* uctr: the forwarder's inside agent. It runs as root of the container's
   user namespace, in its network namespace, so the sockets it makes live
   there even after they are passed to the helper, and it may give them any
   source address (IP_TRANSPARENT) and change the routing policy.

   How a reply finds its way back: the agent's socket is bound to the
   client's address (say 192.168.1.5:40000) and connects to the container's
   10.0.2.100:80. The container answers from port 80 to 192.168.1.5, which
   its main table would send out of tap0. A rule "from 10.0.2.100 ipproto tcp
   sport 80 lookup uctr" sends it to a table whose only route is "local
   0.0.0.0/0 dev lo": the answer is delivered locally, to the agent's
   socket, which the helper now holds.

   The outbound proxy asks for loopback listeners and for the nftables
   rules (intercept.c) that redirect the container's outbound TCP to them.

   Code here runs in the child of a fork(): no allocation, no GLib, no stdio. */
#include "net/inside/inside.h"
#include "net/inside/intercept.h"
#include "base/names.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/afterfork.h" /* last: it poisons what comes after */

#define NL_BUFSIZE 512

typedef union
{
  struct nlmsghdr h;
  char buf[NL_BUFSIZE];
} NlMessage;

static void *
nl_begin (NlMessage *m, guint16 type, guint16 flags, gsize header_len)
{
  memset (m, 0, sizeof *m);
  m->h.nlmsg_len = NLMSG_LENGTH (header_len);
  m->h.nlmsg_type = type;
  m->h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  m->h.nlmsg_seq = 1;
  return NLMSG_DATA (&m->h);
}

static void
nl_put (NlMessage *m, guint16 type, const void *data, gsize len)
{
  struct rtattr *a = (struct rtattr *) (m->buf + NLMSG_ALIGN (m->h.nlmsg_len));

  a->rta_type = type;
  a->rta_len = RTA_LENGTH (len);
  memcpy (RTA_DATA (a), data, len);
  m->h.nlmsg_len = NLMSG_ALIGN (m->h.nlmsg_len) + RTA_ALIGN (a->rta_len);
}

static void
nl_put_u32 (NlMessage *m, guint16 type, guint32 value)
{
  nl_put (m, type, &value, sizeof value);
}

/* Sends M and returns 0 or the errno of the kernel's answer. */
static int
nl_talk (int nl, NlMessage *m)
{
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  NlMessage answer;
  ssize_t n;

  if (TEMP_FAILURE_RETRY (sendto (nl, m, m->h.nlmsg_len, 0, (struct sockaddr *) &kernel, sizeof kernel)) < 0)
    return errno;
  for (;;)
    {
      n = TEMP_FAILURE_RETRY (recv (nl, &answer, sizeof answer, 0));
      if (n < 0)
        return errno;
      if ((gsize) n < NLMSG_LENGTH (sizeof (struct nlmsgerr)) || answer.h.nlmsg_seq != m->h.nlmsg_seq)
        continue;
      if (answer.h.nlmsg_type == NLMSG_ERROR)
        return -((struct nlmsgerr *) NLMSG_DATA (&answer.h))->error;
    }
}

static int
link_index (const char *name)
{
  struct ifreq ifr = { 0 };
  int fd, errsv;

  fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  strncpy (ifr.ifr_name, name, sizeof ifr.ifr_name - 1);
  errsv = ioctl (fd, SIOCGIFINDEX, &ifr) < 0 ? errno : 0;
  close (fd);
  errno = errsv;
  return errsv == 0 ? ifr.ifr_ifindex : -1;
}

/* "local 0.0.0.0/0 dev lo table uctr" (and "local ::/0 ..."), added again
   on every request: the kernel drops routes through lo when the container
   takes lo down. */
static int
table_route_add (int nl, int family)
{
  NlMessage m;
  struct rtmsg *rt = nl_begin (&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, sizeof *rt);
  int lo = link_index ("lo");

  if (lo < 0)
    return errno;
  rt->rtm_family = family;
  rt->rtm_table = RT_TABLE_UNSPEC;
  rt->rtm_protocol = RTPROT_STATIC;
  rt->rtm_scope = RT_SCOPE_HOST;
  rt->rtm_type = RTN_LOCAL;
  nl_put_u32 (&m, RTA_TABLE, UCTR_INSIDE_TABLE);
  nl_put_u32 (&m, RTA_OIF, (guint32) lo);
  return nl_talk (nl, &m);
}

static int
rule_change (int nl, gboolean add, int family, const void *guest, guint8 proto, guint16 port)
{
  NlMessage m;
  struct fib_rule_hdr *r
      = nl_begin (&m, add ? RTM_NEWRULE : RTM_DELRULE, add ? NLM_F_CREATE | NLM_F_EXCL : 0, sizeof *r);
  struct fib_rule_port_range range = { .start = port, .end = port };
  gsize alen = family == AF_INET6 ? sizeof (struct in6_addr) : sizeof (struct in_addr);

  r->family = family;
  r->src_len = alen * 8;
  r->table = RT_TABLE_UNSPEC;
  r->action = FR_ACT_TO_TBL;
  nl_put (&m, FRA_SRC, guest, alen);
  nl_put (&m, FRA_IP_PROTO, &proto, sizeof proto);
  nl_put (&m, FRA_SPORT_RANGE, &range, sizeof range);
  nl_put_u32 (&m, FRA_TABLE, UCTR_INSIDE_TABLE);
  nl_put_u32 (&m, FRA_PRIORITY, UCTR_INSIDE_RULE_PRIORITY);
  return nl_talk (nl, &m);
}

static int
route_add_family (int nl, int family, const void *guest, guint8 proto, guint16 port)
{
  int err = table_route_add (nl, family);

  if (err != 0)
    return err;
  err = rule_change (nl, TRUE, family, guest, proto, port);
  /* Left over by an agent that was killed: it is the rule we want. */
  return err == EEXIST ? 0 : err;
}

static int
route_add (int nl, const UctrInsideGuest *g, guint8 proto, guint16 port)
{
  int err = route_add_family (nl, AF_INET, &g->guest, proto, port);

  if (err == 0 && g->has6)
    err = route_add_family (nl, AF_INET6, &g->guest6, proto, port);
  return err;
}

static int
route_del (int nl, const UctrInsideGuest *g, guint8 proto, guint16 port)
{
  int err = rule_change (nl, FALSE, AF_INET, &g->guest, proto, port);

  if (g->has6)
    (void) rule_change (nl, FALSE, AF_INET6, &g->guest6, proto, port);
  return err;
}

/* A socket that looks like the client's own: bound to its address and
   port, connecting (TCP: without waiting) to the container's port, over
   the client's own IP version. */
/* A TCP socket connects; a UDP one stays unconnected: a service that
   connect()s its own socket to the client it saw (iperf3, DNS servers)
   answers a host-loopback client from 127.0.0.1, not from the container's
   address, and a connected socket would drop that. The forwarder sends with
   sendto (guest:port). */
static int
client_socket (const UctrInsideRequest *req, const UctrInsideGuest *g, int *fd_out)
{
  UctrSockAddr server = { 0 };
  gboolean tcp = req->proto == IPPROTO_TCP;
  int family = req->client.sa.sa_family;
  socklen_t len;
  int one = 1, fd, errsv;

  if (family == AF_INET)
    {
      server.in = (struct sockaddr_in){ .sin_family = AF_INET,
                                        .sin_addr = g->guest,
                                        .sin_port = htons (req->port) };
      len = sizeof server.in;
    }
  else if (family == AF_INET6 && g->has6)
    {
      server.in6 = (struct sockaddr_in6){ .sin6_family = AF_INET6,
                                          .sin6_addr = g->guest6,
                                          .sin6_port = htons (req->port) };
      len = sizeof server.in6;
    }
  else
    return EAFNOSUPPORT;
  fd = socket (family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return errno;
  if ((family == AF_INET ? setsockopt (fd, SOL_IP, IP_TRANSPARENT, &one, sizeof one)
                         : setsockopt (fd, SOL_IPV6, IPV6_TRANSPARENT, &one, sizeof one))
          < 0
      || (tcp && setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
      || bind (fd, &req->client.sa, len) < 0
      || (tcp && connect (fd, &server.sa, len) < 0 && errno != EINPROGRESS))
    {
      errsv = errno;
      close (fd);
      return errsv;
    }
  *fd_out = fd;
  return 0;
}

#define LISTEN_BACKLOG 128

/* A TCP listener of the outbound proxy on 127.0.0.1 or ::1, on a port
   the kernel picks. */
static int
loopback_listener (int family, int *fd_out)
{
  UctrSockAddr a = { 0 };
  socklen_t len;
  int fd, errsv;

  if (family == AF_INET)
    {
      a.in = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
      len = sizeof a.in;
    }
  else if (family == AF_INET6)
    {
      a.in6 = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
      len = sizeof a.in6;
    }
  else
    return EAFNOSUPPORT;
  fd = socket (family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return errno;
  if (bind (fd, &a.sa, len) < 0 || listen (fd, LISTEN_BACKLOG) < 0)
    {
      errsv = errno;
      close (fd);
      return errsv;
    }
  *fd_out = fd;
  return 0;
}

static void reply (int sock, int err, int fd);

/* Answered before the table is made: its commit waits for the kernel's RCU
   grace periods (2 to 20 ms here), which the helper's loop must not.
   Nothing is redirected until it is done, and where it fails libslirp
   keeps carrying everything, as it does before. The netfilter socket,
   opened here, serves FORGET too. */
static void
intercept (int sock, int *nft, const UctrInsideRequest *req, const UctrInsideGuest *g)
{
  int tap = link_index (UCTR_NET_TAP_NAME);

  if (tap >= 0 && *nft < 0)
    *nft = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  reply (sock, tap < 0 || *nft < 0 ? errno : 0, -1);
  if (tap >= 0 && *nft >= 0)
    (void) uctr_intercept_install (*nft, g, tap, req->port, req->port6, req->flags);
}

static void
reply (int sock, int err, int fd)
{
  UctrInsideReply r = { .err = err };
  struct iovec iov = { .iov_base = &r, .iov_len = sizeof r };
  union
  {
    struct cmsghdr align;
    char buf[CMSG_SPACE (sizeof (int))];
  } control;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
  struct cmsghdr *c;

  if (fd >= 0)
    {
      memset (&control, 0, sizeof control);
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof control.buf;
      c = CMSG_FIRSTHDR (&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN (sizeof fd);
      memcpy (CMSG_DATA (c), &fd, sizeof fd);
    }
  if (TEMP_FAILURE_RETRY (sendmsg (sock, &msg, MSG_NOSIGNAL)) < 0)
    _exit (1);
}

static void
serve (int sock, int nl, int *nft, const UctrInsideRequest *req, const UctrInsideGuest *guest)
{
  int fd = -1, err;

  if (req->proto != IPPROTO_TCP && req->proto != IPPROTO_UDP)
    {
      reply (sock, EPROTONOSUPPORT, -1);
      return;
    }
  switch (req->op)
    {
    case UCTR_INSIDE_ROUTE_ADD:
      err = route_add (nl, guest, (guint8) req->proto, req->port);
      break;
    case UCTR_INSIDE_ROUTE_DEL:
      err = route_del (nl, guest, (guint8) req->proto, req->port);
      break;
    case UCTR_INSIDE_SOCKET:
      err = client_socket (req, guest, &fd);
      break;
    case UCTR_INSIDE_LISTEN:
      err = loopback_listener (req->client.sa.sa_family, &fd);
      break;
    case UCTR_INSIDE_INTERCEPT:
      intercept (sock, nft, req, guest);
      return;
    case UCTR_INSIDE_FORGET:
      err = *nft >= 0 ? uctr_intercept_forget (*nft, &req->client) : ENOENT;
      break;
    default:
      err = EOPNOTSUPP;
      break;
    }
  reply (sock, err, fd);
  if (fd >= 0)
    close (fd);
}

/* Keeps SOCK only: the helper's tap fd, listeners and the rest must not
   stay open in a process that outlives their closing in the helper. */
static int
close_other_fds (int sock)
{
  if (sock < 3)
    {
      int moved = fcntl (sock, F_DUPFD_CLOEXEC, 3);
      if (moved < 0)
        return -1;
      sock = moved;
    }
  if (sock > 3)
    (void) close_range (3, sock - 1, 0);
  (void) close_range (sock + 1, ~0U, 0);
  return sock;
}

void
uctr_inside_agent_run (int sock, int init_pidfd, pid_t parent, const UctrInsideGuest *guest)
{
  UctrInsideRequest req;
  sigset_t none;
  ssize_t n;
  int nl, nft = -1;

  if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid () != parent)
    _exit (1);
  /* In the container's user namespace we are its root's to ptrace and
     to open in /proc (where it shares a pid namespace with us), and we
     hold the helper's fds until close_other_fds: not dumpable, never. */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    _exit (1);
  sigemptyset (&none);
  (void) sigprocmask (SIG_SETMASK, &none, NULL);
  /* A container in our own user namespace (uctr itself run inside one, as
     by rootless podman) cannot be joined there again: EINVAL. Its network
     namespace is then ours to enter as it is. */
  if (setns (init_pidfd, CLONE_NEWUSER | CLONE_NEWNET) < 0
      && (errno != EINVAL || setns (init_pidfd, CLONE_NEWNET) < 0))
    {
      reply (sock, errno, -1);
      _exit (1);
    }
  sock = close_other_fds (sock);
  if (sock < 0)
    _exit (1);
  nl = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (nl < 0)
    {
      reply (sock, errno, -1);
      _exit (1);
    }
  reply (sock, 0, -1);
  for (;;)
    {
      n = TEMP_FAILURE_RETRY (recv (sock, &req, sizeof req, 0));
      if (n == 0)
        _exit (0);
      if (n < 0)
        _exit (1);
      if ((gsize) n != sizeof req)
        reply (sock, EINVAL, -1);
      else
        serve (sock, nl, &nft, &req, guest);
    }
}
