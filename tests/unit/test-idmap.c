/* Unit tests for idmap.c: /etc/subuid parsing, the mapping plan, formatting, applying. */
#include "plan/idmap.h"
#include "base/util.h"
#include "testutil.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

typedef struct
{
  char *dir;
  char *subuid;
  char *subgid;
  char *newuidmap; /* a fake helper script that records its arguments */
  char *newgidmap;
  char *missing; /* a helper path that does not exist */
} Fixture;

static void
write_file (const char *path, const char *contents, int mode)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

static char *
fake_helper (const char *dir, const char *name, const char *body)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autofree char *script = g_strdup_printf ("#!/bin/sh\n%s\n", body);

  write_file (path, script, 0755);
  return path;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uid_body = NULL;
  g_autofree char *gid_body = NULL;

  f->dir = g_dir_make_tmp ("uctr-test-idmap-XXXXXX", &error);
  g_assert_no_error (error);
  f->subuid = g_build_filename (f->dir, "subuid", NULL);
  f->subgid = g_build_filename (f->dir, "subgid", NULL);
  uid_body = g_strdup_printf ("echo \"$@\" > '%s/newuidmap.args'", f->dir);
  gid_body = g_strdup_printf ("echo \"$@\" > '%s/newgidmap.args'", f->dir);
  f->newuidmap = fake_helper (f->dir, "newuidmap", uid_body);
  f->newgidmap = fake_helper (f->dir, "newgidmap", gid_body);
  f->missing = g_build_filename (f->dir, "not-installed", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  uctr_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->subuid);
  g_free (f->subgid);
  g_free (f->newuidmap);
  g_free (f->newgidmap);
  g_free (f->missing);
}

static void
assert_range (GArray *ranges, guint i, guint32 start, guint32 count)
{
  g_assert_cmpuint (i, <, ranges->len);
  g_assert_cmpuint (g_array_index (ranges, UctrIdRange, i).start, ==, start);
  g_assert_cmpuint (g_array_index (ranges, UctrIdRange, i).count, ==, count);
}

static void
assert_mapping (const UctrIdMapping *m, guint32 container_id, guint32 host_id, guint32 size)
{
  g_assert_cmpuint (m->container_id, ==, container_id);
  g_assert_cmpuint (m->host_id, ==, host_id);
  g_assert_cmpuint (m->size, ==, size);
}

static const char subid_text[] = "# subordinate ids\n"
                                 "\n"
                                 "alice:100000:65536\n"
                                 "bob:200000:65536\n"
                                 "1000:300000:10\n"
                                 "alice:bad:10\n"
                                 "alice:1:2:3\n"
                                 "alice:400000:0\n"
                                 "alice:4294967295:2\n"
                                 ":600000:5\n"
                                 "  alice:500000:5  \r\n"
                                 "alice:700000:7"; /* no final newline */

static void
test_parse_by_name_and_uid (void)
{
  g_autoptr(GArray) both = uctr_idmap_parse_subid (subid_text, "alice", 1000);
  g_autoptr(GArray) by_uid = uctr_idmap_parse_subid (subid_text, NULL, 1000);
  g_autoptr(GArray) bob = uctr_idmap_parse_subid (subid_text, "bob", 1001);
  g_autoptr(GArray) nobody = uctr_idmap_parse_subid (subid_text, "carol", 1002);
  g_autoptr(GArray) empty = uctr_idmap_parse_subid ("", "alice", 1000);

  /* File order; comments, blanks, malformed, zero-sized and overflowing lines skipped. */
  g_assert_cmpuint (both->len, ==, 4);
  assert_range (both, 0, 100000, 65536);
  assert_range (both, 1, 300000, 10);
  assert_range (both, 2, 500000, 5);
  assert_range (both, 3, 700000, 7);
  g_assert_cmpuint (by_uid->len, ==, 1);
  assert_range (by_uid, 0, 300000, 10);
  g_assert_cmpuint (bob->len, ==, 1);
  assert_range (bob, 0, 200000, 65536);
  g_assert_cmpuint (nobody->len, ==, 0);
  g_assert_cmpuint (empty->len, ==, 0);
}

static void
test_lookup_files (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) missing = NULL;
  g_autoptr(GArray) found = NULL;
  g_autoptr(GArray) unreadable = NULL;

  missing = uctr_idmap_lookup_subid (f->subuid, "alice", 1000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (missing);
  g_assert_cmpuint (missing->len, ==, 0);

  write_file (f->subuid, subid_text, 0644);
  found = uctr_idmap_lookup_subid (f->subuid, "alice", 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 4);

  /* A directory cannot be read as a file whoever runs the test. */
  unreadable = uctr_idmap_lookup_subid (f->dir, "alice", 1000, &error);
  g_assert_null (unreadable);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, f->dir));
}

static void
test_plan_ranges_and_helpers (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_auto(UctrIdmapPlan) plan = { 0 };

  write_file (f->subuid, "bob:200000:65536\nalice:100000:65536\nalice:300000:65536\n", 0644);
  write_file (f->subgid, "1000:400000:1000\n", 0644);
  g_assert_true (uctr_idmap_plan (NULL, 0, NULL, 0, 1000, 1001, "alice", f->subuid, f->subgid, f->newuidmap,
                                  f->newgidmap, &plan, &error));
  g_assert_no_error (error);
  g_assert_true (plan.use_helpers);
  g_assert_false (plan.setgroups_deny);
  g_assert_null (plan.warning);
  g_assert_cmpuint (plan.n_uid, ==, 2);
  assert_mapping (&plan.uid[0], 0, 1000, 1);
  assert_mapping (&plan.uid[1], 1, 100000, 65536); /* the first range only */
  /* subgid owners are users too: matched by the uid, mapped from the gid */
  g_assert_cmpuint (plan.n_gid, ==, 2);
  assert_mapping (&plan.gid[0], 0, 1001, 1);
  assert_mapping (&plan.gid[1], 1, 400000, 1000);
}

static void
assert_single_fallback (const UctrIdmapPlan *plan)
{
  g_assert_false (plan->use_helpers);
  g_assert_true (plan->setgroups_deny);
  g_assert_cmpuint (plan->n_uid, ==, 1);
  assert_mapping (&plan->uid[0], 0, 1000, 1);
  g_assert_cmpuint (plan->n_gid, ==, 1);
  assert_mapping (&plan->gid[0], 0, 1000, 1);
  g_assert_nonnull (plan->warning);
  g_assert_null (strchr (plan->warning, '\n'));
  g_assert_nonnull (strstr (plan->warning, "only uid 1000 and gid 1000 are mapped"));
  g_assert_nonnull (strstr (plan->warning, "setgroups is denied"));
}

static void
test_plan_no_range (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_auto(UctrIdmapPlan) plan = { 0 };
  g_autofree char *missing_piece = NULL;

  /* bob holds 200000-265535, so the suggestion starts above it */
  write_file (f->subuid, "bob:200000:65536\n", 0644);
  write_file (f->subgid, "alice:100000:65536\n", 0644);
  g_assert_true (uctr_idmap_plan (NULL, 0, NULL, 0, 1000, 1000, "alice", f->subuid, f->subgid, f->newuidmap,
                                  f->newgidmap, &plan, &error));
  g_assert_no_error (error);
  assert_single_fallback (&plan);
  missing_piece = g_strdup_printf ("no subordinate ids for alice in %s:", f->subuid);
  g_assert_nonnull (strstr (plan.warning, missing_piece));
  g_assert_nonnull (strstr (plan.warning, "usermod --add-subuids 265536-331071 alice"));
  g_assert_null (strstr (plan.warning, "--add-subgids"));
  g_assert_null (strstr (plan.warning, "apt-get"));
}

static void
test_plan_no_files (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_auto(UctrIdmapPlan) plan = { 0 };

  /* neither file exists: a fallback, not an error */
  g_assert_true (uctr_idmap_plan (NULL, 0, NULL, 0, 1000, 1000, "alice", f->subuid, f->subgid, f->newuidmap,
                                  f->newgidmap, &plan, &error));
  g_assert_no_error (error);
  assert_single_fallback (&plan);
  g_assert_nonnull (
      strstr (plan.warning, "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice"));
  g_assert_nonnull (strstr (plan.warning, " and "));
}

static void
test_plan_no_helper (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_auto(UctrIdmapPlan) plan = { 0 };

  write_file (f->subuid, "alice:100000:65536\n", 0644);
  write_file (f->subgid, "alice:100000:65536\n", 0644);
  g_assert_true (uctr_idmap_plan (NULL, 0, NULL, 0, 1000, 1000, "alice", f->subuid, f->subgid, f->missing,
                                  f->newgidmap, &plan, &error));
  g_assert_no_error (error);
  assert_single_fallback (&plan);
  g_assert_nonnull (strstr (plan.warning, "newuidmap is not installed"));
  g_assert_nonnull (strstr (plan.warning, "apt-get install uidmap"));
  g_assert_null (strstr (plan.warning, "usermod"));
}

static void
test_plan_root_without_config (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_auto(UctrIdmapPlan) plan = { 0 };

  g_assert_true (uctr_idmap_plan (NULL, 0, NULL, 0, 0, 0, "root", f->subuid, f->subgid, f->missing,
                                  f->missing, &plan, &error));
  g_assert_no_error (error);
  g_assert_false (plan.use_helpers);
  g_assert_false (plan.setgroups_deny);
  g_assert_null (plan.warning);
  g_assert_cmpuint (plan.n_uid, ==, 1);
  assert_mapping (&plan.uid[0], 0, 0, 1);
  g_assert_cmpuint (plan.n_gid, ==, 1);
  assert_mapping (&plan.gid[0], 0, 0, 1);
}

static const UctrIdMapping own_uid[] = { { 0, 1000, 1 } };
static const UctrIdMapping own_gid[] = { { 0, 1001, 1 } };
static const UctrIdMapping wide_uid[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
static const UctrIdMapping outside_uid[] = { { 0, 1000, 1 }, { 1, 200000, 65536 } };
static const UctrIdMapping split_uid[] = { { 0, 100000, 100 }, { 100, 100100, 65436 } };

static void
test_plan_config_root (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_auto(UctrIdmapPlan) plan = { 0 };

  g_assert_true (uctr_idmap_plan (outside_uid, 2, own_gid, 1, 0, 0, "root", f->subuid, f->subgid, f->missing,
                                  f->missing, &plan, &error));
  g_assert_no_error (error);
  g_assert_false (plan.use_helpers);
  g_assert_false (plan.setgroups_deny);
  g_assert_cmpuint (plan.n_uid, ==, 2);
  assert_mapping (&plan.uid[1], 1, 200000, 65536);
  g_assert_cmpuint (plan.n_gid, ==, 1);
  assert_mapping (&plan.gid[0], 0, 1001, 1);
}

static void
test_plan_config_own_id (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_auto(UctrIdmapPlan) plan = { 0 };

  /* no helpers and no ranges needed to map just yourself */
  g_assert_true (uctr_idmap_plan (own_uid, 1, own_gid, 1, 1000, 1001, "alice", f->subuid, f->subgid,
                                  f->missing, f->missing, &plan, &error));
  g_assert_no_error (error);
  g_assert_false (plan.use_helpers);
  g_assert_true (plan.setgroups_deny);
  g_assert_null (plan.warning);
  assert_mapping (&plan.uid[0], 0, 1000, 1);
  assert_mapping (&plan.gid[0], 0, 1001, 1);
}

static void
test_plan_config_helpers (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_auto(UctrIdmapPlan) plan = { 0 };
  g_auto(UctrIdmapPlan) split = { 0 };

  write_file (f->subuid, "alice:100000:100\nalice:100100:65436\n", 0644);
  write_file (f->subgid, "alice:100000:65536\n", 0644);
  g_assert_true (uctr_idmap_plan (wide_uid, 2, own_gid, 1, 1000, 1001, "alice", f->subuid, f->subgid,
                                  f->newuidmap, f->newgidmap, &plan, &error));
  g_assert_no_error (error);
  g_assert_true (plan.use_helpers);
  g_assert_false (plan.setgroups_deny);
  g_assert_cmpuint (plan.n_uid, ==, 2);
  assert_mapping (&plan.uid[1], 1, 100000, 65536);

  /* a mapping may span adjacent ranges, as newuidmap accepts */
  g_assert_true (uctr_idmap_plan (split_uid, 2, own_gid, 1, 1000, 1001, "alice", f->subuid, f->subgid,
                                  f->newuidmap, f->newgidmap, &split, &error));
  g_assert_no_error (error);
  g_assert_true (split.use_helpers);
}

static void
test_plan_config_outside_ranges (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_auto(UctrIdmapPlan) plan = { 0 };
  g_autofree char *expected = NULL;

  write_file (f->subuid, "alice:100000:65536\n", 0644);
  write_file (f->subgid, "alice:100000:65536\n", 0644);
  g_assert_false (uctr_idmap_plan (outside_uid, 2, own_gid, 1, 1000, 1001, "alice", f->subuid, f->subgid,
                                   f->newuidmap, f->newgidmap, &plan, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
  expected = g_strdup_printf ("linux.uidMappings[1]: host ids 200000-265535 are not in your ranges in %s "
                              "(100000-165535)",
                              f->subuid);
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_null (plan.uid);
}

static void
test_plan_config_no_gid_range (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_auto(UctrIdmapPlan) plan = { 0 };

  write_file (f->subuid, "alice:100000:65536\n", 0644);
  g_assert_false (uctr_idmap_plan (wide_uid, 2, wide_uid, 2, 1000, 1000, "alice", f->subuid, f->subgid,
                                   f->newuidmap, f->newgidmap, &plan, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "linux.gidMappings[1]: host ids 100000-165535 are not yours"));
  g_assert_nonnull (strstr (error->message, "usermod --add-subgids 100000-165535 alice"));
}

static void
test_plan_config_needs_helpers (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_auto(UctrIdmapPlan) plan = { 0 };

  write_file (f->subuid, "alice:100000:65536\n", 0644);
  write_file (f->subgid, "alice:100000:65536\n", 0644);
  g_assert_false (uctr_idmap_plan (wide_uid, 2, own_gid, 1, 1000, 1001, "alice", f->subuid, f->subgid,
                                   f->missing, f->newgidmap, &plan, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_UNSUPPORTED);
  g_assert_cmpstr (error->message, ==,
                   "config.json maps ids other than your own (linux.uidMappings); that needs newuidmap and "
                   "newgidmap: apt-get install uidmap");
}

static void
test_plan_config_one_side (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_auto(UctrIdmapPlan) plan = { 0 };

  g_assert_false (uctr_idmap_plan (own_uid, 1, NULL, 0, 1000, 1000, "alice", f->subuid, f->subgid,
                                   f->newuidmap, f->newgidmap, &plan, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, "linux.gidMappings:"));
}

/* The span of a uid_map's inside ids, capped for sysctls. */
static void
test_plan_keep_id (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_auto(UctrIdmapPlan) plan = { 0 };

  write_file (f->subuid, "alice:100000:65536\n", 0644);
  write_file (f->subgid, "alice:200000:65536\n", 0644);
  g_assert_true (uctr_idmap_plan_keep_id (1000, 1001, "alice", f->subuid, f->subgid, f->newuidmap,
                                          f->newgidmap, &plan, &error));
  g_assert_no_error (error);
  g_assert_true (plan.use_helpers);
  g_assert_false (plan.setgroups_deny);
  g_assert_null (plan.warning);
  /* 0..999 -> the range's first ids, 1000 -> itself, 1001.. -> the rest */
  g_assert_cmpuint (plan.n_uid, ==, 3);
  assert_mapping (&plan.uid[0], 0, 100000, 1000);
  assert_mapping (&plan.uid[1], 1000, 1000, 1);
  assert_mapping (&plan.uid[2], 1001, 101000, 64536);
  g_assert_cmpuint (plan.n_gid, ==, 3);
  assert_mapping (&plan.gid[0], 0, 200000, 1001);
  assert_mapping (&plan.gid[1], 1001, 1001, 1);
  assert_mapping (&plan.gid[2], 1002, 201001, 64535);
}

static void
test_plan_keep_id_small_range (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_auto(UctrIdmapPlan) plan = { 0 };

  /* A range smaller than the caller's id: all of it below, nothing above. */
  write_file (f->subuid, "alice:100000:10\n", 0644);
  write_file (f->subgid, "alice:100000:10\n", 0644);
  g_assert_true (uctr_idmap_plan_keep_id (1000, 1000, "alice", f->subuid, f->subgid, f->newuidmap,
                                          f->newgidmap, &plan, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (plan.n_uid, ==, 2);
  assert_mapping (&plan.uid[0], 0, 100000, 10);
  assert_mapping (&plan.uid[1], 1000, 1000, 1);
}

static void
test_plan_keep_id_no_range (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_auto(UctrIdmapPlan) plan = { 0 };

  g_assert_true (uctr_idmap_plan_keep_id (1000, 1001, "alice", f->subuid, f->subgid, f->newuidmap,
                                          f->newgidmap, &plan, &error));
  g_assert_no_error (error);
  g_assert_false (plan.use_helpers);
  g_assert_true (plan.setgroups_deny);
  g_assert_cmpuint (plan.n_uid, ==, 1);
  assert_mapping (&plan.uid[0], 1000, 1000, 1);
  g_assert_cmpuint (plan.n_gid, ==, 1);
  assert_mapping (&plan.gid[0], 1001, 1001, 1);
  g_assert_nonnull (plan.warning);
  g_assert_nonnull (strstr (plan.warning, "only uid 1000 and gid 1001 are mapped, as themselves"));
  g_assert_nonnull (
      strstr (plan.warning, "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice"));
  g_assert_cmpstr (plan.fix, ==, "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice");
}

static void
test_setup_id (void)
{
  const UctrIdMapping keep_id[] = { { 0, 100000, 1000 }, { 1000, 1000, 1 }, { 1001, 101000, 64536 } };
  const UctrIdMapping own_only[] = { { 1000, 1000, 1 } };
  const UctrIdMapping others[] = { { 5, 100000, 10 } };
  guint32 id = 7;

  g_assert_true (uctr_idmap_setup_id (wide_uid, 2, 1000, &id));
  g_assert_cmpuint (id, ==, 0);
  g_assert_true (uctr_idmap_setup_id (keep_id, 3, 1000, &id));
  g_assert_cmpuint (id, ==, 0);
  g_assert_true (uctr_idmap_to_inside (keep_id, 3, 101005, &id));
  g_assert_cmpuint (id, ==, 1006);
  g_assert_true (uctr_idmap_setup_id (own_only, 1, 1000, &id));
  g_assert_cmpuint (id, ==, 1000);
  id = 7;
  g_assert_false (uctr_idmap_setup_id (others, 1, 1000, &id));
  g_assert_false (uctr_idmap_to_inside (others, 1, 100010, &id));
  g_assert_cmpuint (id, ==, 7);
}

static void
test_parse_maps (void)
{
  gsize n = 9;
  g_autofree UctrIdMapping *maps = uctr_idmap_parse_maps ("         0     100000       1000\n"
                                                          "      1000       1000          1\nbad\n5 6 0\n",
                                                          &n);

  g_assert_cmpuint (n, ==, 2);
  assert_mapping (&maps[0], 0, 100000, 1000);
  assert_mapping (&maps[1], 1000, 1000, 1);
}

static void
test_span (void)
{
  guint32 low = 7, high = 7;

  g_assert_true (uctr_idmap_span ("0 1000 1\n1 100000 65536\n", &low, &high));
  g_assert_cmpuint (low, ==, 0);
  g_assert_cmpuint (high, ==, 65536);
  g_assert_true (uctr_idmap_span ("         0          0 4294967295\n", &low, &high));
  g_assert_cmpuint (low, ==, 0);
  g_assert_cmpuint (high, ==, G_MAXINT32);
  g_assert_true (uctr_idmap_span ("bad line\n5 100 10\n7 300 0\n", &low, &high));
  g_assert_cmpuint (low, ==, 5);
  g_assert_cmpuint (high, ==, 14);
  low = high = 7;
  g_assert_false (uctr_idmap_span ("", &low, &high));
  g_assert_false (uctr_idmap_span (NULL, &low, &high));
  g_assert_cmpuint (low, ==, 7);
}

static void
test_format (void)
{
  g_autofree char *lines = uctr_idmap_format (wide_uid, 2, FALSE);
  g_autofree char *args = uctr_idmap_format (wide_uid, 2, TRUE);
  g_autofree char *none = uctr_idmap_format (NULL, 0, FALSE);
  const UctrIdMapping all[] = { { 0, 0, G_MAXUINT32 } };
  g_autofree char *big = uctr_idmap_format (all, 1, FALSE);

  g_assert_cmpstr (lines, ==, "0 1000 1\n1 100000 65536\n");
  g_assert_cmpstr (args, ==, "0 1000 1 1 100000 65536");
  g_assert_cmpstr (none, ==, "");
  g_assert_cmpstr (big, ==, "0 0 4294967295\n");
}

static void
test_apply_helpers (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uid_args_file = g_build_filename (f->dir, "newuidmap.args", NULL);
  g_autofree char *gid_args_file = g_build_filename (f->dir, "newgidmap.args", NULL);
  g_autofree char *uid_args = NULL;
  g_autofree char *gid_args = NULL;
  UctrIdMapping gid[] = { { 0, 1001, 1 }, { 1, 300000, 10 } };
  UctrIdmapPlan plan = { (UctrIdMapping *) wide_uid, 2, gid, 2, FALSE, TRUE, NULL };

  g_assert_true (uctr_idmap_apply (&plan, 4242, f->newuidmap, f->newgidmap, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (uid_args_file, &uid_args, NULL, NULL));
  g_assert_true (g_file_get_contents (gid_args_file, &gid_args, NULL, NULL));
  g_assert_cmpstr (uid_args, ==, "4242 0 1000 1 1 100000 65536\n");
  g_assert_cmpstr (gid_args, ==, "4242 0 1001 1 1 300000 10\n");
}

static void
test_apply_helper_fails (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) missing_error = NULL;
  g_autofree char *failing = fake_helper (f->dir, "failing",
                                          "echo 'newuidmap: uid range [1-65537) -> [100000-165536) "
                                          "not allowed' >&2\nexit 1");
  UctrIdmapPlan plan = { (UctrIdMapping *) wide_uid, 2, (UctrIdMapping *) wide_uid, 2, FALSE, TRUE, NULL };

  g_assert_false (uctr_idmap_apply (&plan, 4242, failing, f->newgidmap, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "newuidmap failed: newuidmap: uid range [1-65537) -> [100000-165536) not allowed");

  g_assert_false (uctr_idmap_apply (&plan, 4242, f->newuidmap, f->missing, &missing_error));
  g_assert_error (missing_error, UCTR_ERROR, UCTR_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (missing_error->message, "newgidmap"));
}

/* Writes a single own-id map for a child that unshared a user namespace,
   as an unprivileged caller would, and lets the child check it is root. */
static void
test_apply_direct (void)
{
  g_autoptr(GError) error = NULL;
  UctrIdMapping uid[] = { { 0, geteuid (), 1 } };
  UctrIdMapping gid[] = { { 0, getegid (), 1 } };
  UctrIdmapPlan plan = { uid, 1, gid, 1, TRUE, FALSE, NULL };
  int ready[2], go[2];
  char c = 0;
  int status = 0;
  pid_t pid;

  g_assert_cmpint (pipe2 (ready, O_CLOEXEC), ==, 0);
  g_assert_cmpint (pipe2 (go, O_CLOEXEC), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      char r = unshare (CLONE_NEWUSER) == 0 ? 'y' : 'n';
      (void) write (ready[1], &r, 1);
      if (r != 'y' || read (go[0], &r, 1) != 1)
        _exit (3);
      _exit (getuid () == 0 && getgid () == 0 ? 0 : 1);
    }
  close (ready[1]);
  close (go[0]);
  g_assert_cmpint (read (ready[0], &c, 1), ==, 1);
  if (c == 'y')
    {
      gboolean ok = uctr_idmap_apply (&plan, pid, NULL, NULL, &error);
      g_assert_cmpint (write (go[1], "g", 1), ==, 1);
      g_assert_no_error (error);
      g_assert_true (ok);
    }
  close (go[1]);
  close (ready[0]);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  if (c != 'y')
    {
      g_test_skip ("user namespaces are not available here");
      return;
    }
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
}

static void
test_apply_direct_error_names_file (void)
{
  g_autoptr(GError) error = NULL;
  UctrIdmapPlan plan = { (UctrIdMapping *) own_uid, 1, (UctrIdMapping *) own_gid, 1, FALSE, FALSE, NULL };
  pid_t pid = fork ();
  int status;

  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    _exit (0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  /* the process is gone: /proc/PID/uid_map cannot be opened */
  g_assert_false (uctr_idmap_apply (&plan, pid, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "uid_map"));
}

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/idmap/parse/by-name-and-uid", test_parse_by_name_and_uid);
  ADD ("/idmap/lookup/files", test_lookup_files);
  ADD ("/idmap/plan/ranges-and-helpers", test_plan_ranges_and_helpers);
  ADD ("/idmap/plan/no-range", test_plan_no_range);
  ADD ("/idmap/plan/no-files", test_plan_no_files);
  ADD ("/idmap/plan/no-helper", test_plan_no_helper);
  ADD ("/idmap/plan/root-without-config", test_plan_root_without_config);
  ADD ("/idmap/plan/config-root", test_plan_config_root);
  ADD ("/idmap/plan/config-own-id", test_plan_config_own_id);
  ADD ("/idmap/plan/config-helpers", test_plan_config_helpers);
  ADD ("/idmap/plan/config-outside-ranges", test_plan_config_outside_ranges);
  ADD ("/idmap/plan/config-no-gid-range", test_plan_config_no_gid_range);
  ADD ("/idmap/plan/config-needs-helpers", test_plan_config_needs_helpers);
  ADD ("/idmap/plan/config-one-side", test_plan_config_one_side);
  ADD ("/idmap/plan/keep-id", test_plan_keep_id);
  ADD ("/idmap/plan/keep-id-small-range", test_plan_keep_id_small_range);
  ADD ("/idmap/plan/keep-id-no-range", test_plan_keep_id_no_range);
  g_test_add_func ("/idmap/setup-id", test_setup_id);
  g_test_add_func ("/idmap/parse-maps", test_parse_maps);
  g_test_add_func ("/idmap/format", test_format);
  g_test_add_func ("/idmap/span", test_span);
  ADD ("/idmap/apply/helpers", test_apply_helpers);
  ADD ("/idmap/apply/helper-fails", test_apply_helper_fails);
  g_test_add_func ("/idmap/apply/direct", test_apply_direct);
  g_test_add_func ("/idmap/apply/direct-error-names-file", test_apply_direct_error_names_file);

  return g_test_run ();
}
