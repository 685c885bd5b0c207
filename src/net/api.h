/* uctr: the port API (api.c), through which `uctr port` asks the network
   helper to publish, unpublish and list ports. A unix socket (0600) in the
   container's state dir; one JSON request per connection, one JSON reply:
     {"op": "add"|"remove", "spec": "127.0.0.1:8080:80/tcp"} -> {"ok": true} | {"error": "..."}
     {"op": "list"} -> {"ok": true, "ports": ["127.0.0.1:8080:80/tcp", ...]}
   A bad request gets an error reply; the helper never dies of one. */
#pragma once

#include "net/forward.h"

#include <glib.h>
#include <json-glib/json-glib.h>

#define UCTR_PORT_API_SOCKET "port.sock"

/* Serves the API on PATH for F, on the thread-default GMainContext, for as
   long as the helper lives. */
gboolean uctr_port_api_start (const char *path, UctrForwarder *f, GError **error);
/* Client side, for `uctr port`: sends REQUEST, returns the reply's object or
   the reply's "error" as a GError. */
JsonObject *uctr_port_api_call (const char *path, JsonObject *request, GError **error);
