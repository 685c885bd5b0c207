/* uctr: published ports: the spec users write, the forwarder in the network
   helper, and the port API that `uctr port` talks to. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <netinet/in.h>

typedef enum
{
  UCTR_PORT_TCP,
  UCTR_PORT_UDP,
} UctrPortProto;

typedef struct
{
  char *host_ip;           /* NULL: every address (0.0.0.0 and ::); else an IPv4 or IPv6 literal */
  guint16 host_port;       /* 1..65535 */
  guint16 container_port;  /* 1..65535 */
  UctrPortProto proto;
} UctrPortSpec;

/* ports.c ------------------------------------------------------------------ */

/* "[HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]", IPv6 in brackets
   ("[::1]:8080:80"). Errors say what is wrong with which part. */
gboolean uctr_port_spec_parse (const char *text, UctrPortSpec *out, GError **error);
/* The canonical form: "127.0.0.1:8080:80/tcp", "[::1]:8080:80/udp", "8080:80/tcp". */
char *uctr_port_spec_format (const UctrPortSpec *spec);
gboolean uctr_port_spec_equal (const UctrPortSpec *a, const UctrPortSpec *b);
void uctr_port_spec_clear (UctrPortSpec *spec);
UctrPortSpec *uctr_port_spec_copy (const UctrPortSpec *spec);
void uctr_port_spec_free (UctrPortSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrPortSpec, uctr_port_spec_free)

/* forward.c (network helper only) -------------------------------------------
   TCP: accept on the host, a socket made inside the container's network
   namespace connects to the container, bytes move with splice(). UDP: a flow
   per client. In both the container sees the client's real address. */

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

/* api.c ----------------------------------------------------------------------
   A unix socket (0600) in the container's state dir; one JSON request per
   connection, one JSON reply:
     {"op": "add"|"remove", "spec": "127.0.0.1:8080:80/tcp"} -> {"ok": true} | {"error": "..."}
     {"op": "list"} -> {"ok": true, "ports": ["127.0.0.1:8080:80/tcp", ...]}
   A bad request gets an error reply; the helper never dies of one. */

#define UCTR_PORT_API_SOCKET "port.sock"

gboolean uctr_port_api_start (const char *path, UctrForwarder *f, GError **error);
/* Client side, for `uctr port`: sends REQUEST, returns the reply's object or
   the reply's "error" as a GError. */
JsonObject *uctr_port_api_call (const char *path, JsonObject *request, GError **error);
