/* The image store's layers (store/store.c, store/helper.c): unpacked in a
   user namespace for a user, so the owners land in their subordinate range
   as podman's do; once per digest; crash debris removed; a bad blob leaves
   nothing. This binary is its own `__store-helper` (the store runs
   /proc/self/exe). Rootless it needs the caller's /etc/subuid range and
   newuidmap, as tests/check gives uctr-test. */
#include "store/store.h"
#include "store/helper.h"
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
  gsize n = 0;

  while (g_dir_read_name (d) != NULL)
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
  uctr_autofd int layers_fd = open (layers, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  uctr_autofd int debris = -1;
  uctr_autofd int fd = open_layer (f, "layer.tar.gz");
  uctr_autofd int fd2 = open_layer (f, "layer.tar.gz");

  g_assert_cmpint (mkdirat (layers_fd, ".tmp-killed", 0755), ==, 0);
  debris = openat (layers_fd, ".tmp-killed", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  g_assert_true (uctr_store_unpack (fd, debris, NULL, -1, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (uctr_store_add_layer (f->store, fd2, digest, size, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_entries (f), ==, 1);
}

int
main (int argc, char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "__store-helper") == 0)
    return uctr_store_helper_main (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/store/add", Fixture, NULL, fixture_setup, test_add, fixture_teardown);
  g_test_add ("/store/refused", Fixture, NULL, fixture_setup, test_refused, fixture_teardown);
  g_test_add ("/store/debris", Fixture, NULL, fixture_setup, test_debris, fixture_teardown);
  return g_test_run ();
}
