/* uctr: the id mappings of a rootless `uctr spec`: the caller's own ids,
   as runc's, with the annotation that extends them at create. */
#include "runtime/rootless.h"
#include "plan/idmap.h"

#include <pwd.h>
#include <unistd.h>

void
uctr_rootless_spec_options (gboolean rootless, UctrSpecOptions *opts, UctrIdMapping uids[1],
                            UctrIdMapping gids[1])
{
  *opts = (UctrSpecOptions){ 0 };
  if (!rootless)
    return;
  opts->rootless = TRUE;
  /* A desktop user's bundle has a network; runc ignores the annotation. */
  opts->network = "slirp";
  /* runc's mappings, the caller's ids alone: scripts written for runc add
     ranges of their own to them. The annotation has uctr add the caller's
     subordinate ranges at create, as long as the mappings are these. */
  uids[0] = (UctrIdMapping){ 0, geteuid (), 1 };
  gids[0] = (UctrIdMapping){ 0, getegid (), 1 };
  opts->uid_mappings = uids;
  opts->gid_mappings = gids;
  opts->n_uid_mappings = opts->n_gid_mappings = 1;
  opts->subids = TRUE;
}

gboolean
uctr_rootless_keep_id (UctrIdmapPlan *plan, GError **error)
{
  struct passwd *pw = getpwuid (geteuid ());

  return uctr_idmap_plan_keep_id (geteuid (), getegid (), pw != NULL ? pw->pw_name : NULL, NULL, NULL,
                                  g_getenv ("UCTR_NEWUIDMAP"), g_getenv ("UCTR_NEWGIDMAP"), plan, error);
}
