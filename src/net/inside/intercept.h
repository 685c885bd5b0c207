/* uctr: the nftables rules that send the container's outbound TCP to the
   outbound proxy (outbound.c) instead of through tap0 and libslirp. Used
   by the inside agent after fork(): allocates nothing. Private to src/net. */
#pragma once

#include "net/inside/inside.h"

/* The table's name, in the inet family of the container's network namespace. */
#define UCTR_INTERCEPT_TABLE "uctr"

/* Creates table inet UCTR_INTERCEPT_TABLE (EEXIST if it is there), which redirects TCP
   leaving through the interface TAP_INDEX to PORT on the loopback address
   (IPv4) and PORT6 (IPv6; 0: IPv6 is left alone), for the hosts and ports
   libslirp has reached through that interface: outside GUEST's network
   and, with UCTR_INSIDE_HOST_LOOPBACK in FLAGS, its host address (see
   intercept.c). NFT is a NETLINK_NETFILTER socket; the table lives as long
   as the network namespace. Returns 0 or an errno. */
int uctr_intercept_install (int nft, const UctrInsideGuest *guest, int tap_index, guint16 port, guint16 port6,
                            guint32 flags);

/* Takes DST (address and port) out of the reached hosts: the host refused
   or did not answer, and the next connection must learn that from
   libslirp. Returns 0 or an errno. */
int uctr_intercept_forget (int nft, const UctrSockAddr *dst);
