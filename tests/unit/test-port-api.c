/* The port API against a fake forwarder: requests and replies, that bad or
   stalled clients get an error reply and leave the server serving, and the
   client `uctr port` uses (portclient.h). The clients run in a thread while
   the main thread runs the server's loop. */
#include "net/api.h"
#include "net/forward.h"
#include "net/portclient.h"
#include "net/ports.h"
#include "base/util.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

/* --- a forwarder that only keeps a list; host port 1 is "busy" ---------- */

struct _UctrForwarder
{
  GPtrArray *ports;
};

UctrForwarder *
uctr_forwarder_new (UctrAgent *agent)
{
  UctrForwarder *f = g_new0 (UctrForwarder, 1);

  f->ports = g_ptr_array_new_with_free_func ((GDestroyNotify) uctr_port_spec_free);
  return f;
}

gboolean
uctr_forwarder_add (UctrForwarder *f, const UctrPortSpec *spec, GError **error)
{
  if (spec->host_port == 1)
    return uctr_throw (error, UCTR_ERROR_FAILED, "host port 1 is in use");
  g_ptr_array_add (f->ports, uctr_port_spec_copy (spec));
  return TRUE;
}

gboolean
uctr_forwarder_remove (UctrForwarder *f, const UctrPortSpec *spec, GError **error)
{
  guint i;

  for (i = 0; i < f->ports->len; i++)
    if (uctr_port_spec_equal (g_ptr_array_index (f->ports, i), spec))
      {
        g_ptr_array_remove_index (f->ports, i);
        return TRUE;
      }
  return uctr_throw (error, UCTR_ERROR_NOT_FOUND, "not published");
}

const GPtrArray *
uctr_forwarder_list (UctrForwarder *f)
{
  return f->ports;
}

void
uctr_forwarder_free (UctrForwarder *f)
{
  g_ptr_array_unref (f->ports);
  g_free (f);
}

/* --- the harness ---------------------------------------------------------- */

typedef struct
{
  char *dir;
  char *path;
  UctrForwarder *forwarder;
  GMainLoop *loop;
} Fixture;

typedef void (*ClientFunc) (Fixture *fx);

static gpointer
client_thread (gpointer data)
{
  Fixture *fx = ((gpointer *) data)[0];
  ClientFunc func = ((gpointer *) data)[1];

  func (fx);
  g_main_loop_quit (fx->loop);
  return NULL;
}

/* Serves on this thread while FUNC runs as the client on another. */
static void
run_client (Fixture *fx, ClientFunc func)
{
  gpointer data[2] = { fx, func };
  GThread *t = g_thread_new ("client", client_thread, data);

  g_main_loop_run (fx->loop);
  g_thread_join (t);
}

static void
fixture_setup (Fixture *fx, gconstpointer unused)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sub = NULL;
  struct stat st;

  fx->dir = g_dir_make_tmp ("uctr-port-api-XXXXXX", &error);
  g_assert_no_error (error);
  fx->path = g_build_filename (fx->dir, "mycontainer", UCTR_PORT_API_SOCKET, NULL);
  sub = g_path_get_dirname (fx->path);
  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  /* A stale socket file is replaced. */
  g_assert_true (g_file_set_contents (fx->path, "", 0, NULL));
  fx->forwarder = uctr_forwarder_new (NULL);
  fx->loop = g_main_loop_new (NULL, FALSE);
  g_assert_true (uctr_port_api_start (fx->path, fx->forwarder, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stat (fx->path, &st), ==, 0);
  g_assert_true (S_ISSOCK (st.st_mode));
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
}

static void
fixture_teardown (Fixture *fx, gconstpointer unused)
{
  g_autofree char *sub = g_path_get_dirname (fx->path);

  (void) g_unlink (fx->path);
  (void) g_rmdir (sub);
  (void) g_rmdir (fx->dir);
  g_free (fx->dir);
  g_free (fx->path);
  g_main_loop_unref (fx->loop);
  /* The API has no stop: its sources keep the forwarder, so it is not freed. */
}

/* The reply's ports, or NULL with the helper's refusal. */
static GVariant *
call (Fixture *fx, const char *op, const char *spec, GError **error)
{
  return uctr_port_client_call (fx->path, op, spec, error);
}

/* Sends LEN bytes of DATA as they are, returns the raw reply. */
static GBytes *
call_raw (Fixture *fx, const void *data, gsize len, gboolean shut)
{
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  const char *text = data;
  char buf[4096];
  ssize_t n;

  g_assert_cmpint (fd, >=, 0);
  strcpy (addr.sun_path, fx->path);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  while (len > 0)
    {
      n = send (fd, text, len, MSG_NOSIGNAL);
      if (n < 0)
        break; /* the server gave up on us: its reply is still there */
      text += n;
      len -= n;
    }
  if (shut)
    (void) shutdown (fd, SHUT_WR);
  while ((n = read (fd, buf, sizeof buf)) > 0)
    g_byte_array_append (reply, (const guint8 *) buf, n);
  close (fd);
  return g_byte_array_free_to_bytes (g_steal_pointer (&reply));
}

/* REPLY is a well-formed refusal: its message. */
static char *
refusal_of (GBytes *reply)
{
  g_autoptr(GVariant) v = g_variant_ref_sink (
      g_variant_new_from_bytes (G_VARIANT_TYPE (UCTR_PORT_API_REPLY), reply, FALSE));
  gboolean ok = TRUE;
  char *why = NULL;

  g_assert_true (g_variant_is_normal_form (v));
  g_variant_get (v, "(bs@as)", &ok, &why, NULL);
  g_assert_false (ok);
  return why;
}

static void
ports_are (Fixture *fx, const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) ports = call (fx, "list", NULL, &error);
  g_autofree const char **texts = NULL;
  g_autofree char *got = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (ports);
  texts = g_variant_get_strv (ports, NULL);
  got = g_strjoinv (" ", (char **) texts);
  g_assert_cmpstr (got, ==, expected);
}

/* --- the tests ------------------------------------------------------------- */

static void
client_add_list_remove (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  ports_are (fx, "");
  reply = call (fx, "add", "127.0.0.1:8080:80", &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  g_assert_cmpuint (g_variant_n_children (reply), ==, 0);
  g_clear_pointer (&reply, g_variant_unref);
  reply = call (fx, "add", "[::1]:9090:90/udp", &error);
  g_assert_no_error (error);
  ports_are (fx, "127.0.0.1:8080:80/tcp [::1]:9090:90/udp");
  g_clear_pointer (&reply, g_variant_unref);
  reply = call (fx, "remove", "127.0.0.1:8080:80/tcp", &error);
  g_assert_no_error (error);
  ports_are (fx, "[::1]:9090:90/udp");
}

static void
test_add_list_remove (Fixture *fx, gconstpointer unused)
{
  run_client (fx, client_add_list_remove);
}

static void
expect_error (Fixture *fx, const char *op, const char *spec, const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, op, spec, &error);

  g_assert_null (reply);
  g_assert_nonnull (error);
  g_assert_cmpstr (error->message, ==, message);
}

static void
expect_raw_error (Fixture *fx, const void *data, gsize len, const char *fragment)
{
  g_autoptr(GBytes) reply = call_raw (fx, data, len, TRUE);
  g_autofree char *why = refusal_of (reply);

  if (strstr (why, fragment) == NULL)
    g_printerr ("reply to %zu bytes: %s\n", len, why);
  g_assert_nonnull (strstr (why, fragment));
}

/* The serialized form of a GVariant of TYPE_STRING made from FORMAT. */
static GBytes *
serialized (const char *format, ...)
{
  g_autoptr(GVariant) v = NULL;
  va_list ap;

  va_start (ap, format);
  v = g_variant_ref_sink (g_variant_new_va (format, NULL, &ap));
  va_end (ap);
  return g_variant_get_data_as_bytes (v);
}

static void
expect_raw_bytes_error (Fixture *fx, GBytes *request, const char *fragment)
{
  gsize len;
  const void *data = g_bytes_get_data (request, &len);

  expect_raw_error (fx, data, len, fragment);
  g_bytes_unref (request);
}

static void
client_bad_requests (Fixture *fx)
{
  /* (ss) of "\xff" and "x": strings that are not UTF-8 are not normal form. */
  static const char not_utf8[] = { '\xff', 0, 'x', 0, 2 };
  g_autofree char *big = g_strnfill (65 * 1024, ' ');
  g_autoptr(GBytes) reply = NULL;
  g_autofree char *why = NULL;

  expect_error (fx, "add", "8080", "\"8080\": expected [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]");
  expect_error (fx, "add", "1:80", "host port 1 is in use");
  expect_error (fx, "remove", "2:80", "not published");
  expect_error (fx, "frobnicate", NULL, "unknown op \"frobnicate\"; known: add, remove, list");
  expect_error (fx, "", NULL, "unknown op \"\"; known: add, remove, list");
  expect_error (fx, "add", NULL, "the request has no spec");
  expect_raw_error (fx, "", 0, "the request is empty");
  expect_raw_error (fx, "{\"op\":", 6, "not one of the port API's");
  expect_raw_error (fx, "\xff\xfe", 2, "not one of the port API's");
  expect_raw_error (fx, not_utf8, sizeof not_utf8, "not one of the port API's");
  expect_raw_bytes_error (fx, serialized ("(s)", "list"), "not one of the port API's");
  expect_raw_bytes_error (fx, serialized ("(sss)", "add", "1:2", "x"), "not one of the port API's");
  expect_raw_bytes_error (fx, serialized ("(su)", "add", 80u), "not one of the port API's");
  reply = call_raw (fx, big, strlen (big), TRUE);
  why = refusal_of (reply);
  g_assert_nonnull (strstr (why, "larger than 64 KiB"));
  /* Still serving. */
  ports_are (fx, "");
}

static void
test_bad_requests (Fixture *fx, gconstpointer unused)
{
  run_client (fx, client_bad_requests);
}

/* A client that connects and never writes is dropped after the timeout,
   and meanwhile the others are served. */
static void
client_silent (Fixture *fx)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  gint64 start = g_get_monotonic_time ();
  char buf[256];
  ssize_t n;

  strcpy (addr.sun_path, fx->path);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  ports_are (fx, "");
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  n = read (fd, buf, sizeof buf - 1);
  g_assert_cmpint (n, >, 0);
  g_assert_nonnull (memmem (buf, n, "no complete request", strlen ("no complete request")));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  close (fd);
  ports_are (fx, "");
}

static void
test_silent_client (Fixture *fx, gconstpointer unused)
{
  run_client (fx, client_silent);
}

/* The typed client: what it publishes the helper lists, the helper's
   refusals come back as errors. */
static UctrPortSpec *
parse_spec (const char *text)
{
  UctrPortSpec *spec = g_new0 (UctrPortSpec, 1);

  g_assert_true (uctr_port_spec_parse (text, spec, NULL));
  return spec;
}

static void
client_list_is (Fixture *fx, const UctrPortSpec *const *expected, guint n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) specs = uctr_port_client_list (fx->path, &error);
  guint i;

  g_assert_no_error (error);
  g_assert_nonnull (specs);
  g_assert_cmpuint (specs->len, ==, n);
  for (i = 0; i < n; i++)
    g_assert_true (uctr_port_spec_equal (g_ptr_array_index (specs, i), expected[i]));
}

static void
client_typed (Fixture *fx)
{
  g_autoptr(UctrPortSpec) web = parse_spec ("127.0.0.1:8080:80");
  g_autoptr(UctrPortSpec) dns = parse_spec ("[::1]:9090:90/udp");
  g_autoptr(UctrPortSpec) busy = parse_spec ("1:80");
  g_autoptr(GError) error = NULL;
  const UctrPortSpec *both[] = { web, dns };

  client_list_is (fx, NULL, 0);
  g_assert_true (uctr_port_client_add (fx->path, web, &error));
  g_assert_no_error (error);
  g_assert_true (uctr_port_client_add (fx->path, dns, &error));
  g_assert_no_error (error);
  client_list_is (fx, both, 2);
  /* What went over the wire is the canonical form. */
  ports_are (fx, "127.0.0.1:8080:80/tcp [::1]:9090:90/udp");

  g_assert_false (uctr_port_client_add (fx->path, busy, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "host port 1 is in use");
  g_clear_error (&error);

  g_assert_true (uctr_port_client_remove (fx->path, web, &error));
  g_assert_no_error (error);
  client_list_is (fx, both + 1, 1);
  g_assert_false (uctr_port_client_remove (fx->path, web, &error));
  g_assert_cmpstr (error->message, ==, "not published");
  g_clear_error (&error);
  client_list_is (fx, both + 1, 1);
}

static void
test_client (Fixture *fx, gconstpointer unused)
{
  run_client (fx, client_typed);
}

static void
test_no_api (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (uctr_port_client_call ("/nonexistent/web/port.sock", "list", NULL, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_BAD_STATE);
  g_assert_cmpstr (error->message, ==,
                   "container web has no port API: it was not created with --network slirp");
  g_clear_error (&error);
  g_assert_null (uctr_port_client_list ("/nonexistent/web/port.sock", &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_BAD_STATE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/port-api/add-list-remove", Fixture, NULL, fixture_setup, test_add_list_remove,
              fixture_teardown);
  g_test_add ("/port-api/bad-requests", Fixture, NULL, fixture_setup, test_bad_requests, fixture_teardown);
  g_test_add ("/port-api/client", Fixture, NULL, fixture_setup, test_client, fixture_teardown);
  g_test_add ("/port-api/silent-client", Fixture, NULL, fixture_setup, test_silent_client, fixture_teardown);
  g_test_add_func ("/port-api/no-api", test_no_api);
  return g_test_run ();
}
