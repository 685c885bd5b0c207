/* uctr: the container side of a slirp network: tap0 in the new network
   namespace, its addresses and routes, set with ioctls so that it runs in
   the container init without allocating. The fd goes to the network helper. */
#include "init/nettap.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/route.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/afterfork.h" /* last: it poisons what comes after */

/* <linux/ipv6.h> clashes with glibc's headers; this is its in6_ifreq. */
struct uctr_in6_ifreq
{
  struct in6_addr addr;
  guint32 prefixlen;
  int ifindex;
};

static int
fail_at (UctrInitCtx *ctx, int index)
{
  ctx->step = UCTR_STEP_NETWORK;
  ctx->index = index;
  return -1;
}

static void
set_sin (struct sockaddr *sa, struct in_addr a)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = a };

  memcpy (sa, &sin, sizeof sin);
}

static int
open_tap (const UctrPlan *plan, struct ifreq *ifr)
{
  int fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);

  if (fd < 0)
    return -1;
  memset (ifr, 0, sizeof *ifr);
  memcpy (ifr->ifr_name, UCTR_NET_TAP_NAME, sizeof UCTR_NET_TAP_NAME);
  ifr->ifr_flags = IFF_TAP | IFF_NO_PI;
  if (ioctl (fd, TUNSETIFF, ifr) < 0)
    {
      int errsv = errno;
      close (fd);
      errno = errsv;
      return -1;
    }
  return fd;
}

static int
configure_ipv4 (int sock, const UctrPlanNet *net)
{
  struct ifreq ifr = { .ifr_name = UCTR_NET_TAP_NAME };
  struct rtentry rt = { .rt_flags = RTF_UP | RTF_GATEWAY, .rt_dev = (char *) UCTR_NET_TAP_NAME };
  struct in_addr any = { .s_addr = INADDR_ANY };

  ifr.ifr_mtu = net->mtu;
  if (ioctl (sock, SIOCSIFMTU, &ifr) < 0)
    return -1;
  set_sin (&ifr.ifr_addr, net->addr);
  if (ioctl (sock, SIOCSIFADDR, &ifr) < 0)
    return -1;
  set_sin (&ifr.ifr_netmask, net->netmask);
  if (ioctl (sock, SIOCSIFNETMASK, &ifr) < 0)
    return -1;
  if (ioctl (sock, SIOCGIFFLAGS, &ifr) < 0)
    return -1;
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl (sock, SIOCSIFFLAGS, &ifr) < 0)
    return -1;
  set_sin (&rt.rt_dst, any);
  set_sin (&rt.rt_genmask, any);
  set_sin (&rt.rt_gateway, net->gateway);
  return ioctl (sock, SIOCADDRT, &rt);
}

/* Duplicate address detection would hold fd00::100 back for a second, on a
   link where slirp is the only other host. */
static void
skip_dad (const UctrPlan *plan)
{
  int fd = openat (plan->host_proc_fd, "sys/net/ipv6/conf/" UCTR_NET_TAP_NAME "/accept_dad",
                   O_WRONLY | O_CLOEXEC);

  if (fd >= 0)
    {
      (void) !write (fd, "0", 1);
      close (fd);
    }
}

static int
configure_ipv6 (const UctrPlan *plan, int ifindex)
{
  const UctrPlanNet *net = &plan->net;
  struct uctr_in6_ifreq ifr6 = { .addr = net->addr6, .prefixlen = net->prefix6, .ifindex = ifindex };
  struct in6_rtmsg rt = { .rtmsg_gateway = net->gateway6,
                          .rtmsg_flags = RTF_UP | RTF_GATEWAY,
                          .rtmsg_metric = 1,
                          .rtmsg_ifindex = ifindex };
  int sock = socket (AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int r;

  if (sock < 0)
    return -1;
  skip_dad (plan);
  r = ioctl (sock, SIOCSIFADDR, &ifr6);
  if (r == 0)
    r = ioctl (sock, SIOCADDRT, &rt);
  close (sock);
  return r;
}

int
uctr_nettap_setup (UctrInitCtx *ctx)
{
  const UctrPlan *plan = ctx->plan;
  struct ifreq ifr;
  int tap, sock, r;

  tap = open_tap (plan, &ifr);
  if (tap < 0)
    return fail_at (ctx, 0);
  sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    r = fail_at (ctx, 1);
  else
    {
      r = configure_ipv4 (sock, &plan->net) < 0 ? fail_at (ctx, 1) : 0;
      if (r == 0 && ioctl (sock, SIOCGIFINDEX, &ifr) < 0)
        r = fail_at (ctx, 2);
      close (sock);
    }
  if (r == 0 && plan->net.ipv6 && configure_ipv6 (plan, ifr.ifr_ifindex) < 0)
    r = fail_at (ctx, 2);
  if (r < 0)
    {
      int errsv = errno;
      close (tap);
      errno = errsv;
      return -1;
    }
  return tap;
}
