/* What libslirp gets to see of the container's frames (frames.c) and the
   IPv4 reassembly in front of it (reassembly.c). */
#include "net/frames.h"
#include "net/reassembly.h"

#include <arpa/inet.h>
#include <string.h>

#define ETH_HLEN 14
#define NOW (1000 * G_USEC_PER_SEC)
#define MF 0x2000

static guint16
sum16 (const guint8 *p, gsize len)
{
  guint32 s = 0;

  for (gsize i = 0; i + 1 < len; i += 2)
    s += (guint32) (p[i] << 8 | p[i + 1]);
  while (s >> 16)
    s = (s & 0xffff) + (s >> 16);
  return (guint16) ~s;
}

/* An Ethernet frame with an IPv4 header of HLEN bytes (options of 1, NOP),
   PROTO, FIELD as the flags and offset word, and PAYLOAD_LEN bytes of
   PAYLOAD from OFF on (a pattern when NULL). */
static GByteArray *
ipv4 (gsize hlen, guint8 proto, guint16 field, const guint8 *payload, gsize off, gsize payload_len,
      const char *dst)
{
  GByteArray *b = g_byte_array_sized_new (ETH_HLEN + hlen + payload_len);
  guint8 eth[ETH_HLEN] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00 };
  guint8 ip[60] = { 0 };
  guint16 total = (guint16) (hlen + payload_len), cs;

  ip[0] = 0x40 | (hlen / 4);
  ip[2] = total >> 8;
  ip[3] = total & 0xff;
  ip[4] = 0x12;
  ip[5] = 0x34;
  ip[6] = field >> 8;
  ip[7] = field & 0xff;
  ip[8] = 64;
  ip[9] = proto;
  g_assert_cmpint (inet_pton (AF_INET, "10.0.2.100", ip + 12), ==, 1);
  g_assert_cmpint (inet_pton (AF_INET, dst, ip + 16), ==, 1);
  memset (ip + 20, 1, hlen - 20);
  cs = sum16 (ip, hlen);
  ip[10] = cs >> 8;
  ip[11] = cs & 0xff;
  g_byte_array_append (b, eth, sizeof eth);
  g_byte_array_append (b, ip, hlen);
  for (gsize i = 0; i < payload_len; i++)
    {
      guint8 c = payload != NULL ? payload[off + i] : (guint8) ((off + i) * 7);
      g_byte_array_append (b, &c, 1);
    }
  return b;
}

static GByteArray *
fragment (const guint8 *payload, gsize off, gsize len, gboolean more)
{
  return ipv4 (20, IPPROTO_UDP, (guint16) ((more ? MF : 0) | off / 8), payload, off, len, "10.0.2.2");
}

static const guint8 *
admit (UctrFrameFilter *f, GByteArray *frame, gint64 now, gsize *len)
{
  const guint8 *out = uctr_frame_filter_admit (f, frame->data, frame->len, now, len);

  g_byte_array_unref (frame);
  return out;
}

static guint
pending (UctrFrameFilter *f)
{
  return uctr_frame_filter_pending (f, NULL);
}

/* The frame of issue 12 that crashed libslirp 4.7.0's ip_reass(): a last
   fragment (MF clear) at offset 2307 with 1076 bytes, alone. */
static void
test_issue_frame_is_held (void)
{
  g_autoptr(UctrFrameFilter) f = uctr_frame_filter_new ();
  gsize len, bytes;

  g_assert_null (admit (f, fragment (NULL, 2307 * 8, 1076, FALSE), NOW, &len));
  g_assert_cmpuint (uctr_frame_filter_pending (f, &bytes), ==, 1);
  g_assert_cmpuint (bytes, ==, 2307 * 8 + 1076);
  /* Given up when its time is over (checked at the next fragment, which
     starts a datagram of its own). */
  g_assert_null (admit (f, fragment (NULL, 8, 8, TRUE), NOW + UCTR_REASSEMBLY_TIMEOUT_US, &len));
  g_assert_cmpuint (uctr_frame_filter_pending (f, &bytes), ==, 1);
  g_assert_cmpuint (bytes, ==, 16);
}

/* A 3000-byte datagram in three fragments, in every order: the whole
   datagram comes out, as if it had not been cut. */
static void
test_reassembles_in_any_order (void)
{
  static const int orders[6][3]
      = { { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 } };
  const gsize offs[3] = { 0, 1480, 2960 }, lens[3] = { 1480, 1480, 48 };
  g_autoptr(GByteArray) whole = ipv4 (20, IPPROTO_UDP, 0, NULL, 0, 3008, "10.0.2.2");

  for (guint o = 0; o < G_N_ELEMENTS (orders); o++)
    {
      g_autoptr(UctrFrameFilter) f = uctr_frame_filter_new ();
      const guint8 *out = NULL;
      gsize len = 0;

      for (guint k = 0; k < 3; k++)
        {
          int i = orders[o][k];

          g_assert_null (out);
          out = admit (f, fragment (NULL, offs[i], lens[i], i < 2), NOW, &len);
        }
      g_assert_nonnull (out);
      g_assert_cmpmem (out, len, whole->data, whole->len);
      g_assert_cmpuint (pending (f), ==, 0);
    }
}

/* The first fragment's header is the datagram's, options included. */
static void
test_first_header_options (void)
{
  g_autoptr(UctrFrameFilter) f = uctr_frame_filter_new ();
  g_autoptr(GByteArray) whole = ipv4 (24, IPPROTO_UDP, 0, NULL, 0, 16, "10.0.2.2");
  const guint8 *out;
  gsize len;

  g_assert_null (admit (f, fragment (NULL, 8, 8, FALSE), NOW, &len));
  out = admit (f, ipv4 (24, IPPROTO_UDP, MF, NULL, 0, 8, "10.0.2.2"), NOW, &len);
  g_assert_nonnull (out);
  g_assert_cmpmem (out, len, whole->data, whole->len);
}

static void
test_duplicate_is_ignored (void)
{
  g_autoptr(UctrFrameFilter) f = uctr_frame_filter_new ();
  gsize len;

  g_assert_null (admit (f, fragment (NULL, 0, 16, TRUE), NOW, &len));
  g_assert_null (admit (f, fragment (NULL, 0, 16, TRUE), NOW, &len));
  g_assert_null (admit (f, fragment (NULL, 8, 8, TRUE), NOW, &len));
  g_assert_nonnull (admit (f, fragment (NULL, 16, 5, FALSE), NOW, &len));
  g_assert_cmpuint (len, ==, ETH_HLEN + 20 + 21);
}

/* Fragments that disagree give the datagram up: what came later does not complete it. */
static void
test_conflicts_give_up (void)
{
  const struct
  {
    gsize off, len;
    gboolean more;
  } second[] = {
    { 8, 16, TRUE },  /* overlaps the first's end */
    { 16, 8, FALSE }, /* an end before data held */
    { 64, 8, TRUE },  /* beyond the end */
    { 32, 9, FALSE }, /* a second, different end */
  };

  for (guint i = 0; i < G_N_ELEMENTS (second); i++)
    {
      g_autoptr(UctrFrameFilter) f = uctr_frame_filter_new ();
      gsize len;

      g_assert_null (admit (f, fragment (NULL, 0, 16, TRUE), NOW, &len));
      g_assert_null (admit (f, fragment (NULL, 40, 8, FALSE), NOW, &len));
      g_assert_cmpuint (pending (f), ==, 1);
      g_assert_null (admit (f, fragment (NULL, second[i].off, second[i].len, second[i].more), NOW, &len));
      g_assert_cmpuint (pending (f), ==, 0);
      g_assert_null (admit (f, fragment (NULL, 16, 24, TRUE), NOW, &len));
      g_assert_cmpuint (pending (f), ==, 1);
    }
}

static void
test_bad_fragments_dropped (void)
{
  g_autoptr(UctrFrameFilter) f = uctr_frame_filter_new ();
  GByteArray *b;
  gsize len;

  g_assert_null (admit (f, fragment (NULL, 0, 12, TRUE), NOW, &len));        /* not a multiple of 8 */
  g_assert_null (admit (f, fragment (NULL, 8, 0, FALSE), NOW, &len));        /* nothing in it */
  g_assert_null (admit (f, fragment (NULL, 8191 * 8, 8, FALSE), NOW, &len)); /* past 65535 */
  b = fragment (NULL, 8, 8, FALSE);
  b->data[ETH_HLEN + 8] ^= 1; /* the checksum no longer matches */
  g_assert_null (admit (f, b, NOW, &len));
  b = fragment (NULL, 8, 8, FALSE);
  g_byte_array_set_size (b, b->len - 1); /* shorter than its header says */
  g_assert_null (admit (f, b, NOW, &len));
  b = fragment (NULL, 8, 8, FALSE);
  b->data[ETH_HLEN] = 0x44; /* a header of 16 bytes */
  g_assert_null (admit (f, b, NOW, &len));
  g_assert_cmpuint (pending (f), ==, 0);
}

/* FRAME's datagram id becomes ID (its checksum follows). */
static GByteArray *
with_id (GByteArray *frame, guint16 id)
{
  guint8 *ip = frame->data + ETH_HLEN;
  guint16 cs;

  ip[4] = id >> 8;
  ip[5] = id & 0xff;
  ip[10] = ip[11] = 0;
  cs = sum16 (ip, 20);
  ip[10] = cs >> 8;
  ip[11] = cs & 0xff;
  return frame;
}

/* A container that starts many datagrams and finishes none holds at most
   so many, and so many bytes; the oldest go first. */
static void
test_limits (void)
{
  g_autoptr(UctrFrameFilter) f = uctr_frame_filter_new ();
  gsize len, bytes;
  guint16 id;

  for (id = 0; id < 3 * UCTR_REASSEMBLY_MAX_DATAGRAMS; id++)
    g_assert_null (admit (f, with_id (fragment (NULL, 8, 8, FALSE), id), NOW + id, &len));
  g_assert_cmpuint (pending (f), ==, UCTR_REASSEMBLY_MAX_DATAGRAMS);
  /* The last ones are there, the first ones are not. */
  g_assert_nonnull (admit (f, with_id (fragment (NULL, 0, 8, TRUE), id - 1), NOW + id, &len));
  g_assert_null (admit (f, with_id (fragment (NULL, 0, 8, TRUE), 0), NOW + id, &len));
  for (id = 0; id < UCTR_REASSEMBLY_MAX_DATAGRAMS; id++)
    {
      g_assert_null (
          admit (f, with_id (fragment (NULL, 8000 * 8, 1000, FALSE), 1000 + id), NOW + 1000 + id, &len));
      (void) uctr_frame_filter_pending (f, &bytes);
      g_assert_cmpuint (bytes, <=, UCTR_REASSEMBLY_MAX_BYTES);
    }
  g_assert_cmpuint (bytes, >, UCTR_REASSEMBLY_MAX_BYTES - 8000 * 8 - 1000);
}

static GByteArray *
frame_of (guint16 type, gsize len, guint8 next, const char *dst6)
{
  GByteArray *b = g_byte_array_new ();

  g_byte_array_set_size (b, len);
  memset (b->data, 0, len);
  b->data[12] = type >> 8;
  b->data[13] = type & 0xff;
  if (type == 0x86dd && len >= ETH_HLEN + 40)
    {
      b->data[ETH_HLEN] = 0x60;
      b->data[ETH_HLEN + 6] = next;
      g_assert_cmpint (inet_pton (AF_INET6, dst6, b->data + ETH_HLEN + 24), ==, 1);
    }
  return b;
}

static void
test_what_passes (void)
{
  g_autoptr(UctrFrameFilter) f = uctr_frame_filter_new ();
  const struct
  {
    GByteArray *frame;
    gboolean passes;
    const char *what;
  } cases[] = {
    { frame_of (0x0806, 42, 0, NULL), TRUE, "ARP" },
    { ipv4 (20, IPPROTO_TCP, 0, NULL, 0, 20, "10.0.2.2"), TRUE, "IPv4 TCP" },
    { ipv4 (20, IPPROTO_UDP, 0x4000, NULL, 0, 8, "192.0.2.1"), TRUE, "IPv4 UDP, DF" },
    { ipv4 (20, IPPROTO_ICMP, 0, NULL, 0, 8, "10.0.2.2"), TRUE, "IPv4 ICMP" },
    { ipv4 (20, 2, 0, NULL, 0, 8, "224.0.0.1"), FALSE, "IGMP" },
    { ipv4 (20, IPPROTO_UDP, 0, NULL, 0, 8, "127.0.0.1"), FALSE, "to the host's loopback" },
    { ipv4 (20, IPPROTO_UDP, 2307, NULL, 0, 1076, "127.0.0.1"), FALSE, "a fragment to the host's loopback" },
    { frame_of (0x86dd, 62, IPPROTO_UDP, "fd00::2"), TRUE, "IPv6 UDP" },
    { frame_of (0x86dd, 62, IPPROTO_ICMPV6, "ff02::2"), TRUE, "ICMPv6" },
    { frame_of (0x86dd, 62, IPPROTO_UDP, "::1"), FALSE, "IPv6 to ::1" },
    { frame_of (0x86dd, 62, 44, "fd00::2"), FALSE, "an IPv6 fragment" },
    { frame_of (0x86dd, 62, 0, "fd00::2"), FALSE, "an IPv6 hop-by-hop header" },
    { frame_of (0x86dd, 50, IPPROTO_UDP, "fd00::2"), FALSE, "IPv6 shorter than its header" },
    { frame_of (0x0800, 30, 0, NULL), FALSE, "IPv4 shorter than its header" },
    { frame_of (0x88f8, 64, 0, NULL), FALSE, "NC-SI" },
    { frame_of (0x8100, 64, 0, NULL), FALSE, "VLAN" },
    { frame_of (0x0800, 13, 0, NULL), FALSE, "shorter than an Ethernet header" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize len = 0;
      const guint8 *out = uctr_frame_filter_admit (f, cases[i].frame->data, cases[i].frame->len, NOW, &len);

      g_test_message ("%s", cases[i].what);
      if (cases[i].passes)
        {
          g_assert_true (out == cases[i].frame->data);
          g_assert_cmpuint (len, ==, cases[i].frame->len);
        }
      else
        g_assert_null (out);
      g_byte_array_unref (cases[i].frame);
    }
  g_assert_cmpuint (pending (f), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/frames/issue-frame-is-held", test_issue_frame_is_held);
  g_test_add_func ("/frames/reassembles-in-any-order", test_reassembles_in_any_order);
  g_test_add_func ("/frames/first-header-options", test_first_header_options);
  g_test_add_func ("/frames/duplicate-is-ignored", test_duplicate_is_ignored);
  g_test_add_func ("/frames/conflicts-give-up", test_conflicts_give_up);
  g_test_add_func ("/frames/bad-fragments-dropped", test_bad_fragments_dropped);
  g_test_add_func ("/frames/limits", test_limits);
  g_test_add_func ("/frames/what-passes", test_what_passes);
  return g_test_run ();
}
