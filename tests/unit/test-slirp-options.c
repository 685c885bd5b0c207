/* Unit tests for --network slirp:OPTIONS and the addresses derived from them. */
#include "net/options.h"
#include "base/util.h"

#include <arpa/inet.h>
#include <string.h>

static void
assert_ipv4 (struct in_addr addr, const char *expected)
{
  char text[INET_ADDRSTRLEN];

  g_assert_nonnull (inet_ntop (AF_INET, &addr, text, sizeof text));
  g_assert_cmpstr (text, ==, expected);
}

static void
assert_ipv6 (const struct in6_addr *addr, const char *expected)
{
  char text[INET6_ADDRSTRLEN];

  g_assert_nonnull (inet_ntop (AF_INET6, addr, text, sizeof text));
  g_assert_cmpstr (text, ==, expected);
}

static void
test_defaults (void)
{
  g_auto(UctrNetOptions) o;

  uctr_net_options_init (&o);
  g_assert_cmpuint (o.mtu, ==, 65520);
  g_assert_cmpstr (o.cidr, ==, "10.0.2.0/24");
  g_assert_true (o.ipv6);
  g_assert_false (o.allow_host_loopback);
  g_assert_true (o.dns);
  g_assert_null (o.outbound_addr);
  g_assert_cmpint (o.outbound_tcp, ==, UCTR_OUTBOUND_TCP_SPLICE);
}

static void
test_empty_keeps_defaults (void)
{
  g_auto(UctrNetOptions) o;
  g_autoptr(GError) error = NULL;

  uctr_net_options_init (&o);
  g_assert_true (uctr_net_options_parse (&o, "", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (o.mtu, ==, 65520);
  g_assert_cmpstr (o.cidr, ==, "10.0.2.0/24");
  g_assert_true (o.ipv6);
}

static void
test_every_option (void)
{
  g_auto(UctrNetOptions) o;
  g_autoptr(GError) error = NULL;

  uctr_net_options_init (&o);
  g_assert_true (uctr_net_options_parse (&o,
                                         "mtu=1500,cidr=192.168.7.0/24,ipv6=false,allow_host_loopback=true,"
                                         "dns=false,outbound_addr=192.0.2.10,outbound_tcp=slirp",
                                         &error));
  g_assert_no_error (error);
  g_assert_cmpuint (o.mtu, ==, 1500);
  g_assert_cmpstr (o.cidr, ==, "192.168.7.0/24");
  g_assert_false (o.ipv6);
  g_assert_true (o.allow_host_loopback);
  g_assert_false (o.dns);
  g_assert_cmpstr (o.outbound_addr, ==, "192.0.2.10");
  g_assert_cmpint (o.outbound_tcp, ==, UCTR_OUTBOUND_TCP_SLIRP);
  g_assert_true (uctr_net_options_parse (&o, "outbound_tcp=splice", &error));
  g_assert_cmpint (o.outbound_tcp, ==, UCTR_OUTBOUND_TCP_SPLICE);
  g_assert_true (uctr_net_options_parse (&o, "outbound_tcp=handover", &error));
  g_assert_cmpint (o.outbound_tcp, ==, UCTR_OUTBOUND_TCP_HANDOVER);
  g_assert_cmpstr (uctr_net_options_handover (&o), ==, "outbound_tcp");
  g_assert_cmpint (o.publish_tcp, ==, UCTR_PUBLISH_TCP_RELAY);
  g_assert_true (uctr_net_options_parse (&o, "outbound_tcp=splice,publish_tcp=handover", &error));
  g_assert_cmpint (o.publish_tcp, ==, UCTR_PUBLISH_TCP_HANDOVER);
  g_assert_cmpstr (uctr_net_options_handover (&o), ==, "publish_tcp");
  g_assert_true (uctr_net_options_parse (&o, "publish_tcp=relay", &error));
  g_assert_cmpint (o.publish_tcp, ==, UCTR_PUBLISH_TCP_RELAY);
  g_assert_null (uctr_net_options_handover (&o));
}

/* An annotation, then the command line: the later text wins, option by option. */
static void
test_later_text_overrides (void)
{
  g_auto(UctrNetOptions) o;
  g_autoptr(GError) error = NULL;

  uctr_net_options_init (&o);
  g_assert_true (
      uctr_net_options_parse (&o, "mtu=9000,allow_host_loopback=true,outbound_addr=192.0.2.1", &error));
  g_assert_true (uctr_net_options_parse (&o, "mtu=1500,outbound_addr=192.0.2.2,mtu=1400", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (o.mtu, ==, 1400);
  g_assert_true (o.allow_host_loopback);
  g_assert_cmpstr (o.outbound_addr, ==, "192.0.2.2");
}

static void
test_mtu_bounds (void)
{
  const char *good[] = { "mtu=68,ipv6=false", "ipv6=false,mtu=68", "mtu=1280", "mtu=65521" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_auto(UctrNetOptions) o;
      g_autoptr(GError) error = NULL;

      uctr_net_options_init (&o);
      if (!uctr_net_options_parse (&o, good[i], &error))
        g_error ("\"%s\" refused: %s", good[i], error->message);
    }
}

/* Each bad text, and what its message must say. */
static const struct
{
  const char *text;
  const char *message;
} bad_options[] = {
  { "foo=1", "--network slirp: unknown option \"foo\"; known: mtu, cidr, ipv6, allow_host_loopback, "
             "outbound_addr, dns, outbound_tcp, publish_tcp" },
  { "foo", "--network slirp: unknown option \"foo\"; known: mtu, cidr, ipv6, allow_host_loopback, "
           "outbound_addr, dns, outbound_tcp, publish_tcp" },
  { "MTU=1500", "unknown option \"MTU\"" },
  { "publish_tcp=splice", "--network slirp: publish_tcp must be relay or handover, not \"splice\"" },
  { "outbound_tcp=handover",
    "--network slirp: outbound_tcp=handover gives the container sockets of the host's "
    "network, which it can connect to the host's loopback: add allow_host_loopback=true" },
  { "publish_tcp=handover,allow_host_loopback=false",
    "--network slirp: publish_tcp=handover gives the container" },
  { "mtu=67", "--network slirp: mtu must be between 68 and 65521" },
  { "mtu=65522", "--network slirp: mtu must be between 68 and 65521" },
  { "mtu=abc", "--network slirp: mtu must be between 68 and 65521" },
  { "mtu=-1", "--network slirp: mtu must be between 68 and 65521" },
  { "mtu= 1500", "--network slirp: mtu must be between 68 and 65521" },
  { "mtu=1500x", "--network slirp: mtu must be between 68 and 65521" },
  { "mtu=1000", "--network slirp: IPv6 needs an mtu of at least 1280; add ipv6=false for mtu=1000" },
  { "mtu=", "--network slirp: option \"mtu\" needs a value, as in mtu=VALUE" },
  { "ipv6", "--network slirp: option \"ipv6\" needs a value, as in ipv6=VALUE" },
  { "ipv6=yes", "--network slirp: ipv6 must be true or false, not \"yes\"" },
  { "dns=1", "--network slirp: dns must be true or false, not \"1\"" },
  { "allow_host_loopback=TRUE", "allow_host_loopback must be true or false, not \"TRUE\"" },
  { "outbound_tcp=true", "--network slirp: outbound_tcp must be splice, handover or slirp, not \"true\"" },
  { "outbound_tcp=", "--network slirp: option \"outbound_tcp\" needs a value, as in outbound_tcp=VALUE" },
  { "mtu=1500,,dns=true", "--network slirp: empty option in \"mtu=1500,,dns=true\"" },
  { "mtu=1500,", "--network slirp: empty option in \"mtu=1500,\"" },
  { ",", "--network slirp: empty option in \",\"" },
  { "cidr=10.0.2.0", "--network slirp: cidr must be an IPv4 network such as 10.0.2.0/24, not \"10.0.2.0\"" },
  { "cidr=10.0.2/24", "cidr must be an IPv4 network such as 10.0.2.0/24, not \"10.0.2/24\"" },
  { "cidr=10.0.2.0/", "cidr must be an IPv4 network such as 10.0.2.0/24" },
  { "cidr=10.0.2.0/33", "cidr must be an IPv4 network such as 10.0.2.0/24" },
  { "cidr=fd00::/64", "cidr must be an IPv4 network such as 10.0.2.0/24" },
  { "cidr=10.0.2.0/26", "the prefix length of cidr must be between 1 and 25, for .100 to be in the network" },
  { "cidr=10.0.0.0/0", "the prefix length of cidr must be between 1 and 25" },
  { "cidr=10.0.2.5/24", "--network slirp: cidr 10.0.2.5/24 is not a network: did you mean 10.0.2.0/24?" },
  { "cidr=10.0.2.128/24", "did you mean 10.0.2.0/24?" },
  { "cidr=127.0.0.0/24",
    "cidr 127.0.0.0/24 overlaps 127.0.0.0/8; choose a private network such as 10.0.2.0/24" },
  { "cidr=96.0.0.0/3", "overlaps 127.0.0.0/8" },
  { "cidr=0.0.0.0/24", "overlaps 0.0.0.0/8" },
  { "cidr=224.1.0.0/24", "overlaps 224.0.0.0/3" },
  { "cidr=250.0.0.0/8", "overlaps 224.0.0.0/3" },
  { "outbound_addr=eth0",
    "--network slirp: outbound_addr must be an IPv4 address of this host, not \"eth0\"" },
  { "outbound_addr=::1", "outbound_addr must be an IPv4 address of this host, not \"::1\"" },
  { "outbound_addr=1.2.3", "outbound_addr must be an IPv4 address" },
};

static void
test_bad_options (void)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bad_options); i++)
    {
      g_auto(UctrNetOptions) o;
      g_autoptr(GError) error = NULL;

      uctr_net_options_init (&o);
      g_test_message ("%s", bad_options[i].text);
      g_assert_false (uctr_net_options_parse (&o, bad_options[i].text, &error));
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_ARGUMENT);
      if (strstr (error->message, bad_options[i].message) == NULL)
        g_error ("\"%s\": got \"%s\", expected it to contain \"%s\"", bad_options[i].text, error->message,
                 bad_options[i].message);
    }
}

static void
test_default_addresses (void)
{
  g_auto(UctrNetOptions) o;
  g_autoptr(GError) error = NULL;
  UctrNetAddresses a;

  uctr_net_options_init (&o);
  g_assert_true (uctr_net_options_addresses (&o, &a, &error));
  g_assert_no_error (error);
  assert_ipv4 (a.network, "10.0.2.0");
  assert_ipv4 (a.netmask, "255.255.255.0");
  g_assert_cmpuint (a.prefix, ==, 24);
  assert_ipv4 (a.host, "10.0.2.2");
  assert_ipv4 (a.dns, "10.0.2.3");
  assert_ipv4 (a.guest, "10.0.2.100");
  assert_ipv6 (&a.network6, "fd00::");
  g_assert_cmpuint (a.prefix6, ==, 64);
  assert_ipv6 (&a.host6, "fd00::2");
  assert_ipv6 (&a.dns6, "fd00::3");
  assert_ipv6 (&a.guest6, "fd00::100");
}

static void
test_addresses_follow_cidr (void)
{
  const struct
  {
    const char *cidr, *netmask, *host, *dns, *guest;
  } cases[] = {
    { "192.168.100.0/25", "255.255.255.128", "192.168.100.2", "192.168.100.3", "192.168.100.100" },
    { "172.16.0.0/12", "255.240.0.0", "172.16.0.2", "172.16.0.3", "172.16.0.100" },
    { "10.0.0.0/8", "255.0.0.0", "10.0.0.2", "10.0.0.3", "10.0.0.100" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(UctrNetOptions) o;
      g_autoptr(GError) error = NULL;
      g_autofree char *text = g_strdup_printf ("cidr=%s", cases[i].cidr);
      UctrNetAddresses a;

      uctr_net_options_init (&o);
      g_assert_true (uctr_net_options_parse (&o, text, &error));
      g_assert_true (uctr_net_options_addresses (&o, &a, &error));
      g_assert_no_error (error);
      assert_ipv4 (a.netmask, cases[i].netmask);
      assert_ipv4 (a.host, cases[i].host);
      assert_ipv4 (a.dns, cases[i].dns);
      assert_ipv4 (a.guest, cases[i].guest);
    }
}

/* The struct can be filled by hand (from an annotation, say): the cidr is checked again. */
static void
test_addresses_check_cidr (void)
{
  g_auto(UctrNetOptions) o;
  g_autoptr(GError) error = NULL;
  UctrNetAddresses a;

  uctr_net_options_init (&o);
  g_free (o.cidr);
  o.cidr = g_strdup ("10.0.2.1/24");
  g_assert_false (uctr_net_options_addresses (&o, &a, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "did you mean 10.0.2.0/24?"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/net/options/defaults", test_defaults);
  g_test_add_func ("/net/options/empty", test_empty_keeps_defaults);
  g_test_add_func ("/net/options/every-option", test_every_option);
  g_test_add_func ("/net/options/later-overrides", test_later_text_overrides);
  g_test_add_func ("/net/options/mtu-bounds", test_mtu_bounds);
  g_test_add_func ("/net/options/bad", test_bad_options);
  g_test_add_func ("/net/addresses/default", test_default_addresses);
  g_test_add_func ("/net/addresses/cidr", test_addresses_follow_cidr);
  g_test_add_func ("/net/addresses/check-cidr", test_addresses_check_cidr);
  return g_test_run ();
}
