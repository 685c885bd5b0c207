/* uctr: the port API's client, for `uctr port`: connects to a container's
   network helper (only one of the user's own), sends one request, shuts
   down its write side and reads the one reply (api.h has the format). */
#include "net/portclient.h"
#include "base/util.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#define REPLY_MAX (1024 * 1024)
#define CLIENT_TIMEOUT_S 10

/* The id is the name of the socket's directory, <root>/<id>/port.sock. */
static gboolean
no_api_error (const char *path, int errsv, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *id = g_path_get_basename (dir);

  if (errsv == ECONNREFUSED)
    return uctr_throw (
        error, UCTR_ERROR_BAD_STATE,
        _("container %s has no port API: it was not created with --network slirp, or it has stopped"), id);
  return uctr_throw (error, UCTR_ERROR_BAD_STATE,
                     _("container %s has no port API: it was not created with --network slirp"), id);
}

/* Requests go only to a helper of ours, whoever bound PATH. */
static gboolean
check_peer (int fd, const char *path, GError **error)
{
  struct ucred cred;
  socklen_t len = sizeof cred;

  if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
    return uctr_throw_errno (error, _("Checking who listens on %s"), path);
  if (cred.uid != geteuid ())
    return uctr_throw (error, UCTR_ERROR_UNTRUSTED,
                       _("%s is served by uid %u, not by your network helper"), path, (guint) cred.uid);
  return TRUE;
}

gboolean
uctr_unix_connect_own (int fd, const char *path, int *connect_errno, GError **error)
{
  uctr_autofd int dir_fd = -1;
  struct sockaddr_un addr;
  struct timeval tv = { .tv_sec = CLIENT_TIMEOUT_S };

  *connect_errno = 0;
  if (!uctr_port_api_address (path, &addr, &dir_fd, error))
    return FALSE;
  (void) setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void) setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (TEMP_FAILURE_RETRY (connect (fd, (struct sockaddr *) &addr, sizeof addr)) < 0)
    {
      *connect_errno = errno;
      return uctr_throw_errno (error, _("Connecting to %s"), path);
    }
  return check_peer (fd, path, error);
}

static gboolean
connect_api (int fd, const char *path, GError **error)
{
  int err;

  if (uctr_unix_connect_own (fd, path, &err, error))
    return TRUE;
  if (err == ENOENT || err == ECONNREFUSED)
    {
      g_clear_error (error);
      return no_api_error (path, err, error);
    }
  return FALSE;
}

static gboolean
send_all (int fd, const char *data, gsize len, const char *path, GError **error)
{
  while (len > 0)
    {
      ssize_t n = TEMP_FAILURE_RETRY (send (fd, data, len, MSG_NOSIGNAL));
      if (n < 0)
        return uctr_throw_errno (error, _("Sending the request to %s"), path);
      data += n;
      len -= n;
    }
  if (shutdown (fd, SHUT_WR) < 0)
    return uctr_throw_errno (error, _("Sending the request to %s"), path);
  return TRUE;
}

static GString *
receive_all (int fd, const char *path, GError **error)
{
  g_autoptr(GString) reply = g_string_new (NULL);
  char buf[4096];

  for (;;)
    {
      ssize_t n = TEMP_FAILURE_RETRY (read (fd, buf, sizeof buf));
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return uctr_throw (error, UCTR_ERROR_FAILED,
                           _("the network helper did not answer on %s within %d s"), path, CLIENT_TIMEOUT_S),
                           NULL;
      if (n < 0)
        return uctr_throw_errno (error, _("Reading the reply from %s"), path), NULL;
      if (n == 0)
        return g_steal_pointer (&reply);
      if (reply->len + n > REPLY_MAX)
        return uctr_throw (error, UCTR_ERROR_FAILED, _("the reply on %s is too large"), path), NULL;
      g_string_append_len (reply, buf, n);
    }
}

/* The reply's ports, or NULL with the helper's refusal as the error. */
static GVariant *
parse_reply (const GString *text, const char *path, GError **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) ports = NULL;
  const char *why;
  gboolean ok;

  if (text->len == 0)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("the network helper closed %s without a reply"), path),
                       NULL;
  bytes = g_bytes_new (text->str, text->len);
  reply = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (UCTR_PORT_API_REPLY), bytes, FALSE));
  if (!g_variant_is_normal_form (reply))
    return uctr_throw (error, UCTR_ERROR_FAILED, _("the reply on %s is not one of the port API's"), path),
                       NULL;
  g_variant_get (reply, "(b&s@as)", &ok, &why, &ports);
  if (!ok)
    return uctr_throw (error, UCTR_ERROR_FAILED, "%s", *why != '\0' ? why : _("the network helper failed")),
                       NULL;
  return g_steal_pointer (&ports);
}

GVariant *
uctr_port_client_call (const char *path, const char *op, const char *spec, GError **error)
{
  uctr_autofd int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_autoptr(GVariant) request = g_variant_ref_sink (g_variant_new ("(ss)", op, spec != NULL ? spec : ""));
  g_autoptr(GString) reply = NULL;

  if (fd < 0)
    return uctr_throw_errno (error, _("Creating a socket for the port API")), NULL;
  if (!connect_api (fd, path, error))
    return NULL;
  if (!send_all (fd, g_variant_get_data (request), g_variant_get_size (request), path, error)
      || (reply = receive_all (fd, path, error)) == NULL)
    return NULL;
  return parse_reply (reply, path, error);
}

static gboolean
change (const char *path, const char *op, const UctrPortSpec *spec, GError **error)
{
  g_autofree char *text = uctr_port_spec_format (spec);
  g_autoptr(GVariant) ports = uctr_port_client_call (path, op, text, error);

  return ports != NULL;
}

gboolean
uctr_port_client_add (const char *path, const UctrPortSpec *spec, GError **error)
{
  return change (path, "add", spec, error);
}

gboolean
uctr_port_client_remove (const char *path, const UctrPortSpec *spec, GError **error)
{
  return change (path, "remove", spec, error);
}

/* The helper's list, parsed back; a spec it cannot have sent is skipped. */
GPtrArray *
uctr_port_client_list (const char *path, GError **error)
{
  g_autoptr(GVariant) ports = uctr_port_client_call (path, "list", NULL, error);
  GPtrArray *specs;
  GVariantIter iter;
  const char *text;

  if (ports == NULL)
    return NULL;
  specs = g_ptr_array_new_with_free_func ((GDestroyNotify) uctr_port_spec_free);
  g_variant_iter_init (&iter, ports);
  while (g_variant_iter_next (&iter, "&s", &text))
    {
      UctrPortSpec spec;

      if (uctr_port_spec_parse (text, &spec, NULL))
        g_ptr_array_add (specs, g_memdup2 (&spec, sizeof spec));
    }
  return specs;
}
