/* Where the outbound proxy may connect: the container can put any
   destination in the redirect set, so this check is the boundary. */
#include "net/destination.h"

#include <arpa/inet.h>
#include <string.h>

static UctrInsideGuest guest;

static UctrSockAddr
address (const char *text)
{
  UctrSockAddr a = { 0 };

  if (inet_pton (AF_INET, text, &a.in.sin_addr) == 1)
    a.in.sin_family = AF_INET;
  else
    {
      g_assert_cmpint (inet_pton (AF_INET6, text, &a.in6.sin6_addr), ==, 1);
      a.in6.sin6_family = AF_INET6;
    }
  return a;
}

static char *
text_of (const UctrSockAddr *a)
{
  char buf[INET6_ADDRSTRLEN];

  return g_strdup (a->sa.sa_family == AF_INET ? inet_ntop (AF_INET, &a->in.sin_addr, buf, sizeof buf)
                                              : inet_ntop (AF_INET6, &a->in6.sin6_addr, buf, sizeof buf));
}

/* ALLOWED (with host loopback off, on), and where it then goes. */
static const struct
{
  const char *dst;
  gboolean off, on;
  const char *becomes;
} cases[] = {
  { "192.0.2.7", TRUE, TRUE, "192.0.2.7" },
  { "2001:db8::7", TRUE, TRUE, "2001:db8::7" },
  { "10.0.2.2", FALSE, TRUE, "127.0.0.1" },
  { "fd00::2", FALSE, TRUE, "::1" },
  { "10.0.2.3", FALSE, FALSE, NULL }, /* the rest of the network: libslirp's */
  { "10.0.2.200", FALSE, FALSE, NULL },
  { "fd00::3", FALSE, FALSE, NULL },
  { "127.0.0.1", FALSE, FALSE, NULL }, /* the host's own, whatever the container routes */
  { "127.0.0.99", FALSE, FALSE, NULL },
  { "0.0.0.0", FALSE, FALSE, NULL },
  { "::1", FALSE, FALSE, NULL },
  { "::", FALSE, FALSE, NULL },
  { "::ffff:127.0.0.1", FALSE, FALSE, NULL },
  { "::ffff:192.0.2.7", FALSE, FALSE, NULL },
  { "::127.0.0.1", FALSE, FALSE, NULL },
};

static void
test_destinations (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    for (int loopback = 0; loopback < 2; loopback++)
      {
        UctrSockAddr a = address (cases[i].dst);
        gboolean want = loopback ? cases[i].on : cases[i].off;
        gboolean got = uctr_outbound_destination (&guest, loopback, &a);

        g_test_message ("%s, allow_host_loopback=%d", cases[i].dst, loopback);
        g_assert_cmpint (got, ==, want);
        if (got)
          {
            g_autofree char *text = text_of (&a);
            g_assert_cmpstr (text, ==, cases[i].becomes);
          }
      }
}

/* Frames from tap0: IPv4 and IPv6 packets to the host's own addresses. */
static void
test_frames (void)
{
  guint8 frame[64] = { 0 };
  struct in_addr v4;
  struct in6_addr v6;

  frame[12] = 0x08; /* IPv4 */
  inet_pton (AF_INET, "127.0.0.99", &v4);
  memcpy (frame + 14 + 16, &v4, 4);
  g_assert_true (uctr_frame_to_host_local (frame, 64));
  g_assert_false (uctr_frame_to_host_local (frame, 20)); /* too short to say */
  inet_pton (AF_INET, "10.0.2.2", &v4);
  memcpy (frame + 14 + 16, &v4, 4);
  g_assert_false (uctr_frame_to_host_local (frame, 64));
  frame[12] = 0x86;
  frame[13] = 0xdd; /* IPv6 */
  inet_pton (AF_INET6, "::ffff:127.0.0.1", &v6);
  memcpy (frame + 14 + 24, &v6, 16);
  g_assert_true (uctr_frame_to_host_local (frame, 64));
  inet_pton (AF_INET6, "fd00::2", &v6);
  memcpy (frame + 14 + 24, &v6, 16);
  g_assert_false (uctr_frame_to_host_local (frame, 64));
  frame[12] = 0x08;
  frame[13] = 0x06; /* ARP */
  g_assert_false (uctr_frame_to_host_local (frame, 64));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  inet_pton (AF_INET, "10.0.2.0", &guest.network);
  inet_pton (AF_INET, "255.255.255.0", &guest.netmask);
  inet_pton (AF_INET, "10.0.2.2", &guest.host);
  inet_pton (AF_INET, "10.0.2.100", &guest.guest);
  inet_pton (AF_INET6, "fd00::", &guest.network6);
  inet_pton (AF_INET6, "ffff:ffff:ffff:ffff::", &guest.netmask6);
  inet_pton (AF_INET6, "fd00::2", &guest.host6);
  inet_pton (AF_INET6, "fd00::100", &guest.guest6);
  guest.has6 = TRUE;
  g_test_add_func ("/outbound/destinations", test_destinations);
  g_test_add_func ("/outbound/frames", test_frames);
  return g_test_run ();
}
