/* uctr: user namespace id mappings: /etc/subuid, /etc/subgid, newuidmap/newgidmap. */
#pragma once

#include <glib.h>
#include <sys/types.h>
#include "oci/config.h"

typedef struct
{
  guint32 start;
  guint32 count;
} UctrIdRange;

/* Parses the contents of an /etc/subuid-style file and returns (in file order)
   every range whose first field is USER or the decimal ID. Malformed lines are
   skipped. Returns an empty array when there is none. */
GArray *uctr_idmap_parse_subid (const char *contents, const char *user, guint32 id);

/* Reads FILE (normally /etc/subuid or /etc/subgid) and parses it as above. A
   missing file gives an empty array, not an error. */
GArray *uctr_idmap_lookup_subid (const char *file, const char *user, guint32 id, GError **error);

typedef struct
{
  UctrIdMapping *uid; /* owned */
  gsize n_uid;
  UctrIdMapping *gid;
  gsize n_gid;
  gboolean setgroups_deny; /* single mapping written directly: setgroups must be denied */
  gboolean use_helpers;    /* write with newuidmap/newgidmap */
  char *warning;           /* what the user loses with the fallback, or NULL */
  char *fix;               /* with the fallback: the commands that give the user a range */
} UctrIdmapPlan;

void uctr_idmap_plan_clear (UctrIdmapPlan *plan);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (UctrIdmapPlan, uctr_idmap_plan_clear)

/* Decides the mappings for a new user namespace of a caller with EUID/EGID:
   - config mappings when given (newuidmap/newgidmap when they need more than
     the caller's own id, and the caller is not root);
   - otherwise container 0 -> caller, 1..N -> the first subordinate range;
   - without a range or the helpers: a single mapping, setgroups denied, and a
     warning saying what that costs.
   SUBUID_FILE/SUBGID_FILE/NEWUIDMAP/NEWGIDMAP are paths (tests pass their own);
   NULL means the system default (/etc/subuid, /etc/subgid, found on PATH).
   Errors name the file and give the usermod command that fixes them. */
gboolean
uctr_idmap_plan (const UctrIdMapping *cfg_uid, gsize n_cfg_uid, const UctrIdMapping *cfg_gid, gsize n_cfg_gid,
                 uid_t euid, gid_t egid, const char *user, const char *subuid_file, const char *subgid_file,
                 const char *newuidmap, const char *newgidmap, UctrIdmapPlan *plan, GError **error);

/* keep-id (podman's --userns=keep-id): EUID and EGID map to themselves and
   the first subordinate ranges around them (container 0..EUID-1 -> the
   range's first ids, EUID -> EUID, EUID+1.. -> the rest), written with
   newuidmap/newgidmap. Without a range or the helpers: EUID -> EUID and
   EGID -> EGID alone, setgroups denied, and a warning saying what that
   costs. Arguments as for uctr_idmap_plan. */
gboolean uctr_idmap_plan_keep_id (uid_t euid, gid_t egid, const char *user, const char *subuid_file,
                                  const char *subgid_file, const char *newuidmap, const char *newgidmap,
                                  UctrIdmapPlan *plan, GError **error);

/* The mappings of MAPS (uid_map's contents: "INSIDE OUTSIDE COUNT" lines),
   malformed lines skipped; their number in *N. */
UctrIdMapping *uctr_idmap_parse_maps (const char *maps, gsize *n);

/* The container id that MAPS map HOST_ID to; FALSE when they do not map it. */
gboolean uctr_idmap_to_inside (const UctrIdMapping *maps, gsize n, guint32 host_id, guint32 *inside);

/* The id the container init sets itself up as: 0 when MAPS map it, else
   the one they map the caller's HOST_ID to (keep-id without a range maps
   nothing else); FALSE when they map neither. */
gboolean uctr_idmap_setup_id (const UctrIdMapping *maps, gsize n, guint32 host_id, guint32 *inside);

/* The span of container ids that MAPS (uid_map's contents: "INSIDE OUTSIDE
   COUNT" lines) map, from the lowest to the highest, at most G_MAXINT32
   (the highest a sysctl like net.ipv4.ping_group_range takes). FALSE when
   it maps none. */
gboolean uctr_idmap_span (const char *maps, guint32 *low, guint32 *high);

/* Formats mappings the way uid_map and newuidmap want them:
   "0 1000 1\n1 100000 65536\n" (as_args = FALSE) or "0 1000 1 1 100000 65536" (TRUE). */
char *uctr_idmap_format (const UctrIdMapping *maps, gsize n, gboolean as_args);

/* Writes the plan for process PID: newuidmap/newgidmap (their stderr in the
   error) or /proc/PID/{setgroups,uid_map,gid_map} directly. Must not start
   threads (it runs between fork and the child's go-ahead). */
gboolean uctr_idmap_apply (const UctrIdmapPlan *plan, pid_t pid, const char *newuidmap, const char *newgidmap,
                           GError **error);
