/* uctr: IPv4 reassembly of the container's fragments, in the network
   helper, so that libslirp never sees a fragment (see reassembly.c for
   why). Private to src/net. */
#pragma once

#include <glib.h>

typedef struct _UctrReassembly UctrReassembly;

/* At most this many datagrams are reassembled at once, holding at most
   UCTR_REASSEMBLY_MAX_BYTES of payload together; a new one that does not
   fit gives up the oldest. An unfinished datagram is given up after
   UCTR_REASSEMBLY_TIMEOUT_US (30 s, Linux's ipfrag_time). */
#define UCTR_REASSEMBLY_MAX_DATAGRAMS 32
#define UCTR_REASSEMBLY_MAX_BYTES (1024 * 1024)
#define UCTR_REASSEMBLY_TIMEOUT_US (30 * G_USEC_PER_SEC)

UctrReassembly *uctr_reassembly_new (void);
void uctr_reassembly_free (UctrReassembly *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrReassembly, uctr_reassembly_free)

/* Takes FRAGMENT: an Ethernet frame of LEN bytes holding an IPv4 packet
   whose MF flag or fragment offset is set (uctr_reassembly_is_fragment),
   at NOW_US (monotonic microseconds). Returns the whole datagram when this
   fragment completed it, as an Ethernet frame (the first fragment's
   Ethernet and IP headers, offset and MF cleared, length and checksum
   set) of *OUT_LEN bytes, valid until the next call; or NULL: the
   fragment is held for later, or it was dropped (a bad header, a
   datagram beyond 65535 bytes, a fragment that partly overlaps another,
   which gives up its whole datagram as RFC 5722 has it for IPv6). */
const guint8 *
uctr_reassembly_add (UctrReassembly *r, const guint8 *fragment, gsize len, gint64 now_us, gsize *out_len);

/* TRUE when the IPv4 packet at PACKET (LEN bytes, from its IP header on)
   is a fragment: MF set or a fragment offset. */
gboolean uctr_reassembly_is_fragment (const guint8 *packet, gsize len);

/* Datagrams being reassembled, and the payload bytes they hold (for tests). */
guint uctr_reassembly_pending (const UctrReassembly *r, gsize *bytes);
