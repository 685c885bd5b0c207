/* uctr: the network helper's port forwarder (forward.c). TCP: accept on the
   host, a socket made inside the container's network namespace connects to
   the container, bytes move with splice(). UDP: a flow per client. In both
   the container sees the client's real address. Private to src/net. */
#pragma once

#include "net/inside/inside.h"
#include "net/ports.h"

#include <glib.h>

typedef struct _UctrForwarder UctrForwarder;
typedef struct _UctrAgent UctrAgent;

/* AGENT (agent.h, borrowed: it must outlive the forwarder) makes the
   sockets inside the container and knows the container's addresses. Runs
   on the thread-default GMainContext. */
UctrForwarder *uctr_forwarder_new (UctrAgent *agent);
/* publish_tcp=handover, before the first port: TCP listeners share their
   port (SO_REUSEPORT) and give every connection to a server's socket that
   joins them, one of uctr_forwarder_hand_over. */
void uctr_forwarder_set_handover (UctrForwarder *f);
/* Binds the host side; a busy port, a bad address or a port below
   net.ipv4.ip_unprivileged_port_start is a clear error and changes nothing. */
gboolean uctr_forwarder_add (UctrForwarder *f, const UctrPortSpec *spec, GError **error);
gboolean uctr_forwarder_remove (UctrForwarder *f, const UctrPortSpec *spec, GError **error);
/* The container's server binds a TCP socket of ADDR's family (V6ONLY) to ADDR:
   a socket of the host, unbound elsewhere, bound where it joins the
   listener of the one port that publishes ADDR's port, for the server's
   clients to reach it straight (close-on-exec, blocking); -1 where that
   cannot be (the relay goes on; g_debug says why), and for host ports
   below net.ipv4.ip_unprivileged_port_start. From then on that
   container port's ports cannot be added or removed: the host port is the
   server's until it closes the socket, which nothing here learns of. */
int uctr_forwarder_hand_over (UctrForwarder *f, gboolean v6only, const UctrSockAddr *addr);
/* The published ports, in the order they were added (borrowed). */
const GPtrArray *uctr_forwarder_list (UctrForwarder *f);
void uctr_forwarder_free (UctrForwarder *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrForwarder, uctr_forwarder_free)
