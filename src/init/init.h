/* uctr: the container side between fork and execve. Async-signal-safe only:
   no allocation, no stdio, no GLib. Everything comes prebuilt in the plan. */
#pragma once

#include "plan/plan.h"
#include "init/sync.h"
#include "base/resolve.h"

#include <limits.h>

/* Where a failure happened, filled by the steps as they go. */
typedef struct
{
  const UctrPlan *plan;
  UctrStep step;
  int index;
} UctrInitCtx;

/* Runs in the process forked by the parent: enters the user namespace, waits
   for the maps, creates the other namespaces and clones the container init
   (its parent is the caller's process, CLONE_PARENT). Never returns. */
void uctr_init_stage1 (const UctrPlan *plan) G_GNUC_NORETURN;

/* The parent's side (sync.c): forks the child that runs uctr_init_stage1
   (PLAN) at the other end of a new init pipe. Returns its pid, and our end
   of the pipe in *SOCK; -1 with ERROR set on failure. */
pid_t uctr_sync_fork_stage1 (UctrPlan *plan, int *sock, GError **error);

/* Sends a record over the init pipe; ignores failures (the parent notices EOF). */
void uctr_init_send (int fd, UctrSyncType type, UctrStep step, int index, int err, int64_t value);

/* mounts.c, container side. Each returns 0, or -1 with errno set and ctx->step/index saying where. */
int uctr_mounts_prepare_rootfs (UctrInitCtx *ctx, int *rootfd);
int uctr_mounts_pivot (UctrInitCtx *ctx, int rootfd);
int uctr_mounts_finish (UctrInitCtx *ctx);
/* nopivot.c: the host's procfs and sysfs mounts outside ROOTFD leave the
   mount namespace (or are covered) before --no-pivot's chroot. */
int uctr_mounts_hide_host_proc_sys (UctrInitCtx *ctx, int rootfd);


/* execfile.c: process.args[0] found inside the container's root, never
   through a magic link, and run if it is still the file found. */
typedef struct
{
  int fd;              /* O_PATH, close-on-exec */
  char path[PATH_MAX]; /* as execvp would have run it */
} UctrExecFile;

/* NAME as execvp finds it (PATH_ENV searched when it has no '/', a
   relative path taken from CWD, which must be absolute). 0, or -1 with
   errno (ENOENT, EACCES, ELOOP ...). */
int uctr_execfile_lookup (const char *name, const char *path_env, const char *cwd, UctrExecFile *f);
/* Returns only when the exec failed, with errno set (ESTALE: the path no
   longer leads to the file found). */
void uctr_execfile_run (const UctrExecFile *f, char **argv, char **envp);

/* nettap.c: creates and configures tap0; returns its fd, or -1 (ctx says where). */
int uctr_nettap_setup (UctrInitCtx *ctx);

/* mountfd.c: a mount made detached and attached onto DSTFD, so that an fd
   of the mount itself is left for its options (see there). Cloning and
   staging return -1 with ENOSYS when the kernel or a seccomp filter lacks
   the mount API (uctr_mounts_no_mount_api is then set): mount(2) as before. */
extern int uctr_mounts_no_mount_api;
/* A detached copy of the mount tree at PATH (at DIRFD itself for ""). */
int uctr_mountfd_clone (int dirfd, const char *path, int recursive);
/* Attaches MNTFD on top of whatever is mounted on DSTFD. */
int uctr_mountfd_attach (int mntfd, int dstfd);
/* A private tmpfs stacked on DSTFD for a moment: mount on *SPOT, a
   directory in it that nothing else can reach; returns the stage's fd. */
int uctr_mountfd_stage (int dstfd, int *spot);
/* Removes the stage; with KEEP, returns a detached copy of what was mounted
   on the spot first (a mount that is unmounted cannot be attached again). */
int uctr_mountfd_unstage (int stagefd, int keep);
