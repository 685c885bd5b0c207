/* uctr: the container's cgroup.  cgroup v2 only: a directory of its own under
   a cgroup the caller may write (one systemd delegated, or root's), a scope
   that systemd makes (systemd.c), or none at all, said once. */
#pragma once

#include "cgroup/resources.h"

#include <glib.h>
#include <sys/types.h>

/* Root of the initial user namespace: the system's cgroups (and systemd) are
   its to manage; anyone else works in what was delegated to them. */
gboolean uctr_cgroup_as_root (void);

/* The cgroup v2 path ("/user.slice/...") in a /proc/PID/cgroup text (its
   "0::" line); NULL when there is none. */
char *uctr_cgroup_parse_proc (const char *proc_cgroup);

/* The cgroup2 mount of this process, or NULL with the reason in *why. */
char *uctr_cgroup_v2_mount (char **why);

/* The absolute directory of PID's cgroup (0: ours) under MOUNT, NULL when unknown. */
char *uctr_cgroup_dir_of (const char *mount, pid_t pid);

/* linux.cgroupsPath with a ".." component, or naming the root cgroup:
   UCTR_ERROR_INVALID_CONFIG. */
gboolean uctr_cgroup_check_path (const char *cgroups_path, GError **error);

/* Where a container's own cgroup goes:
   - CGROUPS_PATH relative: under the caller's cgroup OWN (as runc does);
   - absolute: under the cgroup2 root;
   - NULL: "uctr-ID", under OWN for a user, under the root for root.
   *BASE is the existing directory the new ones are made under. */
char *uctr_cgroup_target (const char *mount, const char *own, const char *cgroups_path, const char *id,
                          gboolean as_root, char **base, GError **error);

typedef struct
{
  const char *id;
  const char *cgroups_path;       /* linux.cgroupsPath, or NULL */
  gboolean systemd;               /* --systemd-cgroup: a transient scope from systemd */
  const char *const *controllers; /* those the resources need (NULL-terminated) */
  const GPtrArray *writes;        /* UctrCgroupWrite: under systemd, also the scope's properties */
} UctrCgroupRequest;

typedef struct
{
  char *path;               /* the container's cgroup directory; NULL when it has none */
  char *unit;               /* the systemd scope holding it, or NULL */
  char *why_none;           /* when path is NULL: why, for warnings and for pause's error */
  char *why_no_controllers; /* why a controller asked for is missing, or NULL */
  GPtrArray *notes;         /* warnings to print (char *): systemd unreachable ... */
  gboolean shared;          /* PATH existed with processes in it: the init joins them there (and
                               gets its limits), but it is not the container's own cgroup */
  GPtrArray *v1;            /* UctrCgroupV1Dir: its directories in the v1 hierarchies (v1.h), or NULL */
  /* private */
  GPtrArray *made; /* directories made, to remove on failure */
  char *why_not_enabled;
} UctrCgroupPlacement;

void uctr_cgroup_placement_clear (UctrCgroupPlacement *p);

/* Before the container's init exists: makes its cgroup (not a systemd scope,
   which is made for a pid), enabling the controllers REQ wants on the way
   where cgroup v2 allows it. Returns an O_PATH fd of it, for clone3's
   CLONE_INTO_CGROUP, which spares the init a migration (a costly write to
   cgroup.procs); -1 when there is none (yet), -2 with ERROR. A cgroup the
   caller may not create is no error: p->why_none says so. */
int uctr_cgroup_prepare (const UctrCgroupRequest *req, UctrCgroupPlacement *p, GError **error);

/* Once PID (the container's init, not yet running anything of the
   container) exists: makes sure it is in the cgroup prepared (moving it
   when the clone could not put it there), or asks systemd for its scope.
   Errors are what should stop create (a cgroup other processes use). */
gboolean uctr_cgroup_place (const UctrCgroupRequest *req, pid_t pid, UctrCgroupPlacement *p, GError **error);

/* Removes what prepare and place made (a failed create). */
void uctr_cgroup_placement_undo (UctrCgroupPlacement *p);

/* Writes WRITES (UctrCgroupWrite) into PATH. Those whose controller PATH does
   not have go to UNAPPLIED (char *, their "what"); a write the kernel refuses
   is an error naming WHERE.what, the file and the value. */
gboolean uctr_cgroup_apply (const char *path, GPtrArray *writes, const char *where, GPtrArray *unapplied,
                            GError **error);

/* W into the cgroup directory DIR: its alt_file where that exists. A file
   the kernel lacks (memory.swap.max without swap accounting) goes to
   UNAPPLIED as "what (this kernel has no FILE)", unless a unified key named
   it or UNAPPLIED is NULL; any other refusal is an error naming
   WHERE.what, the file and the value. */
gboolean uctr_cgroup_write_into (const char *dir, const UctrCgroupWrite *w, const char *where,
                                 GPtrArray *unapplied, GError **error);

/* WHAT into UNAPPLIED (may be NULL) unless there already. */
void uctr_cgroup_note_unapplied (GPtrArray *unapplied, const char *what);

/* The controllers PATH has (its cgroup.controllers), NULL-terminated. */
char **uctr_cgroup_controllers (const char *path);

/* The contents of the file FILE of the cgroup DIR (at most 1 MiB); NULL
   when it cannot be read (a controller not enabled, a cgroup gone). */
char *uctr_cgroup_read (const char *dir, const char *file);

/* Writes VALUE to the file FILE of the cgroup DIR: 0, or the errno of the
   open or the write (the kernel says why in it: EBUSY, EINVAL ...). */
int uctr_cgroup_write_errno (const char *dir, const char *file, const char *value);

/* cgroup.freeze: 1, and wait until cgroup.events says frozen (or 0 and thawed). */
gboolean uctr_cgroup_freeze (const char *path, gboolean freeze, GError **error);

/* TRUE when cgroup.freeze of PATH is 1. */
gboolean uctr_cgroup_is_frozen (const char *path);

/* The pids in PATH and below it. */
GArray *uctr_cgroup_pids (const char *path);

/* SIGKILL to everything in PATH: cgroup.kill, or each pid where the kernel
   has no cgroup.kill (before 5.14). */
gboolean uctr_cgroup_kill (const char *path, GError **error);

/* SIG to every process in PATH (kill --all with another signal). */
gboolean uctr_cgroup_signal (const char *path, int sig, GError **error);

/* TRUE while a process is in PATH or below (cgroup.events "populated 1"). */
gboolean uctr_cgroup_populated (const char *path);

/* TRUE once PATH is gone (systemd removes the cgroup of a scope that has
   emptied), FALSE after TIMEOUT_MS. */
gboolean uctr_cgroup_wait_gone (const char *path, int timeout_ms);

/* Removes PATH and the cgroups below it, waiting a little while the last
   processes leave; a missing PATH is no error. */
gboolean uctr_cgroup_remove (const char *path, GError **error);
