/* uctr: which of the container's frames libslirp gets to parse (see
   frames.h). libslirp is C from the 1990s fed by the container's root,
   which may write any frame it likes to tap0: it gets what a network
   stack in a container needs, and nothing of the rest. */
#include "net/frames.h"
#include "net/destination.h"
#include "net/reassembly.h"

#include <netinet/in.h>

#define ETH_HLEN 14
#define ETH_TYPE_AT 12
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_IPV6 0x86dd
#define IP_PROTO_AT (ETH_HLEN + 9)
#define IPV6_NEXT_AT (ETH_HLEN + 6)
#define IP_MIN_FRAME (ETH_HLEN + 20)
#define IPV6_MIN_FRAME (ETH_HLEN + 40)

struct _UctrFrameFilter
{
  UctrReassembly *reassembly;
};

UctrFrameFilter *
uctr_frame_filter_new (void)
{
  UctrFrameFilter *f = g_new0 (UctrFrameFilter, 1);

  f->reassembly = uctr_reassembly_new ();
  return f;
}

void
uctr_frame_filter_free (UctrFrameFilter *f)
{
  if (f == NULL)
    return;
  uctr_reassembly_free (f->reassembly);
  g_free (f);
}

static gboolean
carries (guint8 proto, guint8 a, guint8 b, guint8 c)
{
  return proto == a || proto == b || proto == c;
}

const guint8 *
uctr_frame_filter_admit (UctrFrameFilter *f, const guint8 *frame, gsize len, gint64 now_us, gsize *out_len)
{
  guint16 type;

  *out_len = len;
  if (len < ETH_HLEN)
    return NULL;
  type = (guint16) (frame[ETH_TYPE_AT] << 8 | frame[ETH_TYPE_AT + 1]);
  if (type == ETH_P_ARP)
    return frame;
  if (uctr_frame_to_host_local (frame, len))
    return NULL;
  if (type == ETH_P_IP && len >= IP_MIN_FRAME
      && carries (frame[IP_PROTO_AT], IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP))
    {
      if (!uctr_reassembly_is_fragment (frame + ETH_HLEN, len - ETH_HLEN))
        return frame;
      return uctr_reassembly_add (f->reassembly, frame, len, now_us, out_len);
    }
  if (type == ETH_P_IPV6 && len >= IPV6_MIN_FRAME
      && carries (frame[IPV6_NEXT_AT], IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMPV6))
    return frame;
  return NULL;
}

guint
uctr_frame_filter_pending (const UctrFrameFilter *f, gsize *bytes)
{
  return uctr_reassembly_pending (f->reassembly, bytes);
}
