/* uctr: a cgroup v2's statistics as runc's `events` prints them.  The keys
   and their order are those of runc's types.Stats as Go encodes them: zero
   values of "omitempty" fields left out, map keys sorted, unsigned 64-bit
   numbers (a "max" limit is 18446744073709551615) written as they are. */
#include "cgroup/stats.h"
#include "cgroup/cgroup.h"
#include "base/json.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A small JSON writer: members separated by commas as they come. */
typedef struct
{
  GString *s;
  gboolean need_comma;
} Out;

static void
put_key (Out *o, const char *key)
{
  if (o->need_comma)
    g_string_append_c (o->s, ',');
  if (key != NULL)
    {
      uctr_json_append_go_string (o->s, key);
      g_string_append_c (o->s, ':');
    }
  o->need_comma = TRUE;
}

static void
open_object (Out *o, const char *key)
{
  put_key (o, key);
  g_string_append_c (o->s, '{');
  o->need_comma = FALSE;
}

static void
open_array (Out *o, const char *key)
{
  put_key (o, key);
  g_string_append_c (o->s, '[');
  o->need_comma = FALSE;
}

static void
close_object (Out *o)
{
  g_string_append_c (o->s, '}');
  o->need_comma = TRUE;
}

static void
close_array (Out *o)
{
  g_string_append_c (o->s, ']');
  o->need_comma = TRUE;
}

static void
put_u64 (Out *o, const char *key, guint64 v)
{
  put_key (o, key);
  g_string_append_printf (o->s, "%" G_GUINT64_FORMAT, v);
}

/* Go's omitempty: a zero is left out. */
static void
put_u64_nz (Out *o, const char *key, guint64 v)
{
  if (v != 0)
    put_u64 (o, key, v);
}

static void
put_raw (Out *o, const char *key, const char *raw)
{
  put_key (o, key);
  g_string_append (o->s, raw);
}

static void
put_string (Out *o, const char *key, const char *v)
{
  put_key (o, key);
  uctr_json_append_go_string (o->s, v);
}

/* Reading cgroup files */

/* A single number, "max" as G_MAXUINT64; FALSE when the file is missing. */
static gboolean
read_u64 (const char *dir, const char *name, guint64 *out)
{
  g_autofree char *text = uctr_cgroup_read (dir, name);

  if (text == NULL)
    return FALSE;
  g_strstrip (text);
  *out = strcmp (text, "max") == 0 ? G_MAXUINT64 : g_ascii_strtoull (text, NULL, 10);
  return TRUE;
}

/* "key value" lines into a table of guint64 (boxed). */
static GHashTable *
read_keyed (const char *dir, const char *name)
{
  g_autofree char *text = uctr_cgroup_read (dir, name);
  g_auto(GStrv) lines = text != NULL ? g_strsplit (text, "\n", -1) : NULL;
  GHashTable *t = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  guint i;

  for (i = 0; lines != NULL && lines[i] != NULL; i++)
    {
      char *sp = strchr (lines[i], ' ');
      guint64 *v;

      if (sp == NULL)
        continue;
      v = g_new (guint64, 1);
      *v = g_ascii_strtoull (sp + 1, NULL, 10);
      g_hash_table_replace (t, g_strndup (lines[i], sp - lines[i]), v);
    }
  return t;
}

static guint64
keyed (GHashTable *t, const char *key)
{
  guint64 *v = g_hash_table_lookup (t, key);

  return v != NULL ? *v : 0;
}

/* The sections */

static void
add_cpu (Out *o, const char *path)
{
  g_autoptr(GHashTable) st = read_keyed (path, "cpu.stat");

  open_object (o, "cpu");
  open_object (o, "usage");
  put_u64_nz (o, "total", keyed (st, "usage_usec") * 1000);
  put_u64 (o, "kernel", keyed (st, "system_usec") * 1000);
  put_u64 (o, "user", keyed (st, "user_usec") * 1000);
  close_object (o);
  open_object (o, "throttling");
  put_u64_nz (o, "periods", keyed (st, "nr_periods"));
  put_u64_nz (o, "throttledPeriods", keyed (st, "nr_throttled"));
  put_u64_nz (o, "throttledTime", keyed (st, "throttled_usec") * 1000);
  close_object (o);
  close_object (o);
}

/* "0-2,5" -> [0,1,2,5] */
static void
add_cpu_list (Out *o, const char *key, const char *dir, const char *file)
{
  g_autofree char *text = uctr_cgroup_read (dir, file);
  g_auto(GStrv) ranges = NULL;
  guint i;

  if (text == NULL || *g_strstrip (text) == '\0')
    return;
  ranges = g_strsplit (text, ",", -1);
  open_array (o, key);
  for (i = 0; ranges[i] != NULL; i++)
    {
      char *dash = strchr (ranges[i], '-');
      guint64 a = g_ascii_strtoull (ranges[i], NULL, 10);
      guint64 b = dash != NULL ? g_ascii_strtoull (dash + 1, NULL, 10) : a;

      for (; a <= b && a < 65536; a++)
        put_u64 (o, NULL, a);
    }
  close_array (o);
}

static void
add_cpuset (Out *o, const char *path)
{
  static const char *const zeros[]
      = { "mem_hardwall",       "mem_exclusive",   "memory_migrate",     "memory_spread_page",
          "memory_spread_slab", "memory_pressure", "sched_load_balance", "sched_relax_domain_level" };
  gsize i;

  open_object (o, "cpuset");
  add_cpu_list (o, "cpus", path, "cpuset.cpus.effective");
  put_u64 (o, "cpu_exclusive", 0);
  add_cpu_list (o, "mems", path, "cpuset.mems.effective");
  for (i = 0; i < G_N_ELEMENTS (zeros); i++)
    put_u64 (o, zeros[i], 0);
  close_object (o);
}

static void
add_memory_entry (Out *o, const char *key, guint64 limit, guint64 usage, guint64 max)
{
  open_object (o, key);
  put_u64 (o, "limit", limit);
  put_u64_nz (o, "usage", usage);
  put_u64_nz (o, "max", max);
  put_u64 (o, "failcnt", 0);
  close_object (o);
}

static int
compare_keys (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
add_raw (Out *o, GHashTable *st)
{
  g_autofree gpointer *keys = NULL;
  guint n, i;

  if (g_hash_table_size (st) == 0)
    return;
  keys = g_hash_table_get_keys_as_array (st, &n);
  qsort (keys, n, sizeof (gpointer), compare_keys);
  open_object (o, "raw");
  for (i = 0; i < n; i++)
    put_u64 (o, keys[i], keyed (st, keys[i]));
  close_object (o);
}

static void
add_memory (Out *o, const char *path)
{
  g_autoptr(GHashTable) st = read_keyed (path, "memory.stat");
  guint64 usage = 0, limit = 0, peak = 0, swap = 0, swap_limit = 0;
  gboolean has_memory = read_u64 (path, "memory.current", &usage);

  if (has_memory)
    {
      (void) read_u64 (path, "memory.max", &limit);
      (void) read_u64 (path, "memory.peak", &peak);
      /* As runc: swap as cgroup v1 counted it, memory+swap. */
      if (read_u64 (path, "memory.swap.current", &swap) && read_u64 (path, "memory.swap.max", &swap_limit))
        {
          swap += usage;
          if (swap_limit != G_MAXUINT64)
            swap_limit += limit;
        }
    }
  open_object (o, "memory");
  put_u64_nz (o, "cache", keyed (st, "file"));
  add_memory_entry (o, "usage", limit, usage, peak);
  add_memory_entry (o, "swap", swap_limit, swap, 0);
  add_memory_entry (o, "kernel", 0, 0, 0);
  add_memory_entry (o, "kernelTCP", 0, 0, 0);
  add_raw (o, st);
  close_object (o);
}

static guint64
count_procs (const char *path)
{
  g_autofree char *procs = uctr_cgroup_read (path, "cgroup.procs");
  g_auto(GStrv) lines = procs != NULL ? g_strsplit (procs, "\n", -1) : NULL;
  guint64 n = 0;
  guint i;

  for (i = 0; lines != NULL && lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      n++;
  return n;
}

static void
add_pids (Out *o, const char *path)
{
  guint64 current = 0, limit = 0;

  /* Without the pids controller, runc counts cgroup.procs. */
  if (!read_u64 (path, "pids.current", &current))
    current = count_procs (path);
  else
    (void) read_u64 (path, "pids.max", &limit);
  open_object (o, "pids");
  put_u64_nz (o, "current", current);
  put_u64_nz (o, "limit", limit);
  close_object (o);
}

static void
add_io_entries (Out *o, const char *key, char **lines, const char *read_key, const char *write_key)
{
  gboolean open = FALSE;
  guint i;
  int k;

  for (i = 0; lines != NULL && lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], " ", -1);
      guint64 major, minor;

      if (f[0] == NULL || sscanf (f[0], "%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, &major, &minor) != 2)
        continue;
      for (k = 0; k < 2; k++)
        {
          const char *want = k == 0 ? read_key : write_key;
          gsize wlen = strlen (want);
          guint j;

          for (j = 1; f[j] != NULL; j++)
            if (strncmp (f[j], want, wlen) == 0 && f[j][wlen] == '=')
              {
                if (!open)
                  open_array (o, key);
                open = TRUE;
                open_object (o, NULL);
                put_u64_nz (o, "major", major);
                put_u64_nz (o, "minor", minor);
                put_string (o, "op", k == 0 ? "Read" : "Write");
                put_u64_nz (o, "value", g_ascii_strtoull (f[j] + wlen + 1, NULL, 10));
                close_object (o);
              }
        }
    }
  if (open)
    close_array (o);
}

static void
add_blkio (Out *o, const char *path)
{
  g_autofree char *text = uctr_cgroup_read (path, "io.stat");
  g_auto(GStrv) lines = text != NULL ? g_strsplit (text, "\n", -1) : NULL;

  open_object (o, "blkio");
  add_io_entries (o, "ioServiceBytesRecursive", lines, "rbytes", "wbytes");
  add_io_entries (o, "ioServicedRecursive", lines, "rios", "wios");
  close_object (o);
}

/* hugetlb.<SIZE>.current for each page size: usage, and the times the limit
   was hit (hugetlb.<SIZE>.events "max") as runc's failcnt. */
static void
add_hugetlb (Out *o, const char *path)
{
  g_autoptr(GPtrArray) sizes = g_ptr_array_new_with_free_func (g_free);
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint i;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "hugetlb.") && g_str_has_suffix (name, ".current")
        && strstr (name, ".rsvd.") == NULL)
      g_ptr_array_add (sizes,
                       g_strndup (name + strlen ("hugetlb."), strlen (name) - strlen ("hugetlb..current")));
  if (dir != NULL)
    g_dir_close (dir);
  g_ptr_array_sort (sizes, compare_keys);
  open_object (o, "hugetlb");
  for (i = 0; i < sizes->len; i++)
    {
      const char *size = g_ptr_array_index (sizes, i);
      g_autofree char *current = g_strdup_printf ("hugetlb.%s.current", size);
      g_autofree char *events_file = g_strdup_printf ("hugetlb.%s.events", size);
      g_autoptr(GHashTable) events = read_keyed (path, events_file);
      guint64 usage = 0;

      (void) read_u64 (path, current, &usage);
      open_object (o, size);
      put_u64_nz (o, "usage", usage);
      put_u64 (o, "failcnt", keyed (events, "max"));
      close_object (o);
    }
  close_object (o);
}

char *
uctr_stats_json (const char *path)
{
  Out o = { g_string_new (NULL), FALSE };

  open_object (&o, NULL);
  add_cpu (&o, path);
  add_cpuset (&o, path);
  add_memory (&o, path);
  add_pids (&o, path);
  add_blkio (&o, path);
  add_hugetlb (&o, path);
  open_object (&o, "intel_rdt");
  close_object (&o);
  put_raw (&o, "network_interfaces", "null");
  close_object (&o);
  return g_string_free (o.s, FALSE);
}

guint64
uctr_stats_oom_kills (const char *path)
{
  g_autoptr(GHashTable) ev = read_keyed (path, "memory.events");

  return keyed (ev, "oom_kill");
}

char *
uctr_stats_event (const char *type, const char *id, const char *data)
{
  Out o = { g_string_new (NULL), FALSE };

  open_object (&o, NULL);
  put_string (&o, "type", type);
  put_string (&o, "id", id);
  if (data != NULL)
    put_raw (&o, "data", data);
  close_object (&o);
  return g_string_free (o.s, FALSE);
}
