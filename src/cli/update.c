/* uctr update: runc's flags, or -r with linux.resources JSON. */
#include "cli/cli.h"
#include "base/log.h"
#include "runtime/container.h"

#include <fcntl.h>
#include <string.h>

#define RESOURCES_MAX (1024 * 1024)

typedef struct
{
  char *resources;
  char *blkio_weight;
  char *cpu_period;
  char *cpu_quota;
  char *cpu_shares;
  char *cpu_rt_period;
  char *cpu_rt_runtime;
  char *cpuset_cpus;
  char *cpuset_mems;
  char *memory;
  char *memory_reservation;
  char *memory_swap;
  char *pids_limit;
  char *l3_cache_schema;
  char *mem_bw_schema;
} UpdateArgs;

static void
update_args_clear (UpdateArgs *a)
{
  char **fields[] = { &a->resources,   &a->blkio_weight,    &a->cpu_period,         &a->cpu_quota,
                      &a->cpu_shares,  &a->cpu_rt_period,   &a->cpu_rt_runtime,     &a->cpuset_cpus,
                      &a->cpuset_mems, &a->memory,          &a->memory_reservation, &a->memory_swap,
                      &a->pids_limit,  &a->l3_cache_schema, &a->mem_bw_schema };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (fields); i++)
    g_clear_pointer (fields[i], g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (UpdateArgs, update_args_clear)

static gboolean
set_int (UctrOptInt *opt, const char *flag, const char *text, gint64 min, gint64 max, GError **error)
{
  gint64 v;

  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_signed (text, 10, min, max, &v, NULL))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--%s: \"%s\" is not an integer from %lld to %lld"), flag, text, (long long) min,
                          (long long) max);
  opt->set = TRUE;
  opt->value = v;
  return TRUE;
}

static gboolean
set_size (UctrOptInt *opt, const char *flag, const char *text, GError **error)
{
  if (text == NULL)
    return TRUE;
  if (!uctr_resources_parse_size (text, &opt->value))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--%s: \"%s\" is not a size (bytes, or with k, m, g: 512m), or -1 for no limit"),
                          flag, text);
  opt->set = TRUE;
  return TRUE;
}

static UctrResources *
from_flags (const UpdateArgs *a, GError **error)
{
  g_autoptr(UctrResources) r = uctr_resources_new ();

  if (a->l3_cache_schema != NULL || a->mem_bw_schema != NULL)
    {
      uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                  _("--%s: uctr does not support Intel RDT"),
                     a->l3_cache_schema != NULL ? "l3-cache-schema" : "mem-bw-schema");
      return NULL;
    }
  if (!set_size (&r->memory_limit, "memory", a->memory, error)
      || !set_size (&r->memory_reservation, "memory-reservation", a->memory_reservation, error)
      || !set_size (&r->memory_swap, "memory-swap", a->memory_swap, error)
      || !set_int (&r->pids_limit, "pids-limit", a->pids_limit, G_MININT64, G_MAXINT64, error)
      || !set_int (&r->cpu_shares, "cpu-share", a->cpu_shares, 0, G_MAXINT64, error)
      || !set_int (&r->cpu_quota, "cpu-quota", a->cpu_quota, -1, G_MAXINT64, error)
      || !set_int (&r->cpu_period, "cpu-period", a->cpu_period, 0, G_MAXINT64, error)
      || !set_int (&r->blkio_weight, "blkio-weight", a->blkio_weight, 0, G_MAXUINT16, error)
      || !set_int (&r->cpu_rt_period, "cpu-rt-period", a->cpu_rt_period, 0, G_MAXINT64, error)
      || !set_int (&r->cpu_rt_runtime, "cpu-rt-runtime", a->cpu_rt_runtime, -1, G_MAXINT64, error))
    return NULL;
  r->cpu_cpus = g_strdup (a->cpuset_cpus);
  r->cpu_mems = g_strdup (a->cpuset_mems);
  /* cgroup v1's (root on a v1 host); said where the cgroup is v2. */
  if (a->cpu_rt_period != NULL)
    g_ptr_array_add (r->unsupported, g_strdup ("--cpu-rt-period"));
  if (a->cpu_rt_runtime != NULL)
    g_ptr_array_add (r->unsupported, g_strdup ("--cpu-rt-runtime"));
  return g_steal_pointer (&r);
}

/* -r FILE, or -r - for stdin: linux.resources as JSON. */
static UctrResources *
from_file (const char *file, GError **error)
{
  g_autoptr(json_object) root = NULL;
  g_autofree char *text = NULL;
  g_autofree char *where = NULL;
  gsize len = 0;

  if (!uctr_read_file_at (AT_FDCWD, strcmp (file, "-") == 0 ? "/dev/stdin" : file, RESOURCES_MAX, &text, &len,
                          error))
    {
      uctr_prefix_error (error, "--resources");
      return NULL;
    }
  where = g_strdup_printf ("--resources %s", strcmp (file, "-") == 0 ? _("(stdin)") : file);
  if (!uctr_json_parse (text, len, UCTR_JSON_MAX_DEPTH, &root, error))
    {
      uctr_prefix_error (error, "%s", where);
      return NULL;
    }
  return uctr_resources_parse (root, where, error);
}

int
uctr_cmd_update (UctrGlobal *g, int argc, char **argv, GError **error)
{
  g_auto(UpdateArgs) a = { 0 };
  GOptionEntry entries[] = {
    { "resources", 'r', 0, G_OPTION_ARG_FILENAME, &a.resources,
      N_ ("linux.resources as JSON, from FILE or - (stdin); the other options are then ignored"),
      N_ ("FILE") },
    { "blkio-weight", 0, 0, G_OPTION_ARG_STRING, &a.blkio_weight, N_ ("Block IO weight, 10 to 1000"), "N" },
    { "cpu-period", 0, 0, G_OPTION_ARG_STRING, &a.cpu_period, N_ ("CPU CFS period in microseconds"), "N" },
    { "cpu-quota", 0, 0, G_OPTION_ARG_STRING, &a.cpu_quota,
      N_ ("CPU time allowed in each period, in microseconds"), "N" },
    { "cpu-share", 0, 0, G_OPTION_ARG_STRING, &a.cpu_shares, N_ ("CPU shares (relative weight)"), "N" },
    { "cpu-shares", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &a.cpu_shares, NULL, "N" },
    { "cpu-rt-period", 0, 0, G_OPTION_ARG_STRING, &a.cpu_rt_period,
      N_ ("CPU realtime period in microseconds (cgroup v1; cgroup v2 has none)"), "N" },
    { "cpu-rt-runtime", 0, 0, G_OPTION_ARG_STRING, &a.cpu_rt_runtime,
      N_ ("CPU realtime runtime in each period, in microseconds (cgroup v1; cgroup v2 has none)"), "N" },
    { "cpuset-cpus", 0, 0, G_OPTION_ARG_STRING, &a.cpuset_cpus, N_ ("CPUs to use (0-3,5)"), N_ ("LIST") },
    { "cpuset-mems", 0, 0, G_OPTION_ARG_STRING, &a.cpuset_mems, N_ ("Memory nodes to use"), N_ ("LIST") },
    { "memory", 0, 0, G_OPTION_ARG_STRING, &a.memory, N_ ("Memory limit (bytes, or 512m, 1g; -1: none)"),
      N_ ("SIZE") },
    { "memory-reservation", 0, 0, G_OPTION_ARG_STRING, &a.memory_reservation,
      N_ ("Memory reservation (memory.low)"), N_ ("SIZE") },
    { "memory-swap", 0, 0, G_OPTION_ARG_STRING, &a.memory_swap,
      N_ ("Memory plus swap limit; -1: unlimited swap"), N_ ("SIZE") },
    { "pids-limit", 0, 0, G_OPTION_ARG_STRING, &a.pids_limit,
      N_ ("Maximum number of processes (0 or less: none)"), "N" },
    { "l3-cache-schema", 0, 0, G_OPTION_ARG_STRING, &a.l3_cache_schema, N_ ("Intel RDT (not supported)"),
      N_ ("SCHEMA") },
    { "mem-bw-schema", 0, 0, G_OPTION_ARG_STRING, &a.mem_bw_schema, N_ ("Intel RDT (not supported)"),
      N_ ("SCHEMA") },
    { NULL },
  };
  const UctrCliVerb verb
      = { "update", "ID", _("Change the resource limits of a container (its cgroup files)."), 1, 1 };
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(UctrResources) r = NULL;
  const char *root;
  gboolean ok;

  if (!uctr_cli_parse_verb (&verb, entries, &argc, &argv, error))
    return -1;
  r = a.resources != NULL ? from_file (a.resources, error) : from_flags (&a, error);
  if (r == NULL || (root = uctr_global_root (g, error)) == NULL)
    return -1;
  ok = uctr_container_update (root, argv[1], r, warnings, error);
  uctr_cli_print_warnings (warnings);
  if (ok)
    uctr_debug ("updated the resources of %s", argv[1]);
  return ok ? 0 : -1;
}
