/* Unit tests for state.c: ids, the state root, container dirs, state.json, status, OCI state JSON. */
#include "runtime/state.h"
#include "base/json.h"
#include "base/util.h"
#include "testutil.h"

#include <fcntl.h>
#include <grp.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

typedef struct
{
  char *dir; /* a temporary state root */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("uctr-test-state-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  uctr_test_rm_rf (f->dir);
  g_free (f->dir);
}

static UctrState *
sample_state (const char *id, pid_t pid, guint64 start_time)
{
  UctrState *s = g_new0 (UctrState, 1);

  s->id = g_strdup (id);
  s->pid = pid;
  s->pid_start_time = start_time;
  s->bundle = g_strdup ("/home/alice/bundle");
  s->rootfs = g_strdup ("/home/alice/bundle/rootfs");
  s->created = g_strdup ("2024-01-02T03:04:05.123456789Z");
  s->owner = g_strdup ("alice");
  return s;
}

static void
add_annotation (UctrState *s, const char *key, const char *value)
{
  guint n = s->annotation_keys != NULL ? g_strv_length (s->annotation_keys) : 0;

  if (s->annotations == NULL)
    s->annotations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_replace (s->annotations, g_strdup (key), g_strdup (value));
  s->annotation_keys = g_renew (char *, s->annotation_keys, n + 2);
  s->annotation_keys[n] = g_strdup (key);
  s->annotation_keys[n + 1] = NULL;
}

static int
create_dir (Fixture *f, const char *id)
{
  g_autoptr(GError) error = NULL;
  int dfd = uctr_state_create_dir (f->dir, id, &error);

  g_assert_no_error (error);
  g_assert_cmpint (dfd, >=, 0);
  return dfd;
}

static void
test_validate_id (void)
{
  static const char *const good[] = { "a", "abc", "A-1.2_3+x", "0", "_x", "-x", ".hidden", "a..b" };
  static const char *const bad[] = { "", ".", "..", "a/b", "a b", "a\nb", "caf\xc3\xa9", "a:b", "a,b", "/" };
  g_autofree char *long_id = g_strnfill (1025, 'a');
  g_autofree char *max_id = g_strnfill (1024, 'a');
  g_autoptr(GError) error = NULL;
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_assert_true (uctr_state_validate_id (good[i], &error));
      g_assert_no_error (error);
    }
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (uctr_state_validate_id (bad[i], &error));
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
  g_assert_true (uctr_state_validate_id (max_id, NULL));
  g_assert_false (uctr_state_validate_id (long_id, NULL));
  g_assert_false (uctr_state_validate_id (NULL, NULL));

  g_assert_false (uctr_state_validate_id ("a/b", &error));
  g_assert_cmpstr (error->message, ==,
                   "invalid container id \"a/b\": use letters, digits, '_', '+', '-' and '.'");
}

static void
test_root_option (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *rel = NULL;
  g_autofree char *root = NULL;
  g_autofree char *expected = g_build_filename (f->dir, "a", "b", NULL);
  struct stat st;

  g_assert_cmpint (g_chdir (f->dir), ==, 0);
  rel = g_build_filename ("a", "b", NULL);
  root = uctr_state_root (rel, &error);
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  g_assert_no_error (error);
  /* made absolute, so a later chdir does not move it */
  g_assert_cmpstr (root, ==, expected);
  g_assert_cmpint (stat (root, &st), ==, 0);
  g_assert_true (S_ISDIR (st.st_mode));
  g_assert_cmpint (st.st_mode & 07777, ==, 0700);
}

static void
test_root_not_a_directory (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = g_build_filename (f->dir, "file", NULL);
  g_autofree char *root = NULL;

  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  root = uctr_state_root (file, &error);
  g_assert_null (root);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, file));
}

static void
test_root_not_ours (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *other = g_build_filename (f->dir, "other", NULL);
  g_autofree char *root = NULL;

  if (geteuid () != 0)
    {
      g_test_skip ("needs root to give a directory away");
      return;
    }
  g_assert_cmpint (g_mkdir (other, 0700), ==, 0);
  g_assert_cmpint (chown (other, 65534, 65534), ==, 0);
  root = uctr_state_root (other, &error);
  g_assert_null (root);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_UNTRUSTED);
  g_assert_nonnull (strstr (error->message, other));
  g_assert_nonnull (strstr (error->message, "belongs to uid 65534"));
}

static void
test_root_xdg (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = g_strdup (g_getenv ("XDG_RUNTIME_DIR"));
  g_autofree char *root = NULL;
  g_autofree char *expected = g_build_filename (f->dir, "uctr", NULL);

  if (geteuid () == 0 && !uctr_running_in_userns ())
    {
      g_test_skip ("root does not follow XDG_RUNTIME_DIR");
      return;
    }
  g_setenv ("XDG_RUNTIME_DIR", f->dir, TRUE);
  root = uctr_state_root (NULL, &error);
  if (saved != NULL)
    g_setenv ("XDG_RUNTIME_DIR", saved, TRUE);
  else
    g_unsetenv ("XDG_RUNTIME_DIR");
  g_assert_no_error (error);
  g_assert_cmpstr (root, ==, expected);
  g_assert_true (g_file_test (expected, G_FILE_TEST_IS_DIR));
}

/* --root through a symlink: what is used (and was checked) is where it leads. */
static void
test_root_symlink (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *real = g_build_filename (f->dir, "real", NULL);
  g_autofree char *link = g_build_filename (f->dir, "link", NULL);
  g_autofree char *root = NULL;

  g_assert_cmpint (g_mkdir (real, 0700), ==, 0);
  g_assert_cmpint (symlink (real, link), ==, 0);
  root = uctr_state_root (link, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (root, ==, real);

  g_assert_cmpint (chmod (real, 0777), ==, 0);
  g_clear_pointer (&root, g_free);
  root = uctr_state_root (link, &error);
  g_assert_null (root);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_UNTRUSTED);
  g_assert_nonnull (strstr (error->message, real));
}

/* Without XDG_RUNTIME_DIR an ordinary user gets told what to pass. As root
   the check runs in a child that has become nobody. */
static void
check_root_unset (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;

  g_unsetenv ("XDG_RUNTIME_DIR");
  root = uctr_state_root (NULL, &error);
  g_assert_null (root);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==,
                   "XDG_RUNTIME_DIR is not set; pass --root DIR (for example --root /tmp/uctr-$(id -u))");
}

static void
test_root_unset (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("XDG_RUNTIME_DIR"));
  int status = 0;
  pid_t pid;

  if (geteuid () != 0)
    {
      check_root_unset ();
      if (saved != NULL)
        g_setenv ("XDG_RUNTIME_DIR", saved, TRUE);
      return;
    }
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      if (setgroups (0, NULL) < 0 || setresgid (65534, 65534, 65534) < 0
          || setresuid (65534, 65534, 65534) < 0)
        _exit (2);
      check_root_unset ();
      _exit (0);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
}

static void
test_create_and_open (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  uctr_autofd int dfd = create_dir (f, "c1");
  uctr_autofd int again = -1;
  uctr_autofd int opened = -1;
  uctr_autofd int missing = -1;
  uctr_autofd int invalid = -1;
  g_autofree char *path = g_build_filename (f->dir, "c1", NULL);
  struct stat st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0700);
  g_assert_cmpint (fcntl (dfd, F_GETFD), ==, FD_CLOEXEC);

  again = uctr_state_create_dir (f->dir, "c1", &error);
  g_assert_cmpint (again, ==, -1);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_EXISTS);
  g_assert_cmpstr (error->message, ==, "container c1 already exists");
  g_clear_error (&error);

  opened = uctr_state_open_dir (f->dir, "c1", &error);
  g_assert_no_error (error);
  g_assert_cmpint (opened, >=, 0);

  missing = uctr_state_open_dir (f->dir, "nope", &error);
  g_assert_cmpint (missing, ==, -1);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "container nope does not exist");
  g_clear_error (&error);

  invalid = uctr_state_open_dir (f->dir, "../c1", &error);
  g_assert_cmpint (invalid, ==, -1);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_ARGUMENT);
}

static void
test_open_symlink_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *link = g_build_filename (f->dir, "link", NULL);
  uctr_autofd int fd = -1;

  g_assert_cmpint (symlink ("/", link), ==, 0);
  fd = uctr_state_open_dir (f->dir, "link", &error);
  g_assert_cmpint (fd, ==, -1);
  g_assert_nonnull (error);
}

/* 0 when a forked child gets the lock on FD, 1 when it is held elsewhere. */
static int
lock_attempt_in_child (int fd)
{
  int status = 0;
  pid_t pid = fork ();

  if (pid == 0)
    {
      struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
      _exit (fcntl (fd, F_SETLK, &fl) == 0 ? 0 : (errno == EAGAIN || errno == EACCES) ? 1 : 2);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static void
test_lock (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  uctr_autofd int dfd = create_dir (f, "c1");
  uctr_autofd int lock = uctr_state_lock (dfd, &error);
  uctr_autofd int other = -1;
  struct stat st;

  g_assert_no_error (error);
  g_assert_cmpint (lock, >=, 0);
  g_assert_cmpint (fstatat (dfd, "lock", &st, 0), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  other = openat (dfd, "lock", O_RDWR | O_CLOEXEC);
  g_assert_cmpint (other, >=, 0);
  /* Another process cannot take it while we hold it... */
  g_assert_cmpint (lock_attempt_in_child (other), ==, 1);
  /* ...and a child forked while it is held (the container init) does not keep it. */
  uctr_close_fdp (&lock);
  g_assert_cmpint (lock_attempt_in_child (other), ==, 0);
}

static void
test_save_load (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  uctr_autofd int dfd = create_dir (f, "c1");
  g_autoptr(UctrState) s = sample_state ("c1", 1234, G_GUINT64_CONSTANT (123456789012));
  g_autoptr(UctrState) loaded = NULL;
  struct stat st;

  add_annotation (s, "zeta", "1");
  add_annotation (s, "alpha", "two \"quoted\"");
  s->creating = TRUE;
  g_assert_true (uctr_state_save (dfd, s, &error));
  g_assert_no_error (error);
  g_assert_cmpint (fstatat (dfd, "state.json", &st, 0), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);

  loaded = uctr_state_load (dfd, &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);
  g_assert_cmpstr (loaded->id, ==, "c1");
  g_assert_cmpint (loaded->pid, ==, 1234);
  g_assert_cmpuint (loaded->pid_start_time, ==, G_GUINT64_CONSTANT (123456789012));
  g_assert_cmpstr (loaded->bundle, ==, s->bundle);
  g_assert_cmpstr (loaded->rootfs, ==, s->rootfs);
  g_assert_cmpstr (loaded->created, ==, s->created);
  g_assert_cmpstr (loaded->owner, ==, "alice");
  g_assert_true (loaded->creating);
  g_assert_cmpuint (g_hash_table_size (loaded->annotations), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (loaded->annotations, "alpha"), ==, "two \"quoted\"");
  g_assert_nonnull (loaded->annotation_keys);
  g_assert_cmpstr (loaded->annotation_keys[0], ==, "zeta");
  g_assert_cmpstr (loaded->annotation_keys[1], ==, "alpha");
  g_assert_null (loaded->annotation_keys[2]);
  g_assert_null (loaded->cgroup_path);
  g_assert_null (loaded->cgroup_unit);
  g_assert_null (loaded->cgroup_note);

  /* the container's cgroup, kept for pause, update, events and delete */
  s->cgroup_path = g_strdup ("/sys/fs/cgroup/user.slice/uctr-c1");
  s->cgroup_unit = g_strdup ("uctr-c1.scope");
  s->cgroup_note = g_strdup ("why \"none\"");
  g_assert_true (uctr_state_save (dfd, s, &error));
  g_clear_pointer (&loaded, uctr_state_free);
  loaded = uctr_state_load (dfd, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->cgroup_path, ==, s->cgroup_path);
  g_assert_cmpstr (loaded->cgroup_unit, ==, s->cgroup_unit);
  g_assert_cmpstr (loaded->cgroup_note, ==, s->cgroup_note);

  /* saving again replaces the file */
  s->creating = FALSE;
  g_assert_true (uctr_state_save (dfd, s, &error));
  g_clear_pointer (&loaded, uctr_state_free);
  loaded = uctr_state_load (dfd, &error);
  g_assert_no_error (error);
  g_assert_false (loaded->creating);
}

static void
test_load_start_time_string (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  uctr_autofd int dfd = create_dir (f, "c1");
  g_autoptr(UctrState) loaded = NULL;
  const char *text
      = "{\"id\":\"c1\",\"pid\":7,\"pid_start_time\":\"18446744073709551615\",\"bundle\":\"/b\"}";

  g_assert_true (uctr_write_file_atomic_at (dfd, "state.json", text, strlen (text), 0600, &error));
  loaded = uctr_state_load (dfd, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->pid_start_time, ==, G_MAXUINT64);
  g_assert_cmpstr (loaded->rootfs, ==, "");
  g_assert_cmpstr (loaded->owner, ==, "");
  g_assert_false (loaded->creating);
  g_assert_null (loaded->annotations);
}

/* What someone else could have written is not read: a state.json others
   can write, a symlink in place of config.json. */
static void
test_load_untrusted (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  uctr_autofd int dfd = create_dir (f, "c1");
  g_autoptr(UctrState) s = sample_state ("c1", 1, 1);
  g_autoptr(UctrState) loaded = NULL;
  g_autofree char *text = NULL;

  g_assert_true (uctr_state_save (dfd, s, &error));
  g_assert_cmpint (fchmodat (dfd, "state.json", 0666, 0), ==, 0);
  loaded = uctr_state_load (dfd, &error);
  g_assert_null (loaded);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_UNTRUSTED);
  g_assert_true (g_str_has_prefix (error->message, "container c1: "));
  g_assert_nonnull (strstr (error->message, "state.json can be written by others (mode 0666)"));
  g_clear_error (&error);

  g_assert_cmpint (symlinkat ("state.json", dfd, "config.json"), ==, 0);
  g_assert_false (uctr_state_read_file (dfd, "config.json", 65536, &text, NULL, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_UNTRUSTED);
  g_assert_nonnull (strstr (error->message, "config.json is a symbolic link"));
}

static void
assert_load_fails (int dfd, const char *contents, const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UctrState) loaded = NULL;

  if (contents != NULL)
    g_assert_true (uctr_write_file_atomic_at (dfd, "state.json", contents, strlen (contents), 0600, NULL));
  loaded = uctr_state_load (dfd, &error);
  g_assert_null (loaded);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "container c1: state.json is "));
  g_assert_nonnull (strstr (error->message, what));
  g_assert_true (g_str_has_suffix (error->message, "; \"uctr delete --force c1\" removes it"));
}

static void
test_load_errors (Fixture *f, gconstpointer data)
{
  uctr_autofd int dfd = create_dir (f, "c1");
  g_autoptr(UctrState) s = sample_state ("c1", 1, 1);
  g_autofree char *good = NULL;
  g_autofree char *truncated = NULL;
  gsize len = 0;

  assert_load_fails (dfd, NULL, "missing (a create was interrupted?)");
  g_assert_true (uctr_state_save (dfd, s, NULL));
  g_assert_true (uctr_read_file_at (dfd, "state.json", 65536, &good, &len, NULL));
  truncated = g_strndup (good, len / 2);
  assert_load_fails (dfd, truncated, "corrupt: ");
  assert_load_fails (dfd, "", "corrupt: not a JSON object");
  assert_load_fails (dfd, "[1,2]", "corrupt: not a JSON object");
  assert_load_fails (dfd, "{not json", "corrupt: ");
  assert_load_fails (dfd, "{\"pid\":1,\"bundle\":\"/b\"}", "corrupt: \"id\" is missing");
  assert_load_fails (dfd, "{\"id\":\"c1\",\"pid\":\"x\",\"bundle\":\"/b\"}",
                     "corrupt: \"pid\" is not a number");
  assert_load_fails (dfd, "{\"id\":\"c1\",\"pid\":-1,\"bundle\":\"/b\"}", "corrupt: \"pid\" is not a number");
  assert_load_fails (dfd, "{\"id\":1,\"pid\":1,\"bundle\":\"/b\"}", "corrupt: \"id\" has the wrong type");
  assert_load_fails (dfd, "{\"id\":\"c1\",\"pid\":1,\"bundle\":\"/b\",\"annotations\":{\"a\":1}}",
                     "corrupt: \"annotations.a\" is not a string");
}

static void
test_status_live (Fixture *f, gconstpointer data)
{
  uctr_autofd int dfd = create_dir (f, "c1");
  g_autoptr(UctrState) s = sample_state ("c1", getpid (), uctr_proc_start_time (getpid ()));

  g_assert_cmpuint (s->pid_start_time, >, 0);
  g_assert_cmpint (uctr_state_status (dfd, s), ==, UCTR_STATUS_RUNNING);
  s->creating = TRUE;
  g_assert_cmpint (uctr_state_status (dfd, s), ==, UCTR_STATUS_CREATING);
  s->creating = FALSE;
  g_assert_cmpint (mkfifoat (dfd, "exec.fifo", 0600), ==, 0);
  g_assert_cmpint (uctr_state_status (dfd, s), ==, UCTR_STATUS_CREATED);
  /* a recycled pid: same number, another start time */
  s->pid_start_time++;
  g_assert_cmpint (uctr_state_status (dfd, s), ==, UCTR_STATUS_STOPPED);
}

/* Paused is what the container's cgroup.freeze says, created or running. */
static void
test_status_paused (Fixture *f, gconstpointer data)
{
  uctr_autofd int dfd = create_dir (f, "c1");
  g_autoptr(UctrState) s = sample_state ("c1", getpid (), uctr_proc_start_time (getpid ()));
  g_autofree char *cg = g_build_filename (f->dir, "cg", NULL);
  g_autofree char *freeze = g_build_filename (cg, "cgroup.freeze", NULL);

  g_assert_cmpint (g_mkdir (cg, 0700), ==, 0);
  s->cgroup_path = g_strdup (cg);
  g_assert_true (g_file_set_contents (freeze, "0\n", -1, NULL));
  g_assert_cmpint (uctr_state_status (dfd, s), ==, UCTR_STATUS_RUNNING);
  g_assert_true (g_file_set_contents (freeze, "1\n", -1, NULL));
  g_assert_cmpint (uctr_state_status (dfd, s), ==, UCTR_STATUS_PAUSED);
  g_assert_cmpint (mkfifoat (dfd, "exec.fifo", 0600), ==, 0);
  g_assert_cmpint (uctr_state_status (dfd, s), ==, UCTR_STATUS_PAUSED);
  s->pid_start_time++;
  g_assert_cmpint (uctr_state_status (dfd, s), ==, UCTR_STATUS_STOPPED);
}

static void
test_status_no_pid (Fixture *f, gconstpointer data)
{
  uctr_autofd int dfd = create_dir (f, "c1");
  g_autoptr(UctrState) s = sample_state ("c1", 0, 0);

  g_assert_cmpint (uctr_state_status (dfd, s), ==, UCTR_STATUS_STOPPED);
  s->creating = TRUE;
  g_assert_cmpint (uctr_state_status (dfd, s), ==, UCTR_STATUS_CREATING);
}

static void
test_status_dead (Fixture *f, gconstpointer data)
{
  uctr_autofd int dfd = create_dir (f, "c1");
  g_autoptr(UctrState) s = NULL;
  int to_child[2];
  int status = 0;
  int i;
  pid_t pid;
  char c;

  g_assert_cmpint (pipe2 (to_child, O_CLOEXEC), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      close (to_child[1]);
      (void) read (to_child[0], &c, 1);
      _exit (0);
    }
  close (to_child[0]);
  /* allocated after the fork, so the child has nothing to leak */
  s = sample_state ("c1", pid, uctr_proc_start_time (pid));
  g_assert_cmpint (mkfifoat (dfd, "exec.fifo", 0600), ==, 0);
  g_assert_cmpint (uctr_state_status (dfd, s), ==, UCTR_STATUS_CREATED);

  /* it exits but is not reaped yet: a zombie is stopped */
  close (to_child[1]);
  for (i = 0; i < 5000 && uctr_proc_state (pid) != 'Z'; i++)
    g_usleep (1000);
  g_assert_cmpint (uctr_proc_state (pid), ==, 'Z');
  g_assert_cmpint (uctr_state_status (dfd, s), ==, UCTR_STATUS_STOPPED);

  /* reaped: gone */
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_cmpint (uctr_state_status (dfd, s), ==, UCTR_STATUS_STOPPED);
}

static void
test_status_names (void)
{
  g_assert_cmpstr (uctr_status_name (UCTR_STATUS_CREATING), ==, "creating");
  g_assert_cmpstr (uctr_status_name (UCTR_STATUS_CREATED), ==, "created");
  g_assert_cmpstr (uctr_status_name (UCTR_STATUS_RUNNING), ==, "running");
  g_assert_cmpstr (uctr_status_name (UCTR_STATUS_PAUSED), ==, "paused");
  g_assert_cmpstr (uctr_status_name (UCTR_STATUS_STOPPED), ==, "stopped");
}

static void
test_to_json_pretty (void)
{
  g_autoptr(UctrState) s = sample_state ("c1", 4321, 1);
  g_autofree char *running = NULL;
  g_autofree char *stopped = NULL;

  add_annotation (s, "zeta", "1");
  add_annotation (s, "alpha", "x<y");
  running = uctr_state_to_json (s, UCTR_STATUS_RUNNING, TRUE);
  /* what `runc state` prints: Go's key order, sorted annotations, Go escaping */
  g_assert_cmpstr (running, ==,
                   "{\n"
                   "  \"ociVersion\": \"" UCTR_OCI_VERSION "\",\n"
                   "  \"id\": \"c1\",\n"
                   "  \"pid\": 4321,\n"
                   "  \"status\": \"running\",\n"
                   "  \"bundle\": \"/home/alice/bundle\",\n"
                   "  \"rootfs\": \"/home/alice/bundle/rootfs\",\n"
                   "  \"created\": \"2024-01-02T03:04:05.123456789Z\",\n"
                   "  \"annotations\": {\n"
                   "    \"alpha\": \"x\\u003cy\",\n"
                   "    \"zeta\": \"1\"\n"
                   "  },\n"
                   "  \"owner\": \"alice\"\n"
                   "}");

  g_clear_pointer (&s->annotations, g_hash_table_unref);
  stopped = uctr_state_to_json (s, UCTR_STATUS_STOPPED, TRUE);
  g_assert_cmpstr (stopped, ==,
                   "{\n"
                   "  \"ociVersion\": \"" UCTR_OCI_VERSION "\",\n"
                   "  \"id\": \"c1\",\n"
                   "  \"pid\": 0,\n"
                   "  \"status\": \"stopped\",\n"
                   "  \"bundle\": \"/home/alice/bundle\",\n"
                   "  \"rootfs\": \"/home/alice/bundle/rootfs\",\n"
                   "  \"created\": \"2024-01-02T03:04:05.123456789Z\",\n"
                   "  \"owner\": \"alice\"\n"
                   "}");
}

static void
test_to_json_compact (void)
{
  g_autoptr(UctrState) s = sample_state ("c1", 4321, 1);
  g_autofree char *json = NULL;

  g_free (s->owner);
  s->owner = g_strdup ("a\"b\\c\n\t\x01\xff");
  json = uctr_state_to_json (s, UCTR_STATUS_CREATED, FALSE);
  g_assert_cmpstr (json, ==,
                   "{\"ociVersion\":\"" UCTR_OCI_VERSION
                   "\",\"id\":\"c1\",\"pid\":4321,\"status\":\"created\","
                   "\"bundle\":\"/home/alice/bundle\",\"rootfs\":\"/home/alice/bundle/rootfs\","
                   "\"created\":\"2024-01-02T03:04:05.123456789Z\",\"owner\":"
                   "\"a\\\"b\\\\c\\n\\t\\u0001\\ufffd\"}");
}

static void
test_to_json_node (void)
{
  static const char *const keys[]
      = { "ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner" };
  g_autoptr(UctrState) s = sample_state ("c1", 4321, 1);
  g_autoptr(json_object) obj = NULL;
  json_object *value;
  gsize i = 0;

  /* uctr's own bookkeeping stays out of the OCI state */
  s->cgroup_path = g_strdup ("/sys/fs/cgroup/x");
  s->cgroup_note = g_strdup ("none");
  obj = uctr_state_to_json_node (s, UCTR_STATUS_STOPPED);
  g_assert_true (json_object_is_type (obj, json_type_object));

  json_object_object_foreach (obj, key, member)
    {
      (void) member;
      g_assert_cmpuint (i, <, G_N_ELEMENTS (keys));
      g_assert_cmpstr (key, ==, keys[i]);
      i++;
    }
  g_assert_cmpuint (i, ==, G_N_ELEMENTS (keys));
  value = uctr_json_member (obj, "pid");
  g_assert_true (json_object_is_type (value, json_type_int));
  g_assert_cmpint (json_object_get_int64 (value), ==, 0);
  value = uctr_json_member (obj, "ociVersion");
  g_assert_true (json_object_is_type (value, json_type_string));
  g_assert_cmpstr (json_object_get_string (value), ==, UCTR_OCI_VERSION);
}

static void
make_dir_at (const char *root, const char *name)
{
  g_autofree char *path = g_build_filename (root, name, NULL);
  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
}

static void
test_list_ids (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = g_build_filename (f->dir, "afile", NULL);
  g_autofree char *link = g_build_filename (f->dir, "alink", NULL);
  g_autofree char *missing_root = g_build_filename (f->dir, "missing", NULL);
  g_auto(GStrv) ids = NULL;
  g_auto(GStrv) none = NULL;
  g_auto(GStrv) empty = NULL;

  empty = uctr_state_list_ids (f->dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (empty);
  g_assert_null (empty[0]);

  make_dir_at (f->dir, "b");
  make_dir_at (f->dir, "a");
  make_dir_at (f->dir, "c.1");
  make_dir_at (f->dir, "B");
  make_dir_at (f->dir, "bad name");
  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  g_assert_cmpint (symlink ("/", link), ==, 0);

  ids = uctr_state_list_ids (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (ids), ==, 4);
  g_assert_cmpstr (ids[0], ==, "B");
  g_assert_cmpstr (ids[1], ==, "a");
  g_assert_cmpstr (ids[2], ==, "b");
  g_assert_cmpstr (ids[3], ==, "c.1");

  none = uctr_state_list_ids (missing_root, &error);
  g_assert_no_error (error);
  g_assert_nonnull (none);
  g_assert_null (none[0]);
}

static void
bind_socket_at (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  uctr_autofd int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpuint (strlen (path), <, sizeof addr.sun_path);
  strcpy (addr.sun_path, path);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
}

static void
test_remove_dir (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UctrState) s = sample_state ("c1", 1, 1);
  g_autofree char *path = g_build_filename (f->dir, "c1", NULL);
  g_autofree char *sock = g_build_filename (path, "port.sock", NULL);
  g_autofree char *target = g_build_filename (f->dir, "outside", NULL);
  g_autofree char *target_file = g_build_filename (target, "keep", NULL);
  g_autofree char *link = g_build_filename (path, "link", NULL);
  g_autofree char *subdir = g_build_filename (path, "empty", NULL);
  uctr_autofd int dfd = create_dir (f, "c1");
  uctr_autofd int lock = uctr_state_lock (dfd, &error);

  g_assert_no_error (error);
  g_assert_true (uctr_state_save (dfd, s, &error));
  g_assert_cmpint (mkfifoat (dfd, "exec.fifo", 0600), ==, 0);
  bind_socket_at (sock);
  /* a symlink inside is removed, never followed */
  make_dir_at (f->dir, "outside");
  g_assert_true (g_file_set_contents (target_file, "x", 1, NULL));
  g_assert_cmpint (symlink (target, link), ==, 0);
  g_assert_cmpint (g_mkdir (subdir, 0700), ==, 0);

  g_assert_true (uctr_state_remove_dir (f->dir, "c1", &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (target_file, G_FILE_TEST_EXISTS));

  /* gone already: fine */
  g_assert_true (uctr_state_remove_dir (f->dir, "c1", &error));
  g_assert_no_error (error);
}

static void
test_open_pidfd (void)
{
  g_autoptr(UctrState) s = sample_state ("c1", getpid (), uctr_proc_start_time (getpid ()));
  uctr_autofd int fd = uctr_state_open_pidfd (s);
  int fd2;

  if (fd < 0 && errno == ENOSYS)
    {
      g_test_skip ("pidfd_open is not available (old kernel, or valgrind)");
      return;
    }
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (fcntl (fd, F_GETFD), ==, FD_CLOEXEC);
  s->pid_start_time++;
  fd2 = uctr_state_open_pidfd (s);
  g_assert_cmpint (fd2, ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
  s->pid = 0;
  g_assert_cmpint (uctr_state_open_pidfd (s), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
}

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/state/id/validate", test_validate_id);
  ADD ("/state/root/option", test_root_option);
  ADD ("/state/root/not-a-directory", test_root_not_a_directory);
  ADD ("/state/root/not-ours", test_root_not_ours);
  ADD ("/state/root/xdg", test_root_xdg);
  ADD ("/state/root/symlink", test_root_symlink);
  g_test_add_func ("/state/root/unset", test_root_unset);
  ADD ("/state/dir/create-and-open", test_create_and_open);
  ADD ("/state/dir/symlink-refused", test_open_symlink_refused);
  ADD ("/state/dir/lock", test_lock);
  ADD ("/state/file/save-load", test_save_load);
  ADD ("/state/file/start-time-string", test_load_start_time_string);
  ADD ("/state/file/errors", test_load_errors);
  ADD ("/state/file/untrusted", test_load_untrusted);
  ADD ("/state/status/live", test_status_live);
  ADD ("/state/status/no-pid", test_status_no_pid);
  ADD ("/state/status/dead", test_status_dead);
  ADD ("/state/status/paused", test_status_paused);
  g_test_add_func ("/state/status/names", test_status_names);
  g_test_add_func ("/state/json/pretty", test_to_json_pretty);
  g_test_add_func ("/state/json/compact", test_to_json_compact);
  g_test_add_func ("/state/json/node", test_to_json_node);
  ADD ("/state/list", test_list_ids);
  ADD ("/state/remove", test_remove_dir);
  g_test_add_func ("/state/pidfd", test_open_pidfd);

  return g_test_run ();
}
