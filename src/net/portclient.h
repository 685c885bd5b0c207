/* uctr: the port API's client (portclient.c), for `uctr port`: requests to
   a container's network helper (the protocol is in api.h), and its replies
   read back. Only a helper of the user's own is asked. */
#pragma once

#include "net/api.h"
#include "net/ports.h"

#include <glib.h>

/* Publishes SPEC through the API socket at PATH (<state dir>/port.sock);
   the helper's refusal comes back as the error. */
gboolean uctr_port_client_add (const char *path, const UctrPortSpec *spec, GError **error);
/* Unpublishes SPEC. */
gboolean uctr_port_client_remove (const char *path, const UctrPortSpec *spec, GError **error);
/* The published ports (UctrPortSpec *), in the order they were added; an
   entry that is not a spec is left out. NULL with ERROR on failure. */
GPtrArray *uctr_port_client_list (const char *path, GError **error);

/* Sends the request (OP, SPEC; NULL SPEC: ""); returns the reply's ports
   (as), or the helper's refusal as a GError. The three above are made of
   it. */
GVariant *uctr_port_client_call (const char *path, const char *op, const char *spec, GError **error);

/* Requests go only to a helper of ours, whoever bound PATH: FALSE unless
   the process at the other end of the connected socket FD has our uid. */
gboolean uctr_unix_check_peer_is_us (int fd, const char *path, GError **error);
