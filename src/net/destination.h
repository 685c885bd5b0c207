/* uctr: where the outbound proxy may connect on the container's behalf.
   The set of destinations the nftables rules redirect is the container's
   to change (its root holds CAP_NET_ADMIN there), so this is the check
   that counts. Private to src/net. */
#pragma once

#include "net/inside/inside.h"

/* TRUE when the proxy may connect to DST (the container's original
   destination). The network's host address becomes the host's loopback
   (127.0.0.1, ::1) when HOST_LOOPBACK allows it; the rest of the
   container's network, and any address of the host's own (loopback,
   unspecified, IPv4-mapped IPv6), is refused. */
gboolean uctr_outbound_destination (const UctrInsideGuest *guest, gboolean host_loopback, UctrSockAddr *dst);

/* TRUE when FRAME (LEN bytes, Ethernet, from tap0) is an IPv4 or IPv6
   packet to an address of the host's own (as above). libslirp would hand
   it to connect() or sendto() as it is: the container's root can route
   127.0.0.0/8 out of tap0 (route_localnet), and libslirp's
   disable_host_loopback only covers the network's host address. */
gboolean uctr_frame_to_host_local (const guint8 *frame, gsize len);
