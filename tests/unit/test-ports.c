/* Unit tests for the publish spec: every form accepted, every error. */
#include "net/ports.h"
#include "base/util.h"

#include <string.h>

typedef struct
{
  const char *text;
  const char *host_ip; /* NULL: every address */
  guint16 host_port;
  guint16 container_port;
  UctrPortProto proto;
  const char *canonical;
} Accepted;

static const Accepted accepted[] = {
  { "8080:80", NULL, 8080, 80, UCTR_PORT_TCP, "8080:80/tcp" },
  { "8080:80/tcp", NULL, 8080, 80, UCTR_PORT_TCP, "8080:80/tcp" },
  { "8080:80/udp", NULL, 8080, 80, UCTR_PORT_UDP, "8080:80/udp" },
  { "127.0.0.1:8080:80", "127.0.0.1", 8080, 80, UCTR_PORT_TCP, "127.0.0.1:8080:80/tcp" },
  { "[::1]:8080:80/udp", "::1", 8080, 80, UCTR_PORT_UDP, "[::1]:8080:80/udp" },
  { "[0:0::1]:8080:80", "::1", 8080, 80, UCTR_PORT_TCP, "[::1]:8080:80/tcp" },
  { "0.0.0.0:8080:80", "0.0.0.0", 8080, 80, UCTR_PORT_TCP, "0.0.0.0:8080:80/tcp" },
  { "[::]:1:65535/tcp", "::", 1, 65535, UCTR_PORT_TCP, "[::]:1:65535/tcp" },
  { "10.1.2.3:65535:1/udp", "10.1.2.3", 65535, 1, UCTR_PORT_UDP, "10.1.2.3:65535:1/udp" },
};

typedef struct
{
  const char *text;
  const char *message; /* the whole message */
} Rejected;

#define FORM "expected [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]"

static const Rejected rejected[] = {
  { "8080", "\"8080\": " FORM },
  { "", "\"\": " FORM },
  { "8080:80:", "\"8080:80:\": \"8080\" is not an IP address" },
  { ":8080:80", "\":8080:80\": " FORM },
  { "1:2:3:4", "\"1:2:3:4\": " FORM "; put an IPv6 address in brackets" },
  { "::1:8080:80", "\"::1:8080:80\": " FORM "; put an IPv6 address in brackets" },
  { "[::1]8080:80", "\"[::1]8080:80\": " FORM },
  { "[::1:8080:80", "\"[::1:8080:80\": " FORM },
  { "[::1]:1:2:3", "\"[::1]:1:2:3\": " FORM },
  { "127.0.0.1:99999:80", "\"127.0.0.1:99999:80\": the host port must be 1..65535" },
  { "0:80", "\"0:80\": the host port must be 1..65535" },
  { "8080:0", "\"8080:0\": the container port must be 1..65535" },
  { "8080:65536", "\"8080:65536\": the container port must be 1..65535" },
  { "http:80", "\"http:80\": the host port must be 1..65535" },
  { "+80:80", "\"+80:80\": the host port must be 1..65535" },
  { "-1:80", "\"-1:80\": the host port must be 1..65535" },
  { "8080:80/sctp", "\"8080:80/sctp\": unknown protocol \"sctp\"; use tcp or udp" },
  { "8080:80/", "\"8080:80/\": unknown protocol \"\"; use tcp or udp" },
  { "8080:80/TCP", "\"8080:80/TCP\": unknown protocol \"TCP\"; use tcp or udp" },
  { "1.2.3.999:8080:80", "\"1.2.3.999:8080:80\": \"1.2.3.999\" is not an IP address" },
  { "localhost:8080:80", "\"localhost:8080:80\": \"localhost\" is not an IP address" },
  { "[1.2.3.4]:8080:80", "\"[1.2.3.4]:8080:80\": \"1.2.3.4\" is not an IPv6 address" },
  { "[]:8080:80", "\"[]:8080:80\": \"\" is not an IPv6 address" },
  { "8080-8081:80-81", "\"8080-8081:80-81\": one port here, not a range (--publish takes ranges)" },
  { "8080-8081:80",
    "\"8080-8081:80\": the host ports (2) and the container ports (1) must be as many: a range "
    "maps to a range of the same size, as in 8080-8081:80-81" },
  { "8081-8080:80-81", "\"8081-8080:80-81\": the range 8081-8080 goes down; write it lowest first" },
  { "8080-:80", "\"8080-:80\": the host port must be 1..65535" },
  { "8080:80-65536", "\"8080:80-65536\": the container port must be 1..65535" },
};

static void
test_accepted (gconstpointer data)
{
  const Accepted *a = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(UctrPortSpec) copy = NULL;
  g_autofree char *text = NULL;
  UctrPortSpec spec = { 0 }, again = { 0 };

  g_assert_true (uctr_port_spec_parse (a->text, &spec, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (spec.host_ip, ==, a->host_ip);
  g_assert_cmpuint (spec.host_port, ==, a->host_port);
  g_assert_cmpuint (spec.container_port, ==, a->container_port);
  g_assert_cmpint (spec.proto, ==, a->proto);
  text = uctr_port_spec_format (&spec);
  g_assert_cmpstr (text, ==, a->canonical);
  /* The canonical form parses back to the same spec. */
  g_assert_true (uctr_port_spec_parse (text, &again, &error));
  g_assert_true (uctr_port_spec_equal (&spec, &again));
  copy = uctr_port_spec_copy (&spec);
  g_assert_true (uctr_port_spec_equal (&spec, copy));
  g_assert_true (copy->host_ip == NULL || copy->host_ip != spec.host_ip);
  uctr_port_spec_clear (&spec);
  uctr_port_spec_clear (&again);
  g_assert_null (spec.host_ip);
}

static void
test_rejected (gconstpointer data)
{
  const Rejected *r = data;
  g_autoptr(GError) error = NULL;
  UctrPortSpec spec = { .host_port = 7 };

  g_assert_false (uctr_port_spec_parse (r->text, &spec, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, r->message);
  /* Nothing written on failure. */
  g_assert_cmpuint (spec.host_port, ==, 7);
  g_assert_null (spec.host_ip);
}

static void
test_equal (void)
{
  UctrPortSpec a = { 0 }, b = { 0 };

  g_assert_true (uctr_port_spec_parse ("8080:80", &a, NULL));
  g_assert_true (uctr_port_spec_parse ("8080:80/udp", &b, NULL));
  g_assert_false (uctr_port_spec_equal (&a, &b));
  uctr_port_spec_clear (&b);
  g_assert_true (uctr_port_spec_parse ("0.0.0.0:8080:80", &b, NULL));
  g_assert_false (uctr_port_spec_equal (&a, &b));
  uctr_port_spec_clear (&b);
  g_assert_true (uctr_port_spec_parse ("8080:81", &b, NULL));
  g_assert_false (uctr_port_spec_equal (&a, &b));
  uctr_port_spec_clear (&b);
  g_assert_true (uctr_port_spec_parse ("8080:80/tcp", &b, NULL));
  g_assert_true (uctr_port_spec_equal (&a, &b));
  uctr_port_spec_clear (&a);
  uctr_port_spec_clear (&b);
  uctr_port_spec_free (NULL);
}

static char *
ranges (const char *text, GError **error)
{
  g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func ((GDestroyNotify) uctr_port_spec_free);
  g_autoptr(GString) out = g_string_new (NULL);

  if (!uctr_port_spec_parse_ranges (text, specs, error))
    return NULL;
  for (guint i = 0; i < specs->len; i++)
    {
      g_autofree char *one = uctr_port_spec_format (g_ptr_array_index (specs, i));

      g_string_append_printf (out, "%s%s", i > 0 ? " " : "", one);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_ranges (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *three = ranges ("127.0.0.1:8080-8082:80-82/udp", &error);
  g_autofree char *one = ranges ("8080:80", &error);
  g_autofree char *top = ranges ("[::1]:65534-65535:1-2", &error);
  g_autofree char *most = ranges ("1-1024:1001-2024", &error);
  g_autofree char *too_many = NULL;
  g_autofree char *uneven = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (three, ==, "127.0.0.1:8080:80/udp 127.0.0.1:8081:81/udp 127.0.0.1:8082:82/udp");
  g_assert_cmpstr (one, ==, "8080:80/tcp");
  g_assert_cmpstr (top, ==, "[::1]:65534:1/tcp [::1]:65535:2/tcp");
  g_assert_nonnull (g_strrstr (most, " 1024:2024/tcp"));
  too_many = ranges ("1-1025:1-1025", &error);
  g_assert_null (too_many);
  g_assert_cmpstr (error->message, ==, "\"1-1025:1-1025\": a range publishes at most 1024 ports, not 1025");
  g_clear_error (&error);
  uneven = ranges ("8080-8081:80-82", &error);
  g_assert_null (uneven);
  g_assert_nonnull (
      strstr (error->message, "the host ports (2) and the container ports (3) must be as many"));
}

int
main (int argc, char **argv)
{
  gsize i;

  g_test_init (&argc, &argv, NULL);
  for (i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autofree char *name = g_strdup_printf ("/ports/accepted/%zu", i);
      g_test_add_data_func (name, &accepted[i], test_accepted);
    }
  for (i = 0; i < G_N_ELEMENTS (rejected); i++)
    {
      g_autofree char *name = g_strdup_printf ("/ports/rejected/%zu", i);
      g_test_add_data_func (name, &rejected[i], test_rejected);
    }
  g_test_add_func ("/ports/equal", test_equal);
  g_test_add_func ("/ports/ranges", test_ranges);
  return g_test_run ();
}
