/* uctr: a container's cgroup v1 statistics as runc's `events` prints them
   (runc's fs driver's GetStats), in the shapes of stats.c. */
#include "cgroup/stats.h"
#include "cgroup/statsout.h"
#include "cgroup/cgroup.h"
#include "cgroup/v1.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* "1 2 3" (cpuacct.usage_percpu) as an array; nothing when empty. */
static void
add_numbers (UctrStatsOut *o, const char *key, const char *dir, const char *file)
{
  g_autofree char *text = dir != NULL ? uctr_cgroup_read (dir, file) : NULL;
  g_auto(GStrv) words = text != NULL ? g_strsplit_set (g_strstrip (text), " \n", -1) : NULL;
  guint i;

  if (words == NULL || words[0] == NULL || words[0][0] == '\0')
    return;
  uctr_out_open_array (o, key);
  for (i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0')
      uctr_out_u64 (o, NULL, g_ascii_strtoull (words[i], NULL, 10));
  uctr_out_close_array (o);
}

static void
add_cpu (UctrStatsOut *o, GPtrArray *dirs)
{
  const char *acct = uctr_cgroup_v1_find (dirs, "cpuacct");
  const char *cpu = uctr_cgroup_v1_find (dirs, "cpu");
  g_autoptr(GHashTable) ticks = acct != NULL ? uctr_out_read_keyed (acct, "cpuacct.stat") : NULL;
  g_autoptr(GHashTable) st = cpu != NULL ? uctr_out_read_keyed (cpu, "cpu.stat") : NULL;
  guint64 total = 0;
  /* cpuacct.stat counts USER_HZ ticks. */
  guint64 ns_per_tick = 1000000000 / (guint64) MAX (sysconf (_SC_CLK_TCK), 1);

  if (acct != NULL)
    (void) uctr_out_read_u64 (acct, "cpuacct.usage", &total);
  uctr_out_open_object (o, "cpu");
  uctr_out_open_object (o, "usage");
  uctr_out_u64_nz (o, "total", total);
  add_numbers (o, "percpu", acct, "cpuacct.usage_percpu");
  add_numbers (o, "percpu_kernel", acct, "cpuacct.usage_percpu_sys");
  add_numbers (o, "percpu_user", acct, "cpuacct.usage_percpu_user");
  uctr_out_u64 (o, "kernel", ticks != NULL ? uctr_out_keyed (ticks, "system") * ns_per_tick : 0);
  uctr_out_u64 (o, "user", ticks != NULL ? uctr_out_keyed (ticks, "user") * ns_per_tick : 0);
  uctr_out_close_object (o);
  uctr_out_open_object (o, "throttling");
  if (st != NULL)
    {
      uctr_out_u64_nz (o, "periods", uctr_out_keyed (st, "nr_periods"));
      uctr_out_u64_nz (o, "throttledPeriods", uctr_out_keyed (st, "nr_throttled"));
      uctr_out_u64_nz (o, "throttledTime", uctr_out_keyed (st, "throttled_time"));
    }
  uctr_out_close_object (o);
  uctr_out_close_object (o);
}

static guint64
read_or_zero (const char *dir, const char *file)
{
  guint64 v = 0;

  if (dir != NULL)
    (void) uctr_out_read_u64 (dir, file, &v);
  return v;
}

static void
add_cpuset (UctrStatsOut *o, GPtrArray *dirs)
{
  static const char *const flags[]
      = { "mem_hardwall",       "mem_exclusive",   "memory_migrate",     "memory_spread_page",
          "memory_spread_slab", "memory_pressure", "sched_load_balance", "sched_relax_domain_level" };
  const char *dir = uctr_cgroup_v1_find (dirs, "cpuset");
  gsize i;

  uctr_out_open_object (o, "cpuset");
  if (dir != NULL)
    uctr_out_cpu_list (o, "cpus", dir, "cpuset.cpus");
  uctr_out_u64 (o, "cpu_exclusive", read_or_zero (dir, "cpuset.cpu_exclusive"));
  if (dir != NULL)
    uctr_out_cpu_list (o, "mems", dir, "cpuset.mems");
  for (i = 0; i < G_N_ELEMENTS (flags); i++)
    {
      g_autofree char *file = g_strdup_printf ("cpuset.%s", flags[i]);
      g_autofree char *text = dir != NULL ? uctr_cgroup_read (dir, file) : NULL;
      /* sched_relax_domain_level is signed: -1 is the system's default. */
      g_autofree char *number
          = g_strdup_printf ("%" G_GINT64_FORMAT, text != NULL ? g_ascii_strtoll (text, NULL, 10) : 0);

      uctr_out_raw (o, flags[i], number);
    }
  uctr_out_close_object (o);
}

/* PREFIX.limit_in_bytes, .usage_in_bytes, .max_usage_in_bytes, .failcnt. */
static void
add_memory_entry (UctrStatsOut *o, const char *key, const char *dir, const char *prefix)
{
  g_autofree char *limit = g_strconcat (prefix, ".limit_in_bytes", NULL);
  g_autofree char *usage = g_strconcat (prefix, ".usage_in_bytes", NULL);
  g_autofree char *max = g_strconcat (prefix, ".max_usage_in_bytes", NULL);
  g_autofree char *failcnt = g_strconcat (prefix, ".failcnt", NULL);

  uctr_out_open_object (o, key);
  uctr_out_u64 (o, "limit", read_or_zero (dir, limit));
  uctr_out_u64_nz (o, "usage", read_or_zero (dir, usage));
  uctr_out_u64_nz (o, "max", read_or_zero (dir, max));
  uctr_out_u64 (o, "failcnt", read_or_zero (dir, failcnt));
  uctr_out_close_object (o);
}

static void
add_memory (UctrStatsOut *o, GPtrArray *dirs)
{
  const char *dir = uctr_cgroup_v1_find (dirs, "memory");
  g_autoptr(GHashTable) st = dir != NULL ? uctr_out_read_keyed (dir, "memory.stat") : NULL;

  uctr_out_open_object (o, "memory");
  uctr_out_u64_nz (o, "cache", st != NULL ? uctr_out_keyed (st, "cache") : 0);
  add_memory_entry (o, "usage", dir, "memory");
  add_memory_entry (o, "swap", dir, "memory.memsw");
  add_memory_entry (o, "kernel", dir, "memory.kmem");
  add_memory_entry (o, "kernelTCP", dir, "memory.kmem.tcp");
  if (st != NULL)
    uctr_out_raw_table (o, st);
  uctr_out_close_object (o);
}

static void
add_pids (UctrStatsOut *o, GPtrArray *dirs)
{
  const char *dir = uctr_cgroup_v1_find (dirs, "pids");
  guint64 current = 0, limit = 0;

  if (dir != NULL)
    {
      (void) uctr_out_read_u64 (dir, "pids.current", &current);
      /* "max" is no limit: runc says 0. */
      if (uctr_out_read_u64 (dir, "pids.max", &limit) && limit == G_MAXUINT64)
        limit = 0;
    }
  else if (dirs->len > 0)
    current = uctr_out_count_procs (((const UctrCgroupV1Dir *) g_ptr_array_index (dirs, 0))->path);
  uctr_out_open_object (o, "pids");
  uctr_out_u64_nz (o, "current", current);
  uctr_out_u64_nz (o, "limit", limit);
  uctr_out_close_object (o);
}

/* "8:0 Read 4096" lines; the trailing "Total N" has no device and is left out. */
static gboolean
add_blkio_entries (UctrStatsOut *o, const char *key, const char *dir, const char *file)
{
  g_autofree char *text = uctr_cgroup_read (dir, file);
  g_auto(GStrv) lines = text != NULL ? g_strsplit (text, "\n", -1) : NULL;
  gboolean open = FALSE;
  guint i;

  for (i = 0; lines != NULL && lines[i] != NULL; i++)
    {
      guint64 major, minor, value;
      char op[32];

      if (sscanf (lines[i], "%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT " %31s %" G_GUINT64_FORMAT, &major,
                  &minor, op, &value)
          != 4)
        continue;
      if (!open)
        uctr_out_open_array (o, key);
      open = TRUE;
      uctr_out_open_object (o, NULL);
      uctr_out_u64_nz (o, "major", major);
      uctr_out_u64_nz (o, "minor", minor);
      uctr_out_string (o, "op", op);
      uctr_out_u64_nz (o, "value", value);
      uctr_out_close_object (o);
    }
  if (open)
    uctr_out_close_array (o);
  return open;
}

static void
add_blkio (UctrStatsOut *o, GPtrArray *dirs)
{
  const char *dir = uctr_cgroup_v1_find (dirs, "blkio");

  uctr_out_open_object (o, "blkio");
  /* CFQ's counters, empty (or gone) under other schedulers: then the
     throttle layer's, which count every request. */
  if (dir != NULL
      && !add_blkio_entries (o, "ioServiceBytesRecursive", dir, "blkio.io_service_bytes_recursive"))
    {
      (void) add_blkio_entries (o, "ioServiceBytesRecursive", dir,
                                "blkio.throttle.io_service_bytes_recursive");
      (void) add_blkio_entries (o, "ioServicedRecursive", dir, "blkio.throttle.io_serviced_recursive");
    }
  else if (dir != NULL)
    (void) add_blkio_entries (o, "ioServicedRecursive", dir, "blkio.io_serviced_recursive");
  uctr_out_close_object (o);
}

static void
add_hugetlb (UctrStatsOut *o, GPtrArray *dirs)
{
  const char *path = uctr_cgroup_v1_find (dirs, "hugetlb");
  g_autoptr(GPtrArray) sizes = g_ptr_array_new_with_free_func (g_free);
  GDir *dir = path != NULL ? g_dir_open (path, 0, NULL) : NULL;
  const char *name;
  guint i;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "hugetlb.") && g_str_has_suffix (name, ".limit_in_bytes")
        && strstr (name, ".rsvd.") == NULL)
      g_ptr_array_add (sizes, g_strndup (name + strlen ("hugetlb."),
                                         strlen (name) - strlen ("hugetlb..limit_in_bytes")));
  if (dir != NULL)
    g_dir_close (dir);
  g_ptr_array_sort (sizes, uctr_out_compare_keys);
  uctr_out_open_object (o, "hugetlb");
  for (i = 0; i < sizes->len; i++)
    {
      g_autofree char *prefix = g_strdup_printf ("hugetlb.%s", (const char *) g_ptr_array_index (sizes, i));
      g_autofree char *usage = g_strconcat (prefix, ".usage_in_bytes", NULL);
      g_autofree char *max = g_strconcat (prefix, ".max_usage_in_bytes", NULL);
      g_autofree char *failcnt = g_strconcat (prefix, ".failcnt", NULL);

      uctr_out_open_object (o, g_ptr_array_index (sizes, i));
      uctr_out_u64_nz (o, "usage", read_or_zero (path, usage));
      uctr_out_u64_nz (o, "max", read_or_zero (path, max));
      uctr_out_u64 (o, "failcnt", read_or_zero (path, failcnt));
      uctr_out_close_object (o);
    }
  uctr_out_close_object (o);
}

char *
uctr_stats_v1_json (GPtrArray *dirs)
{
  UctrStatsOut o = { g_string_new (NULL), FALSE };

  uctr_out_open_object (&o, NULL);
  add_cpu (&o, dirs);
  add_cpuset (&o, dirs);
  add_memory (&o, dirs);
  add_pids (&o, dirs);
  add_blkio (&o, dirs);
  add_hugetlb (&o, dirs);
  return uctr_out_finish_stats (&o);
}

guint64
uctr_stats_v1_oom_kills (GPtrArray *dirs)
{
  const char *dir = uctr_cgroup_v1_find (dirs, "memory");
  g_autoptr(GHashTable) st = dir != NULL ? uctr_out_read_keyed (dir, "memory.oom_control") : NULL;

  return st != NULL ? uctr_out_keyed (st, "oom_kill") : 0;
}
