/* uctr: linux.resources as cgroup v1 file writes, as runc's fs driver makes
 * them.  The spec's values are cgroup v1's own: nothing is converted, only
 * checked where the kernel would say less (EINVAL) than the spec allows.
 */
#include "cgroup/resources.h"
#include "base/json.h"
#include "base/util.h"

#include <string.h>

/* What runc allows every container whatever its config says, after the
   config's own rules: mknod of any node, and the devices every process
   expects (runc's specconv AllowedDevices). */
static const UctrDeviceRule default_devices[] = {
  { TRUE, 'c', -1, -1, "m" }, { TRUE, 'b', -1, -1, "m" },    { TRUE, 'c', 1, 3, "rwm" },
  { TRUE, 'c', 1, 8, "rwm" }, { TRUE, 'c', 1, 7, "rwm" },    { TRUE, 'c', 5, 0, "rwm" },
  { TRUE, 'c', 1, 5, "rwm" }, { TRUE, 'c', 1, 9, "rwm" },    { TRUE, 'c', 136, -1, "rwm" },
  { TRUE, 'c', 5, 2, "rwm" }, { TRUE, 'c', 10, 200, "rwm" },
};

static char *
int_text (gint64 v)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, v);
}

static gboolean
set (const UctrOptInt *o)
{
  return o->set && o->value != 0;
}

/* memory.memsw.limit_in_bytes must stay at least memory.limit_in_bytes at
   each step: cgroup.c writes the pair in the order the current values
   allow (uctr_cgroup_v1_apply). */
static gboolean
add_memory (const UctrResources *r, const char *where, GPtrArray *writes, GError **error)
{
  gint64 limit = r->memory_limit.set ? r->memory_limit.value : 0;
  gint64 swap = r->memory_swap.set ? r->memory_swap.value : 0;

  if (swap > 0 && limit > 0 && swap < limit)
    return uctr_json_invalid (error, where,
                              _("memory.swap: memory+swap (%lld) must be at least memory.limit (%lld)"),
                                 (long long) swap, (long long) limit);
  if (limit != 0)
    uctr_cgroup_write_add (writes, "memory", "memory.limit_in_bytes", int_text (limit), "memory.limit");
  if (swap != 0)
    uctr_cgroup_write_add (writes, "memory", "memory.memsw.limit_in_bytes", int_text (swap), "memory.swap");
  if (set (&r->memory_reservation))
    uctr_cgroup_write_add (writes, "memory", "memory.soft_limit_in_bytes",
                           int_text (r->memory_reservation.value), "memory.reservation");
  if (set (&r->memory_kernel))
    uctr_cgroup_write_add (writes, "memory", "memory.kmem.limit_in_bytes", int_text (r->memory_kernel.value),
                           "memory.kernel");
  if (set (&r->memory_kernel_tcp))
    uctr_cgroup_write_add (writes, "memory", "memory.kmem.tcp.limit_in_bytes",
                           int_text (r->memory_kernel_tcp.value), "memory.kernelTCP");
  if (r->memory_swappiness.set)
    {
      if (r->memory_swappiness.value > 100)
        return uctr_json_invalid (error, where,
                                  _("memory.swappiness: must be from 0 to 100, not %lld"),
                                     (long long) r->memory_swappiness.value);
      uctr_cgroup_write_add (writes, "memory", "memory.swappiness", int_text (r->memory_swappiness.value),
                             "memory.swappiness");
    }
  if (r->memory_disable_oom_killer.set && r->memory_disable_oom_killer.value)
    uctr_cgroup_write_add (writes, "memory", "memory.oom_control", g_strdup ("1"), "memory.disableOOMKiller");
  return TRUE;
}

static void
add_cpu (const UctrResources *r, GPtrArray *writes)
{
  if (set (&r->cpu_shares))
    uctr_cgroup_write_add (writes, "cpu", "cpu.shares", int_text (r->cpu_shares.value), "cpu.shares");
  /* The period first: a quota is checked against it. */
  if (set (&r->cpu_period))
    uctr_cgroup_write_add (writes, "cpu", "cpu.cfs_period_us", int_text (r->cpu_period.value), "cpu.period");
  if (set (&r->cpu_quota))
    uctr_cgroup_write_add (writes, "cpu", "cpu.cfs_quota_us", int_text (r->cpu_quota.value), "cpu.quota");
  if (set (&r->cpu_rt_period))
    uctr_cgroup_write_add (writes, "cpu", "cpu.rt_period_us", int_text (r->cpu_rt_period.value),
                           "cpu.realtimePeriod");
  if (set (&r->cpu_rt_runtime))
    uctr_cgroup_write_add (writes, "cpu", "cpu.rt_runtime_us", int_text (r->cpu_rt_runtime.value),
                           "cpu.realtimeRuntime");
  if (r->cpu_idle.set)
    uctr_cgroup_write_add (writes, "cpu", "cpu.idle", int_text (r->cpu_idle.value), "cpu.idle");
  if (r->cpu_cpus != NULL && r->cpu_cpus[0] != '\0')
    uctr_cgroup_write_add (writes, "cpuset", "cpuset.cpus", g_strdup (r->cpu_cpus), "cpu.cpus");
  if (r->cpu_mems != NULL && r->cpu_mems[0] != '\0')
    uctr_cgroup_write_add (writes, "cpuset", "cpuset.mems", g_strdup (r->cpu_mems), "cpu.mems");
}

static const char *const throttle_files[UCTR_THROTTLE_N] = {
  [UCTR_THROTTLE_READ_BPS] = "blkio.throttle.read_bps_device",
  [UCTR_THROTTLE_WRITE_BPS] = "blkio.throttle.write_bps_device",
  [UCTR_THROTTLE_READ_IOPS] = "blkio.throttle.read_iops_device",
  [UCTR_THROTTLE_WRITE_IOPS] = "blkio.throttle.write_iops_device",
};

static const char *const throttle_whats[UCTR_THROTTLE_N] = {
  [UCTR_THROTTLE_READ_BPS] = "blockIO.throttleReadBpsDevice",
  [UCTR_THROTTLE_WRITE_BPS] = "blockIO.throttleWriteBpsDevice",
  [UCTR_THROTTLE_READ_IOPS] = "blockIO.throttleReadIOPSDevice",
  [UCTR_THROTTLE_WRITE_IOPS] = "blockIO.throttleWriteIOPSDevice",
};

static gboolean
check_weight (gint64 w, const char *what, const char *where, GError **error)
{
  if (w != 0 && (w < 10 || w > 1000))
    return uctr_json_invalid (error, where, _("%s: must be from 10 to 1000, not %lld"), what, (long long) w);
  return TRUE;
}

static gboolean
add_blkio (const UctrResources *r, const char *where, GPtrArray *writes, GError **error)
{
  guint i;
  int t;

  if (set (&r->blkio_weight))
    {
      UctrCgroupWrite *w;

      if (!check_weight (r->blkio_weight.value, "blockIO.weight", where, error))
        return FALSE;
      /* CFQ's file, gone with the legacy block layer; BFQ's where it is not. */
      w = uctr_cgroup_write_add (writes, "blkio", "blkio.weight", int_text (r->blkio_weight.value),
                                 "blockIO.weight");
      w->alt_file = g_strdup ("blkio.bfq.weight");
      w->alt_value = int_text (r->blkio_weight.value);
    }
  if (set (&r->blkio_leaf_weight))
    {
      if (!check_weight (r->blkio_leaf_weight.value, "blockIO.leafWeight", where, error))
        return FALSE;
      uctr_cgroup_write_add (writes, "blkio", "blkio.leaf_weight", int_text (r->blkio_leaf_weight.value),
                             "blockIO.leafWeight");
    }
  for (i = 0; i < r->weight_devices->len; i++)
    {
      const UctrDeviceValue *d = &g_array_index (r->weight_devices, UctrDeviceValue, i);
      UctrCgroupWrite *w;

      if (!check_weight (d->value, "blockIO.weightDevice", where, error))
        return FALSE;
      w = uctr_cgroup_write_add (writes, "blkio", "blkio.weight_device",
                                 g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT
                                                  " %" G_GINT64_FORMAT,
                                                  d->major, d->minor, d->value),
                                 "blockIO.weightDevice");
      w->alt_file = g_strdup ("blkio.bfq.weight_device");
      w->alt_value = g_strdup (w->value);
    }
  for (t = 0; t < UCTR_THROTTLE_N; t++)
    for (i = 0; i < r->throttle[t]->len; i++)
      {
        const UctrDeviceValue *d = &g_array_index (r->throttle[t], UctrDeviceValue, i);

        uctr_cgroup_write_add (writes, "blkio", throttle_files[t],
                               g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
                                                d->major, d->minor, d->value),
                               throttle_whats[t]);
      }
  return TRUE;
}

static void
add_others (const UctrResources *r, GPtrArray *writes)
{
  guint i;

  if (r->pids_limit.set)
    uctr_cgroup_write_add (writes, "pids", "pids.max",
                           r->pids_limit.value > 0 ? int_text (r->pids_limit.value) : g_strdup ("max"),
                           "pids.limit");
  for (i = 0; i < r->hugepage_sizes->len; i++)
    {
      g_autofree char *file = g_strdup_printf ("hugetlb.%s.limit_in_bytes",
                                               (const char *) g_ptr_array_index (r->hugepage_sizes, i));

      uctr_cgroup_write_add (writes, "hugetlb", file,
                             int_text (g_array_index (r->hugepage_limits, gint64, i)), "hugepageLimits");
    }
  if (set (&r->net_class_id))
    uctr_cgroup_write_add (writes, "net_cls", "net_cls.classid", int_text (r->net_class_id.value),
                           "network.classID");
  for (i = 0; i < r->net_prio_names->len; i++)
    uctr_cgroup_write_add (writes, "net_prio", "net_prio.ifpriomap",
                           g_strdup_printf ("%s %" G_GINT64_FORMAT,
                                            (const char *) g_ptr_array_index (r->net_prio_names, i),
                                            g_array_index (r->net_prio_values, gint64, i)),
                           "network.priorities");
}

/* "c 1:3 rwm", "a *:* rwm" as devices.allow and devices.deny take them. */
static char *
device_rule_text (const UctrDeviceRule *d)
{
  g_autofree char *major = d->major >= 0 ? int_text (d->major) : g_strdup ("*");
  g_autofree char *minor = d->minor >= 0 ? int_text (d->minor) : g_strdup ("*");

  return g_strdup_printf ("%c %s:%s %s", d->type, major, minor, d->access);
}

GArray *
uctr_resources_device_rules (const UctrResources *r)
{
  GArray *rules = g_array_new (FALSE, FALSE, sizeof (UctrDeviceRule));

  g_array_append_vals (rules, r->devices->data, r->devices->len);
  g_array_append_vals (rules, default_devices, G_N_ELEMENTS (default_devices));
  return rules;
}

/* Everything denied, then the rules in order, each in the file of its kind:
   the devices cgroup applies them as they come, a type-'a' rule resetting
   the list, which is what the spec's later-rules-win order asks. */
static void
add_device_rules (const UctrResources *r, GPtrArray *writes)
{
  static const UctrDeviceRule deny_all = { FALSE, 'a', -1, -1, "rwm" };
  g_autoptr(GArray) rules = uctr_resources_device_rules (r);
  guint i;

  uctr_cgroup_write_add (writes, "devices", "devices.deny", device_rule_text (&deny_all), "devices");
  for (i = 0; i < rules->len; i++)
    {
      const UctrDeviceRule *d = &g_array_index (rules, UctrDeviceRule, i);

      uctr_cgroup_write_add (writes, "devices", d->allow ? "devices.allow" : "devices.deny",
                             device_rule_text (d), "devices");
    }
}

GPtrArray *
uctr_resources_writes_v1 (const UctrResources *r, gboolean devices, const char *where, GError **error)
{
  g_autoptr(GPtrArray) writes = g_ptr_array_new_with_free_func ((GDestroyNotify) uctr_cgroup_write_free);

  if (r->unified_keys->len > 0)
    {
      uctr_json_invalid (error, where,
                         _("unified: cgroup v1 has no such files (this host's controllers are "
                                         "cgroup v1 hierarchies); use the members of linux.resources"));
      return NULL;
    }
  if (!add_memory (r, where, writes, error) || !add_blkio (r, where, writes, error))
    return NULL;
  add_cpu (r, writes);
  add_others (r, writes);
  if (devices)
    add_device_rules (r, writes);
  return g_steal_pointer (&writes);
}
