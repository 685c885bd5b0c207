/* Unit tests: linux.resources -> cgroup v2 writes (runc's conversions) and
   the cgroupsPath of systemd.c (cgroup.c's placement: test-cgroup.c). */
#include <glib.h>
#include <string.h>

#include "cgroup/resources.h"
#include "cgroup/systemd.h"
#include "base/json.h"
#include "base/util.h"

static UctrResources *
parse (const char *json, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(json_object) root = NULL;

  g_assert_true (uctr_json_parse (json, -1, UCTR_JSON_MAX_DEPTH, &root, &local));
  g_assert_no_error (local);
  return uctr_resources_parse (root, "linux.resources", error);
}

/* The writes as "file=value" lines, in order. */
static char *
writes_text (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UctrResources) r = parse (json, &error);
  g_autoptr(GPtrArray) writes = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  guint i;

  g_assert_no_error (error);
  writes = uctr_resources_writes (r, "linux.resources", &error);
  g_assert_no_error (error);
  for (i = 0; i < writes->len; i++)
    {
      const UctrCgroupWrite *w = g_ptr_array_index (writes, i);
      g_string_append_printf (out, "%s%s=%s", i > 0 ? " " : "", w->file, w->value);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef struct
{
  const char *json;
  const char *writes;
} WriteCase;

static const WriteCase write_cases[] = {
  { "{}", "" },
  { "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]}", "" },
  { "{\"pids\": {\"limit\": 30}}", "pids.max=30" },
  { "{\"pids\": {\"limit\": 0}}", "pids.max=max" },
  { "{\"pids\": {\"limit\": -1}}", "pids.max=max" },
  { "{\"memory\": {\"limit\": 1048576}}", "memory.max=1048576" },
  { "{\"memory\": {\"limit\": -1}}", "memory.swap.max=max memory.max=max" },
  { "{\"memory\": {\"limit\": 1000, \"swap\": 3000, \"reservation\": 500}}",
    "memory.swap.max=2000 memory.max=1000 memory.low=500" },
  { "{\"memory\": {\"limit\": 1000, \"swap\": 1000}}", "memory.swap.max=0 memory.max=1000" },
  { "{\"memory\": {\"limit\": 1000, \"swap\": -1}}", "memory.swap.max=max memory.max=1000" },
  /* runc: 1 + ((shares - 2) * 9999) / 262142 */
  { "{\"cpu\": {\"shares\": 1024}}", "cpu.weight=39" },
  { "{\"cpu\": {\"shares\": 2}}", "cpu.weight=1" },
  { "{\"cpu\": {\"shares\": 262144}}", "cpu.weight=10000" },
  { "{\"cpu\": {\"quota\": 50000}}", "cpu.max=50000 100000" },
  { "{\"cpu\": {\"quota\": 20000, \"period\": 50000}}", "cpu.max=20000 50000" },
  { "{\"cpu\": {\"quota\": -1, \"period\": 50000}}", "cpu.max=max 50000" },
  { "{\"cpu\": {\"cpus\": \"0-1\", \"mems\": \"0\"}}", "cpuset.cpus=0-1 cpuset.mems=0" },
  /* runc: 1 + (weight - 10) * 9999 / 990 */
  { "{\"blockIO\": {\"weight\": 500}}", "io.weight=4950" },
  { "{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 1048576}]}}",
    "io.max=8:0 rbps=1048576" },
  { "{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 4194304}]}", "hugetlb.2MB.max=4194304" },
  { "{\"unified\": {\"memory.high\": \"1G\", \"cgroup.max.descendants\": \"5\"}}",
    "memory.high=1G cgroup.max.descendants=5" },
  /* In runc's order: pids, memory, io, cpu, cpuset, hugetlb, unified. */
  { "{\"unified\": {\"io.max\": \"x\"}, \"cpu\": {\"shares\": 2}, \"pids\": {\"limit\": 5}, \"memory\": "
    "{\"limit\": 9}}",
    "pids.max=5 memory.max=9 cpu.weight=1 io.max=x" },
};

static void
test_writes (void)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (write_cases); i++)
    {
      g_autofree char *got = writes_text (write_cases[i].json);

      g_test_message ("%s", write_cases[i].json);
      g_assert_cmpstr (got, ==, write_cases[i].writes);
    }
}

static void
test_what_and_controllers (void)
{
  g_autoptr(UctrResources) r
             = parse ("{\"pids\": {\"limit\": 3}, \"unified\": {\"cgroup.freeze\": \"0\"}}", NULL);
  g_autoptr(GPtrArray) writes = uctr_resources_writes (r, "x", NULL);
  const UctrCgroupWrite *w0 = g_ptr_array_index (writes, 0);
  const UctrCgroupWrite *w1 = g_ptr_array_index (writes, 1);

  g_assert_cmpstr (w0->controller, ==, "pids");
  g_assert_cmpstr (w0->what, ==, "pids.limit");
  g_assert_cmpstr (w1->controller, ==, "cgroup");
  g_assert_cmpstr (w1->what, ==, "unified.cgroup.freeze");
}

static void
test_blkio_bfq_first (void)
{
  g_autoptr(UctrResources) r = parse ("{\"blockIO\": {\"weight\": 100}}", NULL);
  g_autoptr(GPtrArray) writes = uctr_resources_writes (r, "x", NULL);
  const UctrCgroupWrite *w = g_ptr_array_index (writes, 0);

  /* runc writes the weight as it is to io.bfq.weight where BFQ is the scheduler. */
  g_assert_cmpstr (w->alt_file, ==, "io.bfq.weight");
  g_assert_cmpstr (w->alt_value, ==, "100");
  g_assert_cmpstr (w->value, ==, "910");
}

typedef struct
{
  const char *json;
  const char *message; /* a part of it */
  gboolean at_writes;  /* parses, but the writes refuse it */
} BadCase;

static const BadCase bad_cases[] = {
  { "[]", "linux.resources: must be an object", FALSE },
  { "{\"memory\": []}", "linux.resources: memory: must be an object", FALSE },
  { "{\"memory\": {\"limit\": \"1G\"}}", "linux.resources.memory.limit: must be an integer", FALSE },
  { "{\"memory\": {\"limit\": -2}}", "linux.resources.memory.limit: must be an integer from -1", FALSE },
  { "{\"memory\": {\"limit\": 1.5}}", "linux.resources.memory.limit", FALSE },
  { "{\"cpu\": {\"cpus\": 3}}", "cpu.cpus: must be a string", FALSE },
  { "{\"cpu\": {\"idle\": 2}}", "linux.resources.cpu.idle: must be an integer from 0 to 1", FALSE },
  { "{\"unified\": {\"../x\": \"1\"}}", "is not a cgroup v2 file name", FALSE },
  { "{\"unified\": {\"memory\": \"1\"}}", "is not a cgroup v2 file name", FALSE },
  { "{\"unified\": {\"memory.high\": 5}}", "unified.memory.high: must be a string", FALSE },
  { "{\"hugepageLimits\": [{\"pageSize\": \"2M\", \"limit\": 1}]}", "hugepageLimits[0]: pageSize", FALSE },
  { "{\"hugepageLimits\": [{\"pageSize\": \"2MB\"}]}", "hugepageLimits[0].limit: missing", FALSE },
  { "{\"blockIO\": {\"throttleReadBpsDevice\": [{\"rate\": 1}]}}",
    "throttleReadBpsDevice[0]: needs major and minor", FALSE },
  { "{\"memory\": {\"swap\": 1000}}", "a swap limit needs a memory limit", TRUE },
  { "{\"memory\": {\"limit\": 2000, \"swap\": 1000}}", "must be at least memory.limit", TRUE },
  { "{\"blockIO\": {\"weight\": 5}}", "blockIO.weight: must be from 10 to 1000", TRUE },
};

static void
test_bad (void)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(UctrResources) r = parse (bad_cases[i].json, &error);
      g_autoptr(GPtrArray) writes = NULL;

      g_test_message ("%s", bad_cases[i].json);
      if (bad_cases[i].at_writes)
        {
          g_assert_no_error (error);
          writes = uctr_resources_writes (r, "linux.resources", &error);
          g_assert_null (writes);
        }
      else
        g_assert_null (r);
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
      g_assert_nonnull (strstr (error->message, bad_cases[i].message));
    }
}

static void
test_unsupported (void)
{
  g_autoptr(UctrResources) r
             = parse ("{\"memory\": {\"swappiness\": 10, \"disableOOMKiller\": false, \"kernel\": 5},"
                      " \"network\": {\"classID\": 1}, \"cpu\": {\"realtimeRuntime\": 5}}",
                      NULL);

  g_assert_cmpuint (r->unsupported->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (r->unsupported, 0), ==, "memory.kernel");
  g_assert_cmpstr (g_ptr_array_index (r->unsupported, 1), ==, "memory.swappiness");
  g_assert_cmpstr (g_ptr_array_index (r->unsupported, 2), ==, "cpu.realtimeRuntime");
  g_assert_cmpstr (g_ptr_array_index (r->unsupported, 3), ==, "network");
}

static void
test_merge_and_json (void)
{
  g_autoptr(UctrResources) base
             = parse ("{\"memory\": {\"limit\": 1000, \"swap\": 3000}, \"pids\": {\"limit\": 5},"
                      " \"unified\": {\"memory.high\": \"900\"}}",
                      NULL);
  g_autoptr(UctrResources) update
             = parse ("{\"memory\": {\"limit\": 2000}, \"unified\": {\"memory.high\": \"1900\","
                      " \"pids.max\": \"7\"}, \"cpu\": {\"cpus\": \"1\"}}",
                      NULL);
  g_autoptr(json_object) node = NULL;
  g_autofree char *text = NULL;

  uctr_resources_merge (base, update);
  g_assert_cmpint (base->memory_limit.value, ==, 2000);
  g_assert_cmpint (base->memory_swap.value, ==, 3000);
  g_assert_cmpint (base->pids_limit.value, ==, 5);
  node = uctr_resources_to_json (base);
  text = uctr_json_to_string (node, FALSE);
  g_assert_cmpstr (text, ==,
                   "{\"memory\":{\"limit\":2000,\"swap\":3000},\"cpu\":{\"cpus\":\"1\"},\"pids\":{\"limit\":"
                   "5},"
                   "\"unified\":{\"memory.high\":\"1900\",\"pids.max\":\"7\"}}");
}

static void
test_sizes (void)
{
  static const struct
  {
    const char *text;
    gint64 value;
  } good[] = { { "1048576", 1048576 },   { "512k", 524288 },
               { "512K", 524288 },       { "100m", 104857600 },
               { "100MB", 104857600 },   { "1.5g", 1610612736 },
               { "2GiB", 2147483648LL }, { "-1", -1 },
               { "10 m", 10485760 },     { "7b", 7 } };
  static const char *const bad[] = { "", "x", "12x", "-5", "1e3", "m", "1mm" };
  gsize i;
  gint64 v;

  for (i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_test_message ("%s", good[i].text);
      g_assert_true (uctr_resources_parse_size (good[i].text, &v));
      g_assert_cmpint (v, ==, good[i].value);
    }
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("%s", bad[i]);
      g_assert_false (uctr_resources_parse_size (bad[i], &v));
    }
}

static void
test_systemd_path (void)
{
  static const struct
  {
    const char *path;
    gboolean as_root;
    const char *slice;
    const char *unit;
  } cases[] = {
    /* '+' is no unit name character: systemd's \x escape. */
    { NULL, FALSE, "user.slice", "uctr-a\\x2bb.scope" },
    { NULL, TRUE, "system.slice", "uctr-a\\x2bb.scope" },
    { "machine.slice:libpod:abc", FALSE, "machine.slice", "libpod-abc.scope" },
    { ":uctr:abc", TRUE, "system.slice", "uctr-abc.scope" },
    { "user.slice::abc", FALSE, "user.slice", "abc.scope" },
  };
  static const char *const bad[] = { "a/b", "x.slice:y", "a:b:c", "x.slice:p:", "x.slice:p:n.slice" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *slice = NULL;
      g_autofree char *unit = NULL;

      g_assert_true (uctr_systemd_parse_path (cases[i].path, "a+b", cases[i].as_root, &slice, &unit, NULL));
      g_assert_cmpstr (slice, ==, cases[i].slice);
      g_assert_cmpstr (unit, ==, cases[i].unit);
    }
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *slice = NULL;
      g_autofree char *unit = NULL;

      g_test_message ("%s", bad[i]);
      g_assert_false (uctr_systemd_parse_path (bad[i], "x", FALSE, &slice, &unit, &error));
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
    }
}

static void
test_conversions (void)
{
  g_assert_cmpuint (uctr_resources_shares_to_weight (0), ==, 0);
  g_assert_cmpuint (uctr_resources_shares_to_weight (1), ==, 1);
  g_assert_cmpuint (uctr_resources_shares_to_weight (1024), ==, 39);
  g_assert_cmpuint (uctr_resources_shares_to_weight (1000000), ==, 10000);
  g_assert_cmpuint (uctr_resources_blkio_to_io_weight (10), ==, 1);
  g_assert_cmpuint (uctr_resources_blkio_to_io_weight (1000), ==, 10000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/resources/writes", test_writes);
  g_test_add_func ("/resources/what-and-controllers", test_what_and_controllers);
  g_test_add_func ("/resources/blkio-bfq-first", test_blkio_bfq_first);
  g_test_add_func ("/resources/bad", test_bad);
  g_test_add_func ("/resources/unsupported", test_unsupported);
  g_test_add_func ("/resources/merge-and-json", test_merge_and_json);
  g_test_add_func ("/resources/sizes", test_sizes);
  g_test_add_func ("/resources/conversions", test_conversions);
  g_test_add_func ("/systemd/path", test_systemd_path);
  return g_test_run ();
}
