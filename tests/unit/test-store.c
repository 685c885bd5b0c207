/* The image store's layers (store/store.c, store/helper.c): unpacked in a
   user namespace for a user, so the owners land in their subordinate range
   as podman's do; once per digest; crash debris removed; a bad blob leaves
   nothing. This binary is its own `__store-helper` (the store runs
   /proc/self/exe). Rootless it needs the caller's /etc/subuid range and
   newuidmap, as tests/check gives uctr-test. */
#include "store/store.h"
#include "store/helper.h"
#include "store/pull.h"
#include "store/unpacker.h"
#include "store/images.h"
#include "image/manifest.h"
#include "image/digest.h"
#include "plan/idmap.h"
#include "base/util.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

typedef struct
{
  char *tmp;
  char *root;
  UctrStore *store;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->tmp = g_dir_make_tmp ("uctr-store-XXXXXX", NULL);
  f->root = g_build_filename (f->tmp, "storage", NULL);
  f->store = uctr_store_open (f->root, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cmd = NULL;
  uctr_autofd int fd = open (f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  /* Files of the subordinate ids go as they came: through the helper. */
  g_assert_true (uctr_store_remove (fd, "layers", &error));
  g_assert_no_error (error);
  uctr_store_free (f->store);
  cmd = g_strdup_printf ("rm -rf '%s'", f->tmp);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->tmp);
  g_free (f->root);
}

static void
entry (struct archive *w, const char *path, mode_t type, mode_t mode, guint id, const char *data)
{
  struct archive_entry *e = archive_entry_new ();

  archive_entry_set_pathname (e, path);
  archive_entry_set_filetype (e, type);
  archive_entry_set_perm (e, mode);
  archive_entry_set_uid (e, id);
  archive_entry_set_gid (e, id);
  archive_entry_set_size (e, data != NULL ? (la_int64_t) strlen (data) : 0);
  g_assert_cmpint (archive_write_header (w, e), ==, ARCHIVE_OK);
  if (data != NULL)
    archive_write_data (w, data, strlen (data));
  archive_entry_free (e);
}

/* A gzip layer in PATH; its digest and size. */
static char *
write_layer (Fixture *f, const char *name, gboolean hostile, gint64 *size)
{
  g_autofree char *path = g_build_filename (f->tmp, name, NULL);
  g_autofree char *contents = NULL;
  struct archive *w = archive_write_new ();
  gsize len;

  archive_write_set_format_pax_restricted (w);
  archive_write_add_filter_gzip (w);
  g_assert_cmpint (archive_write_open_filename (w, path), ==, ARCHIVE_OK);
  entry (w, "./", AE_IFDIR, 0755, 0, NULL);
  entry (w, "etc", AE_IFDIR, 0755, 0, NULL);
  entry (w, "etc/owned", AE_IFREG, 0600, 1000, "mine\n");
  entry (w, "etc/.wh.gone", AE_IFREG, 0644, 0, NULL);
  entry (w, "home/u", AE_IFDIR, 0700, 1000, NULL);
  entry (w, "home/u/secret", AE_IFREG, 0600, 1000, "s\n");
  entry (w, "var/.wh..wh..opq", AE_IFREG, 0644, 0, NULL);
  if (hostile)
    entry (w, "../escape", AE_IFREG, 0644, 0, "x");
  archive_write_close (w);
  archive_write_free (w);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  *size = (gint64) len;
  return uctr_digest_of (contents, len);
}

static int
open_layer (Fixture *f, const char *name)
{
  g_autofree char *path = g_build_filename (f->tmp, name, NULL);

  return open (path, O_RDONLY | O_CLOEXEC);
}

/* The host uid that container uid 1000 lands on: the range's 1000th id. */
static uid_t
host_id_of_1000 (void)
{
  struct passwd *pw = getpwuid (geteuid ());
  g_autoptr(GArray) ranges = NULL;

  if (geteuid () == 0)
    return 1000;
  ranges = uctr_idmap_lookup_subid ("/etc/subuid", pw->pw_name, geteuid (), NULL);
  if (ranges == NULL || ranges->len == 0)
    g_error ("%s has no range in /etc/subuid: tests/check as root gives uctr-test one", pw->pw_name);
  return g_array_index (ranges, UctrIdRange, 0).start + 999;
}

static void
test_add (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 size;
  g_autofree char *digest = write_layer (f, "layer.tar.gz", FALSE, &size);
  g_autofree char *dir = NULL;
  g_autofree char *owned = NULL;
  g_autofree char *gone = NULL;
  g_autofree char *var = NULL;
  const char *opaque = geteuid () == 0 ? "trusted.overlay.opaque" : "user.overlay.opaque";
  uctr_autofd int fd = open_layer (f, "layer.tar.gz");
  char value[4] = { 0 };
  struct stat st;

  g_assert_null (uctr_store_layer (f->store, digest));
  g_assert_true (uctr_store_add_layer (f->store, fd, digest, size, NULL, &error));
  g_assert_no_error (error);
  dir = uctr_store_layer (f->store, digest);
  g_assert_nonnull (dir);
  g_assert_true (g_str_has_suffix (dir, digest + 7));
  g_assert_null (strchr (strrchr (dir, '/'), ':'));
  /* Owners: container root is the caller, 1000 the range's 1000th id. */
  owned = g_build_filename (dir, "etc", "owned", NULL);
  g_assert_cmpint (lstat (owned, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, ==, host_id_of_1000 ());
  g_assert_cmpint (lstat (dir, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, ==, geteuid ());
  g_assert_cmpint (st.st_mode & 07777, ==, 0755);
  gone = g_build_filename (dir, "etc", "gone", NULL);
  g_assert_cmpint (lstat (gone, &st), ==, 0);
  g_assert_true (S_ISCHR (st.st_mode) && st.st_rdev == makedev (0, 0));
  var = g_build_filename (dir, "var", NULL);
  g_assert_cmpint (getxattr (var, opaque, value, sizeof value), ==, 1);
  /* Once per digest: the second add finds it. */
  close (fd);
  fd = open_layer (f, "layer.tar.gz");
  g_assert_true (uctr_store_add_layer (f->store, fd, digest, size, NULL, &error));
  /* And it goes, subordinate ids' 0700 directory included. */
  g_assert_true (uctr_store_remove_layer (f->store, digest, &error));
  g_assert_no_error (error);
  g_assert_null (uctr_store_layer (f->store, digest));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

static gsize
count_entries (Fixture *f)
{
  g_autofree char *layers = g_build_filename (f->root, "layers", NULL);
  g_autoptr(GDir) d = g_dir_open (layers, 0, NULL);
  const char *name;
  gsize n = 0;

  /* A layer's .size-NAME goes with it: the layers are what counts. */
  while ((name = g_dir_read_name (d)) != NULL)
    if (!g_str_has_prefix (name, ".size-"))
      n++;
  return n;
}

/* A blob that does not match, a hostile one: an error, and nothing left. */
static void
test_refused (Fixture *f, gconstpointer data)
{
  gint64 size;
  g_autofree char *digest = write_layer (f, "layer.tar.gz", FALSE, &size);
  g_autofree char *hostile_digest = NULL;
  const char *wrong = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

  {
    g_autoptr(GError) error = NULL;
    uctr_autofd int fd = open_layer (f, "layer.tar.gz");

    g_assert_false (uctr_store_add_layer (f->store, fd, wrong, size, NULL, &error));
    g_assert_nonnull (strstr (error->message, "does not match its digest"));
    g_assert_cmpuint (count_entries (f), ==, 0);
  }
  hostile_digest = write_layer (f, "hostile.tar.gz", TRUE, &size);
  {
    g_autoptr(GError) error = NULL;
    uctr_autofd int fd = open_layer (f, "hostile.tar.gz");

    g_assert_false (uctr_store_add_layer (f->store, fd, hostile_digest, size, NULL, &error));
    g_assert_nonnull (strstr (error->message, "would leave the layer"));
    g_assert_cmpuint (count_entries (f), ==, 0);
  }
}

/* What a killed unpack left (a temp with files of the subordinate ids) is
   gone after the next add. */
static void
test_debris (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 size;
  g_autofree char *digest = write_layer (f, "layer.tar.gz", FALSE, &size);
  g_autofree char *layers = g_build_filename (f->root, "layers", NULL);
  g_autofree char *name = uctr_store_layer_name (digest, NULL);
  g_autofree char *again = NULL;
  uctr_autofd int layers_fd = open (layers, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  uctr_autofd int fd = open_layer (f, "layer.tar.gz");
  uctr_autofd int fd2 = open_layer (f, "layer.tar.gz");

  /* A whole layer under a temp's name is what a kill before the rename leaves. */
  g_assert_true (uctr_store_add_layer (f->store, fd, digest, size, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (renameat (layers_fd, name, layers_fd, ".tmp-killed"), ==, 0);
  g_assert_null (uctr_store_layer (f->store, digest));
  g_assert_true (uctr_store_add_layer (f->store, fd2, digest, size, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_entries (f), ==, 1);
  again = uctr_store_layer (f->store, digest);
  g_assert_nonnull (again);
  /* "mine\n" and "s\n": the bytes of the files the unpack made. */
  g_assert_cmpint (uctr_store_layer_size (f->store, digest), ==, 7);
}

/* --- images: pulled from an OCI layout ------------------------------------ */

/* DATA as a blob of the layout LAYOUT; its descriptor as JSON. */
static char *
layout_blob (const char *layout, const char *type, const char *data, gsize len)
{
  g_autofree char *digest = uctr_digest_of (data, len);
  g_autofree char *dir = g_build_filename (layout, "blobs", "sha256", NULL);
  g_autofree char *path = g_build_filename (dir, digest + 7, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
  return g_strdup_printf ("{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu}", type, digest, len);
}

/* An OCI layout NAME in the fixture's directory with one image tagged TAG,
   of the layers LAYER_FILES (tar.gz files of the fixture). */
static char *
make_layout (Fixture *f, const char *name, const char *tag, const char *const *layer_files)
{
  g_autofree char *layout = g_build_filename (f->tmp, name, NULL);
  g_autoptr(GString) layers = g_string_new (NULL);
  g_autoptr(GString) diff_ids = g_string_new (NULL);
  g_autofree char *config_json = NULL;
  g_autofree char *config = NULL;
  g_autofree char *manifest_json = NULL;
  g_autofree char *manifest = NULL;
  g_autofree char *index = NULL;
  g_autofree char *version = g_build_filename (layout, "oci-layout", NULL);
  g_autofree char *index_path = g_build_filename (layout, "index.json", NULL);
  const char *os, *arch, *variant;
  guint i;

  uctr_image_host_platform (&os, &arch, &variant);
  for (i = 0; layer_files[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (f->tmp, layer_files[i], NULL);
      g_autofree char *data = NULL;
      g_autofree char *d = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      d = layout_blob (layout, "application/vnd.oci.image.layer.v1.tar+gzip", data, len);
      g_string_append_printf (layers, "%s%s", i > 0 ? "," : "", d);
      g_string_append_printf (diff_ids, "%s\"sha256:%064d\"", i > 0 ? "," : "", (int) i);
    }
  config_json = g_strdup_printf ("{\"os\":\"%s\",\"architecture\":\"%s\",\"config\":{\"Cmd\":[\"sh\"]},"
                                 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[%s]}}",
                                 os, arch, diff_ids->str);
  config
      = layout_blob (layout, "application/vnd.oci.image.config.v1+json", config_json, strlen (config_json));
  manifest_json
      = g_strdup_printf ("{\"schemaVersion\":2,\"config\":%s,\"layers\":[%s]}", config, layers->str);
  manifest = layout_blob (layout, "application/vnd.oci.image.manifest.v1+json", manifest_json,
                          strlen (manifest_json));
  manifest[strlen (manifest) - 1] = '\0';
  index = g_strdup_printf ("{\"schemaVersion\":2,\"manifests\":[%s,\"annotations\":{"
                           "\"org.opencontainers.image.ref.name\":\"%s\"}}]}",
                           manifest, tag);
  g_assert_true (g_file_set_contents (version, "{\"imageLayoutVersion\":\"1.0.0\"}", -1, NULL));
  g_assert_true (g_file_set_contents (index_path, index, -1, NULL));
  return g_steal_pointer (&layout);
}

static void
test_images (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 size;
  g_autofree char *base = write_layer (f, "base.tar.gz", FALSE, &size);
  const char *one[] = { "base.tar.gz", NULL };
  g_autofree char *layout = make_layout (f, "layout", "3.20", one);
  g_autoptr(GPtrArray) images = NULL;
  g_autoptr(UctrImageRecord) r = NULL;
  g_autofree char *config = NULL;
  g_autofree char *layer = NULL;
  gsize len;

  uctr_store_pull_layout (f->store, layout, "3.20", "oci:layout:3.20", NULL, &error);
  g_assert_no_error (error);
  images = uctr_store_list_images (f->store, &error);
  g_assert_cmpuint (images->len, ==, 1);
  r = uctr_store_find_image (f->store, "oci:layout:3.20", &error);
  g_assert_nonnull (r);
  g_assert_cmpstr (r->layers[0], ==, base);
  g_assert_cmpint (r->size, ==, size);
  layer = uctr_store_layer (f->store, base);
  g_assert_nonnull (layer);
  config = uctr_store_read_blob (f->store, r->config_digest, &len, &error);
  g_assert_nonnull (strstr (config, "\"Cmd\":[\"sh\"]"));
  /* By the id's first 12 hex digits too. */
  g_clear_pointer (&r, uctr_image_record_free);
  {
    g_autofree char *prefix = NULL;
    g_autoptr(UctrImageRecord) again = uctr_store_find_image (f->store, "oci:layout:3.20", NULL);

    prefix = g_strndup (strchr (again->manifest_digest, ':') + 1, 12);
    r = uctr_store_find_image (f->store, prefix, &error);
    g_assert_nonnull (r);
  }
  /* Pulled again under the same name: one record still. */
  g_assert_true (uctr_store_pull_layout (f->store, layout, NULL, "oci:layout:3.20", NULL, &error));
  g_clear_pointer (&images, g_ptr_array_unref);
  images = uctr_store_list_images (f->store, &error);
  g_assert_cmpuint (images->len, ==, 1);
  /* Removed: its layer and blobs go with it. */
  g_assert_true (uctr_store_remove_image (f->store, "oci:layout:3.20", &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (layer, G_FILE_TEST_EXISTS));
  g_assert_null (uctr_store_find_image (f->store, "oci:layout:3.20", &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_NOT_FOUND);
}

/* Two images sharing a layer: it is unpacked once and stays while one has it. */
static void
test_images_shared (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 size;
  g_autofree char *base = write_layer (f, "base.tar.gz", FALSE, &size);
  g_autofree char *second_path = g_build_filename (f->tmp, "top.tar.gz", NULL);
  const char *one[] = { "base.tar.gz", NULL };
  const char *two[] = { "base.tar.gz", "top.tar.gz", NULL };
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *layer = NULL;

  /* A second layer: another tar (a gzip of other bytes). */
  {
    struct archive *w = archive_write_new ();

    archive_write_set_format_pax_restricted (w);
    archive_write_add_filter_gzip (w);
    g_assert_cmpint (archive_write_open_filename (w, second_path), ==, ARCHIVE_OK);
    entry (w, "top", AE_IFREG, 0644, 0, "top\n");
    archive_write_close (w);
    archive_write_free (w);
  }
  a = make_layout (f, "a", "1", one);
  b = make_layout (f, "b", "1", two);
  g_assert_true (uctr_store_pull_layout (f->store, a, "1", "a", NULL, &error));
  g_assert_true (uctr_store_pull_layout (f->store, b, "1", "b", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_entries (f), ==, 2);
  layer = uctr_store_layer (f->store, base);
  g_assert_true (uctr_store_remove_image (f->store, "b", &error));
  g_assert_true (g_file_test (layer, G_FILE_TEST_IS_DIR));
  g_assert_cmpuint (count_entries (f), ==, 1);
  g_assert_true (uctr_store_remove_image (f->store, "a", &error));
  g_assert_cmpuint (count_entries (f), ==, 0);
}

/* A layer changed in the layout: the pull fails, no image is recorded. */
static void
test_images_tampered (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) images = NULL;
  gint64 size;
  g_autofree char *base = write_layer (f, "base.tar.gz", FALSE, &size);
  const char *one[] = { "base.tar.gz", NULL };
  g_autofree char *layout = make_layout (f, "layout", "t", one);
  g_autofree char *blob = g_build_filename (layout, "blobs", "sha256", base + 7, NULL);
  g_autofree char *other = g_build_filename (f->tmp, "other.tar.gz", NULL);
  g_autofree char *other_digest = write_layer (f, "other.tar.gz", TRUE, &size);
  g_autofree char *bytes = NULL;
  gsize len;

  /* Another layer's bytes under the first one's digest. */
  g_assert_true (g_file_get_contents (other, &bytes, &len, NULL));
  g_assert_true (g_file_set_contents (blob, bytes, (gssize) len, NULL));
  g_assert_false (uctr_store_pull_layout (f->store, layout, "t", "t", NULL, &error));
  g_assert_nonnull (error);
  images = uctr_store_list_images (f->store, NULL);
  g_assert_cmpuint (images->len, ==, 0);
  g_assert_cmpuint (count_entries (f), ==, 0);
}

int
main (int argc, char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "__store-helper") == 0)
    return uctr_store_helper_main (argc, argv, uctr_store_unpack_job);
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/store/add", Fixture, NULL, fixture_setup, test_add, fixture_teardown);
  g_test_add ("/store/refused", Fixture, NULL, fixture_setup, test_refused, fixture_teardown);
  g_test_add ("/store/debris", Fixture, NULL, fixture_setup, test_debris, fixture_teardown);
  g_test_add ("/store/images", Fixture, NULL, fixture_setup, test_images, fixture_teardown);
  g_test_add ("/store/images-shared", Fixture, NULL, fixture_setup, test_images_shared, fixture_teardown);
  g_test_add ("/store/images-tampered", Fixture, NULL, fixture_setup, test_images_tampered, fixture_teardown);
  return g_test_run ();
}
