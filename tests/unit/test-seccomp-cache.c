/* Unit tests for seccomp-cache.c: a kept filter is used only for the
   profile it was compiled from, only from a file uctr made (every way of
   putting another file in its place is refused), and the cache stays
   bounded. */
#include "plan/seccomp-cache.h"
#include "base/util.h"
#include "testutil.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/stat.h>

#define PROFILE(ERRNO)                                                                                       \
  "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], "            \
  "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": " ERRNO "}]}"

typedef struct
{
  char *root; /* a state root: a temporary directory of ours, 0700 */
  char *cache;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->root = g_dir_make_tmp ("uctr-test-seccomp-cache-XXXXXX", &error);
  g_assert_no_error (error);
  f->cache = g_build_filename (f->root, UCTR_SECCOMP_CACHE_DIR, NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  uctr_test_rm_rf (f->root);
  g_free (f->root);
  g_free (f->cache);
}

static json_object *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  json_object *node = NULL;

  g_assert_true (uctr_json_parse (text, -1, UCTR_JSON_MAX_DEPTH, &node, &error));
  g_assert_no_error (error);
  return node;
}

static UctrSeccomp *
compile (const char *text)
{
  g_autoptr(json_object) node = parse (text);
  g_autoptr(GError) error = NULL;
  UctrSeccomp *s = NULL;

  g_assert_true (uctr_seccomp_compile (node, &s, &error));
  g_assert_no_error (error);
  g_assert_nonnull (s);
  return s;
}

static UctrSeccomp *
compile_cached (Fixture *f, const char *text)
{
  g_autoptr(json_object) node = parse (text);
  g_autoptr(GError) error = NULL;
  UctrSeccomp *s = NULL;

  g_assert_true (uctr_seccomp_compile_cached (node, f->root, &s, &error));
  g_assert_no_error (error);
  g_assert_nonnull (s);
  return s;
}

static char *
entry_of (Fixture *f, const char *text)
{
  g_autoptr(json_object) node = parse (text);
  guint8 key[32];
  GString *name = g_string_new (f->cache);
  int i;

  g_assert_true (uctr_seccomp_cache_key (node, key));
  g_string_append_c (name, '/');
  for (i = 0; i < 32; i++)
    g_string_append_printf (name, "%02x", key[i]);
  return g_string_free (name, FALSE);
}

static void
assert_same (const UctrSeccomp *a, const UctrSeccomp *b)
{
  gsize i;

  g_assert_cmpuint (a->prog.len, ==, b->prog.len);
  g_assert_cmpmem (a->prog.filter, a->prog.len * sizeof (struct sock_filter), b->prog.filter,
                   b->prog.len * sizeof (struct sock_filter));
  g_assert_cmpuint (a->flags, ==, b->flags);
  g_assert_cmpint (a->listener, ==, b->listener);
  g_assert_cmpstr (a->listener_path, ==, b->listener_path);
  g_assert_cmpstr (a->listener_metadata, ==, b->listener_metadata);
  g_assert_cmpuint (g_strv_length (a->skipped), ==, g_strv_length (b->skipped));
  for (i = 0; a->skipped[i] != NULL; i++)
    g_assert_cmpstr (a->skipped[i], ==, b->skipped[i]);
}

static int
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  int n = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    n++;
  return n;
}

/* Everything a filter carries comes back as it went in. */
static void
test_round_trip (void)
{
  static const char *profiles[] = {
    PROFILE ("122"),
    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"], "
    "\"listenerPath\": \"/run/agent.sock\", \"listenerMetadata\": \"meta data\", \"syscalls\": [{\"names\": "
    "[\"no_such_syscall_one\", \"mkdir\", \"no_such_syscall_two\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
  };
  guint8 key[32];
  gsize i;

  memset (key, 0x5a, sizeof key);
  for (i = 0; i < G_N_ELEMENTS (profiles); i++)
    {
      g_autoptr(UctrSeccomp) s = compile (profiles[i]);
      g_autoptr(GBytes) packed = uctr_seccomp_cache_pack (s, key);
      g_autoptr(UctrSeccomp) back = NULL;
      gsize len;
      const char *data = g_bytes_get_data (packed, &len);

      back = uctr_seccomp_cache_unpack (data, len, key);
      g_assert_nonnull (back);
      assert_same (s, back);
    }
}

/* Only a whole file made for this key: every truncation, a byte more, the
   key, magic, flags, listener and sizes altered, a NUL in a string. */
static void
test_unpack_refuses (void)
{
  g_autoptr(UctrSeccomp) s
             = compile ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/a.sock\", "
                        "\"syscalls\": [{\"names\": [\"no_such_syscall\", \"mkdir\"], "
                        "\"action\": \"SCMP_ACT_ERRNO\"}]}");
  guint8 key[32], other[32];
  g_autoptr(GBytes) packed = NULL;
  const char *data;
  gsize len, i;
  /* Offsets in the header (seccomp-cache.c's Header). */
  const gsize key_at = 8, flags_at = 40, listener_at = 44, insns_at = 48, skipped_at = 52;
  const gsize path_at = 56 + s->prog.len * sizeof (struct sock_filter) + 4;

  memset (key, 0x11, sizeof key);
  packed = uctr_seccomp_cache_pack (s, key);
  data = g_bytes_get_data (packed, &len);
  for (i = 0; i < len; i++)
    g_assert_null (uctr_seccomp_cache_unpack (data, i, key));
  {
    g_autofree char *more = g_malloc (len + 1);
    memcpy (more, data, len);
    more[len] = 0;
    g_assert_null (uctr_seccomp_cache_unpack (more, len + 1, key));
  }
  for (i = 0; i < 32; i++)
    {
      memcpy (other, key, sizeof key);
      other[i] ^= 1;
      g_assert_null (uctr_seccomp_cache_unpack (data, len, other));
    }
  {
    struct
    {
      gsize at;
      guint32 value;
    } changes[] = {
      { 0, 0x61727463 },                              /* magic */
      { key_at, 0 },                                  /* the key it holds */
      { flags_at, 1u << 20 },                         /* a flag uctr does not know */
      { flags_at, SECCOMP_FILTER_FLAG_NEW_LISTENER }, /* a listener flag without the listener */
      { listener_at, 1 },                             /* a listener without its flag */
      { listener_at, 2 },                             /* not a boolean */
      { insns_at, 0 },                                /* no program */
      { insns_at, BPF_MAXINSNS + 1 },                 /* more than the kernel takes */
      { insns_at, s->prog.len - 1 },                  /* sizes that do not add up */
      { skipped_at, 2 },                              /* more skipped names than there are */
      { skipped_at, 100000 },                         /* too many */
      { path_at, 0x002f6e75 },                        /* a NUL in listenerPath */
    };

    for (i = 0; i < G_N_ELEMENTS (changes); i++)
      {
        g_autofree char *copy = g_memdup2 (data, len);

        memcpy (copy + changes[i].at, &changes[i].value, sizeof changes[i].value);
        g_test_message ("change %zu at %zu", i, changes[i].at);
        g_assert_null (uctr_seccomp_cache_unpack (copy, len, key));
      }
  }
}

static guint
key_hash (gconstpointer k)
{
  return *(const guint *) k;
}

static gboolean
key_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, 32) == 0;
}

/* One profile, one key: any value the compile reads changes it. */
static void
test_key (void)
{
  static const char *profiles[] = {
    PROFILE ("122"),
    PROFILE ("1"),
    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\"], \"action\": "
    "\"SCMP_ACT_ERRNO\", "
    "\"errnoRet\": 122}]}",
    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], "
    "\"action\": "
    "\"SCMP_ACT_KILL\"}]}",
    "{\"defaultAction\": \"SCMP_ACT_LOG\", \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": "
    "\"SCMP_ACT_ERRNO\", \"errnoRet\": 122}]}",
    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86\"], \"syscalls\": "
    "[{\"names\": "
    "[\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 122}]}",
    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"], \"syscalls\": "
    "[{\"names\": "
    "[\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 122}]}",
    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"personality\"], \"action\": "
    "\"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]}]}",
    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"personality\"], \"action\": "
    "\"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 9, \"op\": \"SCMP_CMP_EQ\"}]}]}",
    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"personality\"], \"action\": "
    "\"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_NE\"}]}]}",
    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"personality\"], \"action\": "
    "\"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 1, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]}]}",
    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/a.sock\", \"syscalls\": [{\"names\": "
    "[\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/b.sock\", \"syscalls\": [{\"names\": "
    "[\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
  };
  g_autoptr(GHashTable) seen = g_hash_table_new_full (key_hash, key_equal, g_free, NULL);
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (profiles); i++)
    {
      g_autoptr(json_object) node = parse (profiles[i]);
      g_autoptr(json_object) again = parse (profiles[i]);
      guint8 key[32], key2[32];

      g_assert_true (uctr_seccomp_cache_key (node, key));
      g_assert_true (uctr_seccomp_cache_key (again, key2));
      g_assert_cmpmem (key, sizeof key, key2, sizeof key2);
      g_hash_table_add (seen, g_memdup2 (key, sizeof key));
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, G_N_ELEMENTS (profiles));
}

/* The first compile keeps the filter, the next ones read it back: the same
   program; a file is private and the directory too. */
static void
test_kept_and_used (Fixture *f, gconstpointer data)
{
  g_autoptr(UctrSeccomp) direct = compile (PROFILE ("122"));
  g_autoptr(UctrSeccomp) first = compile_cached (f, PROFILE ("122"));
  g_autofree char *entry = entry_of (f, PROFILE ("122"));
  g_autoptr(UctrSeccomp) second = NULL;
  struct stat st;

  assert_same (direct, first);
  g_assert_cmpint (lstat (f->cache, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0700);
  g_assert_cmpint (lstat (entry, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpuint (st.st_mode & 07777, ==, 0600);
  /* What is read back is what is in the file: make it a different (valid)
     filter for this key, and the next compile returns that one. */
  {
    g_autoptr(UctrSeccomp) other = compile (PROFILE ("1"));
    g_autoptr(json_object) node = parse (PROFILE ("122"));
    guint8 key[32];
    g_autoptr(GBytes) packed = NULL;

    g_assert_true (uctr_seccomp_cache_key (node, key));
    packed = uctr_seccomp_cache_pack (other, key);
    g_assert_true (
        g_file_set_contents (entry, g_bytes_get_data (packed, NULL), g_bytes_get_size (packed), NULL));
    g_assert_cmpint (chmod (entry, 0600), ==, 0);
    second = compile_cached (f, PROFILE ("122"));
    assert_same (other, second);
  }
  g_assert_cmpint (count_entries (f->cache), ==, 1);
}

/* A file uctr did not make is never used, and is replaced by the compiled
   filter: writable by others, a symlink (to a file of the right content),
   another key's file renamed, garbage, a directory. */
static void
test_untrusted_entries (Fixture *f, gconstpointer data)
{
  g_autoptr(UctrSeccomp) want = compile (PROFILE ("122"));
  g_autoptr(UctrSeccomp) wrong = compile (PROFILE ("1"));
  g_autofree char *entry = entry_of (f, PROFILE ("122"));
  g_autofree char *elsewhere = g_build_filename (f->root, "elsewhere", NULL);
  g_autoptr(GBytes) forged = NULL;
  const char *forms[] = { "others-write", "group-write", "symlink", "renamed", "garbage", "directory" };
  gsize i;

  g_assert_cmpint (g_mkdir (f->cache, 0700), ==, 0);
  {
    g_autoptr(json_object) node = parse (PROFILE ("122"));
    guint8 key[32];

    g_assert_true (uctr_seccomp_cache_key (node, key));
    forged = uctr_seccomp_cache_pack (wrong, key);
  }
  for (i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      g_autoptr(UctrSeccomp) got = NULL;
      const char *form = forms[i];
      struct stat st;

      g_test_message ("%s", form);
      uctr_test_rm_rf (entry);
      if (strcmp (form, "others-write") == 0 || strcmp (form, "group-write") == 0)
        {
          g_assert_true (
              g_file_set_contents (entry, g_bytes_get_data (forged, NULL), g_bytes_get_size (forged), NULL));
          g_assert_cmpint (chmod (entry, form[0] == 'o' ? 0602 : 0620), ==, 0);
        }
      else if (strcmp (form, "symlink") == 0)
        {
          g_assert_true (g_file_set_contents (elsewhere, g_bytes_get_data (forged, NULL),
                                              g_bytes_get_size (forged), NULL));
          g_assert_cmpint (chmod (elsewhere, 0600), ==, 0);
          g_assert_cmpint (symlink (elsewhere, entry), ==, 0);
        }
      else if (strcmp (form, "renamed") == 0)
        {
          /* The file kept for PROFILE ("1"), under PROFILE ("122")'s name. */
          g_autoptr(UctrSeccomp) kept = compile_cached (f, PROFILE ("1"));
          g_autofree char *its = entry_of (f, PROFILE ("1"));

          g_assert_cmpint (rename (its, entry), ==, 0);
        }
      else if (strcmp (form, "garbage") == 0)
        {
          g_assert_true (g_file_set_contents (entry, "uctrscf1 not a filter", -1, NULL));
          g_assert_cmpint (chmod (entry, 0600), ==, 0);
        }
      else
        g_assert_cmpint (g_mkdir (entry, 0700), ==, 0);

      got = compile_cached (f, PROFILE ("122"));
      assert_same (want, got);
      /* Put right, except a directory, which stays (the rename fails). */
      g_assert_cmpint (lstat (entry, &st), ==, 0);
      if (strcmp (form, "directory") == 0)
        continue;
      g_assert_true (S_ISREG (st.st_mode));
      g_assert_cmpuint (st.st_mode & 07777, ==, 0600);
      {
        g_autoptr(UctrSeccomp) again = compile_cached (f, PROFILE ("122"));
        assert_same (want, again);
      }
    }
  /* The symlink's target was not written through. */
  {
    g_autofree char *contents = NULL;
    gsize len;

    g_assert_true (g_file_get_contents (elsewhere, &contents, &len, NULL));
    g_assert_cmpmem (contents, len, g_bytes_get_data (forged, NULL), g_bytes_get_size (forged));
  }
}

/* A cache directory uctr did not make is not used, nor written into:
   a symlink to a directory, one others can write. */
static void
test_untrusted_dir (Fixture *f, gconstpointer data)
{
  g_autoptr(UctrSeccomp) want = compile (PROFILE ("122"));
  g_autofree char *target = g_build_filename (f->root, "target", NULL);
  mode_t modes[] = { 0777, 0770, 0703 };
  gsize i;

  g_assert_cmpint (g_mkdir (target, 0700), ==, 0);
  g_assert_cmpint (symlink (target, f->cache), ==, 0);
  {
    g_autoptr(UctrSeccomp) got = compile_cached (f, PROFILE ("122"));
    assert_same (want, got);
  }
  g_assert_cmpint (count_entries (target), ==, 0);
  g_assert_cmpint (unlink (f->cache), ==, 0);
  for (i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autoptr(UctrSeccomp) got = NULL;

      g_assert_cmpint (g_mkdir (f->cache, 0700), ==, 0);
      g_assert_cmpint (chmod (f->cache, modes[i]), ==, 0);
      got = compile_cached (f, PROFILE ("122"));
      assert_same (want, got);
      g_assert_cmpint (count_entries (f->cache), ==, 0);
      g_assert_cmpint (rmdir (f->cache), ==, 0);
    }
  /* A state root others can write: nothing is kept under it. */
  g_assert_cmpint (chmod (f->root, 0777), ==, 0);
  {
    g_autoptr(UctrSeccomp) got = compile_cached (f, PROFILE ("122"));
    assert_same (want, got);
  }
  g_assert_cmpint (chmod (f->root, 0700), ==, 0);
  g_assert_false (g_file_test (f->cache, G_FILE_TEST_EXISTS));
}

/* At most UCTR_SECCOMP_CACHE_MAX filters, the newest; a temporary file a
   store left goes once it is old, a fresh one (a store under way) stays. */
static void
test_bounded (Fixture *f, gconstpointer data)
{
  const int n = UCTR_SECCOMP_CACHE_MAX + 4;
  g_autofree char *stale = NULL, *fresh = NULL;
  struct timespec old[2] = { { .tv_sec = 1000000 }, { .tv_sec = 1000000 } };
  int i;

  for (i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf (PROFILE ("%d"), i + 1);
      g_autoptr(UctrSeccomp) s = compile_cached (f, text);
      g_autofree char *entry = entry_of (f, text);
      /* mtimes a second apart, oldest first, whatever the clock's grain */
      struct timespec t[2] = { { .tv_sec = 2000000 + i }, { .tv_sec = 2000000 + i } };

      g_assert_cmpint (utimensat (AT_FDCWD, entry, t, AT_SYMLINK_NOFOLLOW), ==, 0);
      if (i == 0)
        {
          stale = g_build_filename (f->cache, ".0123.00000000", NULL);
          fresh = g_build_filename (f->cache, ".4567.00000000", NULL);
          g_assert_true (g_file_set_contents (stale, "", 0, NULL));
          g_assert_true (g_file_set_contents (fresh, "", 0, NULL));
          g_assert_cmpint (utimensat (AT_FDCWD, stale, old, 0), ==, 0);
        }
    }
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (fresh, G_FILE_TEST_EXISTS));
  g_assert_cmpint (unlink (fresh), ==, 0);
  g_assert_cmpint (count_entries (f->cache), ==, UCTR_SECCOMP_CACHE_MAX);
  for (i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf (PROFILE ("%d"), i + 1);
      g_autofree char *entry = entry_of (f, text);

      g_assert_cmpint (g_file_test (entry, G_FILE_TEST_EXISTS), ==, i >= n - UCTR_SECCOMP_CACHE_MAX);
    }
}

/* No filter, no cache: nothing is made for a profile without one. */
static void
test_no_filter (Fixture *f, gconstpointer data)
{
  g_autoptr(json_object) node = parse ("{\"syscalls\": []}");
  g_autoptr(GError) error = NULL;
  UctrSeccomp *s = NULL;

  g_assert_true (uctr_seccomp_compile_cached (node, f->root, &s, &error));
  g_assert_null (s);
  g_assert_false (g_file_test (f->cache, G_FILE_TEST_EXISTS));
  /* A bad profile is an error, as without the cache, and nothing is kept. */
  {
    g_autoptr(json_object) bad = parse ("{\"defaultAction\": \"SCMP_ACT_NOPE\"}");

    g_assert_false (uctr_seccomp_compile_cached (bad, f->root, &s, &error));
    g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
    g_assert_null (s);
    g_assert_false (g_file_test (f->cache, G_FILE_TEST_EXISTS));
  }
}

/* The key is the profile's text, where 122.0 reads "122": a profile with a
   fraction never finds the filter of the integer's, and is refused as
   without the cache. */
static void
test_fraction (Fixture *f, gconstpointer data)
{
  g_autoptr(UctrSeccomp) kept = compile_cached (f, PROFILE ("122"));
  g_autoptr(json_object) node = parse (PROFILE ("122.0"));
  g_autoptr(GError) error = NULL;
  UctrSeccomp *s = NULL;

  g_assert_cmpint (count_entries (f->cache), ==, 1);
  g_assert_false (uctr_seccomp_compile_cached (node, f->root, &s, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
  g_assert_null (s);
  g_assert_cmpint (count_entries (f->cache), ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/seccomp-cache/round-trip", test_round_trip);
  g_test_add_func ("/seccomp-cache/unpack-refuses", test_unpack_refuses);
  g_test_add_func ("/seccomp-cache/key", test_key);
  g_test_add ("/seccomp-cache/kept-and-used", Fixture, NULL, fixture_setup, test_kept_and_used,
              fixture_teardown);
  g_test_add ("/seccomp-cache/untrusted-entries", Fixture, NULL, fixture_setup, test_untrusted_entries,
              fixture_teardown);
  g_test_add ("/seccomp-cache/untrusted-dir", Fixture, NULL, fixture_setup, test_untrusted_dir,
              fixture_teardown);
  g_test_add ("/seccomp-cache/bounded", Fixture, NULL, fixture_setup, test_bounded, fixture_teardown);
  g_test_add ("/seccomp-cache/no-filter", Fixture, NULL, fixture_setup, test_no_filter, fixture_teardown);
  g_test_add ("/seccomp-cache/fraction", Fixture, NULL, fixture_setup, test_fraction, fixture_teardown);
  return g_test_run ();
}
