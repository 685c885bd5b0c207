/* uctr: a cgroup v2's statistics as runc's `events` prints them.  The keys
   and their order are those of runc's types.Stats as Go encodes them: zero
   values of "omitempty" fields left out, map keys sorted, unsigned 64-bit
   numbers (a "max" limit is 18446744073709551615) written as they are. */
#include "cgroup/stats.h"
#include "cgroup/statsout.h"
#include "cgroup/cgroup.h"
#include "base/json.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The sections */

static void
add_cpu (UctrStatsOut *o, const char *path)
{
  g_autoptr(GHashTable) st = uctr_out_read_keyed (path, "cpu.stat");

  uctr_out_open_object (o, "cpu");
  uctr_out_open_object (o, "usage");
  uctr_out_u64_nz (o, "total", uctr_out_keyed (st, "usage_usec") * 1000);
  uctr_out_u64 (o, "kernel", uctr_out_keyed (st, "system_usec") * 1000);
  uctr_out_u64 (o, "user", uctr_out_keyed (st, "user_usec") * 1000);
  uctr_out_close_object (o);
  uctr_out_open_object (o, "throttling");
  uctr_out_u64_nz (o, "periods", uctr_out_keyed (st, "nr_periods"));
  uctr_out_u64_nz (o, "throttledPeriods", uctr_out_keyed (st, "nr_throttled"));
  uctr_out_u64_nz (o, "throttledTime", uctr_out_keyed (st, "throttled_usec") * 1000);
  uctr_out_close_object (o);
  uctr_out_close_object (o);
}

static void
add_cpuset (UctrStatsOut *o, const char *path)
{
  static const char *const zeros[]
      = { "mem_hardwall",       "mem_exclusive",   "memory_migrate",     "memory_spread_page",
          "memory_spread_slab", "memory_pressure", "sched_load_balance", "sched_relax_domain_level" };
  gsize i;

  uctr_out_open_object (o, "cpuset");
  uctr_out_cpu_list (o, "cpus", path, "cpuset.cpus.effective");
  uctr_out_u64 (o, "cpu_exclusive", 0);
  uctr_out_cpu_list (o, "mems", path, "cpuset.mems.effective");
  for (i = 0; i < G_N_ELEMENTS (zeros); i++)
    uctr_out_u64 (o, zeros[i], 0);
  uctr_out_close_object (o);
}

static void
add_memory_entry (UctrStatsOut *o, const char *key, guint64 limit, guint64 usage, guint64 max)
{
  uctr_out_open_object (o, key);
  uctr_out_u64 (o, "limit", limit);
  uctr_out_u64_nz (o, "usage", usage);
  uctr_out_u64_nz (o, "max", max);
  uctr_out_u64 (o, "failcnt", 0);
  uctr_out_close_object (o);
}

static void
add_memory (UctrStatsOut *o, const char *path)
{
  g_autoptr(GHashTable) st = uctr_out_read_keyed (path, "memory.stat");
  guint64 usage = 0, limit = 0, peak = 0, swap = 0, swap_limit = 0;
  gboolean has_memory = uctr_out_read_u64 (path, "memory.current", &usage);

  if (has_memory)
    {
      (void) uctr_out_read_u64 (path, "memory.max", &limit);
      (void) uctr_out_read_u64 (path, "memory.peak", &peak);
      /* As runc: swap as cgroup v1 counted it, memory+swap. */
      if (uctr_out_read_u64 (path, "memory.swap.current", &swap)
          && uctr_out_read_u64 (path, "memory.swap.max", &swap_limit))
        {
          swap += usage;
          if (swap_limit != G_MAXUINT64)
            swap_limit += limit;
        }
    }
  uctr_out_open_object (o, "memory");
  uctr_out_u64_nz (o, "cache", uctr_out_keyed (st, "file"));
  add_memory_entry (o, "usage", limit, usage, peak);
  add_memory_entry (o, "swap", swap_limit, swap, 0);
  add_memory_entry (o, "kernel", 0, 0, 0);
  add_memory_entry (o, "kernelTCP", 0, 0, 0);
  uctr_out_raw_table (o, st);
  uctr_out_close_object (o);
}

static void
add_pids (UctrStatsOut *o, const char *path)
{
  guint64 current = 0, limit = 0;

  /* Without the pids controller, runc counts cgroup.procs. */
  if (!uctr_out_read_u64 (path, "pids.current", &current))
    current = uctr_out_count_procs (path);
  else
    (void) uctr_out_read_u64 (path, "pids.max", &limit);
  uctr_out_open_object (o, "pids");
  uctr_out_u64_nz (o, "current", current);
  uctr_out_u64_nz (o, "limit", limit);
  uctr_out_close_object (o);
}

static void
add_io_entries (UctrStatsOut *o, const char *key, char **lines, const char *read_key, const char *write_key)
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
                  uctr_out_open_array (o, key);
                open = TRUE;
                uctr_out_open_object (o, NULL);
                uctr_out_u64_nz (o, "major", major);
                uctr_out_u64_nz (o, "minor", minor);
                uctr_out_string (o, "op", k == 0 ? "Read" : "Write");
                uctr_out_u64_nz (o, "value", g_ascii_strtoull (f[j] + wlen + 1, NULL, 10));
                uctr_out_close_object (o);
              }
        }
    }
  if (open)
    uctr_out_close_array (o);
}

static void
add_blkio (UctrStatsOut *o, const char *path)
{
  g_autofree char *text = uctr_cgroup_read (path, "io.stat");
  g_auto(GStrv) lines = text != NULL ? g_strsplit (text, "\n", -1) : NULL;

  uctr_out_open_object (o, "blkio");
  add_io_entries (o, "ioServiceBytesRecursive", lines, "rbytes", "wbytes");
  add_io_entries (o, "ioServicedRecursive", lines, "rios", "wios");
  uctr_out_close_object (o);
}

/* hugetlb.<SIZE>.current for each page size: usage, and the times the limit
   was hit (hugetlb.<SIZE>.events "max") as runc's failcnt. */
static void
add_hugetlb (UctrStatsOut *o, const char *path)
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
  g_ptr_array_sort (sizes, uctr_out_compare_keys);
  uctr_out_open_object (o, "hugetlb");
  for (i = 0; i < sizes->len; i++)
    {
      const char *size = g_ptr_array_index (sizes, i);
      g_autofree char *current = g_strdup_printf ("hugetlb.%s.current", size);
      g_autofree char *events_file = g_strdup_printf ("hugetlb.%s.events", size);
      g_autoptr(GHashTable) events = uctr_out_read_keyed (path, events_file);
      guint64 usage = 0;

      (void) uctr_out_read_u64 (path, current, &usage);
      uctr_out_open_object (o, size);
      uctr_out_u64_nz (o, "usage", usage);
      uctr_out_u64 (o, "failcnt", uctr_out_keyed (events, "max"));
      uctr_out_close_object (o);
    }
  uctr_out_close_object (o);
}

char *
uctr_stats_json (const char *path)
{
  UctrStatsOut o = { g_string_new (NULL), FALSE };

  uctr_out_open_object (&o, NULL);
  add_cpu (&o, path);
  add_cpuset (&o, path);
  add_memory (&o, path);
  add_pids (&o, path);
  add_blkio (&o, path);
  add_hugetlb (&o, path);
  return uctr_out_finish_stats (&o);
}

guint64
uctr_stats_oom_kills (const char *path)
{
  g_autoptr(GHashTable) ev = uctr_out_read_keyed (path, "memory.events");

  return uctr_out_keyed (ev, "oom_kill");
}

char *
uctr_stats_event (const char *type, const char *id, const char *data)
{
  UctrStatsOut o = { g_string_new (NULL), FALSE };

  uctr_out_open_object (&o, NULL);
  uctr_out_string (&o, "type", type);
  uctr_out_string (&o, "id", id);
  if (data != NULL)
    uctr_out_raw (&o, "data", data);
  uctr_out_close_object (&o);
  return g_string_free (o.s, FALSE);
}
