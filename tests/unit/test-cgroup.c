/* Unit tests for cgroup.c and stats.c without root or a cgroup of one's own:
   the paths it computes, cgroup v2 found (or not) in mountinfo texts, and
   the file work done on a temporary directory standing for a cgroup (the
   kernel's files are made by the test, empty, as cgroupfs has them). */
#include "cgroup/cgroup.h"
#include "cgroup/mountinfo.h"
#include "cgroup/v1.h"
#include "cgroup/devfilter.h"
#include "cgroup/resources.h"
#include "cgroup/stats.h"
#include "base/json.h"
#include "base/util.h"
#include "testutil.h"

#include <glib/gstdio.h>
#include <linux/bpf.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

typedef struct
{
  char *dir; /* the fake cgroup */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("uctr-test-cgroup-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  uctr_test_rm_rf (f->dir);
  g_free (f->dir);
}

static void
put (const char *dir, const char *file, const char *text)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static char *
get (const char *dir, const char *file)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* --- finding cgroup v2, and where a container's cgroup goes ---------------- */

static void
test_find_mount (void)
{
  static const char hybrid[]
      = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n";
  static const char unified[]
      = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
        "35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 master:3 - cgroup2 cgroup2 "
        "rw,nsdelegate\n";
  static const char spaced[] = "41 31 0:38 / /mnt/cg\\040two rw - cgroup2 none rw\n";
  static const char v1[] = "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n";
  /* "cgroup2" as the source or a mount point is no cgroup2 file system. */
  static const char lookalike[] = "50 22 0:40 / /cgroup2 rw shared:2 - tmpfs cgroup2 rw\n";
  /* systemd --user's mount namespace on a hybrid host: a cgroup2 mounted
     over /sys/fs/cgroup hides the unified one below it. */
  static const char covered[]
      = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n"
        "90 31 0:38 /user.slice /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n";
  /* ... and a tmpfs over /sys/fs/cgroup hides every cgroup2 below it. */
  static const char hidden[]
      = "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n"
        "90 31 0:50 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw\n";
  /* A mount beside it ("/sys/fs/cgroup/unified2") hides nothing. */
  static const char beside[]
      = "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n"
        "90 31 0:50 / /sys/fs/cgroup/unified2 rw,relatime - tmpfs tmpfs rw\n";
  g_autofree char *a = uctr_cgroup_find_v2_mount (hybrid);
  g_autofree char *b = uctr_cgroup_find_v2_mount (spaced);
  g_autofree char *c = uctr_cgroup_find_v2_mount (v1);
  g_autofree char *d = uctr_cgroup_find_v2_mount (unified);
  g_autofree char *e = uctr_cgroup_find_v2_mount (lookalike);
  g_autofree char *empty = uctr_cgroup_find_v2_mount ("");
  g_autofree char *f = uctr_cgroup_find_v2_mount (covered);
  g_autofree char *g = uctr_cgroup_find_v2_mount (hidden);
  g_autofree char *h = uctr_cgroup_find_v2_mount (beside);

  g_assert_cmpstr (a, ==, "/sys/fs/cgroup/unified");
  g_assert_cmpstr (b, ==, "/mnt/cg two");
  g_assert_null (c);
  g_assert_cmpstr (d, ==, "/sys/fs/cgroup");
  g_assert_null (e);
  g_assert_null (empty);
  g_assert_cmpstr (f, ==, "/sys/fs/cgroup");
  g_assert_null (g);
  g_assert_cmpstr (h, ==, "/sys/fs/cgroup/unified");
}

static void
test_parse_proc (void)
{
  g_autofree char *a = uctr_cgroup_parse_proc ("9:name=systemd:/\n1:cpu:/\n0::/user.slice/x.scope\n");
  g_autofree char *b = uctr_cgroup_parse_proc ("0::/\n");
  g_autofree char *c = uctr_cgroup_parse_proc ("1:cpu:/\n");

  g_assert_cmpstr (a, ==, "/user.slice/x.scope");
  g_assert_cmpstr (b, ==, "/");
  g_assert_null (c);
}

static void
test_target (void)
{
  static const struct
  {
    const char *path;
    gboolean as_root;
    const char *target;
    const char *base;
  } cases[] = {
    { NULL, FALSE, "/cg/me/uctr-box", "/cg/me" },
    { NULL, TRUE, "/cg/uctr-box", "/cg" },
    { "", FALSE, "/cg/me/uctr-box", "/cg/me" },
    { "pods/a", FALSE, "/cg/me/pods/a", "/cg/me" },
    { "pods//a/", TRUE, "/cg/me/pods/a", "/cg/me" },
    { "/machine.slice/a", FALSE, "/cg/machine.slice/a", "/cg" },
    { "/a/./b", TRUE, "/cg/a/b", "/cg" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *base = NULL;
      g_autofree char *target
          = uctr_cgroup_target ("/cg", "/cg/me", cases[i].path, "box", cases[i].as_root, &base, NULL);

      g_test_message ("%s", cases[i].path != NULL ? cases[i].path : "(default)");
      g_assert_cmpstr (target, ==, cases[i].target);
      g_assert_cmpstr (base, ==, cases[i].base);
    }
}

static void
test_target_bad (void)
{
  static const char *const bad[] = { "../x", "/a/../../b", "/", "//", "///", "//.", ".", "a/.." };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) checked = NULL;
      g_autofree char *base = NULL;
      g_autofree char *target = uctr_cgroup_target ("/cg", "/cg/me", bad[i], "box", FALSE, &base, &error);

      g_test_message ("%s", bad[i]);
      g_assert_null (target);
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
      g_assert_nonnull (strstr (error->message, "linux.cgroupsPath"));
      /* create checks it alone, before anything runs. */
      g_assert_false (uctr_cgroup_check_path (bad[i], &checked));
      g_assert_cmpstr (checked->message, ==, error->message);
    }
  g_assert_true (uctr_cgroup_check_path (NULL, NULL));
  g_assert_true (uctr_cgroup_check_path ("", NULL));
  g_assert_true (uctr_cgroup_check_path ("a..b/..c", NULL));
}

/* --- a cgroup's files -------------------------------------------------------- */

static void
test_controllers (Fixture *f, gconstpointer data)
{
  g_auto(GStrv) none = uctr_cgroup_controllers (f->dir);
  g_auto(GStrv) some = NULL;

  g_assert_nonnull (none);
  g_assert_null (none[0]);
  put (f->dir, "cgroup.controllers", "cpuset cpu io memory pids\n");
  some = uctr_cgroup_controllers (f->dir);
  g_assert_cmpuint (g_strv_length (some), ==, 5);
  g_assert_cmpstr (some[0], ==, "cpuset");
  g_assert_cmpstr (some[4], ==, "pids");
}

static void
test_events (Fixture *f, gconstpointer data)
{
  g_assert_false (uctr_cgroup_populated (f->dir));
  g_assert_false (uctr_cgroup_is_frozen (f->dir));
  put (f->dir, "cgroup.events", "populated 1\nfrozen 0\n");
  put (f->dir, "cgroup.freeze", "0\n");
  g_assert_true (uctr_cgroup_populated (f->dir));
  g_assert_false (uctr_cgroup_is_frozen (f->dir));
  /* The key is matched whole. */
  put (f->dir, "cgroup.events", "populated_1 1\npopulated 0\n");
  g_assert_false (uctr_cgroup_populated (f->dir));
  put (f->dir, "cgroup.freeze", "1\n");
  g_assert_true (uctr_cgroup_is_frozen (f->dir));
}

/* freeze writes cgroup.freeze, then returns once cgroup.events says so
   (here at once: the fake kernel has done it already). */
static void
test_freeze (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *written = NULL;

  put (f->dir, "cgroup.freeze", "");
  put (f->dir, "cgroup.events", "populated 1\nfrozen 1\n");
  g_assert_true (uctr_cgroup_freeze (f->dir, TRUE, &error));
  g_assert_no_error (error);
  written = get (f->dir, "cgroup.freeze");
  g_assert_cmpstr (written, ==, "1");
}

static void
test_pids (Fixture *f, gconstpointer data)
{
  g_autofree char *child = g_build_filename (f->dir, "sub", NULL);
  g_autofree char *grandchild = g_build_filename (child, "leaf", NULL);
  g_autoptr(GArray) pids = NULL;
  g_autoptr(GArray) none = uctr_cgroup_pids (f->dir);
  pid_t sum = 0;
  guint i;

  g_assert_cmpuint (none->len, ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (grandchild, 0755), ==, 0);
  put (f->dir, "cgroup.procs", "12\n34\n");
  put (child, "cgroup.procs", "");
  put (grandchild, "cgroup.procs", "56\n");
  pids = uctr_cgroup_pids (f->dir);
  g_assert_cmpuint (pids->len, ==, 3);
  g_assert_cmpint (g_array_index (pids, pid_t, 0), ==, 12);
  g_assert_cmpint (g_array_index (pids, pid_t, 1), ==, 34);
  for (i = 0; i < pids->len; i++)
    sum += g_array_index (pids, pid_t, i);
  g_assert_cmpint (sum, ==, 12 + 34 + 56);
}

/* A child of the test that waits to be killed: the fake cgroup's process. */
static pid_t
spawn_sleeper (const char *dir)
{
  g_autofree char *text = NULL;
  pid_t pid = fork ();

  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      for (;;)
        pause ();
    }
  text = g_strdup_printf ("%d\n", (int) pid);
  put (dir, "cgroup.procs", text);
  return pid;
}

static void
test_kill_without_cgroup_kill (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  pid_t pid = spawn_sleeper (f->dir);
  int status = 0;

  /* Before 5.14 there is no cgroup.kill: each process gets SIGKILL. */
  g_assert_true (uctr_cgroup_kill (f->dir, &error));
  g_assert_no_error (error);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
}

static void
test_kill_with_cgroup_kill (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *written = NULL;
  pid_t pid = spawn_sleeper (f->dir);
  int status = 0;

  /* The kernel's own switch, when there is one: no signal from us. */
  put (f->dir, "cgroup.kill", "");
  g_assert_true (uctr_cgroup_kill (f->dir, &error));
  g_assert_no_error (error);
  written = get (f->dir, "cgroup.kill");
  g_assert_cmpstr (written, ==, "1");
  g_assert_cmpint (waitpid (pid, &status, WNOHANG), ==, 0);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
}

static void
test_remove (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cg = g_build_filename (f->dir, "uctr-box", NULL);
  g_autofree char *deep = g_build_filename (cg, "a", "b", NULL);
  g_autofree char *busy = g_build_filename (f->dir, "busy", NULL);

  /* A cgroup's own files go with rmdir: what is below is cgroups only. */
  g_assert_cmpint (g_mkdir_with_parents (deep, 0755), ==, 0);
  g_assert_true (uctr_cgroup_remove (cg, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (cg, G_FILE_TEST_EXISTS));
  g_assert_true (uctr_cgroup_wait_gone (cg, 0));
  /* Gone already: no error (delete after a failed create). */
  g_assert_true (uctr_cgroup_remove (cg, &error));
  g_assert_no_error (error);
  /* What cannot go is said, with the path. */
  g_assert_cmpint (g_mkdir (busy, 0755), ==, 0);
  put (busy, "file", "x");
  g_assert_false (uctr_cgroup_remove (busy, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, busy));
  g_assert_false (uctr_cgroup_wait_gone (busy, 20));
}

/* --- linux.resources written into a cgroup ------------------------------------ */

/* TEXT parsed, which must be JSON (owned by the caller). */
static json_object *
parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  json_object *root = NULL;

  uctr_json_parse (text, -1, UCTR_JSON_MAX_DEPTH, &root, &error);
  g_assert_no_error (error);
  return root;
}

static GPtrArray *
writes_of (const char *json)
{
  g_autoptr(json_object) root = parse_json (json);
  g_autoptr(GError) error = NULL;
  g_autoptr(UctrResources) r = NULL;
  GPtrArray *writes;

  r = uctr_resources_parse (root, "linux.resources", &error);
  g_assert_no_error (error);
  writes = uctr_resources_writes (r, "linux.resources", &error);
  g_assert_no_error (error);
  return writes;
}

static GPtrArray *
new_unapplied (void)
{
  return g_ptr_array_new_with_free_func (g_free);
}

static void
test_apply (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) writes = writes_of (
      "{\"pids\": {\"limit\": 30}, \"memory\": {\"limit\": 1048576}, \"cpu\": {\"shares\": 1024},"
      " \"blockIO\": {\"weight\": 100}}");
  g_autoptr(GPtrArray) unapplied = new_unapplied ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pids = NULL, *memory = NULL, *io = NULL;

  put (f->dir, "cgroup.controllers", "io memory pids\n");
  put (f->dir, "pids.max", "");
  put (f->dir, "memory.max", "");
  put (f->dir, "io.weight", "");
  g_assert_true (uctr_cgroup_apply (f->dir, writes, "linux.resources", unapplied, &error));
  g_assert_no_error (error);
  pids = get (f->dir, "pids.max");
  memory = get (f->dir, "memory.max");
  io = get (f->dir, "io.weight");
  g_assert_cmpstr (pids, ==, "30");
  g_assert_cmpstr (memory, ==, "1048576");
  g_assert_cmpstr (io, ==, "910");
  /* No cpu controller here: not applied, named by the member. */
  g_assert_cmpuint (unapplied->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (unapplied, 0), ==, "cpu.shares");
}

/* Where BFQ schedules, runc writes the weight as it is to io.bfq.weight. */
static void
test_apply_alt_file (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) writes = writes_of ("{\"blockIO\": {\"weight\": 100}}");
  g_autoptr(GError) error = NULL;
  g_autofree char *bfq = NULL, *io = NULL;

  put (f->dir, "cgroup.controllers", "io\n");
  put (f->dir, "io.weight", "");
  put (f->dir, "io.bfq.weight", "");
  g_assert_true (uctr_cgroup_apply (f->dir, writes, "linux.resources", NULL, &error));
  g_assert_no_error (error);
  bfq = get (f->dir, "io.bfq.weight");
  io = get (f->dir, "io.weight");
  g_assert_cmpstr (bfq, ==, "100");
  g_assert_cmpstr (io, ==, "");
}

/* The controller is there, its file is not (memory.swap.max without swap
   accounting): not applied, with the reason; a unified key's file is the
   user's own typo: an error. */
static void
test_apply_missing_file (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) swap = writes_of ("{\"memory\": {\"limit\": 1000, \"swap\": 3000}}");
  g_autoptr(GPtrArray) typo = writes_of ("{\"unified\": {\"memory.hgih\": \"1G\"}}");
  g_autoptr(GPtrArray) unapplied = new_unapplied ();
  g_autoptr(GError) error = NULL;
  g_autofree char *memory = NULL;

  put (f->dir, "cgroup.controllers", "memory\n");
  put (f->dir, "memory.max", "");
  g_assert_true (uctr_cgroup_apply (f->dir, swap, "linux.resources", unapplied, &error));
  g_assert_no_error (error);
  memory = get (f->dir, "memory.max");
  g_assert_cmpstr (memory, ==, "1000");
  g_assert_cmpuint (unapplied->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (unapplied, 0), ==, "memory.swap (this kernel has no memory.swap.max)");

  g_assert_false (uctr_cgroup_apply (f->dir, typo, "linux.resources", unapplied, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_FAILED);
  g_assert_nonnull (
      strstr (error->message, "linux.resources.unified.memory.hgih: writing \"1G\" to memory.hgih"));
}

static void
test_apply_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) writes = writes_of ("{\"pids\": {\"limit\": 30}}");
  g_autoptr(GError) error = NULL;
  g_autofree char *file = g_build_filename (f->dir, "pids.max", NULL);

  /* A write the kernel refuses (here EISDIR, for root too): an error that
     names the member, the value and the file. */
  put (f->dir, "cgroup.controllers", "pids\n");
  g_assert_cmpint (g_mkdir (file, 0755), ==, 0);
  g_assert_false (uctr_cgroup_apply (f->dir, writes, "update", NULL, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "update.pids.limit: writing \"30\" to pids.max: "));
  g_assert_nonnull (strstr (error->message, g_strerror (EISDIR)));
}

/* --- statistics ---------------------------------------------------------------- */

/* The node at PATH ("cpu.usage.total", "blkio.ioServicedRecursive.0.op"),
   or NULL. */
static json_object *
at (json_object *node, const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);
  guint i;

  for (i = 0; node != NULL && parts[i] != NULL; i++)
    {
      if (json_object_is_type (node, json_type_array))
        {
          gsize n = (gsize) g_ascii_strtoull (parts[i], NULL, 10);

          node = n < json_object_array_length (node) ? json_object_array_get_idx (node, n) : NULL;
        }
      else
        node = uctr_json_member (node, parts[i]);
    }
  return node;
}

static gint64
int_at (json_object *root, const char *path)
{
  json_object *n = at (root, path);

  if (n == NULL)
    g_error ("%s: missing", path);
  if (!json_object_is_type (n, json_type_int))
    g_error ("%s: not an integer", path);
  return json_object_get_int64 (n);
}

static const char *
string_at (json_object *root, const char *path)
{
  json_object *n = at (root, path);

  return json_object_is_type (n, json_type_string) ? json_object_get_string (n) : NULL;
}

/* The statistics of DIR, in TEXT and parsed (owned by the caller). */
static json_object *
parse_stats (const char *dir, char **text)
{
  *text = uctr_stats_json (dir);
  g_test_message ("%s", *text);
  return parse_json (*text);
}

static void
test_stats (void)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "fixtures", "cgroup-stats", NULL);
  g_autofree char *text = NULL;
  g_autoptr(json_object) root = parse_stats (dir, &text);
  static const char *const cpus[] = { "0", "1", "2", "5" };
  gsize i;

  /* cpu.stat: microseconds, reported in nanoseconds. */
  g_assert_cmpint (int_at (root, "cpu.usage.total"), ==, G_GINT64_CONSTANT (2500123000));
  g_assert_cmpint (int_at (root, "cpu.usage.kernel"), ==, G_GINT64_CONSTANT (500023000));
  g_assert_cmpint (int_at (root, "cpu.usage.user"), ==, G_GINT64_CONSTANT (2000100000));
  g_assert_cmpint (int_at (root, "cpu.throttling.periods"), ==, 40);
  g_assert_cmpint (int_at (root, "cpu.throttling.throttledPeriods"), ==, 3);
  g_assert_cmpint (int_at (root, "cpu.throttling.throttledTime"), ==, 71000000);
  /* cpuset.cpus.effective "0-2,5" */
  for (i = 0; i < G_N_ELEMENTS (cpus); i++)
    {
      g_autofree char *path = g_strdup_printf ("cpuset.cpus.%zu", i);
      g_assert_cmpint (int_at (root, path), ==, g_ascii_strtoll (cpus[i], NULL, 10));
    }
  g_assert_null (at (root, "cpuset.cpus.4"));
  g_assert_cmpint (int_at (root, "cpuset.mems.0"), ==, 0);

  /* memory.stat: "file" is the cache, every key in raw, sorted. */
  g_assert_cmpint (int_at (root, "memory.cache"), ==, 4096000);
  g_assert_nonnull (strstr (text,
                            "\"raw\":{\"anon\":1388544,\"file\":4096000,\"kernel\":270336,\"pgfault\":3021,"
                            "\"shmem\":0}"));
  g_assert_cmpint (int_at (root, "memory.usage.usage"), ==, 5484544);
  g_assert_cmpint (int_at (root, "memory.usage.limit"), ==, 104857600);
  g_assert_cmpint (int_at (root, "memory.usage.max"), ==, 6000000);
  /* swap as cgroup v1 counted it, memory+swap; "max" as Go's uint64 max. */
  g_assert_cmpint (int_at (root, "memory.swap.usage"), ==, 5484544 + 8192);
  g_assert_nonnull (strstr (text, "\"swap\":{\"limit\":18446744073709551615,"));

  g_assert_cmpint (int_at (root, "pids.current"), ==, 3);
  g_assert_cmpint (int_at (root, "pids.limit"), ==, 30);

  /* io.stat, read then write per device; zero values left out as Go's omitempty. */
  g_assert_cmpint (int_at (root, "blkio.ioServiceBytesRecursive.0.major"), ==, 8);
  g_assert_null (at (root, "blkio.ioServiceBytesRecursive.0.minor"));
  g_assert_cmpstr (string_at (root, "blkio.ioServiceBytesRecursive.0.op"), ==, "Read");
  g_assert_cmpint (int_at (root, "blkio.ioServiceBytesRecursive.0.value"), ==, 1459200);
  g_assert_cmpstr (string_at (root, "blkio.ioServiceBytesRecursive.1.op"), ==, "Write");
  g_assert_cmpint (int_at (root, "blkio.ioServiceBytesRecursive.1.value"), ==, 314773504);
  g_assert_cmpint (int_at (root, "blkio.ioServiceBytesRecursive.2.major"), ==, 253);
  g_assert_cmpint (int_at (root, "blkio.ioServiceBytesRecursive.2.minor"), ==, 1);
  g_assert_cmpint (int_at (root, "blkio.ioServiceBytesRecursive.2.value"), ==, 4096);
  g_assert_null (at (root, "blkio.ioServiceBytesRecursive.3.value"));
  g_assert_null (at (root, "blkio.ioServiceBytesRecursive.4"));
  g_assert_cmpint (int_at (root, "blkio.ioServicedRecursive.0.value"), ==, 192);
  g_assert_cmpint (int_at (root, "blkio.ioServicedRecursive.1.value"), ==, 353);
  g_assert_cmpint (int_at (root, "blkio.ioServicedRecursive.2.value"), ==, 1);

  g_assert_cmpint (int_at (root, "hugetlb.2MB.usage"), ==, 2097152);
  g_assert_cmpint (int_at (root, "hugetlb.2MB.failcnt"), ==, 4);
  g_assert_true (g_str_has_suffix (text, ",\"intel_rdt\":{},\"network_interfaces\":null}"));

  g_assert_cmpuint (uctr_stats_oom_kills (dir), ==, 1);
}

/* A cgroup without controllers: the processes counted, nothing else made up. */
static void
test_stats_bare (Fixture *f, gconstpointer data)
{
  g_autofree char *text = NULL;
  g_autoptr(json_object) root = NULL;

  put (f->dir, "cgroup.procs", "41\n42\n");
  root = parse_stats (f->dir, &text);
  g_assert_cmpint (int_at (root, "pids.current"), ==, 2);
  g_assert_null (at (root, "pids.limit"));
  g_assert_null (at (root, "cpu.usage.total"));
  g_assert_null (at (root, "memory.usage.usage"));
  g_assert_null (at (root, "memory.raw"));
  g_assert_null (at (root, "blkio.ioServiceBytesRecursive"));
  g_assert_null (at (root, "cpuset.cpus"));
  g_assert_cmpuint (uctr_stats_oom_kills (f->dir), ==, 0);
}

static void
test_stats_event (void)
{
  g_autofree char *with = uctr_stats_event ("stats", "a\"b", "{\"x\":1}");
  g_autofree char *without = uctr_stats_event ("oom", "box", NULL);

  g_assert_cmpstr (with, ==, "{\"type\":\"stats\",\"id\":\"a\\\"b\",\"data\":{\"x\":1}}");
  g_assert_cmpstr (without, ==, "{\"type\":\"oom\",\"id\":\"box\"}");
}

static void
add (const char *name, void (*fn) (Fixture *, gconstpointer))
{
  g_test_add (name, Fixture, NULL, fixture_setup, fn, fixture_teardown);
}

/* --- cgroup v1 hierarchies ------------------------------------------------- */

static void
test_v1_mounts (void)
{
  static const char hybrid[]
      = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
        "33 31 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,xattr,memory\n"
        "34 31 0:31 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,release_agent=/x,name=systemd\n"
        "35 31 0:32 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset,clone_children\n"
        "36 31 0:30 / /mnt/memory-again rw - cgroup cgroup rw,memory\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n"
        /* a container's view: its own cgroup at the mount point */
        "50 31 0:33 /docker/abc /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
        /* hidden by the tmpfs mounted over it later */
        "51 31 0:34 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer\n"
        "52 31 0:35 / /sys/fs/cgroup/freezer rw - tmpfs tmpfs rw\n";
  g_autoptr(GPtrArray) m = uctr_cgroup_find_v1_mounts (hybrid);
  g_autoptr(GPtrArray) none
             = uctr_cgroup_find_v1_mounts ("41 31 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
  const UctrCgroupV1Mount *e;

  g_assert_cmpuint (m->len, ==, 5);
  e = g_ptr_array_index (m, 0);
  g_assert_cmpstr (e->controllers, ==, "cpu,cpuacct");
  g_assert_cmpstr (e->point, ==, "/sys/fs/cgroup/cpu,cpuacct");
  g_assert_cmpstr (((UctrCgroupV1Mount *) g_ptr_array_index (m, 1))->controllers, ==, "memory");
  g_assert_cmpstr (((UctrCgroupV1Mount *) g_ptr_array_index (m, 1))->point, ==, "/sys/fs/cgroup/memory");
  g_assert_cmpstr (((UctrCgroupV1Mount *) g_ptr_array_index (m, 2))->controllers, ==, "name=systemd");
  g_assert_cmpstr (((UctrCgroupV1Mount *) g_ptr_array_index (m, 3))->controllers, ==, "cpuset");
  e = g_ptr_array_index (m, 4);
  g_assert_cmpstr (e->controllers, ==, "pids");
  g_assert_cmpstr (e->root, ==, "/docker/abc");
  g_assert_cmpuint (none->len, ==, 0);
}

static void
test_v1_target (void)
{
  static const char proc[] = "12:pids:/docker/abc/sub\n4:memory:/process_api/x\n2:cpu,cpuacct:/\n0::/\n";
  UctrCgroupV1Mount memory = { "memory", "/", "/sys/fs/cgroup/memory" };
  UctrCgroupV1Mount pids = { "pids", "/docker/abc", "/sys/fs/cgroup/pids" };
  g_autofree char *own_mem = uctr_cgroup_v1_parse_proc (proc, "memory");
  g_autofree char *own_pids = uctr_cgroup_v1_parse_proc (proc, "pids");
  g_autofree char *own_cpu = uctr_cgroup_v1_parse_proc (proc, "cpu,cpuacct");
  g_autofree char *no_cpu = uctr_cgroup_v1_parse_proc (proc, "cpu");
  g_autofree char *a = uctr_cgroup_v1_target (&memory, own_mem, NULL, "uctr-c1");
  g_autofree char *b = uctr_cgroup_v1_target (&memory, own_mem, "/kubepods/pod1/c1", "uctr-c1");
  g_autofree char *c = uctr_cgroup_v1_target (&memory, own_mem, "rel/c1", "uctr-c1");
  g_autofree char *d = uctr_cgroup_v1_target (&pids, own_pids, NULL, "uctr-c1");
  g_autofree char *e = uctr_cgroup_v1_target (&pids, own_pids, "//x//y/", "uctr-c1");

  g_assert_cmpstr (own_mem, ==, "/process_api/x");
  g_assert_cmpstr (own_cpu, ==, "/");
  g_assert_null (no_cpu);
  g_assert_cmpstr (a, ==, "/sys/fs/cgroup/memory/process_api/x/uctr-c1");
  g_assert_cmpstr (b, ==, "/sys/fs/cgroup/memory/kubepods/pod1/c1");
  g_assert_cmpstr (c, ==, "/sys/fs/cgroup/memory/process_api/x/rel/c1");
  /* The mount shows /docker/abc: our /docker/abc/sub is its /sub. */
  g_assert_cmpstr (d, ==, "/sys/fs/cgroup/pids/sub/uctr-c1");
  g_assert_cmpstr (e, ==, "/sys/fs/cgroup/pids/x/y");
}

static GPtrArray *
v1_writes_of (const char *json, gboolean devices, GError **error)
{
  g_autoptr(json_object) node = parse_json (json);
  g_autoptr(UctrResources) r = uctr_resources_parse (node, "linux.resources", error);

  return r != NULL ? uctr_resources_writes_v1 (r, devices, "linux.resources", error) : NULL;
}

/* "file=value" of each write, one per line. */
static char *
listing (GPtrArray *writes)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < writes->len; i++)
    {
      const UctrCgroupWrite *w = g_ptr_array_index (writes, i);
      g_string_append_printf (s, "%s:%s=%s\n", w->controller, w->file, w->value);
    }
  return g_string_free (s, FALSE);
}

static void
test_v1_writes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) w = v1_writes_of (
      "{\"memory\": {\"limit\": 1000, \"swap\": 2000, \"reservation\": 500, \"swappiness\": 0,"
      " \"kernelTCP\": 4096, \"disableOOMKiller\": true},"
      " \"cpu\": {\"shares\": 512, \"quota\": -1, \"period\": 50000, \"realtimeRuntime\": 950,"
      " \"realtimePeriod\": 1000, \"cpus\": \"0-1\"},"
      " \"pids\": {\"limit\": -1}, \"blockIO\": {\"weight\": 100, \"leafWeight\": 200,"
      " \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 1048576}]},"
      " \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 4194304}],"
      " \"network\": {\"classID\": 1048577, \"priorities\": [{\"name\": \"eth0\", \"priority\": 5}]},"
      " \"devices\": [{\"allow\": false, \"access\": \"rwm\"}, {\"allow\": true, \"type\": \"b\", \"major\": "
      "7,"
      " \"access\": \"r\"}]}",
      FALSE, &error);
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) with_devices = v1_writes_of ("{\"devices\": [{\"allow\": false}]}", TRUE, &error);
  g_autofree char *devices = NULL;

  g_assert_no_error (error);
  text = listing (w);
  g_assert_cmpstr (text, ==,
                   "memory:memory.limit_in_bytes=1000\n"
                   "memory:memory.memsw.limit_in_bytes=2000\n"
                   "memory:memory.soft_limit_in_bytes=500\n"
                   "memory:memory.kmem.tcp.limit_in_bytes=4096\n"
                   "memory:memory.swappiness=0\n"
                   "memory:memory.oom_control=1\n"
                   "blkio:blkio.weight=100\n"
                   "blkio:blkio.leaf_weight=200\n"
                   "blkio:blkio.throttle.read_bps_device=8:0 1048576\n"
                   "cpu:cpu.shares=512\n"
                   "cpu:cpu.cfs_period_us=50000\n"
                   "cpu:cpu.cfs_quota_us=-1\n"
                   "cpu:cpu.rt_period_us=1000\n"
                   "cpu:cpu.rt_runtime_us=950\n"
                   "cpuset:cpuset.cpus=0-1\n"
                   "pids:pids.max=max\n"
                   "hugetlb:hugetlb.2MB.limit_in_bytes=4194304\n"
                   "net_cls:net_cls.classid=1048577\n"
                   "net_prio:net_prio.ifpriomap=eth0 5\n");
  /* The config's rules, then runc's defaults. */
  devices = listing (with_devices);
  g_assert_true (g_str_has_prefix (devices, "devices:devices.deny=a *:* rwm\n"
                                            "devices:devices.deny=a *:* rwm\n"
                                            "devices:devices.allow=c *:* m\n"
                                            "devices:devices.allow=b *:* m\n"
                                            "devices:devices.allow=c 1:3 rwm\n"));
  g_assert_nonnull (strstr (devices, "devices:devices.allow=c 136:* rwm\n"));
  g_assert_nonnull (strstr (devices, "devices:devices.allow=c 10:200 rwm\n"));
}

static void
test_v1_writes_bad (void)
{
  static const struct
  {
    const char *json;
    const char *message;
  } cases[] = {
    { "{\"unified\": {\"memory.high\": \"1\"}}", "unified: cgroup v1 has no such files" },
    { "{\"memory\": {\"swappiness\": 101}}", "memory.swappiness: must be from 0 to 100" },
    { "{\"memory\": {\"limit\": 2000, \"swap\": 1000}}", "memory+swap (1000) must be at least" },
    { "{\"blockIO\": {\"leafWeight\": 5}}", "blockIO.leafWeight: must be from 10 to 1000" },
    { "{\"devices\": [{\"allow\": true, \"type\": \"x\"}]}", "type: \"x\" is not a, b or c" },
    { "{\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}",
      "access: \"rwx\" is not made of r, w and m" },
    { "{\"devices\": [{\"type\": \"c\"}]}", "linux.resources.devices[0].allow: missing required field" },
    { "{\"network\": {\"priorities\": [{\"name\": \"a b\", \"priority\": 1}]}}", "is not an interface name" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) w = v1_writes_of (cases[i].json, TRUE, &error);

      g_assert_null (w);
      g_assert_nonnull (error);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("%s: \"%s\" does not say \"%s\"", cases[i].json, error->message, cases[i].message);
    }
}

/* What update keeps in config.json: the v1 members and the device rules too. */
static void
test_v1_round_trip (void)
{
  static const char json[] = "{\"memory\":{\"swappiness\":3,\"disableOOMKiller\":true},"
                             "\"network\":{\"classID\":7,\"priorities\":[{\"name\":\"lo\",\"priority\":2}]},"
                             "\"devices\":[{\"allow\":false,\"type\":\"a\",\"access\":\"rwm\"},"
                             "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"}]}";
  g_autoptr(json_object) node = parse_json (json);
  g_autoptr(UctrResources) r = uctr_resources_parse (node, "x", NULL);
  g_autoptr(json_object) back = uctr_resources_to_json (r);
  g_autofree char *text = uctr_json_to_string (back, FALSE);

  g_assert_cmpstr (text, ==, json);
}

/* The device filter: rules tried from the last, each jump leaving its own
   rule's block, nothing after a rule that matches everything (the
   verifier refuses unreachable code), a denial when nothing matched. */
static void
test_devfilter (void)
{
  static const UctrDeviceRule rules[] = {
    { FALSE, 'a', -1, -1, "rwm" },
    { TRUE, 'c', 1, 3, "rw" },
    { FALSE, 'b', 8, -1, "w" },
  };
  g_autoptr(GArray) prog = uctr_devfilter_program (rules, G_N_ELEMENTS (rules));
  g_autoptr(GArray) open_end = uctr_devfilter_program (rules + 1, 2);
  const struct bpf_insn *in = (const struct bpf_insn *) (void *) prog->data;
  const struct bpf_insn *last;

  /* 6 to read the context; b 8:* w (7); c 1:3 rw (8); a *:* rwm (2). */
  g_assert_cmpuint (prog->len, ==, 6 + 7 + 8 + 2);
  /* b 8:* w: the type, then "asks w?", then the major. */
  g_assert_cmpint (in[6].code, ==, BPF_JMP32 | BPF_JNE | BPF_K);
  g_assert_cmpint (in[6].imm, ==, BPF_DEVCG_DEV_BLOCK);
  g_assert_cmpint (in[6].off, ==, 6);
  g_assert_cmpint (in[8].code, ==, BPF_ALU | BPF_AND | BPF_K);
  g_assert_cmpint (in[8].imm, ==, BPF_DEVCG_ACC_WRITE);
  g_assert_cmpint (in[9].code, ==, BPF_JMP32 | BPF_JEQ | BPF_K);
  g_assert_cmpint (in[9].off, ==, 3);
  g_assert_cmpint (in[10].imm, ==, 8);
  g_assert_cmpint (in[11].imm, ==, 0); /* r0 = 0: denied */
  /* c 1:3 rw: mknod asked is no match; then allowed. */
  g_assert_cmpint (in[13].code, ==, BPF_JMP32 | BPF_JNE | BPF_K);
  g_assert_cmpint (in[13].imm, ==, BPF_DEVCG_DEV_CHAR);
  g_assert_cmpint (in[15].imm, ==, BPF_DEVCG_ACC_MKNOD);
  g_assert_cmpint (in[18].imm, ==, 3);
  g_assert_cmpint (in[18].off, ==, 2);
  g_assert_cmpint (in[19].imm, ==, 1);
  /* a *:* rwm denies all: the end, with no default after it. */
  g_assert_cmpint (in[21].imm, ==, 0);
  g_assert_cmpint (in[22].code, ==, BPF_JMP | BPF_EXIT);
  /* Without it, nothing matching is a denial. */
  last = &g_array_index (open_end, struct bpf_insn, open_end->len - 2);
  g_assert_cmpint (last[0].code, ==, BPF_ALU64 | BPF_MOV | BPF_K);
  g_assert_cmpint (last[0].imm, ==, 0);
  g_assert_cmpint (last[1].code, ==, BPF_JMP | BPF_EXIT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cgroup/find-mount", test_find_mount);
  g_test_add_func ("/cgroup/parse-proc", test_parse_proc);
  g_test_add_func ("/cgroup/target", test_target);
  g_test_add_func ("/cgroup/target-bad", test_target_bad);
  g_test_add_func ("/cgroup/v1-mounts", test_v1_mounts);
  g_test_add_func ("/cgroup/v1-target", test_v1_target);
  g_test_add_func ("/cgroup/v1-writes", test_v1_writes);
  g_test_add_func ("/cgroup/v1-writes-bad", test_v1_writes_bad);
  g_test_add_func ("/cgroup/v1-round-trip", test_v1_round_trip);
  g_test_add_func ("/cgroup/devfilter", test_devfilter);
  add ("/cgroup/controllers", test_controllers);
  add ("/cgroup/events", test_events);
  add ("/cgroup/freeze", test_freeze);
  add ("/cgroup/pids", test_pids);
  add ("/cgroup/kill-without-cgroup-kill", test_kill_without_cgroup_kill);
  add ("/cgroup/kill-with-cgroup-kill", test_kill_with_cgroup_kill);
  add ("/cgroup/remove", test_remove);
  add ("/cgroup/apply", test_apply);
  add ("/cgroup/apply-alt-file", test_apply_alt_file);
  add ("/cgroup/apply-missing-file", test_apply_missing_file);
  add ("/cgroup/apply-refused", test_apply_refused);
  g_test_add_func ("/stats/fixture", test_stats);
  add ("/stats/bare", test_stats_bare);
  g_test_add_func ("/stats/event", test_stats_event);
  return g_test_run ();
}
