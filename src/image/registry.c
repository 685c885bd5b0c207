/* uctr: the registry client, on libsoup 3. Every request takes one path,
   request_async: libsoup's own redirect and authentication handling are
   turned off so that what is sent where is decided here, in one place (the
   Authorization header goes to the registry's own scheme, host and port
   only, never to the CDN a blob is redirected to, whatever the libsoup
   version does on redirects). Bodies are read by one loop, transfer_*, into
   memory or on into a pipe, checked as they come. The synchronous calls run
   that same machinery on a private main context. */
#include "image/registry.h"
#include "image/auth.h"
#include "image/digest.h"
#include "base/json.h"
#include "base/util.h"

#include <fcntl.h>
#include <gio/gunixoutputstream.h>
#include <libsoup/soup.h>
#include <string.h>

#define DOCKER_HUB "docker.io"
#define DOCKER_HUB_HOST "registry-1.docker.io"
#define MAX_REDIRECTS 10
#define CHUNK_SIZE (128 * 1024)
#define TOKEN_MAX (1024 * 1024)

#define MANIFEST_TYPES                                                                                       \
  "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "                    \
  "application/vnd.docker.distribution.manifest.list.v2+json, "                                              \
  "application/vnd.docker.distribution.manifest.v2+json"

struct _UctrRegistry
{
  char *name; /* as the reference has it: messages, credentials, certs.d */
  char *host; /* where requests go: host[:port] */
  char *repository;
  gboolean insecure;
  gboolean plain_http;   /* an insecure registry that did not answer https */
  gboolean scheme_known; /* the registry answered once: no more falling back */
  SoupSession *session;
  GPtrArray *cas; /* GTlsDatabase of each certs.d *.crt */
  GTlsCertificate *client_certificate;
  char *user; /* credentials, or NULL */
  char *password;
  char *auth_file;
  char *authorization; /* the Authorization header to send, once the registry asked for one */
};

typedef enum
{
  FETCH_MANIFEST_TAG,
  FETCH_MANIFEST_DIGEST,
  FETCH_BLOB,
  FETCH_TOKEN,
} FetchKind;

/* --- Setup ------------------------------------------------------------- */

static gboolean
load_ca_file (UctrRegistry *r, const char *path, GError **error)
{
  g_autoptr(GError) local = NULL;
  GTlsDatabase *db = g_tls_file_database_new (path, &local);

  if (db == NULL)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("CA file %s: %s"), path, local->message);
  g_ptr_array_add (r->cas, db);
  return TRUE;
}

/* A client certificate NAME.cert goes with NAME.key, as podman and docker
   pair them (either found first, NAME is the one); the first pair is used. */
static gboolean
load_client_pair (UctrRegistry *r, const char *dir, const char *name, GError **error)
{
  g_autofree char *base = g_strndup (name, strrchr (name, '.') - name);
  g_autofree char *cert = g_strconcat (dir, "/", base, ".cert", NULL);
  g_autofree char *key = g_strconcat (dir, "/", base, ".key", NULL);
  g_autoptr(GError) local = NULL;

  if (!g_file_test (cert, G_FILE_TEST_EXISTS) || !g_file_test (key, G_FILE_TEST_EXISTS))
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("%s/%s: a client certificate needs both %s and %s"), dir, name, cert, key);
  if (r->client_certificate != NULL)
    return TRUE;
  r->client_certificate = g_tls_certificate_new_from_files (cert, key, &local);
  if (r->client_certificate == NULL)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("client certificate %s: %s"), cert, local->message);
  return TRUE;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static gboolean
load_certs_file (UctrRegistry *r, const char *dir, const char *name, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  if (g_str_has_suffix (name, ".crt"))
    return load_ca_file (r, path, error);
  if (g_str_has_suffix (name, ".cert") || g_str_has_suffix (name, ".key"))
    return load_client_pair (r, dir, name, error);
  return TRUE;
}

/* As containers/image reads certs.d: the first of its directories for
   the registry that exists, alone; REGISTRY as the user wrote it
   ("docker.io", "host:port"). */
static gboolean
load_certs_dir (UctrRegistry *r, GError **error)
{
  g_autofree char *user_root = g_build_filename (g_get_user_config_dir (), "containers", "certs.d", NULL);
  const char *const roots[] = { user_root, "/etc/containers/certs.d", "/etc/docker/certs.d" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (roots); i++)
    {
      g_autofree char *dir = g_build_filename (roots[i], r->name, NULL);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GError) local = NULL;
      g_autoptr(GDir) d = g_dir_open (dir, 0, &local);
      const char *name;
      guint j;

      if (d == NULL && g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        continue;
      if (d == NULL)
        return uctr_throw (error, UCTR_ERROR_FAILED,
                           _("Reading the certificates of %s: %s"), r->name, local->message);
      while ((name = g_dir_read_name (d)) != NULL)
        g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, compare_names);
      for (j = 0; j < names->len; j++)
        if (!load_certs_file (r, dir, names->pdata[j], error))
          return FALSE;
      return TRUE;
    }
  return TRUE;
}

/* S is not empty and has letters, digits and EXTRA only: what goes into a
   URL as it is (reference.c checked the grammar; this keeps a caller that
   did not from writing another path or host). */
static gboolean
only_chars (const char *s, const char *extra)
{
  const char *p;

  for (p = s; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (extra, *p) == NULL)
      return FALSE;
  return p != s;
}

UctrRegistry *
uctr_registry_new (const char *registry, const char *repository, gboolean insecure, GError **error)
{
  g_autoptr(UctrRegistry) r = NULL;
  g_auto(GStrv) files = NULL;

  if (!only_chars (registry, ".-:[]") || !only_chars (repository, "._-/"))
    {
      uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                  _("\"%s/%s\" names no repository of a registry"), registry, repository);
      return NULL;
    }
  r = g_new0 (UctrRegistry, 1);
  files = uctr_auth_files ();
  r->name = g_strdup (registry);
  r->host = g_strdup (strcmp (registry, DOCKER_HUB) == 0 ? DOCKER_HUB_HOST : registry);
  r->repository = g_strdup (repository);
  r->insecure = insecure;
  r->cas = g_ptr_array_new_with_free_func (g_object_unref);
  if (!uctr_auth_lookup ((const char *const *) files, registry, repository, &r->user, &r->password,
                         &r->auth_file, error))
    return NULL;
  if (!load_certs_dir (r, error))
    return NULL;
  r->session = soup_session_new_with_options ("user-agent", "uctr/" PACKAGE_VERSION, NULL);
  /* Blobs are checked as the bytes the registry has: nothing decoded. */
  soup_session_remove_feature_by_type (r->session, SOUP_TYPE_CONTENT_DECODER);
  /* Bearer tokens are not libsoup's, and what is sent where is decided here. */
  soup_session_remove_feature_by_type (r->session, SOUP_TYPE_AUTH_MANAGER);
  return g_steal_pointer (&r);
}

void
uctr_registry_free (UctrRegistry *r)
{
  if (r == NULL)
    return;
  g_clear_object (&r->session);
  g_clear_pointer (&r->cas, g_ptr_array_unref);
  g_clear_object (&r->client_certificate);
  g_free (r->name);
  g_free (r->host);
  g_free (r->repository);
  g_free (r->user);
  g_free (r->password);
  g_free (r->auth_file);
  g_free (r->authorization);
  g_free (r);
}

/* --- Errors ------------------------------------------------------------ */

static char *
uri_string (GUri *uri)
{
  return g_uri_to_string_partial (uri, G_URI_HIDE_USERINFO | G_URI_HIDE_QUERY);
}

/* A request that got no HTTP answer at all. */
static GError *
transport_error (UctrRegistry *r, GUri *uri, GError *cause)
{
  g_autofree char *url = uri_string (uri);
  const char *host = g_uri_get_host (uri);

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (cause);
  if (g_error_matches (cause, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    return g_error_new (UCTR_ERROR, UCTR_ERROR_FAILED,
                        _("%s: the TLS certificate of %s is not trusted: put the CA that signed it in "
                          "%s/containers/certs.d/%s/ca.crt or /etc/containers/certs.d/%s/ca.crt, or mark the "
                          "registry insecure in registries.conf"),
                           url, host, g_get_user_config_dir (), r->name, r->name);
  if (cause->domain == G_TLS_ERROR)
    return g_error_new (UCTR_ERROR, UCTR_ERROR_FAILED,
                        _("%s: TLS failed: %s (a registry without TLS must be marked insecure in registries.conf)"),
                           url, cause->message);
  return g_error_new (UCTR_ERROR, UCTR_ERROR_FAILED, _("Connecting to %s: %s"), url, cause->message);
}

static GError *
not_authorized_error (UctrRegistry *r, FetchKind kind, const char *what)
{
  if (kind == FETCH_TOKEN && r->user != NULL)
    return g_error_new (UCTR_ERROR, UCTR_ERROR_FAILED,
                        _("%s/%s: not authorized: the token service %s refused the credentials of %s in %s; log "
                          "in again with `podman login %s` (uctr reads its credentials)"),
                           r->name, r->repository, what, r->user, r->auth_file, r->name);
  if (kind == FETCH_TOKEN)
    return g_error_new (UCTR_ERROR, UCTR_ERROR_FAILED,
                        _("%s/%s: not authorized: the token service %s gives no anonymous access; log in with "
                          "`podman login %s` (uctr reads its credentials)"),
                           r->name, r->repository, what, r->name);
  if (r->user != NULL)
    return g_error_new (UCTR_ERROR, UCTR_ERROR_FAILED,
                        _("%s: not authorized: the registry refused the credentials of %s for %s in %s; log in "
                          "again with `podman login %s` (uctr reads its credentials)"),
                           what, r->user, r->name, r->auth_file, r->name);
  return g_error_new (UCTR_ERROR, UCTR_ERROR_FAILED,
                      _("%s: not authorized: log in with `podman login %s` (uctr reads its credentials); "
                        "registries say this of a repository that does not exist too"),
                         what, r->name);
}

/* A request the server answered with STATUS, which is no success. */
static GError *
status_error (UctrRegistry *r, FetchKind kind, const char *what, GUri *uri, SoupMessage *msg)
{
  guint status = soup_message_get_status (msg);
  const char *reason = soup_message_get_reason_phrase (msg);
  g_autofree char *url = uri_string (uri);

  if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN)
    return not_authorized_error (r, kind, what);
  if (status == SOUP_STATUS_NOT_FOUND && kind == FETCH_MANIFEST_TAG)
    return g_error_new (UCTR_ERROR, UCTR_ERROR_NOT_FOUND,
                        _("no image %s (the registry knows no such tag)"), what);
  if (status == SOUP_STATUS_NOT_FOUND && kind == FETCH_MANIFEST_DIGEST)
    return g_error_new (UCTR_ERROR, UCTR_ERROR_NOT_FOUND,
                        _("no image %s (the registry has no manifest of that digest)"), what);
  if (status == SOUP_STATUS_NOT_FOUND && kind == FETCH_BLOB)
    return g_error_new (UCTR_ERROR, UCTR_ERROR_NOT_FOUND,
                        _("%s: the registry does not have it (%s)"), what, url);
  if (status == 429 /* Too Many Requests, which libsoup 3.2 does not name */)
    return g_error_new (UCTR_ERROR, UCTR_ERROR_FAILED,
                        _("%s: too many requests: %s limits how often it may be asked; wait, or log in "
                          "with `podman login %s` for a higher limit"),
                           what, r->name, r->name);
  if (status >= 500)
    return g_error_new (UCTR_ERROR, UCTR_ERROR_FAILED,
                        _("%s: the server failed with HTTP status %u %s (%s); try again later"), what,
                           status, reason != NULL ? reason : "", url);
  return g_error_new (UCTR_ERROR, UCTR_ERROR_FAILED,
                      _("%s: unexpected HTTP status %u %s from %s"), what, status,
                         reason != NULL ? reason : "", url);
}

/* --- Requests ---------------------------------------------------------- */

/* One GET, through redirects, authentication and an insecure registry's
   fall back to http, to a response of status 2xx. */
typedef struct
{
  UctrRegistry *r;
  FetchKind kind;
  char *what;          /* the object, in messages */
  char *path;          /* /v2/..., on the registry; NULL for a token */
  GUri *uri;           /* where the request goes now */
  GUri *origin;        /* the only scheme, host and port that see AUTHORIZATION */
  char *authorization; /* a token request's own; a registry request's as last sent */
  const char *accept;
  guint redirects;
  gboolean auth_retried;
  SoupMessage *msg;
} Request;

static void
request_free (Request *req)
{
  g_free (req->what);
  g_free (req->path);
  g_clear_pointer (&req->uri, g_uri_unref);
  g_clear_pointer (&req->origin, g_uri_unref);
  g_free (req->authorization);
  g_clear_object (&req->msg);
  g_free (req);
}

static GUri *
registry_uri (UctrRegistry *r, const char *path)
{
  g_autofree char *text = g_strdup_printf ("%s://%s%s", r->plain_http ? "http" : "https", r->host, path);

  return g_uri_parse (text, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, NULL);
}

static int
effective_port (GUri *uri)
{
  int port = g_uri_get_port (uri);

  if (port > 0)
    return port;
  return g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0 ? 80 : 443;
}

static gboolean
same_origin (GUri *a, GUri *b)
{
  return g_ascii_strcasecmp (g_uri_get_scheme (a), g_uri_get_scheme (b)) == 0
         && g_ascii_strcasecmp (g_uri_get_host (a), g_uri_get_host (b)) == 0
         && effective_port (a) == effective_port (b);
}

/* The system's CAs refused CERTIFICATE: it may still be signed by a CA of
   certs.d, or the registry be insecure. */
static gboolean
accept_certificate (SoupMessage *msg, GTlsCertificate *certificate, GTlsCertificateFlags errors,
                    gpointer data)
{
  UctrRegistry *r = data;
  GUri *uri = soup_message_get_uri (msg);
  g_autoptr(GSocketConnectable) identity = NULL;
  guint i;

  if (r->insecure)
    return TRUE;
  identity = g_network_address_new (g_uri_get_host (uri), (guint16) effective_port (uri));
  for (i = 0; i < r->cas->len; i++)
    if (g_tls_database_verify_chain (r->cas->pdata[i], certificate,
                                     G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, identity, NULL,
                                     G_TLS_DATABASE_VERIFY_NONE, NULL, NULL)
        == 0)
      return TRUE;
  return FALSE;
}

/* A response body not to be read (an error's, a redirect's, a blob's cut
   off): closed with a cancelled GCancellable, which libsoup takes as "drop
   the connection" where a plain close reads the body to its end. */
static void
drop_body (GInputStream *stream)
{
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();

  g_cancellable_cancel (cancelled);
  (void) g_input_stream_close (stream, cancelled, NULL);
  g_object_unref (stream);
}

static void request_sent (GObject *source, GAsyncResult *result, gpointer data);

/* Sends TASK's request as it stands now; takes the reference to TASK. */
static void
request_send (GTask *task)
{
  Request *req = g_task_get_task_data (task);
  UctrRegistry *r = req->r;
  SoupMessageHeaders *headers;

  g_clear_object (&req->msg);
  req->msg = soup_message_new_from_uri (SOUP_METHOD_GET, req->uri);
  soup_message_add_flags (req->msg, SOUP_MESSAGE_NO_REDIRECT);
  headers = soup_message_get_request_headers (req->msg);
  if (req->accept != NULL)
    soup_message_headers_replace (headers, "Accept", req->accept);
  if (req->path != NULL)
    {
      g_free (req->authorization);
      req->authorization = g_strdup (r->authorization);
    }
  if (req->authorization != NULL && same_origin (req->uri, req->origin))
    soup_message_headers_replace (headers, "Authorization", req->authorization);
  if (r->client_certificate != NULL && req->path != NULL && same_origin (req->uri, req->origin))
    soup_message_set_tls_client_certificate (req->msg, r->client_certificate);
  g_signal_connect (req->msg, "accept-certificate", G_CALLBACK (accept_certificate), r);
  soup_session_send_async (r->session, req->msg, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                           request_sent, task);
}

static void
request_async (UctrRegistry *r, FetchKind kind, const char *what, const char *target,
               const char *authorization, const char *accept, GCancellable *cancellable,
               GAsyncReadyCallback callback, gpointer data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, data);
  Request *req = g_new0 (Request, 1);

  req->r = r;
  req->kind = kind;
  req->what = g_strdup (what);
  req->accept = accept;
  if (kind == FETCH_TOKEN)
    {
      req->uri = g_uri_parse (target, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, NULL);
      req->authorization = g_strdup (authorization);
    }
  else
    {
      req->path = g_strdup (target);
      req->uri = registry_uri (r, target);
    }
  req->origin = g_uri_ref (req->uri);
  g_task_set_task_data (task, req, (GDestroyNotify) request_free);
  request_send (task);
}

/* The 2xx response's body; *MSG (when not NULL) the message, for its headers. */
static GInputStream *
request_finish (GAsyncResult *result, SoupMessage **msg, GError **error)
{
  Request *req = g_task_get_task_data (G_TASK (result));

  if (msg != NULL)
    *msg = g_object_ref (req->msg);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* An insecure registry that failed over https is asked again over http,
   as podman does; once it answered, the scheme stays. A registry not
   marked insecure gets https only, on localhost too, as podman: a local
   registry without TLS must be marked insecure in registries.conf. */
static gboolean
fall_back_to_http (Request *req, GError *cause)
{
  UctrRegistry *r = req->r;

  if (!r->insecure || r->plain_http || r->scheme_known || req->path == NULL || req->redirects > 0
      || g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;
  r->plain_http = TRUE;
  g_clear_pointer (&req->uri, g_uri_unref);
  g_clear_pointer (&req->origin, g_uri_unref);
  req->uri = registry_uri (r, req->path);
  req->origin = g_uri_ref (req->uri);
  return TRUE;
}

static gboolean
follow_redirect (Request *req, GError **error)
{
  const char *location
      = soup_message_headers_get_one (soup_message_get_response_headers (req->msg), "Location");
  g_autoptr(GError) local = NULL;
  g_autofree char *url = uri_string (req->uri);
  GUri *next;

  if (location == NULL)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("%s: %s redirects without a Location"), req->what, url);
  if (++req->redirects > MAX_REDIRECTS)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("%s: more than %d redirects from %s"), req->what, MAX_REDIRECTS, url);
  next
      = g_uri_parse_relative (req->uri, location, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, &local);
  if (next == NULL)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("%s: %s redirects to \"%s\": %s"), req->what, url, location, local->message);
  if (g_strcmp0 (g_uri_get_scheme (next), "https") != 0 && g_strcmp0 (g_uri_get_scheme (next), "http") != 0)
    {
      g_uri_unref (next);
      return uctr_throw (error, UCTR_ERROR_FAILED,
                         _("%s: %s redirects to \"%s\", which is not http(s)"), req->what, url, location);
    }
  g_uri_unref (req->uri);
  req->uri = next;
  return TRUE;
}

static void fetch_token (GTask *task, GHashTable *params);

static char *
basic_authorization (UctrRegistry *r)
{
  g_autofree char *plain = g_strconcat (r->user, ":", r->password, NULL);
  g_autofree char *encoded = g_base64_encode ((const guchar *) plain, strlen (plain));

  return g_strconcat ("Basic ", encoded, NULL);
}

/* A 401 from the registry: TRUE when the request goes on (sent again with
   credentials, or waiting for a token). */
static gboolean
authenticate (GTask *task)
{
  Request *req = g_task_get_task_data (task);
  UctrRegistry *r = req->r;
  const char *challenge;
  GHashTable *params;

  if (req->path == NULL || req->auth_retried || !same_origin (req->uri, req->origin))
    return FALSE;
  req->auth_retried = TRUE;
  /* Another request got a token (or found the credentials) meanwhile. */
  if (g_strcmp0 (req->authorization, r->authorization) != 0)
    {
      request_send (g_object_ref (task));
      return TRUE;
    }
  challenge = soup_message_headers_get_one (soup_message_get_response_headers (req->msg), "WWW-Authenticate");
  if (challenge != NULL && g_ascii_strncasecmp (challenge, "Bearer ", 7) == 0)
    {
      params = soup_header_parse_param_list (challenge + 7);
      fetch_token (task, params);
      soup_header_free_param_list (params);
      return TRUE;
    }
  if (challenge != NULL && g_ascii_strncasecmp (challenge, "Basic", 5) == 0 && r->user != NULL)
    {
      g_free (r->authorization);
      r->authorization = basic_authorization (r);
      request_send (g_object_ref (task));
      return TRUE;
    }
  return FALSE;
}

/* TASK's request answered STATUS, no success: STREAM, its body, dropped;
   TASK (its reference taken) sent again or failed. */
static void
request_answered (GTask *task, GInputStream *stream, guint status)
{
  Request *req = g_task_get_task_data (task);
  gboolean redirect = SOUP_STATUS_IS_REDIRECTION (status) && status != SOUP_STATUS_NOT_MODIFIED;
  GError *error = NULL;

  drop_body (stream);
  if (redirect && follow_redirect (req, &error))
    request_send (g_object_ref (task));
  else if (redirect)
    g_task_return_error (task, error);
  else if (status != SOUP_STATUS_UNAUTHORIZED || !authenticate (task))
    g_task_return_error (task, status_error (req->r, req->kind, req->what, req->uri, req->msg));
  g_object_unref (task);
}

static void
request_sent (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GTask) task = data;
  Request *req = g_task_get_task_data (task);
  g_autoptr(GError) local = NULL;
  GInputStream *stream = soup_session_send_finish (SOUP_SESSION (source), result, &local);
  guint status;

  if (stream != NULL && req->path != NULL && same_origin (req->uri, req->origin))
    req->r->scheme_known = TRUE;

  if (stream == NULL && fall_back_to_http (req, local))
    request_send (g_steal_pointer (&task));
  else if (stream == NULL)
    g_task_return_error (task, transport_error (req->r, req->uri, local));
  else if (SOUP_STATUS_IS_SUCCESSFUL (status = soup_message_get_status (req->msg)))
    g_task_return_pointer (task, stream, g_object_unref);
  else
    request_answered (g_steal_pointer (&task), stream, status);
}

/* --- Bodies ------------------------------------------------------------ */

/* A response body read to its end, into memory or OUT, checked by DIGESTER. */
typedef struct
{
  UctrRegistry *r;
  FetchKind kind;
  char *what;
  UctrDigester *digester; /* NULL: nothing to check against (a manifest by tag, a token) */
  gint64 total;           /* the size declared, -1 when none */
  gint64 max;             /* in memory: the bound */
  GOutputStream *out;     /* NULL: into memory */
  GByteArray *memory;
  gint64 done;
  UctrRegistryProgress progress;
  gpointer progress_data;
  GInputStream *stream;
  char *content_type;
  char *buffer;
} Transfer;

static void
transfer_free (Transfer *t)
{
  g_free (t->what);
  uctr_digester_free (t->digester);
  g_clear_pointer (&t->memory, g_byte_array_unref);
  g_clear_object (&t->out);
  if (t->stream != NULL)
    drop_body (t->stream);
  g_free (t->content_type);
  g_free (t->buffer);
  g_free (t);
}

static GTask *
transfer_new (UctrRegistry *r, FetchKind kind, const char *what, gint64 total, int fd,
              GCancellable *cancellable, GAsyncReadyCallback callback, gpointer data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, data);
  Transfer *t = g_new0 (Transfer, 1);

  t->r = r;
  t->kind = kind;
  t->what = g_strdup (what);
  t->total = total;
  t->max = fd < 0 ? UCTR_IMAGE_JSON_MAX : UCTR_IMAGE_LAYER_MAX;
  if (fd >= 0)
    t->out = g_unix_output_stream_new (fd, FALSE);
  else
    t->memory = g_byte_array_new ();
  t->buffer = g_malloc (CHUNK_SIZE);
  g_task_set_task_data (task, t, (GDestroyNotify) transfer_free);
  return task;
}

/* LEN bytes more: checked first, so that a blob past its size goes no further. */
static gboolean
transfer_check (Transfer *t, gsize len, GError **error)
{
  if (t->digester != NULL && !uctr_digester_update (t->digester, t->buffer, len, error))
    return FALSE;
  if ((gint64) len > t->max - t->done)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s: more than %lld bytes"), t->what, (long long) t->max);
  return TRUE;
}

static void
transfer_advance (Transfer *t, gsize len)
{
  t->done += len;
  if (t->progress != NULL)
    t->progress (t->done, t->total, t->progress_data);
}

/* The end of the body: TRUE when it is complete and checks. */
static gboolean
transfer_end (Transfer *t, GError **error)
{
  /* Read to its end, the stream is closed keeping the connection. */
  (void) g_input_stream_close (t->stream, NULL, NULL);
  g_clear_object (&t->stream);
  return t->digester == NULL || uctr_digester_finish (t->digester, t->what, error);
}

static void transfer_read (GObject *source, GAsyncResult *result, gpointer data);

/* The next chunk of TASK's body asked for; takes the reference to TASK. */
static void
transfer_read_next (GTask *task)
{
  Transfer *t = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_input_stream_read_async (t->stream, t->buffer, CHUNK_SIZE, G_PRIORITY_DEFAULT, cancellable, transfer_read,
                             task);
}

static void
transfer_wrote (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GTask) task = data;
  Transfer *t = g_task_get_task_data (task);
  g_autoptr(GError) local = NULL;
  gsize written = 0;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &written, &local))
    {
      /* The domain and code kept: a reader that stopped is G_IO_ERROR_BROKEN_PIPE. */
      g_autofree char *doing = g_strdup_printf (_("Writing %s"), t->what);

      g_prefix_error (&local, "%s: ", doing);
      g_task_return_error (task, g_steal_pointer (&local));
      return;
    }
  transfer_advance (t, written);
  transfer_read_next (g_steal_pointer (&task));
}

static void
transfer_read (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GTask) task = data;
  Transfer *t = g_task_get_task_data (task);
  g_autoptr(GError) local = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &local);

  if (n < 0 && !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_new_error (task, UCTR_ERROR, UCTR_ERROR_FAILED,
                             _("Reading %s: %s"), t->what, local->message);
  else if (n < 0)
    g_task_return_error (task, g_steal_pointer (&local));
  else if (n == 0 && transfer_end (t, &local))
    g_task_return_boolean (task, TRUE);
  else if (n == 0 || !transfer_check (t, n, &local))
    g_task_return_error (task, g_steal_pointer (&local));
  else if (t->out != NULL)
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      /* The buffer is read into again once it is written. */
      g_output_stream_write_all_async (t->out, t->buffer, n, G_PRIORITY_DEFAULT, cancellable, transfer_wrote,
                                       g_steal_pointer (&task));
    }
  else
    {
      g_byte_array_append (t->memory, (const guint8 *) t->buffer, n);
      transfer_advance (t, n);
      transfer_read_next (g_steal_pointer (&task));
    }
}

/* What the server says of the size before a byte is read. */
static gboolean
transfer_check_length (Transfer *t, SoupMessage *msg, GError **error)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  gint64 length;

  if (soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH)
    return TRUE;
  length = soup_message_headers_get_content_length (headers);
  if (t->total >= 0 && length > t->total)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s: the server sends %lld bytes where its descriptor says %lld"), t->what,
                          (long long) length, (long long) t->total);
  if (length > t->max)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s: %lld bytes, more than the %lld uctr reads"), t->what, (long long) length,
                          (long long) t->max);
  return TRUE;
}

static void
transfer_got_response (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GTask) task = data;
  Transfer *t = g_task_get_task_data (task);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GError) local = NULL;

  t->stream = request_finish (result, &msg, &local);
  if (t->stream != NULL)
    t->content_type
        = g_strdup (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL));
  if (t->stream == NULL || !transfer_check_length (t, msg, &local))
    g_task_return_error (task, g_steal_pointer (&local));
  else
    transfer_read_next (g_steal_pointer (&task));
}

/* TASK (of transfer_new) started: a GET of TARGET (a path on the registry,
   or a token URL) and its body read. */
static void
transfer_start (GTask *task, const char *target, const char *authorization, const char *accept)
{
  Transfer *t = g_task_get_task_data (task);

  request_async (t->r, t->kind, t->what, target, authorization, accept, g_task_get_cancellable (task),
                 transfer_got_response, task);
}

/* The body of a transfer into memory, NUL-terminated. */
static char *
transfer_finish_memory (GAsyncResult *result, gsize *len, char **content_type, GError **error)
{
  Transfer *t = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  if (len != NULL)
    *len = t->memory->len;
  if (content_type != NULL)
    *content_type = g_strdup (t->content_type);
  g_byte_array_append (t->memory, (const guint8 *) "", 1);
  return (char *) g_byte_array_free (g_steal_pointer (&t->memory), FALSE);
}

/* --- Tokens ------------------------------------------------------------ */

static char *
parse_token (const char *text, gsize len, const char *realm, GError **error)
{
  g_autoptr(json_object) root = NULL;
  g_autoptr(GError) local = NULL;
  const char *token = NULL;

  if (!uctr_json_parse (text, (gssize) len, 16, &root, &local)
      || !json_object_is_type (root, json_type_object))
    {
      uctr_throw (error, UCTR_ERROR_FAILED,
                  _("the token service %s answered no JSON object%s%s"), realm, local != NULL ? ": " : "",
                     local != NULL ? local->message : "");
      return NULL;
    }
  (void) uctr_json_get_string (root, "", "token", UCTR_JSON_OPTIONAL, &token, NULL);
  if (token == NULL || token[0] == '\0')
    (void) uctr_json_get_string (root, "", "access_token", UCTR_JSON_OPTIONAL, &token, NULL);
  if (token == NULL || token[0] == '\0')
    {
      uctr_throw (error, UCTR_ERROR_FAILED, _("the token service %s answered no token"), realm);
      return NULL;
    }
  return g_strdup (token);
}

/* The token URL of a Bearer challenge: its realm with its service and the
   scope to pull the repository. */
static char *
token_url (UctrRegistry *r, GHashTable *params, GError **error)
{
  const char *realm = g_hash_table_lookup (params, "realm");
  const char *service = g_hash_table_lookup (params, "service");
  g_autofree char *scope = g_strdup_printf ("repository:%s:pull", r->repository);
  g_autofree char *escaped_scope = g_uri_escape_string (scope, NULL, FALSE);
  g_autofree char *escaped_service = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GUri) with_query = NULL;
  g_autofree char *query = NULL;

  if (realm == NULL
      || (uri = g_uri_parse (realm, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, NULL)) == NULL
      || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      uctr_throw (error, UCTR_ERROR_FAILED,
                  _("%s asks for a token without a realm URL to get it from"), r->name);
      return NULL;
    }
  /* A token over plain http could be read on the way: not for a registry
     whose https is verified. */
  if (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0
      && !(r->insecure && g_strcmp0 (g_uri_get_scheme (uri), "http") == 0))
    {
      uctr_throw (error, UCTR_ERROR_FAILED,
                  _("%s asks for a token from %s, which is not https: refused (unless the registry is marked "
                    "insecure in registries.conf)"),
                     r->name, realm);
      return NULL;
    }
  if (service != NULL)
    escaped_service = g_uri_escape_string (service, NULL, FALSE);
  query = g_strdup_printf ("%s%sscope=%s%s%s", g_uri_get_query (uri) != NULL ? g_uri_get_query (uri) : "",
                           g_uri_get_query (uri) != NULL ? "&" : "", escaped_scope,
                           service != NULL ? "&service=" : "", service != NULL ? escaped_service : "");
  with_query = g_uri_build (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                            g_uri_get_port (uri), g_uri_get_path (uri), query, NULL);
  return g_uri_to_string (with_query);
}

static void
token_fetched (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GTask) task = data;
  Request *req = g_task_get_task_data (task);
  Transfer *t = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) local = NULL;
  gsize len = 0;
  g_autofree char *body = transfer_finish_memory (result, &len, NULL, &local);
  g_autofree char *token = NULL;

  if (body == NULL || (token = parse_token (body, len, t->what, &local)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&local));
      return;
    }
  g_free (req->r->authorization);
  req->r->authorization = g_strconcat ("Bearer ", token, NULL);
  request_send (g_steal_pointer (&task));
}

/* TASK, a registry request that met a Bearer challenge of PARAMS, sent again
   once the token is there. The token service gets the credentials (basic
   authentication) when there are any, else it is asked for an anonymous
   token. */
static void
fetch_token (GTask *task, GHashTable *params)
{
  Request *req = g_task_get_task_data (task);
  UctrRegistry *r = req->r;
  g_autoptr(GError) local = NULL;
  g_autofree char *url = token_url (r, params, &local);
  g_autofree char *basic = NULL;
  GTask *transfer;

  if (url == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&local));
      return;
    }
  if (r->user != NULL)
    basic = basic_authorization (r);
  transfer = transfer_new (r, FETCH_TOKEN, g_hash_table_lookup (params, "realm"), -1, -1,
                           g_task_get_cancellable (task), token_fetched, g_object_ref (task));
  ((Transfer *) g_task_get_task_data (transfer))->max = TOKEN_MAX;
  transfer_start (transfer, url, basic, "application/json");
}

/* --- The API ----------------------------------------------------------- */

static void
sync_done (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

/* TARGET on the registry read into memory (DIGESTER, owned, checks it)
   while the thread-default main context runs. Not a private context:
   libsoup keeps each connection on the context it was made on, and one
   made on a context that is no longer run hangs the next request that
   reuses it. */
static char *
fetch_sync (UctrRegistry *r, FetchKind kind, const char *what, const char *target, const char *accept,
            UctrDigester *digester, gint64 total, gsize *len, char **content_type, GCancellable *cancellable,
            GError **error)
{
  GMainContext *context = g_main_context_get_thread_default ();
  g_autoptr(GAsyncResult) result = NULL;
  GTask *task = transfer_new (r, kind, what, total, -1, cancellable, sync_done, &result);

  ((Transfer *) g_task_get_task_data (task))->digester = digester;
  transfer_start (task, target, NULL, accept);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  return transfer_finish_memory (result, len, content_type, error);
}

char *
uctr_registry_get_manifest (UctrRegistry *r, const char *reference, char **media_type, char **digest,
                            gsize *len, GCancellable *cancellable, GError **error)
{
  gboolean by_digest = strchr (reference, ':') != NULL;
  g_autofree char *what
      = g_strdup_printf ("%s/%s%s%s", r->name, r->repository, by_digest ? "@" : ":", reference);
  g_autofree char *path = g_strdup_printf ("/v2/%s/manifests/%s", r->repository, reference);
  g_autoptr(UctrDigester) digester = NULL;
  g_autofree char *text = NULL;
  gsize size = 0;

  if (by_digest && (digester = uctr_digester_new (reference, -1, error)) == NULL)
    return NULL;
  if (!by_digest && !only_chars (reference, "_.-"))
    {
      uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("\"%s\" is no tag"), reference);
      return NULL;
    }
  text = fetch_sync (r, by_digest ? FETCH_MANIFEST_DIGEST : FETCH_MANIFEST_TAG, what, path, MANIFEST_TYPES,
                     g_steal_pointer (&digester), -1, &size, media_type, cancellable, error);
  if (text == NULL)
    return NULL;
  if (digest != NULL)
    *digest = uctr_digest_of (text, size);
  if (len != NULL)
    *len = size;
  return g_steal_pointer (&text);
}

/* DIGESTER for D, or NULL with ERROR for a descriptor not to be fetched. */
static UctrDigester *
descriptor_digester (UctrRegistry *r, const UctrDescriptor *d, gint64 max, GError **error)
{
  if (d->size < 0 || d->size > max)
    {
      uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                  _("blob %s of %s/%s: a size of %lld is refused"), d->digest, r->name, r->repository,
                     (long long) d->size);
      return NULL;
    }
  return uctr_digester_new (d->digest, d->size, error);
}

char *
uctr_registry_get_document (UctrRegistry *r, const UctrDescriptor *d, gsize *len, GCancellable *cancellable,
                            GError **error)
{
  g_autofree char *what = g_strdup_printf (_("blob %s of %s/%s"), d->digest, r->name, r->repository);
  g_autofree char *path = NULL;
  UctrDigester *digester = descriptor_digester (r, d, UCTR_IMAGE_JSON_MAX, error);

  if (digester == NULL)
    return NULL;
  path = g_strdup_printf ("/v2/%s/blobs/%s", r->repository, d->digest);
  return fetch_sync (r, FETCH_BLOB, what, path, NULL, digester, d->size, len, NULL, cancellable, error);
}

void
uctr_registry_get_blob_async (UctrRegistry *r, const UctrDescriptor *d, int fd, UctrRegistryProgress progress,
                              gpointer progress_data, GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autofree char *what = g_strdup_printf (_("blob %s of %s/%s"), d->digest, r->name, r->repository);
  g_autofree char *path = g_strdup_printf ("/v2/%s/blobs/%s", r->repository, d->digest);
  GTask *task = transfer_new (r, FETCH_BLOB, what, d->size, fd, cancellable, callback, user_data);
  Transfer *t = g_task_get_task_data (task);
  GError *error = NULL;

  g_task_set_source_tag (task, uctr_registry_get_blob_async);
  t->progress = progress;
  t->progress_data = progress_data;
  t->digester = descriptor_digester (r, d, UCTR_IMAGE_LAYER_MAX, &error);
  /* Written as the reader makes room, never blocking the main context. */
  if (t->digester != NULL && fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) | O_NONBLOCK) < 0)
    uctr_throw_errno (&error, _("Writing %s"), what);
  if (error == NULL)
    {
      transfer_start (task, path, NULL, NULL);
      return;
    }
  g_task_return_error (task, error);
  g_object_unref (task);
}

gboolean
uctr_registry_get_blob_finish (UctrRegistry *r, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == uctr_registry_get_blob_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
