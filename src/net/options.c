/* uctr: the options of --network slirp:OPTIONS and the addresses they give
   both ends of tap0. */
#include "net/options.h"
#include "base/util.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>

#define MTU_MIN 68    /* IPv4's minimum */
#define MTU_MAX 65521 /* libslirp's IF_MTU_MAX */
#define MTU_MIN_IPV6 1280
#define PREFIX_MAX 25 /* the container's .100 must fit in the network */
#define HOST_PART_HOST 2
#define HOST_PART_DNS 3
#define HOST_PART_GUEST 100

#define IPV6_NETWORK "fd00::"
#define IPV6_PREFIX 64
#define IPV6_HOST "fd00::2"
#define IPV6_DNS "fd00::3"
#define IPV6_GUEST "fd00::100"

void
uctr_net_options_init (UctrNetOptions *o)
{
  *o = (UctrNetOptions){
    .mtu = UCTR_NET_DEFAULT_MTU,
    .cidr = g_strdup (UCTR_NET_DEFAULT_CIDR),
    .ipv6 = TRUE,
    .allow_host_loopback = FALSE,
    .dns = TRUE,
    .outbound_tcp = UCTR_OUTBOUND_TCP_SPLICE,
    .publish_tcp = UCTR_PUBLISH_TCP_RELAY,
  };
}

void
uctr_net_options_clear (UctrNetOptions *o)
{
  g_clear_pointer (&o->cidr, g_free);
  g_clear_pointer (&o->outbound_addr, g_free);
}

#define option_error(error, ...)                                                                             \
  uctr_throw_at ((error), UCTR_ERROR_INVALID_ARGUMENT, "--network slirp", __VA_ARGS__)

static guint32
prefix_mask (guint prefix)
{
  return prefix == 0 ? 0 : G_MAXUINT32 << (32 - prefix);
}

/* Networks a container's link cannot use: "this" network, loopback, and
   multicast and above. */
static const struct
{
  guint32 network;
  guint prefix;
  const char *text;
} unroutable[] = {
  { 0x00000000, 8, "0.0.0.0/8" },
  { 0x7f000000, 8, "127.0.0.0/8" },
  { 0xe0000000, 3, "224.0.0.0/3" },
};

static gboolean
parse_cidr (const char *cidr, struct in_addr *network, guint *prefix, GError **error)
{
  const char *slash = strchr (cidr, '/');
  g_autofree char *addr = NULL;
  guint64 len;
  guint32 net;
  gsize i;

  if (slash != NULL)
    addr = g_strndup (cidr, slash - cidr);
  if (slash == NULL || inet_pton (AF_INET, addr, network) != 1
      || !g_ascii_string_to_unsigned (slash + 1, 10, 0, 32, &len, NULL))
    return option_error (error, _("cidr must be an IPv4 network such as %s, not \"%s\""),
                                   UCTR_NET_DEFAULT_CIDR, cidr);
  if (len < 1 || len > PREFIX_MAX)
    return option_error (error, _("the prefix length of cidr must be between 1 and %u, for .%u to be in the network"),
                                   PREFIX_MAX, HOST_PART_GUEST);
  net = ntohl (network->s_addr);
  if ((net & ~prefix_mask (len)) != 0)
    {
      char text[INET_ADDRSTRLEN];
      struct in_addr masked = { .s_addr = htonl (net & prefix_mask (len)) };

      inet_ntop (AF_INET, &masked, text, sizeof text);
      return option_error (error, _("cidr %s is not a network: did you mean %s/%u?"), cidr, text,
                                     (guint) len);
    }
  for (i = 0; i < G_N_ELEMENTS (unroutable); i++)
    {
      guint32 mask = prefix_mask (MIN ((guint) len, unroutable[i].prefix));
      if ((net & mask) == (unroutable[i].network & mask))
        return option_error (error, _("cidr %s overlaps %s; choose a private network such as %s"), cidr,
                                       unroutable[i].text, UCTR_NET_DEFAULT_CIDR);
    }
  *prefix = len;
  return TRUE;
}

typedef gboolean (*OptionSetter) (UctrNetOptions *o, gsize offset, const char *name, const char *value,
                                  GError **error);

static gboolean
set_mtu (UctrNetOptions *o, gsize offset, const char *name, const char *value, GError **error)
{
  guint64 mtu;

  if (!g_ascii_string_to_unsigned (value, 10, MTU_MIN, MTU_MAX, &mtu, NULL))
    return option_error (error, _("%s must be between %u and %u"), name, MTU_MIN, MTU_MAX);
  G_STRUCT_MEMBER (guint, o, offset) = mtu;
  return TRUE;
}

static gboolean
set_cidr (UctrNetOptions *o, gsize offset, const char *name, const char *value, GError **error)
{
  struct in_addr network;
  guint prefix;

  if (!parse_cidr (value, &network, &prefix, error))
    return FALSE;
  g_free (G_STRUCT_MEMBER (char *, o, offset));
  G_STRUCT_MEMBER (char *, o, offset) = g_strdup (value);
  return TRUE;
}

/* The index of VALUE in the N NAMES, or -1. */
static int
choice (const char *const *names, gsize n, const char *value)
{
  for (gsize i = 0; i < n; i++)
    if (strcmp (value, names[i]) == 0)
      return (int) i;
  return -1;
}

static gboolean
set_boolean (UctrNetOptions *o, gsize offset, const char *name, const char *value, GError **error)
{
  static const char *const names[] = { "false", "true" };
  int i = choice (names, G_N_ELEMENTS (names), value);

  if (i < 0)
    return option_error (error, _("%s must be true or false, not \"%s\""), name, value);
  G_STRUCT_MEMBER (gboolean, o, offset) = i == 1;
  return TRUE;
}

static gboolean
set_ipv4 (UctrNetOptions *o, gsize offset, const char *name, const char *value, GError **error)
{
  struct in_addr addr;

  if (inet_pton (AF_INET, value, &addr) != 1)
    return option_error (error, _("%s must be an IPv4 address of this host, not \"%s\""), name, value);
  g_free (G_STRUCT_MEMBER (char *, o, offset));
  G_STRUCT_MEMBER (char *, o, offset) = g_strdup (value);
  return TRUE;
}

static gboolean
set_outbound_tcp (UctrNetOptions *o, gsize offset, const char *name, const char *value, GError **error)
{
  static const char *const names[] = {
    [UCTR_OUTBOUND_TCP_SLIRP] = "slirp",
    [UCTR_OUTBOUND_TCP_SPLICE] = "splice",
    [UCTR_OUTBOUND_TCP_HANDOVER] = "handover",
  };
  int i = choice (names, G_N_ELEMENTS (names), value);

  if (i < 0)
    return option_error (error, _("%s must be splice, handover or slirp, not \"%s\""), name, value);
  G_STRUCT_MEMBER (UctrOutboundTcp, o, offset) = (UctrOutboundTcp) i;
  return TRUE;
}

static gboolean
set_publish_tcp (UctrNetOptions *o, gsize offset, const char *name, const char *value, GError **error)
{
  static const char *const names[] = {
    [UCTR_PUBLISH_TCP_RELAY] = "relay",
    [UCTR_PUBLISH_TCP_HANDOVER] = "handover",
  };
  int i = choice (names, G_N_ELEMENTS (names), value);

  if (i < 0)
    return option_error (error, _("%s must be relay or handover, not \"%s\""), name, value);
  G_STRUCT_MEMBER (UctrPublishTcp, o, offset) = (UctrPublishTcp) i;
  return TRUE;
}

/* In the order the "known:" list of an error gives them. */
static const struct
{
  const char *name;
  OptionSetter set;
  gsize offset;
} option_table[] = {
  { "mtu", set_mtu, G_STRUCT_OFFSET (UctrNetOptions, mtu) },
  { "cidr", set_cidr, G_STRUCT_OFFSET (UctrNetOptions, cidr) },
  { "ipv6", set_boolean, G_STRUCT_OFFSET (UctrNetOptions, ipv6) },
  { "allow_host_loopback", set_boolean, G_STRUCT_OFFSET (UctrNetOptions, allow_host_loopback) },
  { "outbound_addr", set_ipv4, G_STRUCT_OFFSET (UctrNetOptions, outbound_addr) },
  { "dns", set_boolean, G_STRUCT_OFFSET (UctrNetOptions, dns) },
  { "outbound_tcp", set_outbound_tcp, G_STRUCT_OFFSET (UctrNetOptions, outbound_tcp) },
  { "publish_tcp", set_publish_tcp, G_STRUCT_OFFSET (UctrNetOptions, publish_tcp) },
};

static gboolean
unknown_option (const char *name, GError **error)
{
  g_autoptr(GString) known = g_string_new (NULL);
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (option_table); i++)
    g_string_append_printf (known, "%s%s", i > 0 ? ", " : "", option_table[i].name);
  return option_error (error, _("unknown option \"%s\"; known: %s"), name, known->str);
}

static gboolean
apply_option (UctrNetOptions *o, const char *item, const char *text, GError **error)
{
  const char *eq = strchr (item, '=');
  g_autofree char *name = NULL;
  gsize i;

  if (*item == '\0')
    return option_error (error, _("empty option in \"%s\""), text);
  name = eq != NULL ? g_strndup (item, eq - item) : g_strdup (item);
  for (i = 0; i < G_N_ELEMENTS (option_table); i++)
    if (strcmp (name, option_table[i].name) == 0)
      break;
  if (i == G_N_ELEMENTS (option_table))
    return unknown_option (name, error);
  if (eq == NULL || eq[1] == '\0')
    return option_error (error, _("option \"%s\" needs a value, as in %s=VALUE"), name, name);
  return option_table[i].set (o, option_table[i].offset, name, eq + 1, error);
}

/* Rules that tie two options together, checked once all are applied. */
gboolean
uctr_net_options_check (const UctrNetOptions *o, GError **error)
{
  const char *handover = uctr_net_options_handover (o);

  if (o->mtu < MTU_MIN || o->mtu > MTU_MAX)
    return option_error (error, _("%s must be between %u and %u"), "mtu", MTU_MIN, MTU_MAX);
  if (o->ipv6 && o->mtu < MTU_MIN_IPV6)
    return option_error (error, _("IPv6 needs an mtu of at least %u; add ipv6=false for mtu=%u"),
                                   MTU_MIN_IPV6, o->mtu);
  /* A socket of the host's in the container can be disconnected and
     connected again, to the host's loopback as anywhere else. */
  if (handover != NULL && !o->allow_host_loopback)
    return option_error (error,
                         _("%s=handover gives the container sockets of the host's network, which it can "
                           "connect to the host's loopback: add allow_host_loopback=true"),
                            handover);
  return TRUE;
}

const char *
uctr_net_options_handover (const UctrNetOptions *o)
{
  if (o->outbound_tcp == UCTR_OUTBOUND_TCP_HANDOVER)
    return "outbound_tcp";
  return o->publish_tcp == UCTR_PUBLISH_TCP_HANDOVER ? "publish_tcp" : NULL;
}

gboolean
uctr_net_options_parse (UctrNetOptions *o, const char *text, GError **error)
{
  g_auto(GStrv) items = NULL;
  gsize i;

  g_return_val_if_fail (text != NULL, FALSE);
  if (*text != '\0')
    {
      items = g_strsplit (text, ",", -1);
      for (i = 0; items[i] != NULL; i++)
        if (!apply_option (o, items[i], text, error))
          return FALSE;
    }
  return uctr_net_options_check (o, error);
}

static void
ipv6_address (const char *text, struct in6_addr *out)
{
  int r = inet_pton (AF_INET6, text, out);

  g_assert (r == 1);
}

gboolean
uctr_net_options_addresses (const UctrNetOptions *o, UctrNetAddresses *out, GError **error)
{
  struct in_addr network;
  guint prefix;
  guint32 net;

  if (!parse_cidr (o->cidr != NULL ? o->cidr : UCTR_NET_DEFAULT_CIDR, &network, &prefix, error))
    return FALSE;
  net = ntohl (network.s_addr);
  memset (out, 0, sizeof *out);
  out->network = network;
  out->prefix = prefix;
  out->netmask.s_addr = htonl (prefix_mask (prefix));
  out->host.s_addr = htonl (net | HOST_PART_HOST);
  out->dns.s_addr = htonl (net | HOST_PART_DNS);
  out->guest.s_addr = htonl (net | HOST_PART_GUEST);
  ipv6_address (IPV6_NETWORK, &out->network6);
  out->prefix6 = IPV6_PREFIX;
  ipv6_address (IPV6_HOST, &out->host6);
  ipv6_address (IPV6_DNS, &out->dns6);
  ipv6_address (IPV6_GUEST, &out->guest6);
  return TRUE;
}
