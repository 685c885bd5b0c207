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

/* Connects the unix socket FD to PATH (named as uctr_port_api_address
   does), with 10 s timeouts on FD's reads and writes, and checks that a
   process of ours is at the other end. When connect() itself failed,
   *CONNECT_ERRNO gets its errno (0 otherwise), for a message of the
   caller's. */
gboolean uctr_unix_connect_own (int fd, const char *path, int *connect_errno, GError **error);
