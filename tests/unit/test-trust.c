/* Unit tests for trust.c: which state roots and which files in them uctr uses. */
#include "base/trust.h"
#include "base/util.h"
#include "testutil.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct
{
  char *dir; /* a temporary directory of ours, 0700, in the sticky /tmp */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("uctr-test-trust-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  uctr_test_rm_rf (f->dir);
  g_free (f->dir);
}

/* F->dir/NAME made with MODE exactly (whatever the umask). */
static char *
make_dir (Fixture *f, const char *name, mode_t mode)
{
  char *path = g_build_filename (f->dir, name, NULL);

  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
  g_assert_cmpint (chmod (path, mode), ==, 0);
  return path;
}

static void
test_root_modes (Fixture *f, gconstpointer data)
{
  static const mode_t refused[] = { 0777, 0770, 0702, 01777 };
  static const mode_t fine[] = { 0700, 0750, 0755 };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *name = g_strdup_printf ("r%o", refused[i]);
      g_autofree char *root = make_dir (f, name, refused[i]);
      g_autofree char *fix = g_strdup_printf ("; run chmod 700 %s", root);

      g_assert_false (uctr_trust_check_root (root, &error));
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_UNTRUSTED);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "can be written by others"));
      g_assert_true (g_str_has_suffix (error->message, fix));
    }
  for (i = 0; i < G_N_ELEMENTS (fine); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *name = g_strdup_printf ("f%o", fine[i]);
      g_autofree char *root = make_dir (f, name, fine[i]);

      g_assert_true (uctr_trust_check_root (root, &error));
      g_assert_no_error (error);
    }
}

static void
test_root_parents (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *open_parent = make_dir (f, "open", 0777);
  g_autofree char *sticky_parent = make_dir (f, "sticky", 01777);
  g_autofree char *below_open = g_build_filename (open_parent, "root", NULL);
  g_autofree char *below_sticky = g_build_filename (sticky_parent, "root", NULL);

  g_assert_cmpint (g_mkdir (below_open, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (below_sticky, 0700), ==, 0);

  g_assert_false (uctr_trust_check_root (below_open, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_UNTRUSTED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "which others can write (mode 0777)"));
  g_assert_nonnull (strstr (error->message, open_parent));
  g_clear_error (&error);

  /* others cannot rename what is ours in a sticky directory */
  g_assert_true (uctr_trust_check_root (below_sticky, &error));
  g_assert_no_error (error);
}

static void
test_make_root (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *open_parent = make_dir (f, "open", 0777);
  g_autofree char *refused = g_build_filename (open_parent, "a", "root", NULL);
  g_autofree char *refused_a = g_build_filename (open_parent, "a", NULL);
  g_autofree char *made = g_build_filename (f->dir, "b", "root", NULL);
  g_autofree char *made_b = g_build_filename (f->dir, "b", NULL);
  struct stat st;

  g_assert_false (uctr_trust_make_root (refused, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_UNTRUSTED);
  g_assert_false (g_file_test (refused_a, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  g_assert_true (uctr_trust_make_root (made, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stat (made_b, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0700);
  g_assert_cmpint (stat (made, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0700);
  /* an existing root is left as it is */
  g_assert_true (uctr_trust_make_root (made, &error));
  g_assert_no_error (error);
}

static void
test_open_root_not_followed (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *real = make_dir (f, "real", 0700);
  g_autofree char *link = g_build_filename (f->dir, "link", NULL);
  uctr_autofd int fd = -1;

  g_assert_cmpint (symlink (real, link), ==, 0);
  fd = uctr_trust_open_root (link, &error);
  g_assert_cmpint (fd, ==, -1);
  g_assert_nonnull (strstr (error->message, "is not a directory"));
}

/* openat NAME in F->dir; the error's code, or -1 when it opened. */
static int
open_code (Fixture *f, const char *name, int flags, mode_t type, UctrTrustMode mode, GQuark *domain)
{
  g_autoptr(GError) error = NULL;
  uctr_autofd int dfd = open (f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  uctr_autofd int fd = uctr_trust_openat (dfd, name, name, flags, type, mode, &error);

  if (fd >= 0)
    return -1;
  g_test_message ("%s: %s", name, error->message);
  *domain = error->domain;
  return error->code;
}

static void
test_openat (Fixture *f, gconstpointer data)
{
  g_autofree char *file = g_build_filename (f->dir, "file", NULL);
  g_autofree char *open_file = g_build_filename (f->dir, "open-file", NULL);
  g_autofree char *link = g_build_filename (f->dir, "link", NULL);
  g_autofree char *fifo = g_build_filename (f->dir, "fifo", NULL);
  g_autofree char *made = g_build_filename (f->dir, "made", NULL);
  GQuark domain = 0;
  struct stat st;

  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  g_assert_cmpint (chmod (file, 0600), ==, 0);
  g_assert_true (g_file_set_contents (open_file, "x", 1, NULL));
  g_assert_cmpint (chmod (open_file, 0666), ==, 0);
  g_assert_cmpint (symlink (file, link), ==, 0);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (chmod (fifo, 0622), ==, 0);

  g_assert_cmpint (open_code (f, "file", O_RDONLY, S_IFREG, UCTR_TRUST_PRIVATE, &domain), ==, -1);
  g_assert_cmpint (open_code (f, "open-file", O_RDONLY, S_IFREG, UCTR_TRUST_PRIVATE, &domain), ==,
                   UCTR_ERROR_UNTRUSTED);
  g_assert_cmpint (open_code (f, "link", O_RDONLY, S_IFREG, UCTR_TRUST_PRIVATE, &domain), ==,
                   UCTR_ERROR_UNTRUSTED);
  g_assert_cmpint (domain, ==, UCTR_ERROR);
  /* a fifo where a file should be: refused, without blocking the open */
  g_assert_cmpint (open_code (f, "fifo", O_RDONLY, S_IFREG, UCTR_TRUST_PRIVATE, &domain), ==,
                   UCTR_ERROR_UNTRUSTED);
  g_assert_cmpint (open_code (f, "fifo", O_RDONLY, S_IFIFO, UCTR_TRUST_PRIVATE, &domain), ==,
                   UCTR_ERROR_UNTRUSTED);
  g_assert_cmpint (open_code (f, "fifo", O_RDONLY, S_IFIFO, UCTR_TRUST_SHARED, &domain), ==, -1);
  g_assert_cmpint (open_code (f, "missing", O_RDONLY, S_IFREG, UCTR_TRUST_PRIVATE, &domain), ==, ENOENT);
  g_assert_cmpint (domain, ==, UCTR_ERRNO_ERROR);

  g_assert_cmpint (open_code (f, "made", O_RDWR | O_CREAT, S_IFREG, UCTR_TRUST_PRIVATE, &domain), ==, -1);
  g_assert_cmpint (stat (made, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
}

/* Owned by another: needs root to give it away. */
static void
test_not_ours (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = make_dir (f, "other", 0700);
  g_autofree char *file = g_build_filename (f->dir, "theirs", NULL);
  GQuark domain = 0;

  if (geteuid () != 0)
    {
      g_test_skip ("needs root to give a directory away");
      return;
    }
  g_assert_cmpint (chown (root, 65534, 65534), ==, 0);
  g_assert_false (uctr_trust_check_root (root, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_UNTRUSTED);
  g_assert_nonnull (strstr (error->message, "belongs to uid 65534"));

  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  g_assert_cmpint (chmod (file, 0600), ==, 0);
  g_assert_cmpint (chown (file, 65534, 65534), ==, 0);
  g_assert_cmpint (open_code (f, "theirs", O_RDONLY, S_IFREG, UCTR_TRUST_PRIVATE, &domain), ==,
                   UCTR_ERROR_UNTRUSTED);
}

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/trust/root/modes", test_root_modes);
  ADD ("/trust/root/parents", test_root_parents);
  ADD ("/trust/root/make", test_make_root);
  ADD ("/trust/root/not-followed", test_open_root_not_followed);
  ADD ("/trust/openat", test_openat);
  ADD ("/trust/not-ours", test_not_ours);

  return g_test_run ();
}
