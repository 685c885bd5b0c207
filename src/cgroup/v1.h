/* uctr: the container's cgroups in the cgroup v1 hierarchies of a v1 or
   hybrid host, as root (runc's fs driver does the same).  A user cannot
   write there: rootless containers on such a host have no cgroup of their
   own (cgroup.h says why once). */
#pragma once

#include "cgroup/cgroup.h"
#include "cgroup/mountinfo.h"

#include <glib.h>
#include "base/json.h"
#include <sys/types.h>

/* The container's directory in one hierarchy. */
typedef struct
{
  char *controllers; /* the hierarchy's, as mounted: "cpu,cpuacct", "memory", "name=systemd" */
  char *path;
} UctrCgroupV1Dir;

void uctr_cgroup_v1_dir_free (UctrCgroupV1Dir *d);

/* An empty array of UctrCgroupV1Dir. */
GPtrArray *uctr_cgroup_v1_dirs_new (void);

/* TRUE when the container's cgroups go in v1 hierarchies: root of the
   initial user namespace on a host where controllers are mounted as v1. */
gboolean uctr_cgroup_v1_wanted (void);

/* The caller's cgroup in the hierarchy of CONTROLLERS, from a
   /proc/PID/cgroup text ("4:memory:/a/b" gives "/a/b"); NULL when absent. */
char *uctr_cgroup_v1_parse_proc (const char *proc_cgroup, const char *controllers);

/* Where a container's cgroup goes in the hierarchy M, for a caller in its
   cgroup OWN (a path of the hierarchy), as runc places it: CGROUPS_PATH
   absolute under the hierarchy's root, relative (or NULL: NAME) under OWN.
   A directory on the host, below M's mount point. */
char *uctr_cgroup_v1_target (const UctrCgroupV1Mount *m, const char *own, const char *cgroups_path,
                             const char *name);

/* Makes the container's directory in every v1 hierarchy (cpuset's given
   the cpus and mems of its parent, which a new one lacks): DIRS gets them,
   MADE (char *) the directories created, for undoing. *SHARED says that
   one held processes already. */
gboolean uctr_cgroup_v1_make (const char *cgroups_path, const char *name, GPtrArray *dirs, GPtrArray *made,
                              gboolean *shared, GError **error);

/* Before the fork, after uctr_cgroup_prepare: P->v1 gets the container's
   directories, made where REQ says (as runc: cgroupsPath absolute from each
   hierarchy's root, else below the caller's own cgroup there; none given:
   the name of the v2 cgroup P has, else uctr-ID). P->made gets the
   directories made, P->shared is set when one held processes already.
   Nothing yet with systemd: its scope's path is known after the fork. */
gboolean uctr_cgroup_v1_prepare (const UctrCgroupRequest *req, UctrCgroupPlacement *p, GError **error);

/* Once PID (the container's init) exists, after uctr_cgroup_place: the
   directories made if they are not yet (with systemd, at the scope's
   path), and PID in each. */
gboolean
uctr_cgroup_v1_place (const UctrCgroupRequest *req, pid_t pid, UctrCgroupPlacement *p, GError **error);

/* PID into each of DIRS. */
gboolean uctr_cgroup_v1_enter (GPtrArray *dirs, pid_t pid, GError **error);

/* The directory of the hierarchy with CONTROLLER, or NULL. */
const char *uctr_cgroup_v1_find (GPtrArray *dirs, const char *controller);

/* Writes WRITES (UctrCgroupWrite, v1 files) each into the directory of its
   controller. Those no hierarchy has go to UNAPPLIED (char *, their "what"),
   or are an error when UNAPPLIED is NULL; a write the kernel refuses is an
   error naming WHERE.what, the file and the value. */
gboolean uctr_cgroup_v1_apply (GPtrArray *dirs, GPtrArray *writes, const char *where, GPtrArray *unapplied,
                               GError **error);

/* The freezer: freezer.state FROZEN (waiting while it says FREEZING) or THAWED. */
gboolean uctr_cgroup_v1_freeze (GPtrArray *dirs, gboolean freeze, GError **error);
gboolean uctr_cgroup_v1_is_frozen (GPtrArray *dirs);

/* TRUE while one of DIRS exists. */
gboolean uctr_cgroup_v1_exists (GPtrArray *dirs);

/* The pids in the container's cgroup (pids', else freezer's, else any). */
GArray *uctr_cgroup_v1_pids (GPtrArray *dirs);

/* SIG to every process of the container's cgroup, frozen meanwhile so that
   none forks away (cgroup v1 has no cgroup.kill); thawed after. */
gboolean uctr_cgroup_v1_signal (GPtrArray *dirs, int sig, GError **error);

/* Removes each of DIRS (and what is below); a missing one is no error. */
gboolean uctr_cgroup_v1_remove (GPtrArray *dirs, GError **error);

/* For state.json: { "memory": "/sys/fs/cgroup/memory/...", ... }. */
json_object *uctr_cgroup_v1_to_json (GPtrArray *dirs);
/* NODE (NULL: none) back into a new array; NULL with ERROR when malformed. */
GPtrArray *uctr_cgroup_v1_from_json (json_object *node, GError **error);
