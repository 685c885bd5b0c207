/* An image's JSON documents and digests (image/manifest.c, image/digest.c),
   the annotations a config gives a container (image/convert.c):
   OCI and Docker schema 2 shapes, platforms, and what a hostile document
   may try (malformed digests, sizes, media types). */
#include "image/convert.h"
#include "image/digest.h"
#include "image/manifest.h"
#include "image/layout.h"
#include "image/reference.h"
#include "image/auth.h"
#include "base/util.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define D1                                                                                                   \
  "sha256:"                                                                                                  \
  "1111111111111111111111111111111111111111111111111111111111111111"
#define D2                                                                                                   \
  "sha256:"                                                                                                  \
  "2222222222222222222222222222222222222222222222222222222222222222"
#define D3                                                                                                   \
  "sha256:"                                                                                                  \
  "3333333333333333333333333333333333333333333333333333333333333333"

static void
assert_error_says (GError *error, const char *text)
{
  g_assert_nonnull (error);
  if (strstr (error->message, text) == NULL)
    g_error ("\"%s\" does not say \"%s\"", error->message, text);
}

static void
test_digest_parse (void)
{
  static const char *const bad[][2] = {
    { "sha256", "is no digest" },
    { "sha256:abc", "64 lowercase hex" },
    { "sha256:"
      "ABCD111111111111111111111111111111111111111111111111111111111111",
      "64 lowercase hex" },
    { "sha256:"
      "../1111111111111111111111111111111111111111111111111111111111111",
      "64 lowercase hex" },
    { "md5:d41d8cd98f00b204e9800998ecf8427e", "sha256 and sha512 digests only" },
    { "sha2:"
      "1111111111111111111111111111111111111111111111111111111111111111",
      "only" },
  };
  g_autofree char *hex = NULL;
  gsize i;

  g_assert_true (uctr_digest_parse (D1, &hex, NULL));
  g_assert_cmpstr (hex, ==, D1 + 7);
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (uctr_digest_parse (bad[i][0], NULL, &error));
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_IMAGE);
      assert_error_says (error, bad[i][1]);
    }
}

static void
test_digester (void)
{
  g_autofree char *digest = uctr_digest_of ("hello", 5);
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (digest, ==, "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  {
    g_autoptr(UctrDigester) d = uctr_digester_new (digest, 5, &error);
    g_assert_true (uctr_digester_update (d, "hel", 3, NULL));
    g_assert_true (uctr_digester_update (d, "lo", 2, NULL));
    g_assert_true (uctr_digester_finish (d, "the blob", &error));
  }
  /* Other bytes of the right size. */
  {
    g_autoptr(UctrDigester) d = uctr_digester_new (digest, 5, NULL);
    g_assert_true (uctr_digester_update (d, "jello", 5, NULL));
    g_assert_false (uctr_digester_finish (d, "layer 1", &error));
    assert_error_says (error, "layer 1 does not match its digest");
    g_clear_error (&error);
  }
  /* Truncated, and longer than declared (stopped at once). */
  {
    g_autoptr(UctrDigester) d = uctr_digester_new (digest, 5, NULL);
    g_assert_true (uctr_digester_update (d, "hell", 4, NULL));
    g_assert_false (uctr_digester_finish (d, "layer 1", &error));
    assert_error_says (error, "4 bytes where its descriptor says 5");
    g_clear_error (&error);
  }
  {
    g_autoptr(UctrDigester) d = uctr_digester_new (digest, 5, NULL);
    g_assert_false (uctr_digester_update (d, "hello!", 6, &error));
    assert_error_says (error, "more than the 5 bytes");
    g_clear_error (&error);
  }
  /* sha512, which the digest names. */
  {
    g_autoptr(UctrDigester) d = uctr_digester_new ("sha512:"
                                                    "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff725"
                                                    "19673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663"
                                                    "475c2e5c3adef46f73bcdec043",
                                                    -1, &error);
    g_assert_nonnull (d);
    g_assert_true (uctr_digester_update (d, "hello", 5, NULL));
    g_assert_true (uctr_digester_finish (d, "the blob", &error));
  }
}

/* The hash against GLib's, over sizes around nettle's block and in odd pieces. */
static void
test_hash (void)
{
  static const gsize sizes[] = { 0, 1, 55, 56, 63, 64, 65, 127, 4096, 1 << 20 };
  g_autofree guint8 *data = g_malloc ((gsize) 1 << 20);
  gsize i, j;

  for (i = 0; i < (gsize) 1 << 20; i++)
    data[i] = (guint8) (i * 131 + (i >> 8));
  for (i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(UctrHash) h = uctr_hash_new ();
      g_autofree char *want = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, sizes[i]);
      g_autofree char *whole = uctr_digest_of (data, sizes[i]);
      g_autofree char *pieces = NULL;

      for (j = 0; j < sizes[i]; j += MIN (sizes[i] - j, 7 + j % 61))
        uctr_hash_update (h, data + j, MIN (sizes[i] - j, 7 + j % 61));
      pieces = uctr_hash_finish (h);
      g_assert_cmpstr (whole + strlen ("sha256:"), ==, want);
      g_assert_cmpstr (pieces, ==, whole);
    }
}

static const char index_json[]
    = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
      "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D1 "\",\"size\":500,"
      "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
      "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D2 "\",\"size\":501,"
      "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"},"
      "\"annotations\":{\"org.opencontainers.image.ref.name\":\"3.20\"}},"
      "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D3 "\",\"size\":9,"
      "\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}}]}";

static void
test_index (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UctrIndex) index = uctr_index_parse (index_json, strlen (index_json), "the index", &error);
  const UctrDescriptor *d;

  g_assert_no_error (error);
  g_assert_cmpuint (index->manifests->len, ==, 3);
  d = uctr_index_select (index, "linux", "amd64", NULL, "alpine", &error);
  g_assert_nonnull (d);
  g_assert_cmpstr (d->digest, ==, D2);
  g_assert_cmpint (d->size, ==, 501);
  g_assert_cmpstr (d->ref_name, ==, "3.20");
  d = uctr_index_select (index, "linux", "arm64", "v8", "alpine", &error);
  g_assert_cmpstr (d->digest, ==, D1);
  g_assert_null (uctr_index_select (index, "linux", "s390x", NULL, "alpine", &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_NOT_FOUND);
  assert_error_says (error, "alpine has no image for linux/s390x (it has: linux/arm64/v8, linux/amd64, "
                            "unknown/unknown)");
  g_assert_cmpint (uctr_image_json_kind (index_json, strlen (index_json)), ==, UCTR_BLOB_INDEX);
}

static const char manifest_json[]
    = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
      "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"" D1 "\","
      "\"size\":1500},\"layers\":["
      "{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"digest\":\"" D2
      "\",\"size\":3000},"
      "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"" D3 "\",\"size\":40}]}";

static void
test_manifest (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UctrManifest) m
             = uctr_manifest_parse (manifest_json, strlen (manifest_json), "the manifest", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (m->config->digest, ==, D1);
  g_assert_cmpuint (m->layers->len, ==, 2);
  g_assert_cmpstr (((UctrDescriptor *) g_ptr_array_index (m->layers, 1))->digest, ==, D3);
  g_assert_cmpint (uctr_image_json_kind (manifest_json, strlen (manifest_json)), ==, UCTR_BLOB_MANIFEST);
}

/* What a hostile or foreign document may hold, each refused with the reason. */
static void
test_manifest_bad (void)
{
  static const struct
  {
    const char *json;
    const char *says;
  } cases[] = {
    { "[]", "not a JSON object" },
    { "{\"schemaVersion\":1,\"config\":{},\"layers\":[]}", "schemaVersion 1: uctr reads schema 2" },
    { "{\"schemaVersion\":2,\"layers\":[]}", "config: missing required field" },
    { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
      "\"digest\":\"sha256:x\",\"size\":1},\"layers\":[]}",
      "config: digest \"sha256:x\"" },
    { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
      "\"digest\":\"" D1 "\",\"size\":-1},\"layers\":[]}",
      "config.size" },
    { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.example.helm.config+json\","
      "\"digest\":\"" D1 "\",\"size\":1},\"layers\":[]}",
      "not a container image" },
    { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
      "\"digest\":\"" D1
      "\",\"size\":1},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
      "\"digest\":\"" D2 "\",\"size\":999999999999999}]}",
      "layers[0]: declares 999999999999999 bytes" },
    { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
      "\"digest\":\"" D1 "\",\"size\":1},\"layers\":[{\"mediaType\":\"text/plain\","
      "\"digest\":\"" D2 "\",\"size\":1}]}",
      "layers[0]: media type \"text/plain\" is not a layer" },
    { "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
      "\"digest\":\"" D1 "\",\"size\":1},\"layers\":[7]}",
      "layers[0]: must be an object" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(UctrManifest) m
                 = uctr_manifest_parse (cases[i].json, strlen (cases[i].json), "the manifest", &error);

      g_assert_null (m);
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_IMAGE);
      assert_error_says (error, "the manifest: ");
      assert_error_says (error, cases[i].says);
    }
}

static void
test_config (void)
{
  static const char json[]
      = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"nginx\",\"Env\":[\"PATH=/usr/"
        "bin\","
        "\"A=b\"],\"Entrypoint\":[\"/docker-entrypoint.sh\"],\"Cmd\":[\"nginx\",\"-g\",\"daemon off;\"],"
        "\"WorkingDir\":\"/srv\",\"ExposedPorts\":{\"80/tcp\":{},\"443/tcp\":{},\"53/udp\":{}},"
        "\"Volumes\":{\"/var/cache\":{}},\"StopSignal\":\"SIGQUIT\",\"Labels\":{\"maintainer\":\"x\"}},"
        "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"" D2 "\"]}}";
  static const char minimal[]
      = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Entrypoint\":null,"
        "\"Cmd\":[]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(UctrImageConfig) c = uctr_image_config_parse (json, strlen (json), "the config", &error);
  g_autoptr(UctrImageConfig) m = uctr_image_config_parse (minimal, strlen (minimal), "the config", &error);
  g_autofree char *ports = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (c->user, ==, "nginx");
  g_assert_cmpstr (c->entrypoint[0], ==, "/docker-entrypoint.sh");
  g_assert_cmpstr (c->cmd[2], ==, "daemon off;");
  g_assert_cmpstr (c->working_dir, ==, "/srv");
  ports = g_strjoinv (" ", c->exposed_ports);
  g_assert_cmpstr (ports, ==, "443/tcp 53/udp 80/tcp");
  g_assert_cmpstr (c->volumes[0], ==, "/var/cache");
  g_assert_cmpstr (c->stop_signal, ==, "SIGQUIT");
  g_assert_cmpstr (g_hash_table_lookup (c->labels, "maintainer"), ==, "x");
  g_assert_cmpuint (g_strv_length (c->diff_ids), ==, 2);
  /* Entrypoint null: none; Cmd []: an empty one. */
  g_assert_null (m->entrypoint);
  g_assert_nonnull (m->cmd);
  g_assert_cmpuint (g_strv_length (m->cmd), ==, 0);
}

/* conversion.md: the implicit annotations, the labels over them, and no
   label in uctr's own namespace. */
static void
test_config_annotations (void)
{
  static const char json[]
      = "{\"architecture\":\"arm64\",\"variant\":\"v8\",\"os\":\"linux\",\"os.version\":\"12\","
        "\"author\":\"me\",\"created\":\"2026-01-02T03:04:05Z\",\"config\":{\"StopSignal\":\"SIGQUIT\","
        "\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}},\"Labels\":{\"maintainer\":\"x\","
        "\"org.opencontainers.image.author\":\"label wins\",\"uctr.network\":\"host\","
        "\"uctr.rootfs.overlay\":\"lowerdir=/\"}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
  static const char minimal[] = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
                                "\"layers\",\"diff_ids\":[]}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(UctrImageConfig) c = uctr_image_config_parse (json, strlen (json), "the config", &error);
  g_autoptr(UctrImageConfig) m = uctr_image_config_parse (minimal, strlen (minimal), "the config", &error);
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) a = NULL;
  g_autoptr(GHashTable) b = NULL;

  g_assert_no_error (error);
  a = uctr_image_config_annotations (c, skipped);
  g_assert_cmpstr (g_hash_table_lookup (a, "org.opencontainers.image.os"), ==, "linux");
  g_assert_cmpstr (g_hash_table_lookup (a, "org.opencontainers.image.architecture"), ==, "arm64");
  g_assert_cmpstr (g_hash_table_lookup (a, "org.opencontainers.image.variant"), ==, "v8");
  g_assert_cmpstr (g_hash_table_lookup (a, "org.opencontainers.image.os.version"), ==, "12");
  g_assert_cmpstr (g_hash_table_lookup (a, "org.opencontainers.image.created"), ==, "2026-01-02T03:04:05Z");
  g_assert_cmpstr (g_hash_table_lookup (a, "org.opencontainers.image.stopSignal"), ==, "SIGQUIT");
  g_assert_cmpstr (g_hash_table_lookup (a, "org.opencontainers.image.exposedPorts"), ==, "53/udp,80/tcp");
  g_assert_cmpstr (g_hash_table_lookup (a, "org.opencontainers.image.author"), ==, "label wins");
  g_assert_cmpstr (g_hash_table_lookup (a, "maintainer"), ==, "x");
  g_assert_false (g_hash_table_contains (a, "uctr.network"));
  g_assert_false (g_hash_table_contains (a, "uctr.rootfs.overlay"));
  g_assert_cmpuint (skipped->len, ==, 2);
  g_assert_cmpstr (skipped->pdata[0], ==, "uctr.network");
  g_assert_cmpstr (skipped->pdata[1], ==, "uctr.rootfs.overlay");
  g_assert_cmpuint (g_hash_table_size (a), ==, 9);
  /* Nothing asked: only what the image has. */
  b = uctr_image_config_annotations (m, NULL);
  g_assert_cmpuint (g_hash_table_size (b), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (b, "org.opencontainers.image.architecture"), ==, "amd64");
}

static void
test_config_bad (void)
{
  static const struct
  {
    const char *json;
    const char *says;
  } cases[] = {
    { "{\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", "architecture: missing" },
    { "{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"zfs\",\"diff_ids\":[]}}",
      "rootfs.type: must be \"layers\"" },
    { "{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"x\"]}}",
      "rootfs.diff_ids[0]: \"x\" is no digest" },
    { "{\"os\":\"linux\",\"architecture\":\"amd64\",\"config\":{\"Env\":\"A=b\"},"
      "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
      "config.Env" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(UctrImageConfig) c
                 = uctr_image_config_parse (cases[i].json, strlen (cases[i].json), "the config", &error);

      g_assert_null (c);
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_IMAGE);
      assert_error_says (error, cases[i].says);
    }
}

static void
test_host_platform (void)
{
  const char *os, *arch, *variant;

  uctr_image_host_platform (&os, &arch, &variant);
  g_assert_cmpstr (os, ==, "linux");
#if defined(__x86_64__)
  g_assert_cmpstr (arch, ==, "amd64");
  g_assert_null (variant);
#elif defined(__aarch64__)
  g_assert_cmpstr (arch, ==, "arm64");
#endif
}

/* --- OCI image layouts ------------------------------------------------------- */

typedef struct
{
  char *dir;
} Layout;

static void
layout_setup (Layout *l, gconstpointer data)
{
  g_autofree char *blobs = NULL;

  g_autofree char *version = NULL;

  l->dir = g_dir_make_tmp ("uctr-layout-XXXXXX", NULL);
  blobs = g_build_filename (l->dir, "blobs", "sha256", NULL);
  version = g_build_filename (l->dir, "oci-layout", NULL);
  g_assert_cmpint (g_mkdir_with_parents (blobs, 0755), ==, 0);
  g_assert_true (g_file_set_contents (version, "{\"imageLayoutVersion\":\"1.0.0\"}", -1, NULL));
}

static void
layout_teardown (Layout *l, gconstpointer data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", l->dir);

  (void) system (cmd);
  g_free (l->dir);
}

/* TEXT as a blob; its descriptor's JSON (media type TYPE) in *DESC. */
static char *
blob (Layout *l, const char *type, const char *text, const char *extra)
{
  g_autofree char *digest = uctr_digest_of (text, strlen (text));
  g_autofree char *path = g_build_filename (l->dir, "blobs", "sha256", digest + 7, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return g_strdup_printf ("{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu%s%s}", type, digest,
                          strlen (text), extra != NULL ? "," : "", extra != NULL ? extra : "");
}

static void
write_index (Layout *l, const char *manifests)
{
  g_autofree char *index = g_strdup_printf ("{\"schemaVersion\":2,\"manifests\":[%s]}", manifests);
  g_autofree char *path = g_build_filename (l->dir, "index.json", NULL);

  g_assert_true (g_file_set_contents (path, index, -1, NULL));
}

/* An image for this machine: a config, one layer; the manifest's descriptor. */
static char *
image (Layout *l, const char *annotations)
{
  const char *os, *arch, *variant;
  g_autofree char *layer = blob (l, "application/vnd.oci.image.layer.v1.tar", "not really a tar", NULL);
  g_autofree char *config_json = NULL;
  g_autofree char *config = NULL;
  g_autofree char *m_json = NULL;
  g_autofree char *layer_digest = uctr_digest_of ("not really a tar", 16);

  uctr_image_host_platform (&os, &arch, &variant);
  config_json = g_strdup_printf ("{\"os\":\"%s\",\"architecture\":\"%s\",\"config\":{\"Cmd\":[\"sh\"]},"
                                 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
                                 os, arch, layer_digest);
  config = blob (l, "application/vnd.oci.image.config.v1+json", config_json, NULL);
  m_json = g_strdup_printf ("{\"schemaVersion\":2,\"config\":%s,\"layers\":[%s]}", config, layer);
  return blob (l, "application/vnd.oci.image.manifest.v1+json", m_json, annotations);
}

static void
test_layout (Layout *l, gconstpointer data)
{
  g_autofree char *m = image (l, "\"annotations\":{\"org.opencontainers.image.ref.name\":\"3.20\"}");
  g_autoptr(UctrLayout) layout = NULL;
  g_autoptr(UctrLayoutImage) img = NULL;
  g_autoptr(UctrDigester) digester = NULL;
  g_autoptr(GError) error = NULL;
  char buf[64];
  ssize_t n;
  int fd;

  write_index (l, m);
  layout = uctr_layout_open (l->dir, &error);
  g_assert_no_error (error);
  img = uctr_layout_resolve (layout, "3.20", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (img->config->cmd[0], ==, "sh");
  g_assert_cmpuint (img->manifest->layers->len, ==, 1);
  /* The only image, without a tag; by its digest. */
  g_clear_pointer (&img, uctr_layout_image_free);
  img = uctr_layout_resolve (layout, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&img, uctr_layout_image_free);
  {
    g_autofree char *by_digest = g_strndup (strstr (m, "sha256:"), 71);

    img = uctr_layout_resolve (layout, by_digest, &error);
    g_assert_no_error (error);
  }
  /* The layer streams, checked as it does. */
  fd = uctr_layout_open_blob (layout, g_ptr_array_index (img->manifest->layers, 0), &digester, &error);
  g_assert_cmpint (fd, >=, 0);
  n = read (fd, buf, sizeof buf);
  close (fd);
  g_assert_true (uctr_digester_update (digester, buf, n, NULL));
  g_assert_true (uctr_digester_finish (digester, "layer 0", &error));
  /* An unknown tag names those there are. */
  g_clear_pointer (&img, uctr_layout_image_free);
  img = uctr_layout_resolve (layout, "edge", &error);
  g_assert_null (img);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_NOT_FOUND);
  assert_error_says (error, "has no image \"edge\" (its tags: 3.20)");
}

/* A blob changed after the manifest named it: refused before it is parsed. */
static void
test_layout_tampered (Layout *l, gconstpointer data)
{
  g_autofree char *m = image (l, NULL);
  g_autoptr(UctrLayout) layout = NULL;
  g_autoptr(UctrLayoutImage) img = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) d = NULL;
  g_autofree char *blobs = g_build_filename (l->dir, "blobs", "sha256", NULL);
  const char *name;

  write_index (l, m);
  /* Every config-sized blob with a changed byte: the config is among them. */
  d = g_dir_open (blobs, 0, NULL);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (blobs, name, NULL);
      g_autofree char *text = NULL;

      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
      if (strstr (text, "\"Cmd\"") == NULL)
        continue;
      *strstr (text, "sh") = 'z';
      g_assert_true (g_file_set_contents (path, text, -1, NULL));
    }
  layout = uctr_layout_open (l->dir, &error);
  g_assert_no_error (error);
  img = uctr_layout_resolve (layout, NULL, &error);
  g_assert_null (img);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_IMAGE);
  assert_error_says (error, "does not match its digest");
}

/* A blob that is a symlink (to a host file) is never read. */
static void
test_layout_symlink (Layout *l, gconstpointer data)
{
  g_autofree char *m = image (l, NULL);
  g_autofree char *digest = NULL;
  g_autofree char *path = NULL;
  g_autoptr(UctrLayout) layout = NULL;
  g_autoptr(UctrLayoutImage) img = NULL;
  g_autoptr(GError) error = NULL;

  write_index (l, m);
  digest = g_strndup (strstr (m, "sha256:") + 7, 64);
  path = g_build_filename (l->dir, "blobs", "sha256", digest, NULL);
  g_assert_cmpint (unlink (path), ==, 0);
  g_assert_cmpint (symlink ("/etc/passwd", path), ==, 0);
  layout = uctr_layout_open (l->dir, &error);
  img = uctr_layout_resolve (layout, NULL, &error);
  g_assert_null (img);
  assert_error_says (error, "is a symlink");
}

static void
test_layout_bad (Layout *l, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UctrLayout) layout = NULL;
  g_autofree char *m1 = image (l, NULL);
  g_autofree char *m2 = NULL;
  g_autofree char *both = NULL;

  /* No index.json. */
  layout = uctr_layout_open (l->dir, &error);
  g_assert_null (layout);
  assert_error_says (error, "index.json");
  g_clear_error (&error);
  /* Two untagged images: which one? */
  m2 = blob (l, "application/vnd.oci.image.manifest.v1+json", "{}", NULL);
  both = g_strdup_printf ("%s,%s", m1, m2);
  write_index (l, both);
  layout = uctr_layout_open (l->dir, &error);
  g_assert_no_error (error);
  g_assert_null (uctr_layout_resolve (layout, NULL, &error));
  assert_error_says (error, "holds 2 images: name one with :TAG");
  g_clear_error (&error);
  /* Not a layout at all. */
  {
    g_autofree char *version = g_build_filename (l->dir, "oci-layout", NULL);
    g_assert_cmpint (unlink (version), ==, 0);
  }
  g_clear_pointer (&layout, uctr_layout_free);
  layout = uctr_layout_open (l->dir, &error);
  g_assert_null (layout);
  assert_error_says (error, "is not an OCI image layout");
}

/* --- references ------------------------------------------------------------ */

static void
test_references (void)
{
  static const struct
  {
    const char *text;
    const char *full; /* uctr_reference_to_string */
    gboolean short_name;
  } ok[] = {
    { "docker.io/library/alpine:3.20", "docker.io/library/alpine:3.20", FALSE },
    { "docker.io/alpine", "docker.io/library/alpine:latest", FALSE },
    { "docker://docker.io/nginx:alpine", "docker.io/library/nginx:alpine", FALSE },
    { "quay.io/podman/stable", "quay.io/podman/stable:latest", FALSE },
    { "localhost:5000/a/b/c:v1.2-rc_3", "localhost:5000/a/b/c:v1.2-rc_3", FALSE },
    { "localhost/x", "localhost/x:latest", FALSE },
    { "[::1]:5000/x:1", "[::1]:5000/x:1", FALSE },
    { "ghcr.io/o/r@" D1, "ghcr.io/o/r@" D1, FALSE },
    { "ghcr.io/o/r:t@" D1, "ghcr.io/o/r:t@" D1, FALSE },
    { "alpine", "alpine:latest", TRUE },
    { "alpine:3.20", "alpine:3.20", TRUE },
    { "my-org/my_app__x.y", "my-org/my_app__x.y:latest", TRUE },
  };
  static const struct
  {
    const char *text;
    const char *says;
  } bad[] = {
    { "Alpine", "repository names are lowercase" },
    { "docker.io/Library/x", "lowercase" },
    { "a..b", "not made of" },
    { "a-", "not made of" },
    { "x:", "its tag" },
    { "x:.hidden", "its tag" },
    { "x@sha256:abc", "64 lowercase hex" },
    { "bad_host.io:port/x", "its registry" },
    { "", "no name" },
    { "oci:", "names no directory" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(UctrReference) r = uctr_reference_parse (ok[i].text, &error);
      g_autofree char *full = NULL;

      g_assert_no_error (error);
      full = uctr_reference_to_string (r);
      g_assert_cmpstr (full, ==, ok[i].full);
      g_assert_cmpint (r->registry == NULL, ==, ok[i].short_name);
    }
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(UctrReference) r = uctr_reference_parse (bad[i].text, &error);

      g_assert_null (r);
      assert_error_says (error, bad[i].says);
    }
}

static void
test_transports (void)
{
  g_autoptr(UctrReference) a = uctr_reference_parse ("oci:/srv/layout:3.20", NULL);
  g_autoptr(UctrReference) b = uctr_reference_parse ("oci-archive:img.tar", NULL);
  g_autoptr(UctrReference) c = uctr_reference_parse ("docker-archive:saved.tar", NULL);
  g_autoptr(UctrReference) d = uctr_reference_parse ("containers-storage:alpine", NULL);

  g_assert_cmpint (a->kind, ==, UCTR_SOURCE_OCI_LAYOUT);
  g_assert_cmpstr (a->path, ==, "/srv/layout");
  g_assert_cmpstr (a->ref, ==, "3.20");
  g_assert_cmpint (b->kind, ==, UCTR_SOURCE_OCI_ARCHIVE);
  g_assert_cmpstr (b->path, ==, "img.tar");
  g_assert_null (b->ref);
  g_assert_cmpint (c->kind, ==, UCTR_SOURCE_DOCKER_ARCHIVE);
  g_assert_cmpint (d->kind, ==, UCTR_SOURCE_CONTAINERS_STORAGE);
  g_assert_cmpstr (d->path, ==, "alpine");
}

/* --- credentials ------------------------------------------------------------ */

static void
test_auth (void)
{
  g_autofree char *dir = g_dir_make_tmp ("uctr-auth-XXXXXX", NULL);
  g_autofree char *first = g_build_filename (dir, "auth.json", NULL);
  g_autofree char *second = g_build_filename (dir, "config.json", NULL);
  g_autofree char *missing = g_build_filename (dir, "none.json", NULL);
  g_autofree char *broken = g_build_filename (dir, "broken.json", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autofree char *alice = g_base64_encode ((const guchar *) "alice:pw:with:colons", 20);
  g_autofree char *bob = g_base64_encode ((const guchar *) "bob:hunter2", 11);
  g_autofree char *carol = g_base64_encode ((const guchar *) "carol:c", 7);
  g_autofree char *dave = g_base64_encode ((const guchar *) "dave:d", 6);
  g_autofree char *auth_json
      = g_strdup_printf ("{\"auths\":{\"quay.io\":{\"auth\":\"%s\"},\"quay.io/org/repo\":{\"auth\":\"%s\"},"
                         "\"https://localhost:5000/\":{\"auth\":\"%s\"},\"ghcr.io\":{}}}",
                         alice, bob, carol);
  g_autofree char *config_json
      = g_strdup_printf ("{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"%s\"}}}", dave);
  const char *const files[] = { missing, first, second, NULL };
  static const struct
  {
    const char *registry, *repository, *user, *password, *from;
  } cases[] = {
    { "quay.io", "org/repo", "bob", "hunter2", "auth.json" }, /* the most specific entry */
    { "quay.io", "org/other", "alice", "pw:with:colons", "auth.json" },
    { "localhost:5000", "x", "carol", "c", "auth.json" },          /* a key with a scheme and a "/" */
    { "docker.io", "library/alpine", "dave", "d", "config.json" }, /* Docker's name for the Hub */
    { "ghcr.io", "o/r", NULL, NULL, NULL },                        /* a helper's entry: nothing here */
    { "example.com", "x", NULL, NULL, NULL },
  };
  gsize i;

  g_assert_true (g_file_set_contents (first, auth_json, -1, NULL));
  g_assert_true (g_file_set_contents (second, config_json, -1, NULL));
  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *user = NULL, *password = NULL, *from = NULL;

      g_assert_true (
          uctr_auth_lookup (files, cases[i].registry, cases[i].repository, &user, &password, &from, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (user, ==, cases[i].user);
      g_assert_cmpstr (password, ==, cases[i].password);
      if (cases[i].from != NULL)
        g_assert_true (g_str_has_suffix (from, cases[i].from));
    }
  /* A file that is not JSON, an auth that is no base64 of USER:PASSWORD. */
  g_assert_true (g_file_set_contents (broken, "{not json", -1, NULL));
  {
    const char *const with_broken[] = { broken, NULL };
    g_autoptr(GError) error = NULL;
    g_autofree char *user = NULL, *password = NULL;

    g_assert_false (uctr_auth_lookup (with_broken, "quay.io", "x", &user, &password, NULL, &error));
    assert_error_says (error, "is not a JSON object");
  }
  g_assert_true (
      g_file_set_contents (broken, "{\"auths\":{\"quay.io\":{\"auth\":\"bm9jb2xvbg==\"}}}", -1, NULL));
  {
    const char *const with_broken[] = { broken, NULL };
    g_autoptr(GError) error = NULL;
    g_autofree char *user = NULL, *password = NULL;

    g_assert_false (uctr_auth_lookup (with_broken, "quay.io", "x", &user, &password, NULL, &error));
    assert_error_says (error, "is not base64 of USER:PASSWORD");
  }
  g_assert_cmpint (system (cmd), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/image/digest-parse", test_digest_parse);
  g_test_add_func ("/image/digester", test_digester);
  g_test_add_func ("/image/hash", test_hash);
  g_test_add_func ("/image/index", test_index);
  g_test_add_func ("/image/manifest", test_manifest);
  g_test_add_func ("/image/manifest-bad", test_manifest_bad);
  g_test_add_func ("/image/config", test_config);
  g_test_add_func ("/image/config-bad", test_config_bad);
  g_test_add_func ("/image/config-annotations", test_config_annotations);
  g_test_add_func ("/image/host-platform", test_host_platform);
  g_test_add_func ("/image/references", test_references);
  g_test_add_func ("/image/transports", test_transports);
  g_test_add_func ("/image/auth", test_auth);
  g_test_add ("/image/layout", Layout, NULL, layout_setup, test_layout, layout_teardown);
  g_test_add ("/image/layout-tampered", Layout, NULL, layout_setup, test_layout_tampered, layout_teardown);
  g_test_add ("/image/layout-symlink", Layout, NULL, layout_setup, test_layout_symlink, layout_teardown);
  g_test_add ("/image/layout-bad", Layout, NULL, layout_setup, test_layout_bad, layout_teardown);
  return g_test_run ();
}
