/* uctr: a published port as users write it (ports.c), for --publish,
   `uctr port`, the forwarder (forward.h) and the port API (api.h). */
#pragma once

#include <glib.h>
#include <netinet/in.h>

typedef enum
{
  UCTR_PORT_TCP,
  UCTR_PORT_UDP,
} UctrPortProto;

typedef struct
{
  char *host_ip;          /* NULL: every address (0.0.0.0 and ::); else an IPv4 or IPv6 literal */
  guint16 host_port;      /* 1..65535 */
  guint16 container_port; /* 1..65535 */
  UctrPortProto proto;
} UctrPortSpec;

/* "[HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]", IPv6 in brackets
   ("[::1]:8080:80"). Errors say what is wrong with which part. */
gboolean uctr_port_spec_parse (const char *text, UctrPortSpec *out, GError **error);
/* The same where both ports may be ranges of the same size, as podman
   takes them ("8080-8081:80-81": 8080 -> 80, 8081 -> 81), at most
   UCTR_PORT_RANGE_MAX ports: each port's spec (UctrPortSpec *) appended
   to SPECS. uctr_port_spec_parse refuses ranges. */
#define UCTR_PORT_RANGE_MAX 1024
gboolean uctr_port_spec_parse_ranges (const char *text, GPtrArray *specs, GError **error);
/* The canonical form: "127.0.0.1:8080:80/tcp", "[::1]:8080:80/udp", "8080:80/tcp". */
char *uctr_port_spec_format (const UctrPortSpec *spec);
gboolean uctr_port_spec_equal (const UctrPortSpec *a, const UctrPortSpec *b);
void uctr_port_spec_clear (UctrPortSpec *spec);
UctrPortSpec *uctr_port_spec_copy (const UctrPortSpec *spec);
void uctr_port_spec_free (UctrPortSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrPortSpec, uctr_port_spec_free)
