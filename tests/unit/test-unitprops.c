/* linux.resources as the systemd unit properties of --systemd-cgroup's scope. */
#include "cgroup/resources.h"
#include "cgroup/unitprops.h"

#include <string.h>

static UctrCgroupWrite *
write_new (const char *file, const char *value)
{
  UctrCgroupWrite *w = g_new0 (UctrCgroupWrite, 1);

  w->file = g_strdup (file);
  w->value = g_strdup (value);
  return w;
}

static char *
properties_of (GPtrArray *writes, guint *n)
{
  GVariantBuilder b;
  g_autoptr(GVariant) v = NULL;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(sv)"));
  *n = uctr_unit_add_resources (&b, writes);
  v = g_variant_ref_sink (g_variant_builder_end (&b));
  return g_variant_print (v, TRUE);
}

static void
test_properties (void)
{
  g_autoptr(GPtrArray) writes = g_ptr_array_new_with_free_func ((GDestroyNotify) uctr_cgroup_write_free);
  g_autofree char *text = NULL;
  guint n;

  g_ptr_array_add (writes, write_new ("memory.max", "536870912"));
  g_ptr_array_add (writes, write_new ("memory.swap.max", "max"));
  g_ptr_array_add (writes, write_new ("memory.low", "1048576"));
  g_ptr_array_add (writes, write_new ("pids.max", "100"));
  g_ptr_array_add (writes, write_new ("cpu.weight", "39"));
  g_ptr_array_add (writes, write_new ("cpu.max", "50000 100000"));
  g_ptr_array_add (writes, write_new ("cpuset.cpus", "0-2,9"));
  g_ptr_array_add (writes, write_new ("cpuset.mems", "0"));
  g_ptr_array_add (writes, write_new ("io.weight", "500"));
  g_ptr_array_add (writes, write_new ("io.weight", "8:0 300"));       /* a device's: no property */
  g_ptr_array_add (writes, write_new ("hugetlb.2MB.max", "1048576")); /* none either */
  text = properties_of (writes, &n);
  g_assert_cmpstr (text, ==,
                   "[('MemoryMax', <uint64 536870912>), ('MemorySwapMax', <uint64 18446744073709551615>), "
                   "('MemoryLow', <uint64 1048576>), ('TasksMax', <uint64 100>), ('CPUWeight', <uint64 39>), "
                   "('CPUQuotaPerSecUSec', <uint64 500000>), ('CPUQuotaPeriodUSec', <uint64 100000>), "
                   "('AllowedCPUs', <[byte 0x07, 0x02]>), ('AllowedMemoryNodes', <[byte 0x01]>), "
                   "('IOWeight', <uint64 500>)]");
  g_assert_cmpuint (n, ==, 10);
}

static void
test_unlimited_quota_and_nothing (void)
{
  g_autoptr(GPtrArray) writes = g_ptr_array_new_with_free_func ((GDestroyNotify) uctr_cgroup_write_free);
  g_autofree char *empty = NULL;
  g_autofree char *text = NULL;
  guint n;

  empty = properties_of (writes, &n);
  g_assert_cmpstr (empty, ==, "@a(sv) []");
  g_assert_cmpuint (n, ==, 0);
  g_ptr_array_add (writes, write_new ("cpu.max", "max 20000"));
  g_ptr_array_add (writes, write_new ("cpuset.cpus", "bogus"));
  text = properties_of (writes, &n);
  g_assert_cmpstr (text, ==, "[('CPUQuotaPeriodUSec', <uint64 20000>)]");
  g_assert_cmpuint (n, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/unitprops/properties", test_properties);
  g_test_add_func ("/unitprops/unlimited-quota-and-nothing", test_unlimited_quota_and_nothing);
  return g_test_run ();
}
