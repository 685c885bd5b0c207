/* uctr: the port API's server, a unix socket in the container's state dir
   through which `uctr port` (portclient.c) asks the network helper to
   publish, unpublish and list ports. One request per connection (the
   client shuts down its write side), one reply, then the helper closes
   (api.h has the format). The helper is single-threaded: every connection
   is a pair of sources on its loop, bounded in size, time and number, so
   no client can stall or exhaust it. */
#include "net/api.h"
#include "net/forward.h"
#include "net/ports.h"
#include "base/util.h"

#include <fcntl.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#define REQUEST_MAX (64 * 1024)
#define REQUEST_TIMEOUT_MS 2000
#define CONNECTIONS_MAX 16

/* --- addresses ------------------------------------------------------------ */

/* A state dir under a long --root can make PATH longer than sun_path; then
   the socket is named through /proc/self/fd/DIRFD, which DIR_FD keeps open. */
gboolean
uctr_port_api_address (const char *path, struct sockaddr_un *addr, int *dir_fd, GError **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *via = NULL;

  memset (addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  *dir_fd = -1;
  if (strlen (path) < sizeof addr->sun_path)
    {
      strcpy (addr->sun_path, path);
      return TRUE;
    }
  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  *dir_fd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (*dir_fd < 0)
    return uctr_throw_errno (error, _("Opening %s"), dir);
  via = g_strdup_printf ("/proc/self/fd/%d/%s", *dir_fd, base);
  if (strlen (via) >= sizeof addr->sun_path)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("the socket name %s is too long"), path);
  strcpy (addr->sun_path, via);
  return TRUE;
}

/* --- the server -------------------------------------------------------------- */

typedef struct
{
  UctrForwarder *forwarder;
  int listen_fd;
  guint connections;
} Api;

typedef struct
{
  Api *api;
  int fd;
  GString *request;
  GSource *watch;
  GSource *timeout;
} Conn;

static void
conn_close (Conn *c)
{
  if (c->watch != NULL)
    {
      g_source_destroy (c->watch);
      g_source_unref (c->watch);
    }
  if (c->timeout != NULL)
    {
      g_source_destroy (c->timeout);
      g_source_unref (c->timeout);
    }
  uctr_close_fdp (&c->fd);
  g_string_free (c->request, TRUE);
  c->api->connections--;
  g_free (c);
}

static GVariant *
reply_error (const char *message)
{
  return g_variant_new ("(bs@as)", FALSE, message, g_variant_new_strv (NULL, 0));
}

static GVariant *
reply_ok (const GPtrArray *ports)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  guint i;

  for (i = 0; ports != NULL && i < ports->len; i++)
    g_ptr_array_add (texts, uctr_port_spec_format (g_ptr_array_index (ports, i)));
  return g_variant_new ("(bs@as)", TRUE, "",
                        g_variant_new_strv ((const char *const *) texts->pdata, texts->len));
}

static GVariant *
handle_change (Api *api, const char *text, gboolean add)
{
  UctrPortSpec spec = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (*text == '\0')
    return reply_error (_("the request has no spec"));
  if (!uctr_port_spec_parse (text, &spec, &error))
    return reply_error (error->message);
  ok = add ? uctr_forwarder_add (api->forwarder, &spec, &error)
           : uctr_forwarder_remove (api->forwarder, &spec, &error);
  uctr_port_spec_clear (&spec);
  return ok ? reply_ok (NULL) : reply_error (error->message);
}

/* TEXT comes from any process of the user's: GLib reads a GVariant from
   untrusted bytes safely, and one not in normal form is refused. */
static GVariant *
handle_request (Api *api, const GString *text)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GVariant) request = NULL;
  const char *op, *spec;

  if (text->len == 0)
    return reply_error (_("the request is empty; send one request and shut down the write side"));
  bytes = g_bytes_new (text->str, text->len);
  request
      = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (UCTR_PORT_API_REQUEST), bytes, FALSE));
  if (!g_variant_is_normal_form (request))
    {
      g_autofree char *msg = g_strdup_printf (_("the request is not one of the port API's: a GVariant %s of an op and a spec"),
          UCTR_PORT_API_REQUEST);
      return reply_error (msg);
    }
  g_variant_get (request, "(&s&s)", &op, &spec);
  if (strcmp (op, "list") == 0)
    return reply_ok (uctr_forwarder_list (api->forwarder));
  if (strcmp (op, "add") == 0 || strcmp (op, "remove") == 0)
    return handle_change (api, spec, op[0] == 'a');
  {
    g_autofree char *msg = g_strdup_printf (_("unknown op \"%s\"; known: add, remove, list"), op);
    return reply_error (msg);
  }
}

/* The reply is small and the socket buffer holds it: one non-blocking
   write; a client that does not read loses its reply, not our time. */
static void
send_reply (Conn *c, GVariant *reply)
{
  g_autoptr(GVariant) sunk = g_variant_ref_sink (reply);
  gsize len = g_variant_get_size (sunk);

  if (TEMP_FAILURE_RETRY (send (c->fd, g_variant_get_data (sunk), len, MSG_NOSIGNAL | MSG_DONTWAIT))
      != (ssize_t) len)
    g_debug ("port API: the reply was not sent whole: %s", g_strerror (errno));
}

static gboolean
on_conn_readable (int fd, GIOCondition condition, gpointer data)
{
  Conn *c = data;
  char buf[4096];
  ssize_t n = TEMP_FAILURE_RETRY (read (fd, buf, sizeof buf));

  if (n < 0 && errno == EAGAIN)
    return G_SOURCE_CONTINUE;
  if (n < 0)
    {
      conn_close (c);
      return G_SOURCE_REMOVE;
    }
  if (n > 0 && c->request->len + n <= REQUEST_MAX)
    {
      g_string_append_len (c->request, buf, n);
      return G_SOURCE_CONTINUE;
    }
  if (n > 0)
    send_reply (c, reply_error (_("the request is larger than 64 KiB")));
  else
    send_reply (c, handle_request (c->api, c->request));
  conn_close (c);
  return G_SOURCE_REMOVE;
}

static gboolean
on_conn_timeout (gpointer data)
{
  Conn *c = data;

  send_reply (c, reply_error (
                     _("no complete request within 2 s; send one request and shut down the write side")));
  conn_close (c);
  return G_SOURCE_REMOVE;
}

static void
conn_new (Api *api, int fd)
{
  Conn *c = g_new0 (Conn, 1);

  c->api = api;
  c->fd = fd;
  c->request = g_string_new (NULL);
  c->watch = g_unix_fd_source_new (fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
  g_source_set_callback (c->watch, G_SOURCE_FUNC (on_conn_readable), c, NULL);
  g_source_attach (c->watch, g_main_context_get_thread_default ());
  c->timeout = g_timeout_source_new (REQUEST_TIMEOUT_MS);
  g_source_set_callback (c->timeout, on_conn_timeout, c, NULL);
  g_source_attach (c->timeout, g_main_context_get_thread_default ());
  api->connections++;
}

static gboolean
on_listen_readable (int fd, GIOCondition condition, gpointer data)
{
  Api *api = data;
  int conn = accept4 (fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

  if (conn < 0)
    {
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
        g_debug ("port API: accept: %s", g_strerror (errno));
      return G_SOURCE_CONTINUE;
    }
  /* Past the limit, refuse rather than queue: the others time out soon. */
  if (api->connections >= CONNECTIONS_MAX)
    {
      (void) close (conn);
      return G_SOURCE_CONTINUE;
    }
  conn_new (api, conn);
  return G_SOURCE_CONTINUE;
}

gboolean
uctr_unix_bind_owner_only (int fd, const char *path, GError **error)
{
  uctr_autofd int dir_fd = -1;
  struct sockaddr_un addr;
  mode_t old_umask;
  int r, errsv;

  if (!uctr_port_api_address (path, &addr, &dir_fd, error))
    return FALSE;
  if (unlink (path) < 0 && errno != ENOENT)
    return uctr_throw_errno (error, _("Removing the stale socket %s"), path);
  /* The umask closes the window between bind and chmod. */
  old_umask = umask (0177);
  r = bind (fd, (struct sockaddr *) &addr, sizeof addr);
  errsv = errno;
  umask (old_umask);
  if (r < 0)
    return uctr_throw_errno_code (error, errsv, _("Binding %s"), path);
  if (chmod (path, 0600) < 0)
    return uctr_throw_errno (error, _("Making %s owner-only"), path);
  return TRUE;
}

/* The API lives as long as the helper: it has no stop, and the helper
   removes PATH when it exits. */
gboolean
uctr_port_api_start (const char *path, UctrForwarder *f, GError **error)
{
  uctr_autofd int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  GSource *source;
  Api *api;

  g_return_val_if_fail (path != NULL && f != NULL, FALSE);
  if (fd < 0)
    return uctr_throw_errno (error, _("Creating the port API socket"));
  if (!uctr_unix_bind_owner_only (fd, path, error))
    return FALSE;
  if (listen (fd, CONNECTIONS_MAX) < 0)
    return uctr_throw_errno (error, _("Listening on %s"), path);
  api = g_new0 (Api, 1);
  api->forwarder = f;
  api->listen_fd = uctr_steal_fd (&fd);
  source = g_unix_fd_source_new (api->listen_fd, G_IO_IN);
  g_source_set_callback (source, G_SOURCE_FUNC (on_listen_readable), api, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
  return TRUE;
}
