/* uctr: the publish spec "[HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]",
   where --publish also takes ranges of the same size for both ports.

   Errors name the spec in quotes and what is wrong with it:
     "127.0.0.1:99999:80": the host port must be 1..65535
   and no more: callers put what the spec came from in front, with a space
   ("--publish ", "uctr port add ") or as annotations["uctr.publish"]: ...,
   so the same parser serves flags, annotations and the port API. */
#include "net/ports.h"
#include "base/util.h"

#include <arpa/inet.h>
#include <string.h>

#define SPEC_FORM "[HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]"

static gboolean G_GNUC_PRINTF (3, 4) spec_error (GError **error, const char *text, const char *fmt, ...)
{
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", text);
  va_list ap;

  va_start (ap, fmt);
  uctr_throw_at_valist (error, UCTR_ERROR_INVALID_ARGUMENT, quoted, fmt, ap);
  va_end (ap);
  return FALSE;
}

static gboolean
parse_proto (const char *text, const char *name, UctrPortProto *out, GError **error)
{
  if (strcmp (name, "tcp") == 0)
    *out = UCTR_PORT_TCP;
  else if (strcmp (name, "udp") == 0)
    *out = UCTR_PORT_UDP;
  else
    return spec_error (error, text, _("unknown protocol \"%s\"; use tcp or udp"), name);
  return TRUE;
}

static gboolean
parse_one_port (const char *text, const char *value, gboolean host, guint16 *out, GError **error)
{
  guint64 n;

  /* g_ascii_string_to_unsigned takes no sign or space, so "+80" and " 80" are refused. */
  if (!g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT16, &n, NULL))
    return host               ? spec_error (error, text, _("the host port must be 1..65535"))
                              : spec_error (error, text, _("the container port must be 1..65535"));
  *out = n;
  return TRUE;
}

/* PORT or FIRST-LAST: the first port and how many. */
static gboolean
parse_port (const char *text, const char *value, gboolean host, guint16 *out, guint *count, GError **error)
{
  const char *dash = value[0] != '\0' ? strchr (value + 1, '-') : NULL;
  g_autofree char *first = dash != NULL ? g_strndup (value, dash - value) : NULL;
  guint16 last;

  *count = 1;
  if (dash == NULL)
    return parse_one_port (text, value, host, out, error);
  if (!parse_one_port (text, first, host, out, error) || !parse_one_port (text, dash + 1, host, &last, error))
    return FALSE;
  if (last < *out)
    return spec_error (error, text, _("the range %s goes down; write it lowest first"), value);
  *count = last - *out + 1;
  return TRUE;
}

/* Stores the address as inet_ntop writes it, so that equal addresses compare
   equal as strings ("[0::1]" is "::1"); "0.0.0.0" stays "0.0.0.0". */
static gboolean
parse_host_ip (const char *text, const char *ip, gboolean bracketed, char **out, GError **error)
{
  char buf[INET6_ADDRSTRLEN];
  struct in6_addr a6;
  struct in_addr a4;

  if (bracketed && inet_pton (AF_INET6, ip, &a6) == 1)
    *out = g_strdup (inet_ntop (AF_INET6, &a6, buf, sizeof buf));
  else if (!bracketed && inet_pton (AF_INET, ip, &a4) == 1)
    *out = g_strdup (inet_ntop (AF_INET, &a4, buf, sizeof buf));
  else if (bracketed)
    return spec_error (error, text, _("\"%s\" is not an IPv6 address"), ip);
  else
    return spec_error (error, text, _("\"%s\" is not an IP address"), ip);
  return TRUE;
}

static gboolean
expected_form (const char *text, GError **error)
{
  return spec_error (error, text, _("expected %s"), SPEC_FORM);
}

/* The spec TEXT, its ports perhaps ranges: the first port's spec in OUT,
   the number of ports in *COUNT. */
static gboolean
parse_spec (const char *text, UctrPortSpec *out, guint *count, GError **error)
{
  g_autofree char *body = NULL;
  g_autofree char *host_ip = NULL;
  g_auto(GStrv) parts = NULL;
  UctrPortSpec spec = { .proto = UCTR_PORT_TCP };
  const char *slash, *ports;
  gboolean bracketed = FALSE;
  guint n, host_count, container_count;

  g_return_val_if_fail (text != NULL && out != NULL, FALSE);
  slash = strrchr (text, '/');
  if (slash != NULL && !parse_proto (text, slash + 1, &spec.proto, error))
    return FALSE;
  body = slash != NULL ? g_strndup (text, slash - text) : g_strdup (text);
  ports = body;
  if (body[0] == '[')
    {
      char *close = strchr (body, ']');

      if (close == NULL || close[1] != ':')
        return expected_form (text, error);
      *close = '\0';
      host_ip = g_strdup (body + 1);
      ports = close + 2;
      bracketed = TRUE;
    }
  parts = g_strsplit (ports, ":", -1);
  n = g_strv_length (parts);
  if (!bracketed && n == 3)
    {
      host_ip = g_strdup (parts[0]);
      if (*host_ip == '\0')
        return expected_form (text, error);
    }
  else if (n != 2)
    return n > 3 && !bracketed
        ? spec_error (error, text, _("expected %s; put an IPv6 address in brackets"), SPEC_FORM)
                      : expected_form (text, error);
  if (host_ip != NULL && !parse_host_ip (text, host_ip, bracketed, &spec.host_ip, error))
    return FALSE;
  if (!parse_port (text, parts[n - 2], TRUE, &spec.host_port, &host_count, error)
      || !parse_port (text, parts[n - 1], FALSE, &spec.container_port, &container_count, error))
    {
      g_free (spec.host_ip);
      return FALSE;
    }
  if (host_count != container_count)
    {
      g_free (spec.host_ip);
      return spec_error (error, text,
                         _("the host ports (%u) and the container ports (%u) must be as many: a range maps "
                           "to a range of the same size, as in 8080-8081:80-81"),
                            host_count, container_count);
    }
  *out = spec;
  *count = host_count;
  return TRUE;
}

gboolean
uctr_port_spec_parse (const char *text, UctrPortSpec *out, GError **error)
{
  UctrPortSpec spec;
  guint count;

  if (!parse_spec (text, &spec, &count, error))
    return FALSE;
  if (count > 1)
    {
      uctr_port_spec_clear (&spec);
      return spec_error (error, text, _("one port here, not a range (--publish takes ranges)"));
    }
  *out = spec;
  return TRUE;
}

gboolean
uctr_port_spec_parse_ranges (const char *text, GPtrArray *specs, GError **error)
{
  UctrPortSpec first;
  guint count;

  if (!parse_spec (text, &first, &count, error))
    return FALSE;
  if (count > UCTR_PORT_RANGE_MAX)
    {
      uctr_port_spec_clear (&first);
      return spec_error (error, text,
                         _("a range publishes at most %u ports, not %u"), UCTR_PORT_RANGE_MAX, count);
    }
  for (guint i = 0; i < count; i++)
    {
      UctrPortSpec *spec = uctr_port_spec_copy (&first);

      spec->host_port += i;
      spec->container_port += i;
      g_ptr_array_add (specs, spec);
    }
  uctr_port_spec_clear (&first);
  return TRUE;
}

char *
uctr_port_spec_format (const UctrPortSpec *spec)
{
  const char *proto = spec->proto == UCTR_PORT_UDP ? "udp" : "tcp";

  if (spec->host_ip == NULL)
    return g_strdup_printf ("%u:%u/%s", spec->host_port, spec->container_port, proto);
  if (strchr (spec->host_ip, ':') != NULL)
    return g_strdup_printf ("[%s]:%u:%u/%s", spec->host_ip, spec->host_port, spec->container_port, proto);
  return g_strdup_printf ("%s:%u:%u/%s", spec->host_ip, spec->host_port, spec->container_port, proto);
}

gboolean
uctr_port_spec_equal (const UctrPortSpec *a, const UctrPortSpec *b)
{
  return g_strcmp0 (a->host_ip, b->host_ip) == 0 && a->host_port == b->host_port
         && a->container_port == b->container_port && a->proto == b->proto;
}

void
uctr_port_spec_clear (UctrPortSpec *spec)
{
  g_clear_pointer (&spec->host_ip, g_free);
}

UctrPortSpec *
uctr_port_spec_copy (const UctrPortSpec *spec)
{
  UctrPortSpec *copy = g_new (UctrPortSpec, 1);

  *copy = *spec;
  copy->host_ip = g_strdup (spec->host_ip);
  return copy;
}

void
uctr_port_spec_free (UctrPortSpec *spec)
{
  if (spec == NULL)
    return;
  uctr_port_spec_clear (spec);
  g_free (spec);
}
