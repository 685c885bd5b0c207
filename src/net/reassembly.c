/* uctr: IPv4 reassembly before libslirp (see reassembly.h).

   Why not libslirp's own: its ip_reass() (ip_input.c, BSD's) keeps the
   fragments of a datagram on a list whose head is a struct ipq cast to
   struct ipasfrag. Compiled with strict aliasing, as Debian's 4.7.0 is,
   the check for a complete datagram reads the head of the list from
   before the new fragment was linked in. When that list was empty (the
   first fragment of a datagram to arrive, or one that covered all the
   others) and the fragment is a last one (MF clear, offset not 0), the
   datagram is taken for complete with no fragments, and what is
   concatenated and written to are the list head and stale pointers: a
   single frame from the container crashes the helper (SIGSEGV or SIGBUS)
   or worse. So libslirp is given whole datagrams only; this code is small
   enough to be checked by reading, and its tests and the frame fuzzer
   (tests/integration/fuzz-frames.sh) run it under AddressSanitizer.

   Each datagram has a buffer for its payload, at the fragments' offsets,
   with room in front for the headers, and a bitmap of the 8-byte blocks
   held: a fragment that covers only blocks already held is a duplicate
   and dropped; one that covers some gives up the datagram. So the bytes
   held count exactly, and the datagram is whole when the last fragment
   has come and they reach its end. */
#include "net/reassembly.h"

#include <string.h>

#define ETH_HLEN 14
#define IP_MIN_HLEN 20
#define IP_MAX_HLEN 60
#define IP_MAX_LEN 65535
#define HEAD_ROOM (ETH_HLEN + IP_MAX_HLEN)
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff
#define BLOCK 8
#define BLOCKS ((IP_MAX_LEN + 1) / BLOCK)

typedef struct
{
  guint8 src[4], dst[4], id[2]; /* as in the header */
  guint8 proto;
} Key;

typedef struct
{
  Key key;
  gint64 deadline_us;
  guint8 *buf;             /* HEAD_ROOM bytes, then the payload */
  gsize size;              /* payload bytes BUF has room for */
  guint8 head[HEAD_ROOM];  /* Ethernet and IP header of the fragment at offset 0 */
  gsize head_len;          /* 0 until that fragment has come */
  gsize received;          /* payload bytes held */
  gsize end;               /* where the furthest fragment ends */
  gboolean last_seen;      /* the fragment without MF came: END is the payload's length */
  guint8 held[BLOCKS / 8]; /* a bit per block */
} Datagram;

struct _UctrReassembly
{
  Datagram *slots[UCTR_REASSEMBLY_MAX_DATAGRAMS];
  gsize bytes;  /* the sizes of the slots' buffers */
  guint8 *done; /* the buffer of the datagram last returned */
};

/* One fragment, as parsed from its frame. */
typedef struct
{
  const guint8 *frame;
  gsize hlen;     /* of its IP header */
  gsize off, len; /* of its payload, in the datagram's */
  gboolean more;
  Key key;
} Fragment;

static guint16
get16 (const guint8 *p)
{
  return (guint16) (p[0] << 8 | p[1]);
}

static void
put16 (guint8 *p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

/* The Internet checksum of LEN (even) bytes: 0 over a header whose own checksum is right. */
static guint16
checksum (const guint8 *p, gsize len)
{
  guint32 sum = 0;

  for (gsize i = 0; i + 1 < len; i += 2)
    sum += get16 (p + i);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) ~sum;
}

gboolean
uctr_reassembly_is_fragment (const guint8 *packet, gsize len)
{
  return len >= IP_MIN_HLEN && (get16 (packet + 6) & (IP_MF | IP_OFFMASK)) != 0;
}

/* What ip_input() checks, and what makes a fragment: a payload, a
   multiple of 8 bytes unless it is the last, within 65535 bytes. */
static gboolean
parse (const guint8 *frame, gsize len, Fragment *f)
{
  const guint8 *ip = frame + ETH_HLEN;
  gsize total;
  guint16 field;

  if (len < ETH_HLEN + IP_MIN_HLEN || ip[0] >> 4 != 4)
    return FALSE;
  f->frame = frame;
  f->hlen = (gsize) (ip[0] & 0x0f) * 4;
  total = get16 (ip + 2);
  if (f->hlen < IP_MIN_HLEN || total < f->hlen || total > len - ETH_HLEN || checksum (ip, f->hlen) != 0)
    return FALSE;
  field = get16 (ip + 6);
  f->off = (gsize) (field & IP_OFFMASK) * BLOCK;
  f->more = (field & IP_MF) != 0;
  f->len = total - f->hlen;
  if (f->len == 0 || (f->more && f->len % BLOCK != 0) || f->off + f->len > IP_MAX_LEN - IP_MIN_HLEN)
    return FALSE;
  memcpy (f->key.src, ip + 12, 4);
  memcpy (f->key.dst, ip + 16, 4);
  memcpy (f->key.id, ip + 4, 2);
  f->key.proto = ip[9];
  return TRUE;
}

/* --- the datagrams ------------------------------------------------------ */

static void
forget (UctrReassembly *r, guint i)
{
  Datagram *d = r->slots[i];

  r->bytes -= d->size;
  g_free (d->buf);
  g_free (d);
  r->slots[i] = NULL;
}

static void
expire (UctrReassembly *r, gint64 now_us)
{
  for (guint i = 0; i < G_N_ELEMENTS (r->slots); i++)
    if (r->slots[i] != NULL && r->slots[i]->deadline_us <= now_us)
      forget (r, i);
}

/* The slot of the oldest datagram other than KEEP (an index, or -1); -1 when none. */
static int
oldest (UctrReassembly *r, int keep)
{
  int found = -1;

  for (guint i = 0; i < G_N_ELEMENTS (r->slots); i++)
    if (r->slots[i] != NULL && (int) i != keep
        && (found < 0 || r->slots[i]->deadline_us < r->slots[found]->deadline_us))
      found = i;
  return found;
}

static int
lookup (UctrReassembly *r, const Key *key, gint64 now_us)
{
  int free_slot = -1;

  for (guint i = 0; i < G_N_ELEMENTS (r->slots); i++)
    {
      if (r->slots[i] == NULL)
        free_slot = free_slot < 0 ? (int) i : free_slot;
      else if (memcmp (&r->slots[i]->key, key, sizeof *key) == 0)
        return i;
    }
  if (free_slot < 0)
    {
      free_slot = oldest (r, -1);
      forget (r, free_slot);
    }
  r->slots[free_slot] = g_new0 (Datagram, 1);
  r->slots[free_slot]->key = *key;
  r->slots[free_slot]->deadline_us = now_us + UCTR_REASSEMBLY_TIMEOUT_US;
  return free_slot;
}

/* Room for the payload up to END in slot I, within the budget: older
   datagrams are given up for it. */
static void
make_room (UctrReassembly *r, guint i, gsize end)
{
  Datagram *d = r->slots[i];
  int victim;

  if (end <= d->size)
    return;
  while (r->bytes - d->size + end > UCTR_REASSEMBLY_MAX_BYTES && (victim = oldest (r, i)) >= 0)
    forget (r, victim);
  d->buf = g_realloc (d->buf, HEAD_ROOM + end);
  r->bytes += end - d->size;
  d->size = end;
}

typedef enum
{
  FIT,       /* new bytes */
  DUPLICATE, /* bytes already held, all of them */
  CONFLICT,  /* some held already, or beyond the end, or a second end */
} Fit;

static Fit
fit (const Datagram *d, const Fragment *f)
{
  gsize first = f->off / BLOCK, last = (f->off + f->len - 1) / BLOCK, held = 0;

  for (gsize b = first; b <= last; b++)
    held += (d->held[b / 8] >> (b % 8)) & 1;
  if (held == last - first + 1)
    return DUPLICATE;
  if (held != 0)
    return CONFLICT;
  if (d->last_seen && f->off + f->len > d->end)
    return CONFLICT;
  if (!f->more && (d->last_seen || d->end > f->off + f->len))
    return CONFLICT;
  return FIT;
}

static void
store (Datagram *d, const Fragment *f)
{
  gsize last = (f->off + f->len - 1) / BLOCK;

  memcpy (d->buf + HEAD_ROOM + f->off, f->frame + ETH_HLEN + f->hlen, f->len);
  for (gsize b = f->off / BLOCK; b <= last; b++)
    d->held[b / 8] |= 1 << (b % 8);
  d->received += f->len;
  d->end = MAX (d->end, f->off + f->len);
  d->last_seen = d->last_seen || !f->more;
  if (f->off == 0)
    {
      d->head_len = ETH_HLEN + f->hlen;
      memcpy (d->head, f->frame, d->head_len);
    }
}

/* The whole datagram of slot I as a frame, its slot freed; NULL when it
   would not fit in an IP packet with the first fragment's header. */
static const guint8 *
finish (UctrReassembly *r, guint i, gsize *out_len)
{
  Datagram *d = r->slots[i];
  gsize hlen = d->head_len - ETH_HLEN;
  guint8 *frame, *ip;

  if (hlen + d->end > IP_MAX_LEN)
    {
      forget (r, i);
      return NULL;
    }
  frame = d->buf + HEAD_ROOM - d->head_len;
  memcpy (frame, d->head, d->head_len);
  ip = frame + ETH_HLEN;
  put16 (ip + 2, (guint16) (hlen + d->end));
  put16 (ip + 6, 0);
  put16 (ip + 10, 0);
  put16 (ip + 10, checksum (ip, hlen));
  *out_len = d->head_len + d->end;
  r->done = g_steal_pointer (&d->buf);
  forget (r, i);
  return frame;
}

const guint8 *
uctr_reassembly_add (UctrReassembly *r, const guint8 *fragment, gsize len, gint64 now_us, gsize *out_len)
{
  Fragment f;
  Datagram *d;
  int i;

  g_clear_pointer (&r->done, g_free);
  expire (r, now_us);
  if (!parse (fragment, len, &f))
    return NULL;
  i = lookup (r, &f.key, now_us);
  d = r->slots[i];
  switch (fit (d, &f))
    {
    case DUPLICATE:
      return NULL;
    case CONFLICT:
      forget (r, i);
      return NULL;
    case FIT:
      break;
    }
  make_room (r, i, f.off + f.len);
  store (d, &f);
  if (!d->last_seen || d->received != d->end || d->head_len == 0)
    return NULL;
  return finish (r, i, out_len);
}

UctrReassembly *
uctr_reassembly_new (void)
{
  return g_new0 (UctrReassembly, 1);
}

void
uctr_reassembly_free (UctrReassembly *r)
{
  if (r == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (r->slots); i++)
    if (r->slots[i] != NULL)
      forget (r, i);
  g_free (r->done);
  g_free (r);
}

guint
uctr_reassembly_pending (const UctrReassembly *r, gsize *bytes)
{
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (r->slots); i++)
    n += r->slots[i] != NULL;
  if (bytes != NULL)
    *bytes = r->bytes;
  return n;
}
