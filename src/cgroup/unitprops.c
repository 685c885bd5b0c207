/* uctr: linux.resources as systemd unit properties (see unitprops.h). */
#include "cgroup/unitprops.h"
#include "cgroup/resources.h"

#include <string.h>

#define USEC_PER_SEC 1000000u

/* "max" or a number, as the cgroup files take them; FALSE otherwise. */
static gboolean
parse_limit (const char *text, guint64 *out)
{
  if (strcmp (text, "max") == 0)
    {
      *out = G_MAXUINT64;
      return TRUE;
    }
  return g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, out, NULL);
}

/* "0-3,5" as the byte array systemd's AllowedCPUs takes: bit N of byte N/8. */
static GVariant *
cpu_mask (const char *list)
{
  g_auto(GStrv) ranges = g_strsplit (list, ",", -1);
  g_autoptr(GByteArray) mask = g_byte_array_new ();

  for (gsize i = 0; ranges[i] != NULL; i++)
    {
      guint64 lo, hi;
      char *dash = strchr (ranges[i], '-');

      if (dash != NULL)
        *dash = '\0';
      if (!g_ascii_string_to_unsigned (g_strstrip (ranges[i]), 10, 0, 8191, &lo, NULL)
          || !g_ascii_string_to_unsigned (dash != NULL ? g_strstrip (dash + 1) : ranges[i], 10, lo, 8191, &hi,
                                          NULL))
        return NULL;
      for (guint64 n = lo; n <= hi; n++)
        {
          guint8 zero = 0;

          while (mask->len <= n / 8)
            g_byte_array_append (mask, &zero, 1);
          mask->data[n / 8] |= (guint8) (1u << (n % 8));
        }
    }
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, mask->data, mask->len, 1);
}

static const struct
{
  const char *file;
  const char *property;
} limits[] = {
  { "memory.max", "MemoryMax" },          { "memory.high", "MemoryHigh" }, { "memory.low", "MemoryLow" },
  { "memory.swap.max", "MemorySwapMax" }, { "pids.max", "TasksMax" },      { "cpu.weight", "CPUWeight" },
};

/* cpu.max "QUOTA PERIOD": the quota as a share of a second, and the period. */
static guint
add_cpu_max (GVariantBuilder *b, const char *value)
{
  g_auto(GStrv) parts = g_strsplit (value, " ", 2);
  guint64 quota, period;
  guint n = 0;

  if (parts[0] == NULL || parts[1] == NULL || !parse_limit (parts[0], &quota)
      || !g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXUINT32, &period, NULL))
    return 0;
  if (quota != G_MAXUINT64)
    {
      g_variant_builder_add (b, "(sv)", "CPUQuotaPerSecUSec",
                             g_variant_new_uint64 (quota * USEC_PER_SEC / period));
      n++;
    }
  g_variant_builder_add (b, "(sv)", "CPUQuotaPeriodUSec", g_variant_new_uint64 (period));
  return n + 1;
}

static guint
add_one (GVariantBuilder *b, const UctrCgroupWrite *w)
{
  guint64 v;
  GVariant *mask;

  for (gsize i = 0; i < G_N_ELEMENTS (limits); i++)
    if (strcmp (w->file, limits[i].file) == 0 && parse_limit (w->value, &v))
      {
        g_variant_builder_add (b, "(sv)", limits[i].property, g_variant_new_uint64 (v));
        return 1;
      }
  if (strcmp (w->file, "cpu.max") == 0)
    return add_cpu_max (b, w->value);
  if ((strcmp (w->file, "cpuset.cpus") == 0 || strcmp (w->file, "cpuset.mems") == 0)
      && (mask = cpu_mask (w->value)) != NULL)
    {
      g_variant_builder_add (b, "(sv)", w->file[7] == 'c' ? "AllowedCPUs" : "AllowedMemoryNodes", mask);
      return 1;
    }
  /* The default weight ("N"); "MAJ:MIN N" lines are IODeviceWeight's, left to the file. */
  if (strcmp (w->file, "io.weight") == 0
      && g_ascii_string_to_unsigned (g_str_has_prefix (w->value, "default ") ? w->value + 8 : w->value, 10, 1,
                                     10000, &v, NULL))
    {
      g_variant_builder_add (b, "(sv)", "IOWeight", g_variant_new_uint64 (v));
      return 1;
    }
  return 0;
}

guint
uctr_unit_add_resources (GVariantBuilder *b, const GPtrArray *writes)
{
  guint n = 0;

  for (guint i = 0; writes != NULL && i < writes->len; i++)
    n += add_one (b, g_ptr_array_index (writes, i));
  return n;
}
