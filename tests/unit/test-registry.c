/* The registry client (image/registry.c) against the docker-registry that
   registry.sh started on loopback (TLS with a CA in certs.d, an htpasswd
   user in auth.json) and filled with images; where they are comes in the
   environment. What a pull relies on: manifests by tag and by digest, the
   media types, documents and blobs checked against their descriptors,
   several blobs at once, and errors that say what to do. */
#include "image/digest.h"
#include "image/manifest.h"
#include "image/registry.h"
#include "base/util.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"

static const char *
env (const char *name)
{
  const char *value = g_getenv (name);

  if (value == NULL)
    g_error ("%s is not set: run this test through registry.sh", name);
  return value;
}

static void
assert_error_says (GError *error, const char *text)
{
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  if (strstr (error->message, text) == NULL)
    g_error ("\"%s\" does not say \"%s\"", error->message, text);
}

/* REPOSITORY of the test registry as REGISTRY names it. */
static UctrRegistry *
open_registry_as (const char *registry, const char *repository, gboolean insecure)
{
  g_autoptr(GError) error = NULL;
  UctrRegistry *r = uctr_registry_new (registry, repository, insecure, &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

/* REPOSITORY (NULL: the one with the images) of the test registry. */
static UctrRegistry *
open_registry (const char *repository)
{
  return open_registry_as (env ("UCTR_TEST_REGISTRY"),
                           repository != NULL ? repository : env ("UCTR_TEST_REPOSITORY"), FALSE);
}

static UctrManifest *
get_manifest (UctrRegistry *r, const char *reference)
{
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  g_autofree char *text = uctr_registry_get_manifest (r, reference, NULL, NULL, &len, NULL, &error);
  UctrManifest *m;

  g_assert_no_error (error);
  m = uctr_manifest_parse (text, len, reference, &error);
  g_assert_no_error (error);
  return m;
}

static int
open_file (const char *name)
{
  g_autofree char *path = g_build_filename (env ("UCTR_TEST_TMPDIR"), name, NULL);
  int fd = open (path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  g_assert_cmpint (fd, >=, 0);
  return fd;
}

static gint64
file_size (int fd)
{
  struct stat st;

  g_assert_cmpint (fstat (fd, &st), ==, 0);
  return st.st_size;
}

static char *
file_digest (int fd)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;

  g_assert_cmpint (lseek (fd, 0, SEEK_SET), ==, 0);
  g_assert_true (uctr_read_fd (fd, "blob", 64 * 1024 * 1024, &contents, &len, &error));
  g_assert_no_error (error);
  return uctr_digest_of (contents, len);
}

typedef struct
{
  guint calls;
  gint64 done;
  gint64 total;
} Progress;

static void
on_progress (gint64 done, gint64 total, gpointer data)
{
  Progress *p = data;

  g_assert_cmpint (done, >, p->done);
  p->calls++;
  p->done = done;
  p->total = total;
}

static void
got_result (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

/* The blob D into FD, on the thread-default main context. */
static gboolean
get_blob (UctrRegistry *r, const UctrDescriptor *d, int fd, Progress *progress, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  uctr_registry_get_blob_async (r, d, fd, on_progress, progress, NULL, got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return uctr_registry_get_blob_finish (r, result, error);
}

static void
test_manifest_by_tag (void)
{
  static const struct
  {
    const char *tag;
    const char *digest_env;
    const char *media_type;
    UctrBlobKind kind;
  } cases[] = {
    { "oci-gzip", "UCTR_TEST_OCI_GZIP", OCI_MANIFEST, UCTR_BLOB_MANIFEST },
    { "oci-zstd", "UCTR_TEST_OCI_ZSTD", OCI_MANIFEST, UCTR_BLOB_MANIFEST },
    { "v2s2", "UCTR_TEST_V2S2", DOCKER_MANIFEST, UCTR_BLOB_MANIFEST },
    { "index", "UCTR_TEST_INDEX", OCI_INDEX, UCTR_BLOB_INDEX },
    { "list", "UCTR_TEST_LIST", DOCKER_LIST, UCTR_BLOB_INDEX },
  };
  g_autoptr(UctrRegistry) r = open_registry (NULL);
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *media_type = NULL;
      g_autofree char *digest = NULL;
      gsize len = 0;
      g_autofree char *text
          = uctr_registry_get_manifest (r, cases[i].tag, &media_type, &digest, &len, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (media_type, ==, cases[i].media_type);
      g_assert_cmpstr (digest, ==, env (cases[i].digest_env));
      g_assert_cmpuint (len, ==, strlen (text));
      g_assert_cmpint (uctr_image_json_kind (text, len), ==, cases[i].kind);
      g_assert_cmpint (uctr_blob_kind (media_type), ==, cases[i].kind);
    }
}

static void
test_manifest_by_digest (void)
{
  g_autoptr(UctrRegistry) r = open_registry (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *by_tag = uctr_registry_get_manifest (r, "oci-gzip", NULL, NULL, NULL, NULL, &error);
  g_autofree char *digest = NULL;
  g_autofree char *by_digest = NULL;
  g_autofree char *unknown = uctr_digest_of ("no such manifest", 16);
  g_autofree char *tampered = NULL;

  g_assert_no_error (error);
  by_digest = uctr_registry_get_manifest (r, env ("UCTR_TEST_OCI_GZIP"), NULL, &digest, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (by_digest, ==, by_tag);
  g_assert_cmpstr (digest, ==, env ("UCTR_TEST_OCI_GZIP"));

  g_assert_null (uctr_registry_get_manifest (r, unknown, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_NOT_FOUND);
  assert_error_says (error, unknown);
  g_clear_error (&error);

  /* What the registry sends must be what the digest names. */
  tampered = uctr_registry_get_manifest (r, env ("UCTR_TEST_CORRUPT"), NULL, NULL, NULL, NULL, &error);
  g_assert_null (tampered);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_IMAGE);
  assert_error_says (error, env ("UCTR_TEST_CORRUPT"));
}

static void
test_unknown_tag (void)
{
  g_autoptr(UctrRegistry) r = open_registry (NULL);
  g_autoptr(GError) error = NULL;

  g_assert_null (uctr_registry_get_manifest (r, "3.20", NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_NOT_FOUND);
  assert_error_says (error, "test/img:3.20");
  assert_error_says (error, "no such tag");
}

static void
test_config (void)
{
  g_autoptr(UctrRegistry) r = open_registry (NULL);
  g_autoptr(UctrManifest) m = get_manifest (r, "v2s2");
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  g_autofree char *text = uctr_registry_get_document (r, m->config, &len, NULL, &error);
  g_autoptr(UctrImageConfig) config = NULL;
  g_autoptr(UctrDescriptor) bad = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (len, ==, m->config->size);
  config = uctr_image_config_parse (text, len, "the config", &error);
  g_assert_no_error (error);
  g_assert_nonnull (config->cmd);
  g_assert_cmpstr (config->cmd[0], ==, "/bin/sh");

  /* A size the registry's bytes do not have. */
  bad = g_new0 (UctrDescriptor, 1);
  bad->digest = g_strdup (m->config->digest);
  bad->size = m->config->size + 1;
  g_assert_null (uctr_registry_get_document (r, bad, NULL, NULL, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_IMAGE);
  g_clear_error (&error);
  bad->size = (gint64) UCTR_IMAGE_JSON_MAX + 1;
  g_assert_null (uctr_registry_get_document (r, bad, NULL, NULL, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_IMAGE);
}

/* What a reader of a pipe got: its digest and size. */
typedef struct
{
  int fd;
  gint64 size;
  char *digest;
} PipeReader;

static gpointer
read_pipe (gpointer data)
{
  PipeReader *p = data;
  g_autoptr(UctrHash) h = uctr_hash_new ();
  char buf[4096];
  ssize_t n;

  while ((n = read (p->fd, buf, sizeof buf)) > 0)
    {
      uctr_hash_update (h, buf, n);
      p->size += n;
    }
  p->digest = uctr_hash_finish (h);
  close (p->fd);
  return NULL;
}

/* A layer through a pipe, as a pull unpacks it: every byte, in order. */
static void
test_blob (void)
{
  g_autoptr(UctrRegistry) r = open_registry (NULL);
  g_autoptr(UctrManifest) m = get_manifest (r, "oci-gzip");
  const UctrDescriptor *layer = m->layers->pdata[0];
  g_autoptr(GError) error = NULL;
  PipeReader reader = { 0 };
  Progress progress = { 0 };
  GThread *thread;
  int p[2];

  g_assert_cmpint (m->layers->len, ==, 1);
  g_assert_cmpint (pipe2 (p, O_CLOEXEC), ==, 0);
  reader.fd = p[0];
  thread = g_thread_new ("reader", read_pipe, &reader);
  g_assert_true (get_blob (r, layer, p[1], &progress, &error));
  g_assert_no_error (error);
  close (p[1]);
  g_thread_join (thread);
  g_assert_cmpint (reader.size, ==, layer->size);
  g_assert_cmpstr (reader.digest, ==, layer->digest);
  g_assert_cmpuint (progress.calls, >=, 2);
  g_assert_cmpint (progress.done, ==, layer->size);
  g_assert_cmpint (progress.total, ==, layer->size);
  g_free (reader.digest);
}

/* A reader that stops (an unpack that refused an entry): the download
   ends with G_IO_ERROR_BROKEN_PIPE, the code a pull looks for. */
static void
test_blob_reader_gone (void)
{
  g_autoptr(UctrRegistry) r = open_registry (NULL);
  g_autoptr(UctrManifest) m = get_manifest (r, "oci-gzip");
  g_autoptr(GError) error = NULL;
  struct sigaction ign = { .sa_handler = SIG_IGN }, old;
  int p[2];

  g_assert_cmpint (sigaction (SIGPIPE, &ign, &old), ==, 0);
  g_assert_cmpint (pipe2 (p, O_CLOEXEC), ==, 0);
  close (p[0]);
  g_assert_false (get_blob (r, m->layers->pdata[0], p[1], &(Progress){ 0 }, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
  close (p[1]);
  g_assert_cmpint (sigaction (SIGPIPE, &old, NULL), ==, 0);
}

typedef struct
{
  GAsyncResult *result;
  Progress progress;
} Concurrent;

/* Two layers (gzip and zstd) on the way at once, then a document again:
   the synchronous calls and the asynchronous ones share the connections. */
static void
test_concurrent (void)
{
  g_autoptr(UctrRegistry) r = open_registry (NULL);
  g_autoptr(UctrManifest) gz = get_manifest (r, "oci-gzip");
  g_autoptr(UctrManifest) zst = get_manifest (r, "oci-zstd");
  const UctrDescriptor *layers[2] = { gz->layers->pdata[0], zst->layers->pdata[0] };
  uctr_autofd int fd0 = open_file ("layer0");
  uctr_autofd int fd1 = open_file ("layer1");
  int fds[2] = { fd0, fd1 };
  Concurrent c[2] = { { 0 } };
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;
  guint i;

  g_assert_cmpstr (layers[1]->media_type, ==, "application/vnd.oci.image.layer.v1.tar+zstd");
  g_assert_cmpstr (layers[0]->digest, !=, layers[1]->digest);
  for (i = 0; i < 2; i++)
    uctr_registry_get_blob_async (r, layers[i], fds[i], on_progress, &c[i].progress, NULL, got_result,
                                  &c[i].result);
  while (c[0].result == NULL || c[1].result == NULL)
    g_main_context_iteration (NULL, TRUE);
  for (i = 0; i < 2; i++)
    {
      g_autofree char *digest = file_digest (fds[i]);

      g_assert_true (uctr_registry_get_blob_finish (r, c[i].result, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (digest, ==, layers[i]->digest);
      g_assert_cmpint (c[i].progress.done, ==, layers[i]->size);
      g_object_unref (c[i].result);
    }
  config = uctr_registry_get_document (r, zst->config, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);
}

/* A wrong password (auth.json has one for test/wrong) and none at all
   (nothing for test/none): both say to log in, the first with what
   was refused and where it was read. */
static void
test_not_authorized (void)
{
  static const struct
  {
    const char *repository;
    const char *says;
  } cases[] = {
    { "test/wrong", "refused the credentials of uctr" },
    { "test/none", "log in with" },
  };
  g_autofree char *login = g_strdup_printf ("podman login %s", env ("UCTR_TEST_REGISTRY"));
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(UctrRegistry) r = open_registry (cases[i].repository);
      g_autoptr(GError) error = NULL;

      g_assert_null (uctr_registry_get_manifest (r, "oci-gzip", NULL, NULL, NULL, NULL, &error));
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_FAILED);
      assert_error_says (error, "not authorized");
      assert_error_says (error, login);
      assert_error_says (error, cases[i].says);
      if (i == 0)
        assert_error_says (error, env ("REGISTRY_AUTH_FILE"));
    }
}

/* localhost:PORT is the same server under a name certs.d has no CA for. */
static void
test_unknown_ca (void)
{
  const char *port = strrchr (env ("UCTR_TEST_REGISTRY"), ':') + 1;
  g_autofree char *name = g_strdup_printf ("localhost:%s", port);
  g_autoptr(UctrRegistry) r = open_registry_as (name, env ("UCTR_TEST_REPOSITORY"), FALSE);
  g_autoptr(UctrRegistry) insecure = open_registry_as (name, env ("UCTR_TEST_REPOSITORY"), TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *where = g_strdup_printf ("containers/certs.d/%s/ca.crt", name);

  g_assert_null (uctr_registry_get_manifest (r, "oci-gzip", NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_FAILED);
  assert_error_says (error, "not trusted");
  assert_error_says (error, where);
  assert_error_says (error, "insecure");
  g_clear_error (&error);

  /* Marked insecure, its certificate is taken: the registry answers, and
     refuses to talk to a user auth.json has nothing for. */
  g_assert_null (uctr_registry_get_manifest (insecure, "oci-gzip", NULL, NULL, NULL, NULL, &error));
  assert_error_says (error, "not authorized");
}

static void
test_digest_mismatch (void)
{
  g_autoptr(UctrRegistry) r = open_registry (NULL);
  g_autoptr(UctrManifest) m = get_manifest (r, "corrupt");
  const UctrDescriptor *layer = m->layers->pdata[0];
  g_autoptr(GError) error = NULL;
  uctr_autofd int fd = open_file ("corrupt");

  g_assert_false (get_blob (r, layer, fd, &(Progress){ 0 }, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_IMAGE);
  assert_error_says (error, "does not match");
  assert_error_says (error, layer->digest);
}

/* LAYER fetched with a descriptor that says it holds SIZE bytes, fewer
   than it has: refused (the error says SAYS), and no byte past SIZE
   written or reported. */
static void
assert_refused_past (UctrRegistry *r, const UctrDescriptor *layer, gint64 size, const char *says)
{
  g_autoptr(UctrDescriptor) d = g_new0 (UctrDescriptor, 1);
  g_autoptr(GError) error = NULL;
  uctr_autofd int fd = open_file ("short");
  Progress progress = { 0 };

  d->digest = g_strdup (layer->digest);
  d->size = size;
  g_assert_false (get_blob (r, d, fd, &progress, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_IMAGE);
  assert_error_says (error, layer->digest);
  assert_error_says (error, says);
  g_assert_cmpint (progress.done, <=, size);
  g_assert_cmpint (file_size (fd), <=, size);
}

/* A descriptor that says less than the blob holds: refused before the
   bytes past its size are read, and never written; one that says more:
   the blob falls short. */
static void
test_size_mismatch (void)
{
  g_autoptr(UctrRegistry) r = open_registry (NULL);
  g_autoptr(UctrManifest) m = get_manifest (r, "oci-gzip");
  const UctrDescriptor *layer = m->layers->pdata[0];
  g_autoptr(UctrDescriptor) d = g_new0 (UctrDescriptor, 1);
  g_autoptr(GError) error = NULL;
  uctr_autofd int fd = open_file ("long");

  assert_refused_past (r, layer, layer->size / 2, "the server sends");
  d->digest = g_strdup (layer->digest);
  d->size = layer->size + 1;
  g_assert_false (get_blob (r, d, fd, &(Progress){ 0 }, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_IMAGE);
  assert_error_says (error, "truncated");
}

/* How many requests of the fake registry's log went to PATH, and how
   many of those carried an Authorization header. */
static guint
fake_requests (const char *prefix, guint *with_authorization)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;
  gsize i;

  g_assert_true (g_file_get_contents (env ("UCTR_TEST_FAKE_LOG"), &log, NULL, &error));
  lines = g_strsplit (log, "\n", -1);
  *with_authorization = 0;
  for (i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      {
        n++;
        *with_authorization += g_str_has_suffix (lines[i], " True");
      }
  return n;
}

/* Docker Hub's way: a Bearer token from the realm the challenge names,
   asked for once and kept; blobs redirected to another host, which never
   sees the registry's Authorization header (the fake CDN refuses it). Over
   plain http, which the registry marked insecure falls back to. */
static void
test_bearer_and_redirect (void)
{
  g_autoptr(UctrRegistry) r = open_registry_as (env ("UCTR_TEST_FAKE"), "test/img", TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *media_type = NULL;
  gsize len = 0;
  g_autofree char *text
      = uctr_registry_get_manifest (r, "oci-gzip", &media_type, &digest, &len, NULL, &error);
  g_autoptr(UctrManifest) m = NULL;
  g_autofree char *config = NULL;
  g_autofree char *blob_digest = NULL;
  uctr_autofd int fd = open_file ("redirected");
  guint with_authorization = 0;

  g_assert_no_error (error);
  g_assert_cmpstr (digest, ==, env ("UCTR_TEST_OCI_GZIP"));
  g_assert_cmpstr (media_type, ==, OCI_MANIFEST);
  m = uctr_manifest_parse (text, len, "oci-gzip", &error);
  g_assert_no_error (error);
  config = uctr_registry_get_document (r, m->config, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (get_blob (r, m->layers->pdata[0], fd, &(Progress){ 0 }, &error));
  g_assert_no_error (error);
  blob_digest = file_digest (fd);
  g_assert_cmpstr (blob_digest, ==, ((UctrDescriptor *) m->layers->pdata[0])->digest);

  g_assert_cmpuint (fake_requests ("/token ", &with_authorization), ==, 1);
  g_assert_cmpuint (with_authorization, ==, 1);
  g_assert_cmpuint (fake_requests ("/cdn/", &with_authorization), ==, 2);
  g_assert_cmpuint (with_authorization, ==, 0);
}

static void
test_bearer_wrong_credentials (void)
{
  g_autoptr(UctrRegistry) r = open_registry_as (env ("UCTR_TEST_FAKE"), "test/wrong", TRUE);
  g_autoptr(GError) error = NULL;

  g_assert_null (uctr_registry_get_manifest (r, "oci-gzip", NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_FAILED);
  assert_error_says (error, "not authorized");
  assert_error_says (error, "podman login");
}

/* A blob without a Content-Length that runs past its descriptor's size:
   cut off there, nothing past it written. */
static void
test_cut_off (void)
{
  g_autoptr(UctrRegistry) r = open_registry_as (env ("UCTR_TEST_FAKE"), "test/chunked", TRUE);
  g_autoptr(UctrManifest) m = get_manifest (r, "oci-gzip");
  const UctrDescriptor *layer = m->layers->pdata[0];
  g_autoptr(GError) error = NULL;
  uctr_autofd int fd = open_file ("chunked");

  assert_refused_past (r, layer, layer->size / 4, "more than the");
  /* The whole blob, chunked, checks. */
  g_assert_true (get_blob (r, layer, fd, &(Progress){ 0 }, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/registry/manifest-by-tag", test_manifest_by_tag);
  g_test_add_func ("/registry/manifest-by-digest", test_manifest_by_digest);
  g_test_add_func ("/registry/unknown-tag", test_unknown_tag);
  g_test_add_func ("/registry/config", test_config);
  g_test_add_func ("/registry/blob", test_blob);
  g_test_add_func ("/registry/blob-reader-gone", test_blob_reader_gone);
  g_test_add_func ("/registry/concurrent", test_concurrent);
  g_test_add_func ("/registry/not-authorized", test_not_authorized);
  g_test_add_func ("/registry/unknown-ca", test_unknown_ca);
  g_test_add_func ("/registry/digest-mismatch", test_digest_mismatch);
  g_test_add_func ("/registry/size-mismatch", test_size_mismatch);
  g_test_add_func ("/registry/bearer-and-redirect", test_bearer_and_redirect);
  g_test_add_func ("/registry/bearer-wrong-credentials", test_bearer_wrong_credentials);
  g_test_add_func ("/registry/cut-off", test_cut_off);
  return g_test_run ();
}
