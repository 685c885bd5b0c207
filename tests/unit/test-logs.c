/* Unit tests for a detached run's log: the CRI records (logs/record.c),
   the rotation (logs/writer.c), reading back with --tail and --timestamps
   (logs/reader.c), and --log-opt max-size (oneline/logopt.c). */
#include "logs/files.h"
#include "logs/reader.h"
#include "logs/record.h"
#include "logs/writer.h"
#include "oneline/logopt.h"
#include "base/util.h"
#include "testutil.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define TIME "2024-05-01T10:00:00.123456789Z"

/* --- records ------------------------------------------------------------------ */

static void
test_record_split (void)
{
  g_autofree char *longline = g_strnfill (UCTR_LOG_RECORD_MAX + 10, 'x');
  gsize content_len, taken;
  gboolean partial;

  taken = uctr_log_record_next ("one\ntwo", 7, &content_len, &partial);
  g_assert_cmpuint (taken, ==, 4);
  g_assert_cmpuint (content_len, ==, 3);
  g_assert_false (partial);
  taken = uctr_log_record_next ("two", 3, &content_len, &partial);
  g_assert_cmpuint (taken, ==, 3);
  g_assert_cmpuint (content_len, ==, 3);
  g_assert_true (partial);
  taken = uctr_log_record_next ("\n", 1, &content_len, &partial);
  g_assert_cmpuint (taken, ==, 1);
  g_assert_cmpuint (content_len, ==, 0);
  g_assert_false (partial);
  /* A line longer than a record: cut, the piece is partial. */
  taken = uctr_log_record_next (longline, strlen (longline), &content_len, &partial);
  g_assert_cmpuint (taken, ==, UCTR_LOG_RECORD_MAX);
  g_assert_cmpuint (content_len, ==, UCTR_LOG_RECORD_MAX);
  g_assert_true (partial);
}

static void
test_record_format_parse (void)
{
  g_autoptr(GString) out = g_string_new (NULL);
  UctrLogRecord r;

  uctr_log_record_append (out, TIME, UCTR_LOG_STDERR, TRUE, "a b  c", 6);
  g_assert_cmpstr (out->str, ==, TIME " stderr P a b  c\n");
  g_assert_true (uctr_log_record_parse (out->str, out->len - 1, &r));
  g_assert_cmpint (r.stream, ==, UCTR_LOG_STDERR);
  g_assert_true (r.partial);
  g_assert_cmpuint (r.content_len, ==, 6);
  g_assert_cmpint (memcmp (r.content, "a b  c", 6), ==, 0);
  g_assert_cmpuint (r.time_len, ==, strlen (TIME));

  g_assert_true (uctr_log_record_parse (TIME " stdout F ", strlen (TIME) + 10, &r));
  g_assert_cmpint (r.stream, ==, UCTR_LOG_STDOUT);
  g_assert_false (r.partial);
  g_assert_cmpuint (r.content_len, ==, 0);
  /* Kubernetes' tags after a colon. */
  g_assert_true (uctr_log_record_parse (TIME " stdout F:x y", strlen (TIME) + 13, &r));
  g_assert_cmpuint (r.content_len, ==, 1);

  static const char *const bad[] = {
    "",
    "garbage",
    TIME " stdin F x",
    TIME " stdout X x",
    TIME " stdout FF x",
    TIME " stdout F",
    "x" TIME " stdout F x",
    " stdout F x",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("%s", bad[i]);
      g_assert_false (uctr_log_record_parse (bad[i], strlen (bad[i]), &r));
    }
}

/* --- a state directory with a log ---------------------------------------------------- */

typedef struct
{
  char *dir;
  int dfd;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("uctr-test-logs-XXXXXX", &error);
  g_assert_no_error (error);
  f->dfd = open (f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  g_assert_cmpint (f->dfd, >=, 0);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  close (f->dfd);
  uctr_test_rm_rf (f->dir);
  g_free (f->dir);
}

static void
put (Fixture *f, const char *name, const char *text)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (uctr_write_file_atomic_at (f->dfd, name, text, strlen (text), 0600, &error));
  g_assert_no_error (error);
}

static gsize
size_of (Fixture *f, const char *name)
{
  struct stat st;

  return fstatat (f->dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? (gsize) st.st_size : 0;
}

/* What uctr_log_read prints on each stream, TAIL and TIMESTAMPS as given. */
static void
read_log (Fixture *f, gint64 tail, gboolean timestamps, char **out, char **err)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out_path = g_build_filename (f->dir, "out", NULL);
  g_autofree char *err_path = g_build_filename (f->dir, "err", NULL);
  UctrLogReadOptions o = { .tail = tail, .timestamps = timestamps, .logger_pidfd = -1 };

  o.out_fd = open (out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  o.err_fd = open (err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  g_assert_true (uctr_log_read (f->dfd, &o, &error));
  g_assert_no_error (error);
  close (o.out_fd);
  close (o.err_fd);
  g_assert_true (g_file_get_contents (out_path, out, NULL, NULL));
  g_assert_true (g_file_get_contents (err_path, err, NULL, NULL));
}

static void
assert_read (Fixture *f, gint64 tail, const char *want_out, const char *want_err)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_test_message ("--tail %" G_GINT64_FORMAT, tail);
  read_log (f, tail, FALSE, &out, &err);
  g_assert_cmpstr (out, ==, want_out);
  g_assert_cmpstr (err, ==, want_err);
}

static void
test_read_empty (Fixture *f, gconstpointer data)
{
  assert_read (f, -1, "", "");
  assert_read (f, 3, "", "");
}

/* Lines in the order they end: e1, a1a2 (stdout's, begun before e1), b;
   then e2, not ended yet. The old log holds the first two records. */
static void
test_read_tail (Fixture *f, gconstpointer data)
{
  put (f, UCTR_LOG_OLD_FILE, TIME " stdout P a1\n" TIME " stderr F e1\n");
  put (f, UCTR_LOG_FILE, TIME " stdout F a2\n" TIME " stderr P e2\n" TIME " stdout F b\n");
  assert_read (f, -1, "a1a2\nb\n", "e1\ne2");
  assert_read (f, 4, "a1a2\nb\n", "e1\ne2");
  assert_read (f, 100, "a1a2\nb\n", "e1\ne2");
  assert_read (f, 3, "a1a2\nb\n", "e2");
  assert_read (f, 2, "b\n", "e2");
  assert_read (f, 1, "", "e2");
  assert_read (f, 0, "", "");
}

/* A line whose start was rotated away, and one that is not a record. */
static void
test_read_damaged (Fixture *f, gconstpointer data)
{
  put (f, UCTR_LOG_FILE,
       TIME " stdout F tail-of-a-line\nnot a record\n" TIME " stdout F x\n" TIME " stdout P y");
  /* The last one has no newline yet: it is still being written. */
  assert_read (f, -1, "tail-of-a-line\nx\n", "");
  assert_read (f, 1, "x\n", "");
}

static void
test_read_timestamps (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  put (f, UCTR_LOG_FILE,
       TIME " stdout P a\n"
            "2024-05-01T10:00:01.000000000Z stdout F b\n" TIME " stderr F e\n");
  read_log (f, -1, TRUE, &out, &err);
  /* Once a line: the time of its first record. */
  g_assert_cmpstr (out, ==, TIME " ab\n");
  g_assert_cmpstr (err, ==, TIME " e\n");
}

static void
test_read_symlink (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *target = g_build_filename (f->dir, "secret", NULL);
  UctrLogReadOptions o = { .tail = -1, .logger_pidfd = -1, .out_fd = -1, .err_fd = -1 };

  put (f, "secret", TIME " stdout F secret\n");
  g_assert_cmpint (symlinkat (target, f->dfd, UCTR_LOG_FILE), ==, 0);
  g_assert_false (uctr_log_read (f->dfd, &o, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_UNTRUSTED);
}

/* --- the writer ---------------------------------------------------------------------- */

static void
test_writer_rotates (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) record = g_string_new (NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *last = NULL;
  UctrLogWriter w;
  int i;

  g_assert_true (uctr_log_writer_open (&w, f->dfd, UCTR_LOG_MIN_MAX_SIZE, &error));
  g_assert_no_error (error);
  for (i = 0; i < 10000; i++)
    {
      g_autofree char *line = g_strdup_printf ("line %d", i);

      g_string_truncate (record, 0);
      uctr_log_record_append (record, TIME, UCTR_LOG_STDOUT, FALSE, line, strlen (line));
      g_assert_true (uctr_log_writer_add (&w, record->str, record->len, &error));
      g_assert_no_error (error);
      /* Written as the logger does, a read's worth at a time. */
      if (i % 7 == 0)
        g_assert_true (uctr_log_writer_flush (&w, &error));
      g_assert_cmpuint (size_of (f, UCTR_LOG_FILE), <=, UCTR_LOG_MIN_MAX_SIZE / 2);
      g_assert_cmpuint (size_of (f, UCTR_LOG_OLD_FILE), <=, UCTR_LOG_MIN_MAX_SIZE / 2);
    }
  g_assert_true (uctr_log_writer_flush (&w, &error));
  uctr_log_writer_clear (&w);
  g_assert_cmpuint (size_of (f, UCTR_LOG_OLD_FILE), >, UCTR_LOG_MIN_MAX_SIZE / 4);
  read_log (f, -1, FALSE, &out, &err);
  g_assert_true (g_str_has_suffix (out, "line 9998\nline 9999\n"));
  g_assert_false (g_str_has_prefix (out, "line 0\n"));
  g_assert_cmpstr (err, ==, "");
  /* A writer opened again appends. */
  g_assert_true (uctr_log_writer_open (&w, f->dfd, UCTR_LOG_MIN_MAX_SIZE, &error));
  g_string_truncate (record, 0);
  uctr_log_record_append (record, TIME, UCTR_LOG_STDERR, FALSE, "again", 5);
  g_assert_true (uctr_log_writer_add (&w, record->str, record->len, &error));
  g_assert_true (uctr_log_writer_flush (&w, &error));
  uctr_log_writer_clear (&w);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  read_log (f, 2, FALSE, &out, &err);
  g_assert_cmpstr (out, ==, "line 9999\n");
  g_assert_cmpstr (err, ==, "again\n");
}

static void
test_writer_refuses_symlink (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *target = g_build_filename (f->dir, "elsewhere", NULL);
  UctrLogWriter w;

  g_assert_cmpint (symlinkat (target, f->dfd, UCTR_LOG_FILE), ==, 0);
  g_assert_false (uctr_log_writer_open (&w, f->dfd, UCTR_LOG_MIN_MAX_SIZE, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_UNTRUSTED);
  uctr_log_writer_clear (&w);
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
}

/* --- --log-opt max-size ----------------------------------------------------------------- */

static void
test_parse_size (void)
{
  static const struct
  {
    const char *text;
    guint64 bytes;
  } good[] = {
    { "0", 0 },          { "65536", 65536 },   { "64k", 65536 },     { "64K", 65536 }, { "64kb", 65536 },
    { "10m", 10485760 }, { "10MB", 10485760 }, { "1g", 1073741824 }, { "100b", 100 },
  };
  static const char *const bad[]
      = { "", "k", "-1", "1.5m", "1t", "10 m", "1kk", "m10", "99999999999999999999", "17179869184g" };
  guint64 bytes;

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_test_message ("%s", good[i].text);
      g_assert_true (uctr_oneline_parse_size (good[i].text, &bytes));
      g_assert_cmpuint (bytes, ==, good[i].bytes);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("%s", bad[i]);
      g_assert_false (uctr_oneline_parse_size (bad[i], &bytes));
    }
}

static void
test_log_opt (void)
{
  char *detached[] = { "max-size=1m", NULL };
  char *small[] = { "max-size=63k", NULL };
  char *unknown[] = { "max-file=2", NULL };
  UctrOneLine o = { 0 };
  guint64 max;

  g_assert_true (uctr_oneline_log_max_size (&o, FALSE, &max, NULL));
  g_assert_cmpuint (max, ==, UCTR_LOG_DEFAULT_MAX_SIZE);
  o.log_opts = detached;
  g_assert_true (uctr_oneline_log_max_size (&o, TRUE, &max, NULL));
  g_assert_cmpuint (max, ==, 1024 * 1024);
  {
    g_autoptr(GError) error = NULL;
    g_assert_false (uctr_oneline_log_max_size (&o, FALSE, &max, &error));
    g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "--detach"));
  }
  {
    g_autoptr(GError) error = NULL;
    o.log_opts = small;
    g_assert_false (uctr_oneline_log_max_size (&o, TRUE, &max, &error));
    g_assert_nonnull (strstr (error->message, "max-size=63k"));
  }
  {
    g_autoptr(GError) error = NULL;
    o.log_opts = unknown;
    g_assert_false (uctr_oneline_log_max_size (&o, TRUE, &max, &error));
    g_assert_nonnull (strstr (error->message, "max-file=2"));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/logs/record/split", test_record_split);
  g_test_add_func ("/logs/record/format-parse", test_record_format_parse);
  g_test_add ("/logs/read/empty", Fixture, NULL, fixture_setup, test_read_empty, fixture_teardown);
  g_test_add ("/logs/read/tail", Fixture, NULL, fixture_setup, test_read_tail, fixture_teardown);
  g_test_add ("/logs/read/damaged", Fixture, NULL, fixture_setup, test_read_damaged, fixture_teardown);
  g_test_add ("/logs/read/timestamps", Fixture, NULL, fixture_setup, test_read_timestamps, fixture_teardown);
  g_test_add ("/logs/read/symlink", Fixture, NULL, fixture_setup, test_read_symlink, fixture_teardown);
  g_test_add ("/logs/writer/rotates", Fixture, NULL, fixture_setup, test_writer_rotates, fixture_teardown);
  g_test_add ("/logs/writer/symlink", Fixture, NULL, fixture_setup, test_writer_refuses_symlink,
              fixture_teardown);
  g_test_add_func ("/logs/log-opt/size", test_parse_size);
  g_test_add_func ("/logs/log-opt/max-size", test_log_opt);
  return g_test_run ();
}
