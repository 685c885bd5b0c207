/* Layers unpacked for overlayfs (image/unpack.c), from tars this test writes
   with libarchive: what each kind of entry becomes, whiteouts, and each
   trick of a hostile layer refused with nothing made outside the layer. */
#include "image/unpack.h"
#include "image/digest.h"
#include "base/util.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

typedef struct
{
  char *tmp;
  char *tar;     /* the layer */
  char *dir;     /* where it is unpacked */
  char *outside; /* what no layer may reach */
  int dirfd;
  struct archive *w;
  UctrUnpackReport report;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->tmp = g_dir_make_tmp ("uctr-unpack-XXXXXX", NULL);
  g_assert_nonnull (f->tmp);
  f->tar = g_build_filename (f->tmp, "layer.tar", NULL);
  f->dir = g_build_filename (f->tmp, "layer", NULL);
  f->outside = g_build_filename (f->tmp, "outside", NULL);
  g_assert_cmpint (g_mkdir (f->dir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (f->outside, 0755), ==, 0);
  f->dirfd = open (f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  g_assert_cmpint (f->dirfd, >=, 0);
  f->w = archive_write_new ();
  archive_write_set_format_pax_restricted (f->w);
  if (g_strcmp0 (data, "gzip") == 0)
    archive_write_add_filter_gzip (f->w);
  else if (g_strcmp0 (data, "zstd") == 0)
    archive_write_add_filter_zstd (f->w);
  g_assert_cmpint (archive_write_open_filename (f->w, f->tar), ==, ARCHIVE_OK);
  memset (&f->report, 0, sizeof f->report);
}

static void
remove_tree (const char *path)
{
  g_autofree char *cmd = g_strdup_printf ("chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", path, path);

  (void) system (cmd);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->w != NULL)
    archive_write_free (f->w);
  close (f->dirfd);
  remove_tree (f->tmp);
  g_free (f->tmp);
  g_free (f->tar);
  g_free (f->dir);
  g_free (f->outside);
}

/* One entry: TYPE (AE_IF*), MODE, for a file its DATA, for a link its TARGET. */
static struct archive_entry *
entry (const char *path, mode_t type, mode_t mode)
{
  struct archive_entry *e = archive_entry_new ();

  archive_entry_set_pathname (e, path);
  archive_entry_set_filetype (e, type);
  archive_entry_set_perm (e, mode);
  archive_entry_set_mtime (e, 1000000000, 0);
  return e;
}

static void
put (Fixture *f, struct archive_entry *e, const char *data)
{
  archive_entry_set_size (e, data != NULL ? (la_int64_t) strlen (data) : 0);
  g_assert_cmpint (archive_write_header (f->w, e), ==, ARCHIVE_OK);
  if (data != NULL)
    g_assert_cmpint (archive_write_data (f->w, data, strlen (data)), ==, (la_ssize_t) strlen (data));
  archive_entry_free (e);
}

static void
add_file (Fixture *f, const char *path, mode_t mode, const char *data)
{
  put (f, entry (path, AE_IFREG, mode), data);
}

static void
add_dir (Fixture *f, const char *path, mode_t mode)
{
  put (f, entry (path, AE_IFDIR, mode), NULL);
}

static void
add_symlink (Fixture *f, const char *path, const char *target)
{
  struct archive_entry *e = entry (path, AE_IFLNK, 0777);

  archive_entry_set_symlink (e, target);
  put (f, e, NULL);
}

static void
add_hardlink (Fixture *f, const char *path, const char *target)
{
  struct archive_entry *e = entry (path, AE_IFREG, 0644);

  archive_entry_set_hardlink (e, target);
  put (f, e, NULL);
}

/* Closes the tar and unpacks it: TRUE, or FALSE with ERROR. */
static gboolean
unpack (Fixture *f, GError **error)
{
  UctrUnpackOptions opts = { .chown = FALSE, .userxattr = TRUE };
  uctr_autofd int fd = -1;

  g_assert_cmpint (archive_write_close (f->w), ==, ARCHIVE_OK);
  archive_write_free (f->w);
  f->w = NULL;
  fd = open (f->tar, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  return uctr_unpack_layer (fd, f->dirfd, &opts, &f->report, error);
}

static char *
in_layer (Fixture *f, const char *rel)
{
  return g_build_filename (f->dir, rel, NULL);
}

static char *
read_text (const char *path)
{
  char *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) ? text : NULL;
}

static void
assert_refused (Fixture *f, const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) d = NULL;

  g_assert_false (unpack (f, &error));
  g_assert_nonnull (error);
  if (strstr (error->message, message) == NULL)
    g_error ("\"%s\" does not say \"%s\"", error->message, message);
  /* Nothing reached the directory outside the layer. */
  d = g_dir_open (f->outside, 0, NULL);
  g_assert_null (g_dir_read_name (d));
}

/* --- what each entry becomes ------------------------------------------------- */

static void
test_kinds (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = in_layer (f, "etc/motd");
  g_autofree char *deep = in_layer (f, "usr/lib/x/y");
  g_autofree char *link = in_layer (f, "bin/sh");
  g_autofree char *hard = in_layer (f, "etc/motd2");
  g_autofree char *ro = in_layer (f, "ro");
  g_autofree char *setuid = in_layer (f, "bin/su");
  g_autofree char *text = NULL;
  char target[64] = { 0 };
  struct stat st, st2;

  add_dir (f, "./", 0755);
  add_dir (f, "etc", 0755);
  add_file (f, "./etc/motd", 0640, "hello\n");
  add_file (f, "/usr/lib/x/y", 0644, "deep\n"); /* parents the tar leaves out; an absolute name */
  add_symlink (f, "bin/sh", "/bin/busybox");
  add_hardlink (f, "etc/motd2", "etc/motd");
  add_file (f, "bin/su", 04755, "su\n");
  add_dir (f, "ro", 0555);
  add_file (f, "ro/inside", 0444, "in a read-only directory\n");
  put (f, entry ("run/fifo", AE_IFIFO, 0600), NULL);
  g_assert_true (unpack (f, &error));
  g_assert_no_error (error);

  text = read_text (file);
  g_assert_cmpstr (text, ==, "hello\n");
  g_assert_cmpint (stat (file, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0640);
  g_assert_cmpint (st.st_mtim.tv_sec, ==, 1000000000);
  g_assert_cmpint (stat (hard, &st2), ==, 0);
  g_assert_cmpint (st.st_ino, ==, st2.st_ino);
  g_clear_pointer (&text, g_free);
  text = read_text (deep);
  g_assert_cmpstr (text, ==, "deep\n");
  g_assert_cmpint (readlink (link, target, sizeof target - 1), ==, strlen ("/bin/busybox"));
  g_assert_cmpstr (target, ==, "/bin/busybox");
  g_assert_cmpint (stat (setuid, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 04755);
  /* The directory's mode came last: the file in it was made first. */
  g_assert_cmpint (stat (ro, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0555);
  g_assert_cmpint (st.st_mtim.tv_sec, ==, 1000000000);
  g_assert_cmpint (stat (f->dir, &st), ==, 0);
  g_assert_cmpint (st.st_mtim.tv_sec, ==, 1000000000);
  g_clear_pointer (&text, g_free);
  text = in_layer (f, "run/fifo");
  g_assert_cmpint (lstat (text, &st), ==, 0);
  g_assert_true (S_ISFIFO (st.st_mode));
}

/* A later entry of the same name replaces an earlier one, of any kind. */
static void
test_replaced (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a = in_layer (f, "a");
  g_autofree char *b = in_layer (f, "b");
  g_autofree char *text = NULL;
  struct stat st;

  add_file (f, "a", 0644, "first\n");
  add_file (f, "a", 0644, "second\n");
  add_dir (f, "b", 0755);
  add_file (f, "b/x", 0644, "x\n");
  add_file (f, "b", 0600, "now a file\n");
  g_assert_true (unpack (f, &error));
  text = read_text (a);
  g_assert_cmpstr (text, ==, "second\n");
  g_assert_cmpint (lstat (b, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
}

static void
test_whiteouts (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *gone = in_layer (f, "etc/gone");
  g_autofree char *opaque = in_layer (f, "var/cache");
  char value[8] = { 0 };
  struct stat st;

  add_dir (f, "etc", 0755);
  add_file (f, "etc/.wh.gone", 0644, NULL);
  add_dir (f, "var/cache", 0755);
  add_file (f, "var/cache/.wh..wh..opq", 0644, NULL);
  add_file (f, "var/cache/new", 0644, "new\n");
  add_file (f, ".wh..wh.plnk", 0644, NULL); /* aufs bookkeeping: nothing */
  g_assert_true (unpack (f, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lstat (gone, &st), ==, 0);
  g_assert_true (S_ISCHR (st.st_mode));
  g_assert_cmpint (major (st.st_rdev), ==, 0);
  g_assert_cmpint (minor (st.st_rdev), ==, 0);
  g_assert_cmpint (getxattr (opaque, "user.overlay.opaque", value, sizeof value), ==, 1);
  g_assert_cmpstr (value, ==, "y");
  g_free (gone);
  gone = in_layer (f, ".wh..wh.plnk");
  g_assert_cmpint (lstat (gone, &st), ==, -1);
}

/* Users' xattrs and file capabilities are kept; overlayfs's own, which
   would change what the lower layers show, never. */
static void
test_xattrs (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = in_layer (f, "f");
  struct archive_entry *e = entry ("f", AE_IFREG, 0644);
  char value[16] = { 0 };

  archive_entry_xattr_add_entry (e, "user.note", "kept", 4);
  archive_entry_xattr_add_entry (e, "user.overlay.redirect", "/etc", 4);
  archive_entry_xattr_add_entry (e, "trusted.overlay.opaque", "y", 1);
  put (f, e, "x");
  g_assert_true (unpack (f, &error));
  g_assert_cmpint (getxattr (file, "user.note", value, sizeof value), ==, 4);
  g_assert_cmpstr (value, ==, "kept");
  g_assert_cmpint (getxattr (file, "user.overlay.redirect", value, sizeof value), ==, -1);
  /* pax keeps each xattr twice (LIBARCHIVE.xattr and SCHILY.xattr). */
  g_assert_cmpuint (f->report.xattrs_skipped, >=, 2);
}

/* Owners as the layer says: ours here; another's needs the user namespace
   the layer is unpacked in, and without it the error names the entry. */
static void
test_owners (Fixture *f, gconstpointer data)
{
  UctrUnpackOptions opts = { .chown = TRUE, .userxattr = TRUE };
  g_autoptr(GError) error = NULL;
  struct archive_entry *e = entry ("mine", AE_IFREG, 0600);
  uctr_autofd int fd = -1;

  archive_entry_set_uid (e, getuid ());
  archive_entry_set_gid (e, getgid ());
  put (f, e, "x");
  e = entry ("theirs", AE_IFREG, 0600);
  archive_entry_set_uid (e, getuid () + 4242);
  archive_entry_set_gid (e, getgid () + 4242);
  put (f, e, "y");
  g_assert_cmpint (archive_write_close (f->w), ==, ARCHIVE_OK);
  fd = open (f->tar, O_RDONLY | O_CLOEXEC);
  if (getuid () == 0)
    {
      g_assert_true (uctr_unpack_layer (fd, f->dirfd, &opts, &f->report, &error));
      return;
    }
  g_assert_false (uctr_unpack_layer (fd, f->dirfd, &opts, &f->report, &error));
  g_assert_nonnull (strstr (error->message, "layer entry \"theirs\": setting its owner"));
}

/* The blob checked against its descriptor as it is read, all of it. */
static void
test_digest (Fixture *f, gconstpointer data)
{
  g_autofree char *contents = NULL;
  g_autofree char *digest = NULL;
  gsize len;
  int i;

  add_file (f, "a", 0644, "a\n");
  g_assert_cmpint (archive_write_close (f->w), ==, ARCHIVE_OK);
  g_assert_true (g_file_get_contents (f->tar, &contents, &len, NULL));
  digest = uctr_digest_of (contents, len);
  for (i = 0; i < 4; i++)
    {
      UctrUnpackOptions opts = { .digest = digest, .size = (gint64) len };
      g_autoptr(GError) error = NULL;
      uctr_autofd int fd = open (f->tar, O_RDONLY | O_CLOEXEC);
      gboolean ok;

      if (i == 1)
        opts.digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
      else if (i == 2)
        opts.size = (gint64) len - 512; /* the blob is longer than it says */
      else if (i == 3)
        opts.size = (gint64) len + 1; /* shorter */
      ok = uctr_unpack_layer (fd, f->dirfd, &opts, &f->report, &error);
      if (i == 0)
        {
          g_assert_no_error (error);
          continue;
        }
      g_assert_false (ok);
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_IMAGE);
      g_assert_nonnull (strstr (error->message, i == 1   ? "the layer does not match its digest"
                                                : i == 2 ? "more than the"
                                                         : "bytes where its descriptor says"));
    }
}

/* --- hostile layers ---------------------------------------------------------- */

static void
test_dotdot (Fixture *f, gconstpointer data)
{
  g_autofree char *escape = g_strdup_printf ("../outside/x");

  add_file (f, escape, 0644, "out\n");
  assert_refused (f, "\"..\" in its path would leave the layer");
}

static void
test_dotdot_inner (Fixture *f, gconstpointer data)
{
  add_dir (f, "a", 0755);
  add_file (f, "a/../../outside/x", 0644, "out\n");
  assert_refused (f, "\"..\" in its path would leave the layer");
}

/* A symlink to the outside, then a file through it. */
static void
test_through_symlink (Fixture *f, gconstpointer data)
{
  add_symlink (f, "evil", f->outside);
  add_file (f, "evil/x", 0644, "out\n");
  assert_refused (f, "a directory on its path is a symlink in the layer (never followed)");
}

/* The same with a relative symlink climbing out. */
static void
test_through_relative_symlink (Fixture *f, gconstpointer data)
{
  add_symlink (f, "up", "../outside");
  add_file (f, "up/x", 0644, "out\n");
  assert_refused (f, "never followed");
}

/* A hard link to a host file, absolute or climbing. */
static void
test_hardlink_host (Fixture *f, gconstpointer data)
{
  g_autofree char *host = g_build_filename (f->tmp, "host-file", NULL);

  g_assert_true (g_file_set_contents (host, "secret\n", -1, NULL));
  add_hardlink (f, "passwd", host);
  assert_refused (f, "a hard link to a file the layer does not have before it");
  /* Its lookup made nothing in the layer either. */
  {
    g_autoptr(GDir) d = g_dir_open (f->dir, 0, NULL);
    g_assert_null (g_dir_read_name (d));
  }
}

static void
test_hardlink_climbing (Fixture *f, gconstpointer data)
{
  add_hardlink (f, "passwd", "../host-file");
  assert_refused (f, "a hard link out of the layer");
}

static void
test_hardlink_through_symlink (Fixture *f, gconstpointer data)
{
  g_autofree char *target = g_build_filename (f->outside, "..", NULL);

  add_symlink (f, "l", target);
  add_hardlink (f, "x", "l/host-file");
  assert_refused (f, "never followed");
}

static void
test_hardlink_dir (Fixture *f, gconstpointer data)
{
  add_dir (f, "d", 0755);
  add_hardlink (f, "x", "d");
  assert_refused (f, "a hard link to a directory");
}

/* A whiteout through a symlink would remove a host file's name. */
static void
test_whiteout_through_symlink (Fixture *f, gconstpointer data)
{
  g_autofree char *victim = g_build_filename (f->outside, "keep", NULL);

  add_symlink (f, "w", f->outside);
  add_file (f, "w/.wh.keep", 0644, NULL);
  g_assert_true (g_file_set_contents (victim, "x", -1, NULL));
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (unpack (f, &error));
    g_assert_nonnull (strstr (error->message, "never followed"));
  }
  g_assert_true (g_file_test (victim, G_FILE_TEST_IS_REGULAR));
}

static void
test_truncated (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len;

  add_file (f, "big", 0644, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  add_file (f, "next", 0644, "n");
  g_assert_cmpint (archive_write_close (f->w), ==, ARCHIVE_OK);
  g_assert_true (g_file_get_contents (f->tar, &contents, &len, NULL));
  /* Cut in the middle of the first file's data. */
  g_assert_true (g_file_set_contents (f->tar, contents, 512 + 20, NULL));
  {
    UctrUnpackOptions opts = { 0 };
    uctr_autofd int fd = open (f->tar, O_RDONLY | O_CLOEXEC);

    g_assert_false (uctr_unpack_layer (fd, f->dirfd, &opts, &f->report, &error));
    g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_IMAGE);
  }
}

static void
test_entry_path (void)
{
  static const char *const cases[][2] = {
    { "a/b", "a/b" }, { "./a/b", "a/b" }, { "/a//b/", "a/b" }, { "././", "" },           { "a/./b/.", "a/b" },
    { "..", NULL },   { "a/../b", NULL }, { "/../etc", NULL }, { "a/..b/c", "a/..b/c" }, { "...", "..." },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = uctr_unpack_entry_path (cases[i][0]);
      g_assert_cmpstr (got, ==, cases[i][1]);
    }
}

#define ADD(name, fn) g_test_add ("/unpack/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/unpack/entry-path", test_entry_path);
  ADD ("kinds", test_kinds);
  g_test_add ("/unpack/kinds-gzip", Fixture, "gzip", fixture_setup, test_kinds, fixture_teardown);
  g_test_add ("/unpack/kinds-zstd", Fixture, "zstd", fixture_setup, test_kinds, fixture_teardown);
  ADD ("replaced", test_replaced);
  ADD ("whiteouts", test_whiteouts);
  ADD ("xattrs", test_xattrs);
  ADD ("owners", test_owners);
  ADD ("digest", test_digest);
  ADD ("hostile/dotdot", test_dotdot);
  ADD ("hostile/dotdot-inner", test_dotdot_inner);
  ADD ("hostile/through-symlink", test_through_symlink);
  ADD ("hostile/through-relative-symlink", test_through_relative_symlink);
  ADD ("hostile/hardlink-host", test_hardlink_host);
  ADD ("hostile/hardlink-climbing", test_hardlink_climbing);
  ADD ("hostile/hardlink-through-symlink", test_hardlink_through_symlink);
  ADD ("hostile/hardlink-dir", test_hardlink_dir);
  ADD ("hostile/whiteout-through-symlink", test_whiteout_through_symlink);
  ADD ("hostile/truncated", test_truncated);
  return g_test_run ();
}
