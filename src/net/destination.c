/* uctr: where the outbound proxy may connect on the container's behalf
   (see destination.h). */
#include "net/destination.h"

#include <arpa/inet.h>
#include <string.h>

/* Addresses that would reach the host itself rather than a network: its
   loopback, "this host", and IPv4 in IPv6 clothes (::ffff:127.0.0.1 would
   be the host's loopback). */
static gboolean
is_host_local (const UctrSockAddr *dst)
{
  guint32 a = ntohl (dst->in.sin_addr.s_addr);
  const struct in6_addr *a6 = &dst->in6.sin6_addr;

  if (dst->sa.sa_family == AF_INET)
    return (a >> 24) == 127 || (a >> 24) == 0;
  return IN6_IS_ADDR_LOOPBACK (a6) || IN6_IS_ADDR_UNSPECIFIED (a6) || IN6_IS_ADDR_V4MAPPED (a6)
         || IN6_IS_ADDR_V4COMPAT (a6);
}

#define ETH_HEADER 14
#define ETH_TYPE_AT 12
#define IPV4_DST_AT (ETH_HEADER + 16)
#define IPV6_DST_AT (ETH_HEADER + 24)

gboolean
uctr_frame_to_host_local (const guint8 *frame, gsize len)
{
  UctrSockAddr dst = { 0 };
  guint16 type;

  if (len < ETH_HEADER)
    return FALSE;
  type = (guint16) (frame[ETH_TYPE_AT] << 8 | frame[ETH_TYPE_AT + 1]);
  if (type == 0x0800 && len >= IPV4_DST_AT + 4)
    {
      dst.in.sin_family = AF_INET;
      memcpy (&dst.in.sin_addr, frame + IPV4_DST_AT, 4);
    }
  else if (type == 0x86dd && len >= IPV6_DST_AT + 16)
    {
      dst.in6.sin6_family = AF_INET6;
      memcpy (&dst.in6.sin6_addr, frame + IPV6_DST_AT, 16);
    }
  else
    return FALSE;
  return is_host_local (&dst);
}

gboolean
uctr_outbound_destination (const UctrInsideGuest *g, gboolean host_loopback, UctrSockAddr *dst)
{
  if (is_host_local (dst))
    return FALSE;
  if (dst->sa.sa_family == AF_INET)
    {
      if (dst->in.sin_addr.s_addr == g->host.s_addr)
        {
          dst->in.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
          return host_loopback;
        }
      return (dst->in.sin_addr.s_addr & g->netmask.s_addr) != g->network.s_addr;
    }
  if (memcmp (&dst->in6.sin6_addr, &g->host6, sizeof g->host6) == 0)
    {
      dst->in6.sin6_addr = in6addr_loopback;
      return host_loopback;
    }
  for (guint i = 0; i < sizeof g->network6.s6_addr; i++)
    if ((dst->in6.sin6_addr.s6_addr[i] & g->netmask6.s6_addr[i]) != g->network6.s6_addr[i])
      return TRUE;
  return FALSE;
}
