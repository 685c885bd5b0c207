/* uctr: the outbound TCP proxy. The container's TCP connections to hosts
   and ports outside its network that libslirp has reached are redirected
   (intercept.c) to listeners the inside agent makes on the container's
   loopback; the proxy accepts them, opens the same connection from the
   host and relays with splice(), so these bytes never pass through tap0
   and libslirp. Private to src/net. */
#pragma once

#include "net/agent.h"

#include <glib.h>
#include <netinet/in.h>

typedef struct _UctrOutbound UctrOutbound;

/* Starts the proxy on the thread-default GMainContext. AGENT (borrowed)
   must outlive it. HOST_LOOPBACK: the network's host address reaches the
   host's 127.0.0.1 and ::1, as allow_host_loopback=true says. BIND4: the
   IPv4 address outbound connections leave from (outbound_addr), or NULL.
   Fails, changing nothing in the container, where the kernel cannot
   redirect (no nf_tables): libslirp then carries outbound TCP as before. */
UctrOutbound *
uctr_outbound_new (UctrAgent *agent, gboolean host_loopback, const struct in_addr *bind4, GError **error);
void uctr_outbound_free (UctrOutbound *o);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrOutbound, uctr_outbound_free)
