/* uctr: the network helper's port forwarder (forward.c). TCP: accept on the
   host, a socket made inside the container's network namespace connects to
   the container, bytes move with splice(). UDP: a flow per client. In both
   the container sees the client's real address. Private to src/net. */
#pragma once

#include "net/ports.h"

#include <glib.h>

typedef struct _UctrForwarder UctrForwarder;
typedef struct _UctrAgent UctrAgent;

/* AGENT (agent.h, borrowed: it must outlive the forwarder) makes the
   sockets inside the container and knows the container's addresses. Runs
   on the thread-default GMainContext. */
UctrForwarder *uctr_forwarder_new (UctrAgent *agent);
/* Binds the host side; a busy port, a bad address or a port below
   net.ipv4.ip_unprivileged_port_start is a clear error and changes nothing. */
gboolean uctr_forwarder_add (UctrForwarder *f, const UctrPortSpec *spec, GError **error);
gboolean uctr_forwarder_remove (UctrForwarder *f, const UctrPortSpec *spec, GError **error);
/* The published ports, in the order they were added (borrowed). */
const GPtrArray *uctr_forwarder_list (UctrForwarder *f);
void uctr_forwarder_free (UctrForwarder *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrForwarder, uctr_forwarder_free)
