/* uctr: which of the container's frames libslirp gets to parse. Private
   to src/net. */
#pragma once

#include <glib.h>

typedef struct _UctrFrameFilter UctrFrameFilter;

UctrFrameFilter *uctr_frame_filter_new (void);
void uctr_frame_filter_free (UctrFrameFilter *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrFrameFilter, uctr_frame_filter_free)

/* FRAME, LEN bytes read from tap0 at NOW_US (monotonic microseconds).
   Returns what slirp_input() may be given (*OUT_LEN bytes): FRAME itself,
   or the datagram that this fragment completed (valid until the next
   call); NULL when libslirp must not see it. What passes: ARP; IPv4 TCP,
   UDP and ICMP, fragments only once reassembled (reassembly.h); IPv6 TCP,
   UDP and ICMPv6 with no extension header, so no fragment (libslirp 4.7
   drops the rest anyway); and none of those to an address of the host's
   own (uctr_frame_to_host_local). */
const guint8 *
uctr_frame_filter_admit (UctrFrameFilter *f, const guint8 *frame, gsize len, gint64 now_us, gsize *out_len);

/* The reassembler's state, for tests: see uctr_reassembly_pending. */
guint uctr_frame_filter_pending (const UctrFrameFilter *f, gsize *bytes);
