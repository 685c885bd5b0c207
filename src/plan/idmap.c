/* uctr: user namespace id mappings: /etc/subuid, /etc/subgid, newuidmap/newgidmap. */
#include "plan/idmap.h"

#include <sys/wait.h>
#include "base/util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_SUBUID "/etc/subuid"
#define DEFAULT_SUBGID "/etc/subgid"
#define SUBID_FILE_MAX (16 * 1024 * 1024)

/* What we suggest when the user has no range: the usual size, above every
   range already handed out so usermod does not create an overlap. */
#define SUGGESTED_START 100000
#define SUGGESTED_COUNT 65536

/* The kernel refuses an extent whose first + count wraps around 2^32. */
#define MAX_EXTENT_COUNT (G_MAXUINT32 - 1)

static gboolean
parse_u32 (const char *s, guint32 *out)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT32, &v, NULL))
    return FALSE;
  *out = (guint32) v;
  return TRUE;
}

/* One "owner:start:count" line; FALSE for comments, blanks and malformed lines. */
static gboolean
parse_subid_line (const char *raw, char **owner, UctrIdRange *range)
{
  g_autofree char *line = g_strstrip (g_strdup (raw));
  g_auto(GStrv) fields = NULL;

  if (line[0] == '\0' || line[0] == '#')
    return FALSE;
  fields = g_strsplit (line, ":", -1);
  if (g_strv_length (fields) != 3 || fields[0][0] == '\0')
    return FALSE;
  if (!parse_u32 (fields[1], &range->start) || !parse_u32 (fields[2], &range->count))
    return FALSE;
  if (range->count == 0 || (guint64) range->start + range->count > G_MAXUINT32)
    return FALSE;
  *owner = g_strdup (fields[0]);
  return TRUE;
}

static gboolean
owner_matches (const char *owner, const char *user, guint32 id)
{
  guint32 owner_id;

  if (user != NULL && strcmp (owner, user) == 0)
    return TRUE;
  return parse_u32 (owner, &owner_id) && owner_id == id;
}

GArray *
uctr_idmap_parse_subid (const char *contents, const char *user, guint32 id)
{
  GArray *ranges = g_array_new (FALSE, FALSE, sizeof (UctrIdRange));
  g_auto(GStrv) lines = g_strsplit (contents != NULL ? contents : "", "\n", -1);
  gsize i;

  for (i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *owner = NULL;
      UctrIdRange range;

      if (parse_subid_line (lines[i], &owner, &range) && owner_matches (owner, user, id))
        g_array_append_val (ranges, range);
    }
  return ranges;
}

UctrIdMapping *
uctr_idmap_parse_maps (const char *maps, gsize *n)
{
  g_auto(GStrv) lines = g_strsplit (maps != NULL ? maps : "", "\n", -1);
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (UctrIdMapping));

  for (gsize i = 0; lines[i] != NULL; i++)
    {
      guint64 inside, outside, count;
      UctrIdMapping m;

      if (sscanf (lines[i], "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &inside,
                  &outside, &count)
              != 3
          || count == 0 || inside > G_MAXUINT32 || outside > G_MAXUINT32 || count > G_MAXUINT32)
        continue;
      m = (UctrIdMapping){ (guint32) inside, (guint32) outside, (guint32) count };
      g_array_append_val (out, m);
    }
  *n = out->len;
  return (UctrIdMapping *) g_array_free (g_steal_pointer (&out), FALSE);
}

gboolean
uctr_idmap_span (const char *maps, guint32 *low, guint32 *high)
{
  gsize n;
  g_autofree UctrIdMapping *m = uctr_idmap_parse_maps (maps, &n);
  guint64 lo = G_MAXUINT64, hi = 0;

  for (gsize i = 0; i < n; i++)
    {
      lo = MIN (lo, m[i].container_id);
      hi = MAX (hi, (guint64) m[i].container_id + m[i].size - 1);
    }
  if (lo > hi || lo > G_MAXINT32)
    return FALSE;
  *low = (guint32) lo;
  *high = (guint32) MIN (hi, (guint64) G_MAXINT32);
  return TRUE;
}

gboolean
uctr_idmap_to_inside (const UctrIdMapping *maps, gsize n, guint32 host_id, guint32 *inside)
{
  for (gsize i = 0; i < n; i++)
    if (host_id >= maps[i].host_id && (guint64) host_id < (guint64) maps[i].host_id + maps[i].size)
      {
        *inside = maps[i].container_id + (host_id - maps[i].host_id);
        return TRUE;
      }
  return FALSE;
}

gboolean
uctr_idmap_setup_id (const UctrIdMapping *maps, gsize n, guint32 host_id, guint32 *inside)
{
  for (gsize i = 0; i < n; i++)
    if (maps[i].container_id == 0)
      {
        *inside = 0;
        return TRUE;
      }
  return uctr_idmap_to_inside (maps, n, host_id, inside);
}

/* The end of the highest range anybody has in CONTENTS (0 when none). */
static guint64
subid_highest_end (const char *contents)
{
  g_auto(GStrv) lines = g_strsplit (contents != NULL ? contents : "", "\n", -1);
  guint64 highest = 0;
  gsize i;

  for (i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *owner = NULL;
      UctrIdRange range;

      if (parse_subid_line (lines[i], &owner, &range))
        highest = MAX (highest, (guint64) range.start + range.count);
    }
  return highest;
}

/* The contents of FILE; an empty string when it does not exist. */
static char *
read_subid_file (const char *file, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  char *contents = NULL;

  if (uctr_read_file_at (AT_FDCWD, file, SUBID_FILE_MAX, &contents, NULL, &local_error))
    return contents;
  if (g_error_matches (local_error, UCTR_ERRNO_ERROR, ENOENT))
    return g_strdup ("");
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

GArray *
uctr_idmap_lookup_subid (const char *file, const char *user, guint32 id, GError **error)
{
  g_autofree char *contents = read_subid_file (file, error);

  if (contents == NULL)
    return NULL;
  return uctr_idmap_parse_subid (contents, user, id);
}

void
uctr_idmap_plan_clear (UctrIdmapPlan *plan)
{
  g_clear_pointer (&plan->uid, g_free);
  g_clear_pointer (&plan->gid, g_free);
  g_clear_pointer (&plan->warning, g_free);
  g_clear_pointer (&plan->fix, g_free);
  memset (plan, 0, sizeof *plan);
}

/* GIVEN when it is an executable file, else (GIVEN NULL) NAME from PATH,
   /usr/bin or /usr/sbin, which PATH of a user shell often lacks. */
static char *
find_helper (const char *given, const char *name)
{
  static const char *const dirs[] = { "/usr/bin", "/usr/sbin" };
  char *found;
  gsize i;

  if (given != NULL)
    {
      if (g_file_test (given, G_FILE_TEST_IS_EXECUTABLE) && !g_file_test (given, G_FILE_TEST_IS_DIR))
        return g_strdup (given);
      return NULL;
    }
  found = g_find_program_in_path (name);
  for (i = 0; found == NULL && i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = g_build_filename (dirs[i], name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
        found = g_steal_pointer (&path);
    }
  return found;
}

static UctrIdMapping *
copy_mappings (const UctrIdMapping *maps, gsize n)
{
  return n > 0 ? g_memdup2 (maps, n * sizeof *maps) : NULL;
}

static gboolean
is_own_id_only (const UctrIdMapping *maps, gsize n, guint32 own)
{
  return n == 1 && maps[0].size == 1 && maps[0].host_id == own;
}

/* Whether [start, start + count) is covered by RANGES, which may be split
   over adjacent lines as newuidmap allows. */
static gboolean
ranges_cover (const GArray *ranges, guint64 start, guint64 count)
{
  guint64 end = start + count;
  gboolean progress = TRUE;

  while (start < end && progress)
    {
      guint i;

      progress = FALSE;
      for (i = 0; i < ranges->len; i++)
        {
          const UctrIdRange *r = &g_array_index (ranges, UctrIdRange, i);
          guint64 r_end = (guint64) r->start + r->count;

          if (start >= r->start && start < r_end)
            {
              start = r_end;
              progress = TRUE;
            }
        }
    }
  return start >= end;
}

static char *
format_ranges (const GArray *ranges)
{
  g_autoptr(GString) s = g_string_new (NULL);
  guint i;

  for (i = 0; i < ranges->len; i++)
    {
      const UctrIdRange *r = &g_array_index (ranges, UctrIdRange, i);
      g_string_append_printf (s, "%s%u-%" G_GUINT64_FORMAT, i > 0 ? ", " : "", r->start,
                              (guint64) r->start + r->count - 1);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Every mapping of a config must be in the user's subordinate ranges, or be
   the user's own id alone: what newuidmap will check, said in config terms.
   The owner field of /etc/subgid is the user too, so both look up USER/EUID. */
static gboolean
check_config_ranges (const UctrIdMapping *maps, gsize n, guint32 own, const char *user, uid_t euid,
                     const char *file, const char *json_name, const char *usermod_flag, GError **error)
{
  g_autoptr(GArray) ranges = uctr_idmap_lookup_subid (file, user, euid, error);
  g_autofree char *who = user != NULL ? g_strdup (user) : g_strdup_printf ("%u", (guint) euid);
  gsize i;

  if (ranges == NULL)
    return FALSE;
  for (i = 0; i < n; i++)
    {
      g_autofree char *have = NULL;
      guint64 last = (guint64) maps[i].host_id + maps[i].size - 1;

      if ((maps[i].size == 1 && maps[i].host_id == own)
          || ranges_cover (ranges, maps[i].host_id, maps[i].size))
        continue;
      if (ranges->len == 0)
        return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                           _("%s[%zu]: host ids %u-%llu are not yours: you have no range in %s "
                             "(add one with: usermod %s %u-%llu %s)"),
                              json_name, i, maps[i].host_id, (unsigned long long) last, file, usermod_flag,
                              maps[i].host_id, (unsigned long long) last, who);
      have = format_ranges (ranges);
      return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                         _("%s[%zu]: host ids %u-%llu are not in your ranges in %s (%s)"), json_name, i,
                            maps[i].host_id, (unsigned long long) last, file, have);
    }
  return TRUE;
}

static gboolean
plan_from_config (const UctrIdMapping *cfg_uid, gsize n_cfg_uid, const UctrIdMapping *cfg_gid,
                  gsize n_cfg_gid, uid_t euid, gid_t egid, const char *user, const char *subuid_file,
                  const char *subgid_file, const char *newuidmap, const char *newgidmap, UctrIdmapPlan *plan,
                  GError **error)
{
  g_autofree char *uid_helper = NULL;
  g_autofree char *gid_helper = NULL;
  gboolean uid_own = is_own_id_only (cfg_uid, n_cfg_uid, euid);
  gboolean gid_own = is_own_id_only (cfg_gid, n_cfg_gid, egid);

  if (n_cfg_uid == 0 || n_cfg_gid == 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("%s: must be given with %s for a user namespace"),
                          n_cfg_uid == 0 ? "linux.uidMappings" : "linux.gidMappings",
                          n_cfg_uid == 0 ? "linux.gidMappings" : "linux.uidMappings");

  plan->uid = copy_mappings (cfg_uid, n_cfg_uid);
  plan->n_uid = n_cfg_uid;
  plan->gid = copy_mappings (cfg_gid, n_cfg_gid);
  plan->n_gid = n_cfg_gid;

  /* Root writes any map itself; anyone may write a map of just their own id. */
  if (euid == 0)
    return TRUE;
  if (uid_own && gid_own)
    {
      plan->setgroups_deny = TRUE;
      return TRUE;
    }

  uid_helper = find_helper (newuidmap, "newuidmap");
  gid_helper = find_helper (newgidmap, "newgidmap");
  if (uid_helper == NULL || gid_helper == NULL)
    return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                       _("config.json maps ids other than your own (%s); that needs newuidmap and newgidmap: "
                         "apt-get install uidmap"),
                          !uid_own ? "linux.uidMappings" : "linux.gidMappings");
  if (!check_config_ranges (cfg_uid, n_cfg_uid, euid, user, euid, subuid_file, "linux.uidMappings",
                            "--add-subuids", error)
      || !check_config_ranges (cfg_gid, n_cfg_gid, egid, user, euid, subgid_file, "linux.gidMappings",
                               "--add-subgids", error))
    return FALSE;
  plan->use_helpers = TRUE;
  return TRUE;
}

/* What is missing, what that costs, and the commands that fix it, in one
   line; the commands alone in *FIX. KEEP_ID: the caller's ids are mapped
   as themselves, not as root. */
static char *
fallback_warning (const char *user, uid_t euid, gid_t egid, const char *subuid_file, const char *subgid_file,
                  gboolean no_uid_range, gboolean no_gid_range, gboolean no_uid_helper,
                  gboolean no_gid_helper, guint64 free_start, gboolean keep_id, char **fix)
{
  g_autofree char *who = user != NULL ? g_strdup (user) : g_strdup_printf ("%u", (guint) euid);
  g_autofree char *range = g_strdup_printf ("%" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT, free_start,
                                            free_start + SUGGESTED_COUNT - 1);
  g_autoptr(GPtrArray) missing = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) fixes = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *missing_s = NULL;

  if (no_uid_range && no_gid_range)
    g_ptr_array_add (missing, g_strdup_printf (_("no subordinate ids for %s in %s and %s"), who, subuid_file,
                                                  subgid_file));
  else if (no_uid_range || no_gid_range)
    g_ptr_array_add (missing, g_strdup_printf (_("no subordinate ids for %s in %s"), who,
                                                  no_uid_range ? subuid_file : subgid_file));
  if (no_uid_helper && no_gid_helper)
    g_ptr_array_add (missing, g_strdup (_("newuidmap and newgidmap are not installed")));
  else if (no_uid_helper || no_gid_helper)
    g_ptr_array_add (missing,
                     g_strdup_printf (_("%s is not installed"), no_uid_helper ? "newuidmap" : "newgidmap"));

  if (no_uid_helper || no_gid_helper)
    g_ptr_array_add (fixes, g_strdup ("apt-get install uidmap"));
  if (no_uid_range || no_gid_range)
    g_ptr_array_add (fixes, g_strdup_printf ("usermod%s%s%s%s %s", no_uid_range ? " --add-subuids " : "",
                                             no_uid_range ? range : "", no_gid_range ? " --add-subgids " : "",
                                             no_gid_range ? range : "", who));
  g_ptr_array_add (missing, NULL);
  g_ptr_array_add (fixes, NULL);
  missing_s = g_strjoinv ("; ", (char **) missing->pdata);
  *fix = g_strjoinv ("; ", (char **) fixes->pdata);
  if (keep_id)
    return g_strdup_printf (_("%s: only uid %u and gid %u are mapped, as themselves; there is no root in "
                              "the container, files owned by other ids show as nobody and setgroups is "
                              "denied. Fix it with: %s"),
                               missing_s, (guint) euid, (guint) egid, *fix);
  return g_strdup_printf (_("%s: only uid %u and gid %u are mapped (as root in the container); files owned by "
                            "other ids show as nobody and setgroups is denied. Fix it with: %s"),
      missing_s, (guint) euid, (guint) egid, *fix);
}

/* The caller's ids alone, as INSIDE_UID and INSIDE_GID. */
static void
plan_single (UctrIdmapPlan *plan, guint32 inside_uid, uid_t euid, guint32 inside_gid, gid_t egid)
{
  plan->uid = g_new0 (UctrIdMapping, 1);
  plan->uid[0] = (UctrIdMapping){ inside_uid, euid, 1 };
  plan->n_uid = 1;
  plan->gid = g_new0 (UctrIdMapping, 1);
  plan->gid[0] = (UctrIdMapping){ inside_gid, egid, 1 };
  plan->n_gid = 1;
  plan->setgroups_deny = TRUE;
}

static void
plan_with_range (UctrIdMapping **maps, gsize *n, guint32 own, const UctrIdRange *range)
{
  *maps = g_new0 (UctrIdMapping, 2);
  (*maps)[0] = (UctrIdMapping){ 0, own, 1 };
  (*maps)[1] = (UctrIdMapping){ 1, range->start, MIN (range->count, MAX_EXTENT_COUNT) };
  *n = 2;
}

/* keep-id: OWN maps to itself, the range around it, as podman does:
   0..OWN-1 -> the range's first ids, OWN+1.. -> the rest of it. */
static void
plan_keep_id (UctrIdMapping **maps, gsize *n, guint32 own, const UctrIdRange *range)
{
  guint32 count = MIN (range->count, MAX_EXTENT_COUNT);
  guint32 below = MIN (own, count);

  *maps = g_new0 (UctrIdMapping, 3);
  *n = 0;
  if (below > 0)
    (*maps)[(*n)++] = (UctrIdMapping){ 0, range->start, below };
  (*maps)[(*n)++] = (UctrIdMapping){ own, own, 1 };
  if (count > below && own < G_MAXUINT32 - 1)
    (*maps)[(*n)++]
        = (UctrIdMapping){ own + 1, range->start + below, MIN (count - below, G_MAXUINT32 - 1 - own) };
}

static gboolean
plan_default (uid_t euid, gid_t egid, const char *user, const char *subuid_file, const char *subgid_file,
              const char *newuidmap, const char *newgidmap, gboolean keep_id, UctrIdmapPlan *plan,
              GError **error)
{
  g_autofree char *uid_contents = NULL;
  g_autofree char *gid_contents = NULL;
  g_autoptr(GArray) uid_ranges = NULL;
  g_autoptr(GArray) gid_ranges = NULL;
  g_autofree char *uid_helper = find_helper (newuidmap, "newuidmap");
  g_autofree char *gid_helper = find_helper (newgidmap, "newgidmap");
  guint64 free_start;

  uid_contents = read_subid_file (subuid_file, error);
  if (uid_contents == NULL)
    return FALSE;
  gid_contents = read_subid_file (subgid_file, error);
  if (gid_contents == NULL)
    return FALSE;
  /* The owner field of /etc/subgid is the user too (name or uid), not a group. */
  uid_ranges = uctr_idmap_parse_subid (uid_contents, user, euid);
  gid_ranges = uctr_idmap_parse_subid (gid_contents, user, euid);

  if (uid_ranges->len > 0 && gid_ranges->len > 0 && uid_helper != NULL && gid_helper != NULL)
    {
      const UctrIdRange *uid_range = &g_array_index (uid_ranges, UctrIdRange, 0);
      const UctrIdRange *gid_range = &g_array_index (gid_ranges, UctrIdRange, 0);

      if (keep_id)
        {
          plan_keep_id (&plan->uid, &plan->n_uid, euid, uid_range);
          plan_keep_id (&plan->gid, &plan->n_gid, egid, gid_range);
        }
      else
        {
          plan_with_range (&plan->uid, &plan->n_uid, euid, uid_range);
          plan_with_range (&plan->gid, &plan->n_gid, egid, gid_range);
        }
      plan->use_helpers = TRUE;
      return TRUE;
    }

  plan_single (plan, keep_id ? euid : 0, euid, keep_id ? egid : 0, egid);
  free_start
      = MAX (SUGGESTED_START, MAX (subid_highest_end (uid_contents), subid_highest_end (gid_contents)));
  plan->warning = fallback_warning (user, euid, egid, subuid_file, subgid_file, uid_ranges->len == 0,
                                    gid_ranges->len == 0, uid_helper == NULL, gid_helper == NULL, free_start,
                                    keep_id, &plan->fix);
  return TRUE;
}

/* Root with a new user namespace and no mappings in the config: root alone,
   0 -> 0, written directly, as crun does (runc refuses). Not the identity
   map of the whole id space: capabilities in the namespace would then reach
   every file of the host, whose owners would all be mapped. */
static void
plan_root_alone (UctrIdmapPlan *plan)
{
  plan->uid = g_new0 (UctrIdMapping, 1);
  plan->uid[0] = (UctrIdMapping){ 0, 0, 1 };
  plan->n_uid = 1;
  plan->gid = g_new0 (UctrIdMapping, 1);
  plan->gid[0] = (UctrIdMapping){ 0, 0, 1 };
  plan->n_gid = 1;
}

gboolean
uctr_idmap_plan (const UctrIdMapping *cfg_uid, gsize n_cfg_uid, const UctrIdMapping *cfg_gid, gsize n_cfg_gid,
                 uid_t euid, gid_t egid, const char *user, const char *subuid_file, const char *subgid_file,
                 const char *newuidmap, const char *newgidmap, UctrIdmapPlan *plan, GError **error)
{
  g_auto(UctrIdmapPlan) p = { 0 };
  gboolean ok;

  if (subuid_file == NULL)
    subuid_file = DEFAULT_SUBUID;
  if (subgid_file == NULL)
    subgid_file = DEFAULT_SUBGID;

  if (n_cfg_uid > 0 || n_cfg_gid > 0)
    ok = plan_from_config (cfg_uid, n_cfg_uid, cfg_gid, n_cfg_gid, euid, egid, user, subuid_file, subgid_file,
                           newuidmap, newgidmap, &p, error);
  else if (euid == 0)
    {
      plan_root_alone (&p);
      ok = TRUE;
    }
  else
    ok = plan_default (euid, egid, user, subuid_file, subgid_file, newuidmap, newgidmap, FALSE, &p, error);
  if (!ok)
    return FALSE;
  *plan = p;
  memset (&p, 0, sizeof p);
  return TRUE;
}

gboolean
uctr_idmap_plan_keep_id (uid_t euid, gid_t egid, const char *user, const char *subuid_file,
                         const char *subgid_file, const char *newuidmap, const char *newgidmap,
                         UctrIdmapPlan *plan, GError **error)
{
  g_auto(UctrIdmapPlan) p = { 0 };

  if (!plan_default (euid, egid, user, subuid_file != NULL ? subuid_file : DEFAULT_SUBUID,
                     subgid_file != NULL ? subgid_file : DEFAULT_SUBGID, newuidmap, newgidmap, TRUE, &p,
                     error))
    return FALSE;
  *plan = p;
  memset (&p, 0, sizeof p);
  return TRUE;
}

char *
uctr_idmap_format (const UctrIdMapping *maps, gsize n, gboolean as_args)
{
  GString *s = g_string_new (NULL);
  gsize i;

  for (i = 0; i < n; i++)
    {
      if (as_args && i > 0)
        g_string_append_c (s, ' ');
      g_string_append_printf (s, "%u %u %u", maps[i].container_id, maps[i].host_id, maps[i].size);
      if (!as_args)
        g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

static GStrv
helper_argv (const char *helper, pid_t pid, const UctrIdMapping *maps, gsize n)
{
  GPtrArray *argv = g_ptr_array_new ();
  gsize i;

  g_ptr_array_add (argv, g_strdup (helper));
  g_ptr_array_add (argv, g_strdup_printf ("%d", (int) pid));
  for (i = 0; i < n; i++)
    {
      g_ptr_array_add (argv, g_strdup_printf ("%u", maps[i].container_id));
      g_ptr_array_add (argv, g_strdup_printf ("%u", maps[i].host_id));
      g_ptr_array_add (argv, g_strdup_printf ("%u", maps[i].size));
    }
  g_ptr_array_add (argv, NULL);
  return (GStrv) g_ptr_array_free (argv, FALSE);
}

typedef struct
{
  const char *name;
  GPid pid;
  int err_fd;
} Helper;

static gboolean
start_helper (Helper *h, const char *name, const char *given, pid_t pid, const UctrIdMapping *maps, gsize n,
              GError **error)
{
  g_autofree char *path = find_helper (given, name);
  g_auto(GStrv) argv = NULL;

  h->name = name;
  if (path == NULL)
    return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                       _("%s is not installed: apt-get install uidmap"), name);
  argv = helper_argv (path, pid, maps, n);
  /* g_spawn_async forks; no thread is started (we reap the child ourselves). */
  if (!g_spawn_async_with_pipes (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                                 NULL, NULL, &h->pid, NULL, NULL, &h->err_fd, error))
    return uctr_prefix_error (error, _("Running %s"), path);
  return TRUE;
}

static gboolean
finish_helper (Helper *h, GError **error)
{
  g_autoptr(GString) err_out = g_string_new (NULL);
  g_autoptr(GError) wait_error = NULL;
  char buf[1024];
  ssize_t n;
  int status = 0;

  while ((n = TEMP_FAILURE_RETRY (read (h->err_fd, buf, sizeof buf))) > 0)
    g_string_append_len (err_out, buf, n);
  (void) close (h->err_fd);
  (void) TEMP_FAILURE_RETRY (waitpid (h->pid, &status, 0));
  if (g_spawn_check_wait_status (status, &wait_error))
    return TRUE;
  g_strstrip (err_out->str);
  return uctr_throw (error, UCTR_ERROR_FAILED,
                     _("%s failed: %s"), h->name,
                        err_out->str[0] != '\0' ? err_out->str : wait_error->message);
}

static gboolean
write_proc_file (pid_t pid, const char *name, const char *data, GError **error)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/%s", (int) pid, name);

  return uctr_write_file_at (AT_FDCWD, path, data, strlen (data), error);
}

static gboolean
write_directly (const UctrIdmapPlan *plan, pid_t pid, GError **error)
{
  g_autofree char *uid_map = uctr_idmap_format (plan->uid, plan->n_uid, FALSE);
  g_autofree char *gid_map = uctr_idmap_format (plan->gid, plan->n_gid, FALSE);

  /* Without CAP_SETGID in the parent namespace the kernel takes a gid_map
     only once setgroups is denied. */
  if (plan->setgroups_deny && !write_proc_file (pid, "setgroups", "deny", error))
    return FALSE;
  return write_proc_file (pid, "uid_map", uid_map, error) && write_proc_file (pid, "gid_map", gid_map, error);
}

gboolean
uctr_idmap_apply (const UctrIdmapPlan *plan, pid_t pid, const char *newuidmap, const char *newgidmap,
                  GError **error)
{
  Helper uid = { 0 }, gid = { 0 };
  gboolean ok;

  if (!plan->use_helpers)
    return write_directly (plan, pid, error);
  /* Both at once: each is a setuid exec that costs a millisecond or two. */
  if (!start_helper (&uid, "newuidmap", newuidmap, pid, plan->uid, plan->n_uid, error))
    return FALSE;
  if (!start_helper (&gid, "newgidmap", newgidmap, pid, plan->gid, plan->n_gid, error))
    {
      (void) finish_helper (&uid, NULL);
      return FALSE;
    }
  ok = finish_helper (&uid, error);
  return finish_helper (&gid, ok ? error : NULL) && ok;
}
