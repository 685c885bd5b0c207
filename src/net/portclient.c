/* uctr: the port API's client, for `uctr port`: connects to a container's
   network helper (only one of the user's own), sends one request, shuts
   down its write side and reads the one reply (api.h has the protocol). */
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

static gboolean
connect_api (int fd, const char *path, GError **error)
{
  uctr_autofd int dir_fd = -1;
  struct sockaddr_un addr;
  struct timeval tv = { .tv_sec = CLIENT_TIMEOUT_S };

  if (!uctr_port_api_address (path, &addr, &dir_fd, error))
    return FALSE;
  (void) setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void) setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (TEMP_FAILURE_RETRY (connect (fd, (struct sockaddr *) &addr, sizeof addr)) < 0)
    {
      if (errno == ENOENT || errno == ECONNREFUSED)
        return no_api_error (path, errno, error);
      return uctr_throw_errno (error, _("Connecting to %s"), path);
    }
  return check_peer (fd, path, error);
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

static JsonObject *
parse_reply (const GString *text, const char *path, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *reply;
  JsonNode *root, *err;

  if (text->len == 0)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("the network helper closed %s without a reply"), path),
                       NULL;
  if (!json_parser_load_from_data (parser, text->str, text->len, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return uctr_throw (error, UCTR_ERROR_FAILED, _("the reply on %s is not a JSON object"), path), NULL;
  reply = json_node_get_object (root);
  err = json_object_get_member (reply, "error");
  if (err != NULL)
    {
      const char *msg = JSON_NODE_HOLDS_VALUE (err) ? json_node_get_string (err) : NULL;
      return uctr_throw (error, UCTR_ERROR_FAILED, "%s", msg != NULL ? msg : _("the network helper failed")),
                         NULL;
    }
  return json_object_ref (reply);
}

JsonObject *
uctr_port_client_call (const char *path, JsonObject *request, GError **error)
{
  uctr_autofd int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(GString) reply = NULL;
  g_autofree char *text = NULL;
  gsize len;

  if (fd < 0)
    return uctr_throw_errno (error, _("Creating a socket for the port API")), NULL;
  if (!connect_api (fd, path, error))
    return NULL;
  json_node_set_object (node, request);
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, &len);
  if (!send_all (fd, text, len, path, error) || (reply = receive_all (fd, path, error)) == NULL)
    return NULL;
  return parse_reply (reply, path, error);
}

static gboolean
change (const char *path, const char *op, const UctrPortSpec *spec, GError **error)
{
  g_autoptr(JsonObject) request = json_object_new ();
  g_autoptr(JsonObject) reply = NULL;
  g_autofree char *text = uctr_port_spec_format (spec);

  json_object_set_string_member (request, "op", op);
  json_object_set_string_member (request, "spec", text);
  reply = uctr_port_client_call (path, request, error);
  return reply != NULL;
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
static GPtrArray *
reply_specs (JsonObject *reply)
{
  GPtrArray *specs = g_ptr_array_new_with_free_func ((GDestroyNotify) uctr_port_spec_free);
  JsonArray *ports
      = json_object_has_member (reply, "ports") ? json_object_get_array_member (reply, "ports") : NULL;
  guint i;

  for (i = 0; ports != NULL && i < json_array_get_length (ports); i++)
    {
      const char *text = json_node_get_string (json_array_get_element (ports, i));
      UctrPortSpec spec;

      if (text != NULL && uctr_port_spec_parse (text, &spec, NULL))
        g_ptr_array_add (specs, g_memdup2 (&spec, sizeof spec));
    }
  return specs;
}

GPtrArray *
uctr_port_client_list (const char *path, GError **error)
{
  g_autoptr(JsonObject) request = json_object_new ();
  g_autoptr(JsonObject) reply = NULL;

  json_object_set_string_member (request, "op", "list");
  reply = uctr_port_client_call (path, request, error);
  return reply != NULL ? reply_specs (reply) : NULL;
}
