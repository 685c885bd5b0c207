/* uctr: linux.resources and runc's update flags as cgroup v2 file writes.
 *
 * The values are the runtime-spec's, which were cgroup v1's: cpu shares,
 * memory+swap, blkio weights.  They are converted as runc converts them, so
 * a bundle gets the same cgroup v2 values under uctr as under runc.
 */
#include "cgroup/resources.h"
#include "base/json.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_CPU_PERIOD 100000

typedef struct
{
  const char *group; /* member of linux.resources: "memory" */
  const char *name;  /* member of that: "limit" */
  gsize offset;      /* of the UctrOptInt in UctrResources */
  gint64 min;
  gint64 max;
} IntMember;

#define OPT(field) G_STRUCT_OFFSET (UctrResources, field)

static const IntMember int_members[] = {
  { "memory", "limit", OPT (memory_limit), -1, G_MAXINT64 },
  { "memory", "reservation", OPT (memory_reservation), -1, G_MAXINT64 },
  { "memory", "swap", OPT (memory_swap), -1, G_MAXINT64 },
  { "cpu", "shares", OPT (cpu_shares), 0, G_MAXINT64 },
  { "cpu", "quota", OPT (cpu_quota), -1, G_MAXINT64 },
  { "cpu", "period", OPT (cpu_period), 0, G_MAXINT64 },
  { "cpu", "idle", OPT (cpu_idle), 0, 1 },
  { "pids", "limit", OPT (pids_limit), G_MININT64, G_MAXINT64 },
  { "blockIO", "weight", OPT (blkio_weight), 0, G_MAXUINT16 },
  /* cgroup v1 only */
  { "memory", "kernel", OPT (memory_kernel), -1, G_MAXINT64 },
  { "memory", "kernelTCP", OPT (memory_kernel_tcp), -1, G_MAXINT64 },
  { "memory", "swappiness", OPT (memory_swappiness), 0, G_MAXINT64 },
  { "cpu", "realtimeRuntime", OPT (cpu_rt_runtime), -1, G_MAXINT64 },
  { "cpu", "realtimePeriod", OPT (cpu_rt_period), 0, G_MAXINT64 },
  { "blockIO", "leafWeight", OPT (blkio_leaf_weight), 0, G_MAXUINT16 },
  { "network", "classID", OPT (net_class_id), 0, G_MAXUINT32 },
};

/* Members only cgroup v1 has (or that uctr does not set on v2): said once, not applied. */
static const char *const unsupported_members[][2] = {
  { "memory", "kernel" },           { "memory", "kernelTCP" },    { "memory", "swappiness" },
  { "memory", "disableOOMKiller" }, { "cpu", "realtimeRuntime" }, { "cpu", "realtimePeriod" },
  { "blockIO", "leafWeight" },      { NULL, "network" },          { NULL, "rdma" },
};

static const char *const throttle_names[UCTR_THROTTLE_N] = {
  [UCTR_THROTTLE_READ_BPS] = "throttleReadBpsDevice",
  [UCTR_THROTTLE_WRITE_BPS] = "throttleWriteBpsDevice",
  [UCTR_THROTTLE_READ_IOPS] = "throttleReadIOPSDevice",
  [UCTR_THROTTLE_WRITE_IOPS] = "throttleWriteIOPSDevice",
};

static const char *const throttle_keys[UCTR_THROTTLE_N] = {
  [UCTR_THROTTLE_READ_BPS] = "rbps",
  [UCTR_THROTTLE_WRITE_BPS] = "wbps",
  [UCTR_THROTTLE_READ_IOPS] = "riops",
  [UCTR_THROTTLE_WRITE_IOPS] = "wiops",
};

static UctrOptInt *
opt_at (UctrResources *r, gsize offset)
{
  return (UctrOptInt *) ((char *) r + offset);
}

static const UctrOptInt *
opt_at_const (const UctrResources *r, gsize offset)
{
  return (const UctrOptInt *) ((const char *) r + offset);
}

UctrResources *
uctr_resources_new (void)
{
  UctrResources *r = g_new0 (UctrResources, 1);
  int i;

  r->weight_devices = g_array_new (FALSE, TRUE, sizeof (UctrDeviceValue));
  for (i = 0; i < UCTR_THROTTLE_N; i++)
    r->throttle[i] = g_array_new (FALSE, TRUE, sizeof (UctrDeviceValue));
  r->hugepage_sizes = g_ptr_array_new_with_free_func (g_free);
  r->hugepage_limits = g_array_new (FALSE, TRUE, sizeof (gint64));
  r->unified_keys = g_ptr_array_new_with_free_func (g_free);
  r->unified_values = g_ptr_array_new_with_free_func (g_free);
  r->net_prio_names = g_ptr_array_new_with_free_func (g_free);
  r->net_prio_values = g_array_new (FALSE, TRUE, sizeof (gint64));
  r->devices = g_array_new (FALSE, TRUE, sizeof (UctrDeviceRule));
  r->unsupported = g_ptr_array_new_with_free_func (g_free);
  return r;
}

void
uctr_resources_free (UctrResources *r)
{
  int i;

  if (r == NULL)
    return;
  g_free (r->cpu_cpus);
  g_free (r->cpu_mems);
  g_array_unref (r->weight_devices);
  for (i = 0; i < UCTR_THROTTLE_N; i++)
    g_array_unref (r->throttle[i]);
  g_ptr_array_unref (r->hugepage_sizes);
  g_array_unref (r->hugepage_limits);
  g_ptr_array_unref (r->unified_keys);
  g_ptr_array_unref (r->unified_values);
  g_ptr_array_unref (r->net_prio_names);
  g_array_unref (r->net_prio_values);
  g_array_unref (r->devices);
  g_ptr_array_unref (r->unsupported);
  g_free (r);
}

/* Parsing */

/* Errors name a group as "WHERE: memory", after WHERE as given. */
static char *
group_path (const char *where, const char *group)
{
  return g_strdup_printf ("%s: %s", where, group);
}

static gboolean
get_group (json_object *obj, const char *where, const char *name, json_object **out, GError **error)
{
  g_autofree char *path = group_path (where, name);

  *out = NULL;
  return uctr_json_node_object (uctr_json_member (obj, name), path, NULL, UCTR_JSON_OPTIONAL, out, error);
}

static gboolean
parse_ints (UctrResources *r, json_object *root, const char *where, GError **error)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (int_members); i++)
    {
      const IntMember *m = &int_members[i];
      g_autofree char *path = g_strdup_printf ("%s.%s.%s", where, m->group, m->name);
      json_object *group;
      json_object *node;
      UctrOptInt *opt = opt_at (r, m->offset);

      if (!get_group (root, where, m->group, &group, error))
        return FALSE;
      if ((node = uctr_json_member (group, m->name)) == NULL)
        continue;
      if (!uctr_json_node_int (node, path, NULL, UCTR_JSON_OPTIONAL, m->min, m->max, &opt->value, error))
        return FALSE;
      opt->set = TRUE;
    }
  return TRUE;
}

static gboolean
get_cpu_strings (json_object *cpu, const char *where, UctrResources *r, GError **error)
{
  g_autofree char *path = group_path (where, "cpu");

  return uctr_json_dup_string (cpu, path, "cpus", UCTR_JSON_OPTIONAL, &r->cpu_cpus, error)
         && uctr_json_dup_string (cpu, path, "mems", UCTR_JSON_OPTIONAL, &r->cpu_mems, error);
}

/* A member set to something other than its zero value. */
static gboolean
member_used (json_object *node)
{
  if (node == NULL)
    return FALSE;
  if (json_object_is_type (node, json_type_boolean))
    return json_object_get_boolean (node);
  return TRUE;
}

static void
note_unsupported (UctrResources *r, json_object *root)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (unsupported_members); i++)
    {
      const char *group = unsupported_members[i][0];
      const char *name = unsupported_members[i][1];
      /* uctr_json_member takes a group that is not an object (NULL then). */
      json_object *obj = group == NULL ? root : uctr_json_member (root, group);

      if (member_used (uctr_json_member (obj, name)))
        g_ptr_array_add (r->unsupported,
                         group != NULL ? g_strdup_printf ("%s.%s", group, name) : g_strdup (name));
    }
}

static gboolean
parse_device (json_object *item, const char *path, const char *value_name, gint64 max, UctrDeviceValue *d,
              GError **error)
{
  if (!json_object_is_type (item, json_type_object))
    return uctr_json_invalid (error, path, _("must be an object"));
  if (uctr_json_member (item, "major") == NULL || uctr_json_member (item, "minor") == NULL)
    return uctr_json_invalid (error, path, _("needs major and minor"));
  d->value = 0;
  return uctr_json_node_int (uctr_json_member (item, "major"), path, NULL, UCTR_JSON_OPTIONAL, 0, G_MAXUINT32,
                             &d->major, error)
         && uctr_json_node_int (uctr_json_member (item, "minor"), path, NULL, UCTR_JSON_OPTIONAL, 0,
                                G_MAXUINT32, &d->minor, error)
         && uctr_json_get_int (item, path, value_name, UCTR_JSON_OPTIONAL, 0, max, &d->value, NULL, error);
}

static gboolean
parse_devices (json_object *blkio, const char *where, const char *name, const char *value_name, gint64 max,
               GArray *out, GError **error)
{
  g_autofree char *blkio_path = group_path (where, "blockIO");
  json_object *arr = NULL;
  guint i;

  if (!uctr_json_get_array (blkio, blkio_path, name, UCTR_JSON_OPTIONAL, &arr, error))
    return FALSE;
  if (arr == NULL)
    return TRUE;
  for (i = 0; i < json_object_array_length (arr); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s.blockIO.%s[%u]", where, name, i);
      UctrDeviceValue d;

      if (!parse_device (json_object_array_get_idx (arr, i), path, value_name, max, &d, error))
        return FALSE;
      g_array_append_val (out, d);
    }
  return TRUE;
}

static gboolean
parse_blkio (UctrResources *r, json_object *root, const char *where, GError **error)
{
  json_object *blkio;
  int i;

  if (!get_group (root, where, "blockIO", &blkio, error))
    return FALSE;
  if (blkio == NULL)
    return TRUE;
  if (!parse_devices (blkio, where, "weightDevice", "weight", G_MAXUINT16, r->weight_devices, error))
    return FALSE;
  for (i = 0; i < UCTR_THROTTLE_N; i++)
    if (!parse_devices (blkio, where, throttle_names[i], "rate", G_MAXINT64, r->throttle[i], error))
      return FALSE;
  return TRUE;
}

/* "2MB", "1GB", "64KB": what hugetlb.<size>.max is named after. */
static gboolean
valid_page_size (const char *s)
{
  const char *p = s;

  while (g_ascii_isdigit (*p))
    p++;
  return p > s && (strcmp (p, "KB") == 0 || strcmp (p, "MB") == 0 || strcmp (p, "GB") == 0);
}

static gboolean
parse_hugepages (UctrResources *r, json_object *root, const char *where, GError **error)
{
  g_autofree char *hugepages_path = group_path (where, "hugepageLimits");
  json_object *arr = NULL;
  guint i;

  if (!uctr_json_node_array (uctr_json_member (root, "hugepageLimits"), hugepages_path, NULL,
                             UCTR_JSON_OPTIONAL, &arr, error))
    return FALSE;
  if (arr == NULL)
    return TRUE;
  for (i = 0; i < json_object_array_length (arr); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s.hugepageLimits[%u]", where, i);
      json_object *item = json_object_array_get_idx (arr, i);
      json_object *obj = json_object_is_type (item, json_type_object) ? item : NULL;
      json_object *size = uctr_json_member (obj, "pageSize");
      gint64 limit = 0;

      if (!json_object_is_type (size, json_type_string) || !valid_page_size (json_object_get_string (size)))
        return uctr_json_invalid (error, path, _("pageSize: must be a size such as \"2MB\" or \"1GB\""));
      if (!uctr_json_get_int (obj, path, "limit", UCTR_JSON_REQUIRED, 0, G_MAXINT64, &limit, NULL, error))
        return FALSE;
      g_ptr_array_add (r->hugepage_sizes, g_strdup (json_object_get_string (size)));
      g_array_append_val (r->hugepage_limits, limit);
    }
  return TRUE;
}

static gboolean
parse_oom_killer (UctrResources *r, json_object *root, const char *where, GError **error)
{
  g_autofree char *path = group_path (where, "memory");
  json_object *memory;
  gboolean disable = FALSE;

  if (!get_group (root, where, "memory", &memory, error)
      || !uctr_json_get_bool (memory, path, "disableOOMKiller", UCTR_JSON_OPTIONAL, &disable, error))
    return FALSE;
  r->memory_disable_oom_killer
      = (UctrOptInt){ .set = uctr_json_member (memory, "disableOOMKiller") != NULL, .value = disable };
  return TRUE;
}

static gboolean
parse_priorities (UctrResources *r, json_object *root, const char *where, GError **error)
{
  g_autofree char *path = group_path (where, "network");
  json_object *network;
  json_object *arr = NULL;
  guint i;

  if (!get_group (root, where, "network", &network, error)
      || !uctr_json_get_array (network, path, "priorities", UCTR_JSON_OPTIONAL, &arr, error))
    return FALSE;
  for (i = 0; arr != NULL && i < json_object_array_length (arr); i++)
    {
      g_autofree char *item_path = g_strdup_printf ("%s.network.priorities[%u]", where, i);
      json_object *item = json_object_array_get_idx (arr, i);
      json_object *obj = json_object_is_type (item, json_type_object) ? item : NULL;
      g_autofree char *name = NULL;
      gint64 prio = 0;

      if (obj == NULL)
        return uctr_json_invalid (error, item_path, _("must be an object"));
      if (!uctr_json_dup_string (obj, item_path, "name", UCTR_JSON_REQUIRED, &name, error)
          || !uctr_json_get_int (obj, item_path, "priority", UCTR_JSON_REQUIRED, 0, G_MAXUINT32, &prio, NULL,
                                 error))
        return FALSE;
      if (name[0] == '\0' || strpbrk (name, " \n/") != NULL)
        return uctr_json_invalid (error, item_path, _("name: \"%s\" is not an interface name"), name);
      g_ptr_array_add (r->net_prio_names, g_steal_pointer (&name));
      g_array_append_val (r->net_prio_values, prio);
    }
  return TRUE;
}

/* One of linux.resources.devices: type and access as the devices cgroup
   takes them; a missing major or minor is any. */
static gboolean
parse_device_rule (json_object *obj, const char *path, UctrDeviceRule *d, GError **error)
{
  g_autofree char *type = NULL;
  g_autofree char *access = NULL;

  *d = (UctrDeviceRule){ .type = 'a', .major = -1, .minor = -1 };
  if (!uctr_json_get_bool (obj, path, "allow", UCTR_JSON_REQUIRED, &d->allow, error)
      || !uctr_json_dup_string (obj, path, "type", UCTR_JSON_OPTIONAL, &type, error)
      || !uctr_json_dup_string (obj, path, "access", UCTR_JSON_OPTIONAL, &access, error)
      || !uctr_json_get_int (obj, path, "major", UCTR_JSON_OPTIONAL, -1, G_MAXUINT32, &d->major, NULL, error)
      || !uctr_json_get_int (obj, path, "minor", UCTR_JSON_OPTIONAL, -1, G_MAXUINT32, &d->minor, NULL, error))
    return FALSE;
  if (type != NULL && type[0] != '\0')
    {
      if (strlen (type) != 1 || strchr ("abc", type[0]) == NULL)
        return uctr_json_invalid (error, path, _("type: \"%s\" is not a, b or c"), type);
      d->type = type[0];
    }
  if (access == NULL || access[0] == '\0')
    access = g_strdup ("rwm");
  if (strlen (access) > 3 || strspn (access, "rwm") != strlen (access))
    return uctr_json_invalid (error, path, _("access: \"%s\" is not made of r, w and m"), access);
  g_strlcpy (d->access, access, sizeof d->access);
  return TRUE;
}

static gboolean
parse_device_rules (UctrResources *r, json_object *root, const char *where, GError **error)
{
  g_autofree char *path = group_path (where, "devices");
  json_object *arr = NULL;
  guint i;

  if (!uctr_json_node_array (uctr_json_member (root, "devices"), path, NULL, UCTR_JSON_OPTIONAL, &arr, error))
    return FALSE;
  for (i = 0; arr != NULL && i < json_object_array_length (arr); i++)
    {
      g_autofree char *item_path = g_strdup_printf ("%s.devices[%u]", where, i);
      json_object *item = json_object_array_get_idx (arr, i);
      UctrDeviceRule d;

      if (!json_object_is_type (item, json_type_object))
        return uctr_json_invalid (error, item_path, _("must be an object"));
      if (!parse_device_rule (item, item_path, &d, error))
        return FALSE;
      g_array_append_val (r->devices, d);
    }
  return TRUE;
}

/* A key of linux.resources.unified is a file of the container's cgroup,
   never a path out of it. */
static gboolean
valid_unified_key (const char *key)
{
  const char *dot = strchr (key, '.');

  return dot != NULL && dot != key && dot[1] != '\0' && strchr (key, '/') == NULL;
}

static gboolean
parse_unified (UctrResources *r, json_object *root, const char *where, GError **error)
{
  json_object *node = uctr_json_member (root, "unified");

  if (node == NULL)
    return TRUE;
  if (!json_object_is_type (node, json_type_object))
    return uctr_json_invalid (error, where, _("unified: must be an object of strings"));
  json_object_object_foreach (node, key, value)
    {
      if (!valid_unified_key (key))
        return uctr_json_invalid (error, where,
                                  _("unified: \"%s\" is not a cgroup v2 file name (CONTROLLER.NAME)"), key);
      if (!json_object_is_type (value, json_type_string))
        return uctr_json_invalid (error, where, _("unified.%s: must be a string"), key);
      g_ptr_array_add (r->unified_keys, g_strdup (key));
      g_ptr_array_add (r->unified_values, g_strdup (json_object_get_string (value)));
    }
  return TRUE;
}

UctrResources *
uctr_resources_parse (json_object *node, const char *where, GError **error)
{
  g_autoptr(UctrResources) r = uctr_resources_new ();
  json_object *root = node, *cpu = NULL;

  if (node == NULL)
    return g_steal_pointer (&r);
  if (!json_object_is_type (node, json_type_object))
    {
      uctr_json_invalid (error, where, _("must be an object"));
      return NULL;
    }
  if (!parse_ints (r, root, where, error) || !get_group (root, where, "cpu", &cpu, error)
      || !get_cpu_strings (cpu, where, r, error) || !parse_blkio (r, root, where, error)
      || !parse_hugepages (r, root, where, error) || !parse_unified (r, root, where, error)
      || !parse_oom_killer (r, root, where, error) || !parse_priorities (r, root, where, error)
      || !parse_device_rules (r, root, where, error))
    return NULL;
  note_unsupported (r, root);
  return g_steal_pointer (&r);
}

/* Merging */

static void
replace_array (GArray *dst, GArray *src)
{
  if (src->len == 0)
    return;
  g_array_set_size (dst, 0);
  g_array_append_vals (dst, src->data, src->len);
}

static void
replace_string (char **dst, const char *src)
{
  if (src == NULL)
    return;
  g_free (*dst);
  *dst = g_strdup (src);
}

static void
merge_keyed (GPtrArray *keys, GPtrArray *values, GPtrArray *new_keys, GPtrArray *new_values)
{
  guint i, j;

  for (i = 0; i < new_keys->len; i++)
    {
      const char *key = g_ptr_array_index (new_keys, i);

      for (j = 0; j < keys->len; j++)
        if (strcmp (g_ptr_array_index (keys, j), key) == 0)
          break;
      if (j == keys->len)
        {
          g_ptr_array_add (keys, g_strdup (key));
          g_ptr_array_add (values, NULL);
        }
      g_free (values->pdata[j]);
      values->pdata[j] = g_strdup (g_ptr_array_index (new_values, i));
    }
}

void
uctr_resources_merge (UctrResources *base, const UctrResources *update)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (int_members); i++)
    if (opt_at_const (update, int_members[i].offset)->set)
      *opt_at (base, int_members[i].offset) = *opt_at_const (update, int_members[i].offset);
  replace_string (&base->cpu_cpus, update->cpu_cpus);
  replace_string (&base->cpu_mems, update->cpu_mems);
  replace_array (base->weight_devices, update->weight_devices);
  for (i = 0; i < UCTR_THROTTLE_N; i++)
    replace_array (base->throttle[i], update->throttle[i]);
  if (update->hugepage_sizes->len > 0)
    {
      g_ptr_array_set_size (base->hugepage_sizes, 0);
      for (i = 0; i < update->hugepage_sizes->len; i++)
        g_ptr_array_add (base->hugepage_sizes, g_strdup (g_ptr_array_index (update->hugepage_sizes, i)));
      replace_array (base->hugepage_limits, update->hugepage_limits);
    }
  merge_keyed (base->unified_keys, base->unified_values, update->unified_keys, update->unified_values);
  if (update->memory_disable_oom_killer.set)
    base->memory_disable_oom_killer = update->memory_disable_oom_killer;
  if (update->net_prio_names->len > 0)
    {
      g_ptr_array_set_size (base->net_prio_names, 0);
      for (i = 0; i < update->net_prio_names->len; i++)
        g_ptr_array_add (base->net_prio_names, g_strdup (g_ptr_array_index (update->net_prio_names, i)));
      replace_array (base->net_prio_values, update->net_prio_values);
    }
}

/* Back to JSON */

static void
add_devices (json_object *obj, const char *name, const char *value_name, GArray *devices)
{
  json_object *arr;
  guint i;

  if (devices->len == 0)
    return;
  arr = json_object_new_array ();
  for (i = 0; i < devices->len; i++)
    {
      const UctrDeviceValue *d = &g_array_index (devices, UctrDeviceValue, i);
      json_object *item = json_object_new_object ();

      uctr_json_add_int (item, "major", d->major);
      uctr_json_add_int (item, "minor", d->minor);
      uctr_json_add_int (item, value_name, d->value);
      json_object_array_add (arr, item);
    }
  uctr_json_add (obj, name, arr);
}

/* The members of GROUP among int_members, and FINISH for the rest of it. */
static void
add_group (json_object *obj, const UctrResources *r, const char *group,
           void (*finish) (json_object *, const UctrResources *))
{
  json_object *members = NULL;
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (int_members); i++)
    {
      const UctrOptInt *opt = opt_at_const (r, int_members[i].offset);

      if (strcmp (int_members[i].group, group) != 0 || !opt->set)
        continue;
      if (members == NULL)
        members = json_object_new_object ();
      uctr_json_add_int (members, int_members[i].name, opt->value);
    }
  if (finish != NULL)
    {
      if (members == NULL)
        members = json_object_new_object ();
      finish (members, r);
    }
  if (members != NULL)
    uctr_json_add (obj, group, members);
}

static void
finish_cpu (json_object *obj, const UctrResources *r)
{
  if (r->cpu_cpus != NULL)
    uctr_json_add_string (obj, "cpus", r->cpu_cpus);
  if (r->cpu_mems != NULL)
    uctr_json_add_string (obj, "mems", r->cpu_mems);
}

static void
finish_blkio (json_object *obj, const UctrResources *r)
{
  int i;

  add_devices (obj, "weightDevice", "weight", r->weight_devices);
  for (i = 0; i < UCTR_THROTTLE_N; i++)
    add_devices (obj, throttle_names[i], "rate", r->throttle[i]);
}

static void
finish_memory (json_object *obj, const UctrResources *r)
{
  uctr_json_add_bool (obj, "disableOOMKiller", r->memory_disable_oom_killer.value != 0);
}

static void
finish_network (json_object *obj, const UctrResources *r)
{
  json_object *arr = json_object_new_array ();
  guint i;

  for (i = 0; i < r->net_prio_names->len; i++)
    {
      json_object *item = json_object_new_object ();

      uctr_json_add_string (item, "name", g_ptr_array_index (r->net_prio_names, i));
      uctr_json_add_int (item, "priority", g_array_index (r->net_prio_values, gint64, i));
      json_object_array_add (arr, item);
    }
  uctr_json_add (obj, "priorities", arr);
}

static void
add_device_rules (json_object *obj, const UctrResources *r)
{
  json_object *arr;
  guint i;

  if (r->devices->len == 0)
    return;
  arr = json_object_new_array ();
  for (i = 0; i < r->devices->len; i++)
    {
      const UctrDeviceRule *d = &g_array_index (r->devices, UctrDeviceRule, i);
      char type[2] = { d->type, '\0' };
      json_object *item = json_object_new_object ();

      uctr_json_add_bool (item, "allow", d->allow);
      uctr_json_add_string (item, "type", type);
      if (d->major >= 0)
        uctr_json_add_int (item, "major", d->major);
      if (d->minor >= 0)
        uctr_json_add_int (item, "minor", d->minor);
      uctr_json_add_string (item, "access", d->access);
      json_object_array_add (arr, item);
    }
  uctr_json_add (obj, "devices", arr);
}

static gboolean
has_blkio_devices (const UctrResources *r)
{
  int i;

  for (i = 0; i < UCTR_THROTTLE_N; i++)
    if (r->throttle[i]->len > 0)
      return TRUE;
  return r->weight_devices->len > 0;
}

static void
add_hugepages_and_unified (json_object *obj, const UctrResources *r)
{
  json_object *unified;
  guint i;

  if (r->hugepage_sizes->len > 0)
    {
      json_object *arr = json_object_new_array ();

      for (i = 0; i < r->hugepage_sizes->len; i++)
        {
          json_object *item = json_object_new_object ();

          uctr_json_add_string (item, "pageSize", g_ptr_array_index (r->hugepage_sizes, i));
          uctr_json_add_int (item, "limit", g_array_index (r->hugepage_limits, gint64, i));
          json_object_array_add (arr, item);
        }
      uctr_json_add (obj, "hugepageLimits", arr);
    }
  if (r->unified_keys->len == 0)
    return;
  unified = json_object_new_object ();
  for (i = 0; i < r->unified_keys->len; i++)
    uctr_json_add_string (unified, g_ptr_array_index (r->unified_keys, i),
                          g_ptr_array_index (r->unified_values, i));
  uctr_json_add (obj, "unified", unified);
}

json_object *
uctr_resources_to_json (const UctrResources *r)
{
  json_object *obj = json_object_new_object ();

  add_group (obj, r, "memory", r->memory_disable_oom_killer.set ? finish_memory : NULL);
  add_group (obj, r, "cpu", r->cpu_cpus != NULL || r->cpu_mems != NULL ? finish_cpu : NULL);
  add_group (obj, r, "pids", NULL);
  add_group (obj, r, "blockIO", has_blkio_devices (r) ? finish_blkio : NULL);
  add_group (obj, r, "network", r->net_prio_names->len > 0 ? finish_network : NULL);
  add_hugepages_and_unified (obj, r);
  add_device_rules (obj, r);
  return obj;
}

/* Conversions, as runc makes them */

guint64
uctr_resources_shares_to_weight (guint64 shares)
{
  if (shares == 0)
    return 0;
  /* v1 shares run 2..262144, v2 weights 1..10000. */
  shares = CLAMP (shares, 2, 262144);
  return 1 + ((shares - 2) * 9999) / 262142;
}

guint64
uctr_resources_blkio_to_io_weight (guint64 weight)
{
  if (weight == 0)
    return 0;
  return 1 + (weight - 10) * 9999 / 990;
}

gboolean
uctr_resources_parse_size (const char *text, gint64 *out)
{
  static const char units[] = "kmgtp";
  const char *end = text;
  const char *u;
  double v;
  int shift = 0;

  if (strcmp (text, "-1") == 0)
    {
      *out = -1;
      return TRUE;
    }
  /* DIGITS[.DIGITS][ ][UNIT[i]][b], as docker's units.RAMInBytes. */
  while (g_ascii_isdigit (*end))
    end++;
  if (end == text)
    return FALSE;
  if (*end == '.' && g_ascii_isdigit (end[1]))
    for (end++; g_ascii_isdigit (*end); end++)
      ;
  v = g_ascii_strtod (text, NULL);
  if (*end == ' ')
    end++;
  if (*end != '\0' && (u = strchr (units, g_ascii_tolower (*end))) != NULL)
    {
      shift = 10 * (int) (u - units + 1);
      end++;
      if (g_ascii_tolower (*end) == 'i')
        end++;
    }
  if (g_ascii_tolower (*end) == 'b')
    end++;
  if (*end != '\0')
    return FALSE;
  v *= (double) (1ULL << shift);
  if (v >= 9.2e18)
    return FALSE;
  *out = (gint64) v;
  return TRUE;
}

/* Writes */

void
uctr_cgroup_write_free (UctrCgroupWrite *w)
{
  if (w == NULL)
    return;
  g_free (w->controller);
  g_free (w->file);
  g_free (w->value);
  g_free (w->alt_file);
  g_free (w->alt_value);
  g_free (w->what);
  g_free (w);
}

UctrCgroupWrite *
uctr_cgroup_write_add (GPtrArray *writes, const char *controller, const char *file, char *value,
                       const char *what)
{
  UctrCgroupWrite *w = g_new0 (UctrCgroupWrite, 1);

  w->controller = g_strdup (controller);
  w->file = g_strdup (file);
  w->value = value;
  w->what = g_strdup (what);
  g_ptr_array_add (writes, w);
  return w;
}

/* cgroup v1 wrote -1 to lift a limit; v2 says "max". */
static char *
limit_text (gint64 v)
{
  return v == -1 ? g_strdup ("max") : g_strdup_printf ("%" G_GINT64_FORMAT, v);
}

static gboolean
add_pids (const UctrResources *r, GPtrArray *writes)
{
  if (r->pids_limit.set)
    uctr_cgroup_write_add (writes, "pids", "pids.max",
                           r->pids_limit.value > 0 ? limit_text (r->pids_limit.value) : g_strdup ("max"),
                           "pids.limit");
  return TRUE;
}

/* The spec's swap is memory+swap (cgroup v1); memory.swap.max is swap alone. */
static gboolean
add_swap (const UctrResources *r, const char *where, GPtrArray *writes, GError **error)
{
  gint64 swap = r->memory_swap.set ? r->memory_swap.value : 0;
  gint64 limit = r->memory_limit.set ? r->memory_limit.value : 0;

  if (limit == -1 && swap == 0)
    {
      /* Unlimited memory without a word on swap: unlimited swap too. */
      uctr_cgroup_write_add (writes, "memory", "memory.swap.max", g_strdup ("max"), "memory.swap");
      return TRUE;
    }
  if (swap == 0)
    return TRUE;
  if (swap == -1)
    {
      uctr_cgroup_write_add (writes, "memory", "memory.swap.max", g_strdup ("max"), "memory.swap");
      return TRUE;
    }
  if (limit == 0 || limit == -1)
    return uctr_json_invalid (error, where,
                              _("memory.swap: a swap limit needs a memory limit (memory.limit)"));
  if (swap < limit)
    return uctr_json_invalid (error, where,
                              _("memory.swap: memory+swap (%lld) must be at least memory.limit (%lld)"),
                                 (long long) swap, (long long) limit);
  uctr_cgroup_write_add (writes, "memory", "memory.swap.max",
                         g_strdup_printf ("%" G_GINT64_FORMAT, swap - limit), "memory.swap");
  return TRUE;
}

static gboolean
add_memory (const UctrResources *r, const char *where, GPtrArray *writes, GError **error)
{
  if (!add_swap (r, where, writes, error))
    return FALSE;
  if (r->memory_limit.set && r->memory_limit.value != 0)
    uctr_cgroup_write_add (writes, "memory", "memory.max", limit_text (r->memory_limit.value),
                           "memory.limit");
  if (r->memory_reservation.set && r->memory_reservation.value != 0)
    uctr_cgroup_write_add (writes, "memory", "memory.low", limit_text (r->memory_reservation.value),
                           "memory.reservation");
  return TRUE;
}

static gboolean
add_io (const UctrResources *r, const char *where, GPtrArray *writes, GError **error)
{
  guint i;
  int t;

  if (r->blkio_weight.set && r->blkio_weight.value != 0)
    {
      gint64 w = r->blkio_weight.value;
      UctrCgroupWrite *wr;

      if (w < 10 || w > 1000)
        return uctr_json_invalid (error, where,
                                  _("blockIO.weight: must be from 10 to 1000, not %lld"), (long long) w);
      wr = uctr_cgroup_write_add (writes, "io", "io.weight",
                                  g_strdup_printf ("%" G_GUINT64_FORMAT,
                                                   uctr_resources_blkio_to_io_weight (w)),
                                  "blockIO.weight");
      wr->alt_file = g_strdup ("io.bfq.weight");
      wr->alt_value = g_strdup_printf ("%" G_GINT64_FORMAT, w);
    }
  for (i = 0; i < r->weight_devices->len; i++)
    {
      const UctrDeviceValue *d = &g_array_index (r->weight_devices, UctrDeviceValue, i);
      UctrCgroupWrite *wr;

      if (d->value < 10 || d->value > 1000)
        return uctr_json_invalid (error, where,
                                  _("blockIO.weightDevice[%u].weight: must be from 10 to 1000"), i);
      wr = uctr_cgroup_write_add (writes, "io", "io.weight",
                                  g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT
                                                   " %" G_GUINT64_FORMAT,
                                                   d->major, d->minor,
                                                   uctr_resources_blkio_to_io_weight (d->value)),
                                  "blockIO.weightDevice");
      wr->alt_file = g_strdup ("io.bfq.weight");
      wr->alt_value = g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
                                       d->major, d->minor, d->value);
    }
  for (t = 0; t < UCTR_THROTTLE_N; t++)
    for (i = 0; i < r->throttle[t]->len; i++)
      {
        const UctrDeviceValue *d = &g_array_index (r->throttle[t], UctrDeviceValue, i);
        g_autofree char *what = g_strdup_printf ("blockIO.%s", throttle_names[t]);
        g_autofree char *rate
            = d->value > 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, d->value) : g_strdup ("max");

        uctr_cgroup_write_add (writes, "io", "io.max",
                               g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT " %s=%s", d->major,
                                                d->minor, throttle_keys[t], rate),
                               what);
      }
  return TRUE;
}

static void
add_cpu (const UctrResources *r, GPtrArray *writes)
{
  if (r->cpu_shares.set && r->cpu_shares.value != 0)
    uctr_cgroup_write_add (writes, "cpu", "cpu.weight",
                           g_strdup_printf ("%" G_GUINT64_FORMAT,
                                            uctr_resources_shares_to_weight (r->cpu_shares.value)),
                           "cpu.shares");
  if ((r->cpu_quota.set && r->cpu_quota.value != 0) || (r->cpu_period.set && r->cpu_period.value != 0))
    {
      gint64 period = r->cpu_period.set && r->cpu_period.value > 0 ? r->cpu_period.value : DEFAULT_CPU_PERIOD;
      g_autofree char *quota = r->cpu_quota.set && r->cpu_quota.value > 0
                                   ? g_strdup_printf ("%" G_GINT64_FORMAT, r->cpu_quota.value)
                                   : g_strdup ("max");

      uctr_cgroup_write_add (writes, "cpu", "cpu.max",
                             g_strdup_printf ("%s %" G_GINT64_FORMAT, quota, period),
                             r->cpu_quota.set ? "cpu.quota" : "cpu.period");
    }
  if (r->cpu_idle.set)
    uctr_cgroup_write_add (writes, "cpu", "cpu.idle",
                           g_strdup_printf ("%" G_GINT64_FORMAT, r->cpu_idle.value), "cpu.idle");
  if (r->cpu_cpus != NULL && r->cpu_cpus[0] != '\0')
    uctr_cgroup_write_add (writes, "cpuset", "cpuset.cpus", g_strdup (r->cpu_cpus), "cpu.cpus");
  if (r->cpu_mems != NULL && r->cpu_mems[0] != '\0')
    uctr_cgroup_write_add (writes, "cpuset", "cpuset.mems", g_strdup (r->cpu_mems), "cpu.mems");
}

static void
add_hugepages (const UctrResources *r, GPtrArray *writes)
{
  guint i;

  for (i = 0; i < r->hugepage_sizes->len; i++)
    {
      g_autofree char *file
          = g_strdup_printf ("hugetlb.%s.max", (const char *) g_ptr_array_index (r->hugepage_sizes, i));

      uctr_cgroup_write_add (writes, "hugetlb", file,
                             g_strdup_printf ("%" G_GINT64_FORMAT,
                                              g_array_index (r->hugepage_limits, gint64, i)),
                             "hugepageLimits");
    }
}

static void
add_unified (const UctrResources *r, GPtrArray *writes)
{
  guint i;

  for (i = 0; i < r->unified_keys->len; i++)
    {
      const char *key = g_ptr_array_index (r->unified_keys, i);
      g_autofree char *controller = g_strndup (key, strchr (key, '.') - key);
      g_autofree char *what = g_strdup_printf ("unified.%s", key);

      uctr_cgroup_write_add (writes, controller, key, g_strdup (g_ptr_array_index (r->unified_values, i)),
                             what);
    }
}

GPtrArray *
uctr_resources_writes (const UctrResources *r, const char *where, GError **error)
{
  g_autoptr(GPtrArray) writes = g_ptr_array_new_with_free_func ((GDestroyNotify) uctr_cgroup_write_free);

  if (!add_pids (r, writes) || !add_memory (r, where, writes, error) || !add_io (r, where, writes, error))
    return NULL;
  add_cpu (r, writes);
  add_hugepages (r, writes);
  add_unified (r, writes);
  return g_steal_pointer (&writes);
}
