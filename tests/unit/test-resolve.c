/* Unit tests for resolve.c's uctr_resolve_upto: where a path stops
   existing inside a root, with openat2 and with the walk by hand. */
#include "base/resolve.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct
{
  char *dir;  /* the root: a temporary directory */
  int rootfd; /* O_PATH of it */
} Fixture;

/* root/a/b (directory), root/a/f (file), root/up -> a/../../.. (climbs),
   root/abs -> /a (absolute: inside the root), root/dangling -> /nosuch/x */
static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *b = NULL;
  g_autofree char *file = NULL;

  uctr_resolve_no_openat2 = GPOINTER_TO_INT (data);
  f->dir = g_dir_make_tmp ("uctr-test-resolve-XXXXXX", &error);
  g_assert_no_error (error);
  b = g_build_filename (f->dir, "a", "b", NULL);
  g_assert_cmpint (g_mkdir_with_parents (b, 0755), ==, 0);
  file = g_build_filename (f->dir, "a", "f", NULL);
  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  f->rootfd = open (f->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  g_assert_cmpint (f->rootfd, >=, 0);
  g_assert_cmpint (symlinkat ("a/../../..", f->rootfd, "up"), ==, 0);
  g_assert_cmpint (symlinkat ("/a", f->rootfd, "abs"), ==, 0);
  g_assert_cmpint (symlinkat ("/nosuch/x", f->rootfd, "dangling"), ==, 0);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  close (f->rootfd);
  uctr_test_rm_rf (f->dir);
  g_free (f->dir);
  uctr_resolve_no_openat2 = 0;
}

/* The path of FD relative to the root ("" for the root itself). */
static char *
where (Fixture *f, int fd)
{
  g_autofree char *link = g_strdup_printf ("/proc/self/fd/%d", fd);
  g_autofree char *target = g_file_read_link (link, NULL);
  size_t len = strlen (f->dir);

  g_assert_nonnull (target);
  g_assert_true (strncmp (target, f->dir, len) == 0);
  return g_strdup (target + len);
}

/* Looks PATH up; checks the directory reached, the missing name and LAST. */
static void
check_upto (Fixture *f, const char *path, const char *dir, const char *missing, int last)
{
  char name[NAME_MAX + 1] = "junk";
  int got_last = -1;
  int fd = uctr_resolve_upto (f->rootfd, path, 0, name, &got_last);
  g_autofree char *reached = NULL;

  g_assert_cmpint (fd, >=, 0);
  reached = where (f, fd);
  close (fd);
  g_assert_cmpstr (reached, ==, dir);
  g_assert_cmpstr (name, ==, missing);
  g_assert_cmpint (got_last, ==, last);
}

static void
test_found (Fixture *f, gconstpointer data)
{
  check_upto (f, "/a/b", "/a/b", "", 0);
  check_upto (f, "/a/f", "/a/f", "", 0);
  check_upto (f, "/", "", "", 0);
  check_upto (f, "/abs/b", "/a/b", "", 0);
}

static void
test_missing (Fixture *f, gconstpointer data)
{
  check_upto (f, "/a/b/new", "/a/b", "new", 1);
  check_upto (f, "/a/new/deeper/still", "/a", "new", 0);
  check_upto (f, "/new", "", "new", 1);
  /* Through symlinks, the directory actually reached, inside the root. */
  check_upto (f, "/abs/new", "/a", "new", 1);
  check_upto (f, "/up/new/x", "", "new", 0);
}

/* PATH, looked up with FLAGS, fails with ERR. */
static void
check_fails (Fixture *f, const char *path, int flags, int err)
{
  char name[NAME_MAX + 1];
  int last;

  errno = 0;
  g_assert_cmpint (uctr_resolve_upto (f->rootfd, path, flags, name, &last), ==, -1);
  g_assert_cmpint (errno, ==, err);
}

static void
test_fails (Fixture *f, gconstpointer data)
{
  /* A component missing from a symlink's target is not the caller's to make. */
  check_fails (f, "/dangling/y", 0, ENOENT);
  check_fails (f, "/abs/new", UCTR_RESOLVE_NO_SYMLINKS, ELOOP);
  check_fails (f, "/a/f/new", 0, ENOTDIR);
}

#define ADD(path, fn)                                                                                        \
  do                                                                                                         \
    {                                                                                                        \
      g_test_add ("/resolve/upto/openat2/" path, Fixture, GINT_TO_POINTER (0), fixture_setup, fn,            \
                  fixture_teardown);                                                                         \
      g_test_add ("/resolve/upto/walk/" path, Fixture, GINT_TO_POINTER (1), fixture_setup, fn,               \
                  fixture_teardown);                                                                         \
    }                                                                                                        \
  while (0)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD ("found", test_found);
  ADD ("missing", test_missing);
  ADD ("fails", test_fails);

  return g_test_run ();
}
