/* uctr: the network's options, --network slirp:OPTIONS (options.c), and the
   addresses they give tap0's two ends. create parses them to plan the
   container's side; the network helper, to run its own. */
#pragma once

#include <glib.h>
#include <netinet/in.h>

#define UCTR_NET_DEFAULT_MTU 65520
#define UCTR_NET_DEFAULT_CIDR "10.0.2.0/24"

/* outbound_tcp=: who carries the container's outbound TCP. */
typedef enum
{
  UCTR_OUTBOUND_TCP_SLIRP,    /* libslirp, as slirp4netns */
  UCTR_OUTBOUND_TCP_SPLICE,   /* the outbound proxy, from the second connection to a destination on */
  UCTR_OUTBOUND_TCP_HANDOVER, /* a socket of the host's handed to the container's connect() (handover.h),
                                 the proxy where it cannot be */
} UctrOutboundTcp;

/* publish_tcp=: who carries connections to a published TCP port. */
typedef enum
{
  UCTR_PUBLISH_TCP_RELAY,    /* the port forwarder relays them into the container (forward.h) */
  UCTR_PUBLISH_TCP_HANDOVER, /* a socket of the host's, bound to the published port, handed to the
                                container's bind() (handover.h); the relay where it cannot be */
} UctrPublishTcp;

/* --network slirp:OPTIONS */
typedef struct
{
  guint mtu;                    /* 68..65521; 65520 */
  char *cidr;                   /* "10.0.2.0/24": host (gateway) .2, DNS .3, the container .100 */
  gboolean ipv6;                /* TRUE: fd00::/64, host fd00::2, DNS fd00::3, the container fd00::100 */
  gboolean allow_host_loopback; /* FALSE: the host address does not reach the host's 127.0.0.1 and ::1 */
  gboolean dns;                 /* TRUE: slirp answers DNS at .3 with the host's resolv.conf servers */
  char *outbound_addr;          /* NULL, or the IPv4 address outbound connections are bound to */
  UctrOutboundTcp outbound_tcp; /* UCTR_OUTBOUND_TCP_SPLICE */
  UctrPublishTcp publish_tcp;   /* UCTR_PUBLISH_TCP_RELAY */
} UctrNetOptions;

void uctr_net_options_init (UctrNetOptions *o);
void uctr_net_options_clear (UctrNetOptions *o);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (UctrNetOptions, uctr_net_options_clear)

/* Applies "mtu=65520,cidr=10.0.2.0/24,ipv6=false,..." (what follows "slirp:"
   in --network; "" keeps O as it is) on top of O, so a later text overrides
   an earlier one. On error O may be half applied. */
gboolean uctr_net_options_parse (UctrNetOptions *o, const char *text, GError **error);

/* The checks that span options (an mtu IPv6 can use ...), also for options
   that were not parsed from text. */
gboolean uctr_net_options_check (const UctrNetOptions *o, GError **error);

/* The option that asks for a supervisor to answer the container's
   connect() or bind() calls ("outbound_tcp" before "publish_tcp", each
   =handover), or NULL: none does. */
const char *uctr_net_options_handover (const UctrNetOptions *o);

/* What the two ends of tap0 are, as plain data for the container side. */
typedef struct
{
  struct in_addr network;   /* 10.0.2.0 */
  struct in_addr netmask;   /* 255.255.255.0 */
  guint prefix;             /* 24 */
  struct in_addr guest;     /* 10.0.2.100: the container's tap0 */
  struct in_addr host;      /* 10.0.2.2: slirp, the container's default gateway */
  struct in_addr dns;       /* 10.0.2.3 */
  struct in6_addr network6; /* fd00:: */
  guint prefix6;            /* 64 */
  struct in6_addr guest6;   /* fd00::100 */
  struct in6_addr host6;    /* fd00::2 */
  struct in6_addr dns6;     /* fd00::3 */
} UctrNetAddresses;

/* Derives the addresses from O->cidr (the IPv6 ones are fixed). */
gboolean uctr_net_options_addresses (const UctrNetOptions *o, UctrNetAddresses *out, GError **error);
