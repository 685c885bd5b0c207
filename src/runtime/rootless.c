/* uctr: the id mappings of a rootless `uctr spec`: the caller, and the
   first subordinate ranges /etc/subuid and /etc/subgid give him. */
#include "runtime/rootless.h"
#include "plan/idmap.h"

#include <pwd.h>
#include <unistd.h>

/* container 0 -> the caller; 1.. -> the first subordinate range, when there is one. */
static void
rootless_mappings (const char *file, guint32 id, const char *user, UctrIdMapping maps[2], gsize *n)
{
  g_autoptr(GArray) ranges = uctr_idmap_lookup_subid (file, user, id, NULL);

  maps[0] = (UctrIdMapping){ 0, id, 1 };
  *n = 1;
  if (ranges != NULL && ranges->len > 0)
    {
      UctrIdRange *r = &g_array_index (ranges, UctrIdRange, 0);
      maps[1] = (UctrIdMapping){ 1, r->start, r->count };
      *n = 2;
    }
}

void
uctr_rootless_spec_options (gboolean rootless, UctrSpecOptions *opts, UctrIdMapping uids[2],
                            UctrIdMapping gids[2])
{
  struct passwd *pw;

  *opts = (UctrSpecOptions){ 0 };
  if (!rootless)
    return;
  pw = getpwuid (geteuid ());
  opts->rootless = TRUE;
  /* A desktop user's bundle has a network; runc ignores the annotation. */
  opts->network = "slirp";
  rootless_mappings ("/etc/subuid", geteuid (), pw != NULL ? pw->pw_name : "", uids, &opts->n_uid_mappings);
  rootless_mappings ("/etc/subgid", getegid (), pw != NULL ? pw->pw_name : "", gids, &opts->n_gid_mappings);
  opts->uid_mappings = uids;
  opts->gid_mappings = gids;
}

gboolean
uctr_rootless_keep_id (UctrIdmapPlan *plan, GError **error)
{
  struct passwd *pw = getpwuid (geteuid ());

  return uctr_idmap_plan_keep_id (geteuid (), getegid (), pw != NULL ? pw->pw_name : NULL, NULL, NULL,
                                  g_getenv ("UCTR_NEWUIDMAP"), g_getenv ("UCTR_NEWGIDMAP"), plan, error);
}
