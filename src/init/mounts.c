/* uctr: container side of the mount plan: the rootfs, each mount, devices,
   pivot_root, read-only and masked paths. Async-signal-safe code only: it runs
   in the container init between fork and execve (see base/afterfork.h). */
#include "init/mounts.h"
#include "init/layer.h"
#include "init/mountfd.h"
#include "init/nopivot.h"
#include "base/resolve.h"
#include "init/copyup.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/afterfork.h" /* last: it poisons what comes after */

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

static int
fail_at (UctrInitCtx *ctx, UctrStep step, int index)
{
  ctx->step = step;
  ctx->index = index;
  return -1;
}

/* Flags the kernel locks on a mount copied from a more privileged namespace:
   a remount in a user namespace must keep them or it gets EPERM. */
static unsigned long
locked_flags (int fd, unsigned long requested)
{
  struct statvfs sv;
  unsigned long f = 0;

  if (fstatvfs (fd, &sv) < 0)
    return 0;
  if (sv.f_flag & ST_NOSUID)
    f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV)
    f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC)
    f |= MS_NOEXEC;
  if (sv.f_flag & ST_RDONLY)
    f |= MS_RDONLY;
  if (!(requested & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)))
    {
      if (sv.f_flag & ST_NOATIME)
        f |= MS_NOATIME;
      if (sv.f_flag & ST_RELATIME)
        f |= MS_RELATIME;
    }
  if (sv.f_flag & ST_NODIRATIME)
    f |= MS_NODIRATIME;
  return f;
}

/* Remounts the mount MNTFD with FLAGS. */
static int
remount_bind (int mntfd, unsigned long flags, int in_userns)
{
  char p[32];

  if (in_userns)
    flags |= locked_flags (mntfd, flags);
  uctr_fd_path (p, mntfd);
  return mount (NULL, p, NULL, MS_REMOUNT | MS_BIND | flags, NULL);
}

/* The options of M that take a step of their own, on the mount MNTFD: the
   flags of a bind, the propagation, the r* options (on every mount below). */
static int
apply_options (UctrInitCtx *ctx, const UctrMountStep *m, int mntfd)
{
  struct mount_attr attr = { .attr_set = m->attr_set, .attr_clr = m->attr_clr };
  char p[32];

  uctr_fd_path (p, mntfd);
  if (m->needs_remount && remount_bind (mntfd, m->flags & ~(MS_BIND | MS_REC), ctx->plan->in_userns) < 0)
    return fail_at (ctx, UCTR_STEP_MOUNT_REMOUNT, ctx->index);
  if (m->propagation != 0 && mount (NULL, p, NULL, m->propagation, NULL) < 0)
    return fail_at (ctx, UCTR_STEP_MOUNT_PROPAGATION, ctx->index);
  if ((m->attr_set | m->attr_clr) != 0
      && mount_setattr (mntfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
    return fail_at (ctx, UCTR_STEP_MOUNT_SETATTR, ctx->index);
  return 0;
}

/* The path of FD, as the kernel writes it from our root. */
static int
real_path (int fd, char buf[PATH_MAX])
{
  char p[32];
  ssize_t n;

  uctr_fd_path (p, fd);
  n = readlink (p, buf, PATH_MAX - 1);
  if (n < 0)
    return -1;
  buf[n] = '\0';
  return 0;
}

/* The id of the mount FD is on (mnt_id in /proc/self/fdinfo, since Linux
   3.15: this is for kernels without the mount API), or -1. */
static long
mount_id (int fd)
{
  char p[32], info[48] = "self/fdinfo/", buf[512], *m;
  long id = 0;
  ssize_t n;
  int f;

  uctr_fd_path (p, fd);
  memcpy (info + 12, p + 8, strlen (p + 8) + 1);
  f = open (info, O_RDONLY | O_CLOEXEC);
  if (f < 0)
    return -1;
  n = read (f, buf, sizeof buf - 1);
  close (f);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  m = strstr (buf, "mnt_id:");
  if (m == NULL)
    return -1;
  for (m += 7; *m == ' ' || *m == '\t'; m++)
    ;
  for (; *m >= '0' && *m <= '9'; m++)
    id = id * 10 + (*m - '0');
  return id;
}

/* Without the mount API, the mount just made on DSTFD (whose path was
   REAL) can only be reached by looking the destination up again. That
   lookup must end at the same path, on another mount than DSTFD's, at its
   root: a directory swapped on the way in between (CVE-2021-30465) makes
   it EXDEV rather than another mount getting the options. (Swapping a
   directory away and back between the two lookups is not caught; the mount
   API leaves no such gap.) */
static int
reopen_mount (int rootfd, const char *destination, int dstfd, const char *real)
{
  char now[PATH_MAX];
  struct statx stx;
  long id;
  int errsv, fd = uctr_resolve_in_root (rootfd, destination, 0);

  if (fd < 0)
    return -1;
  id = mount_id (fd);
  if (real_path (fd, now) < 0 || statx (fd, "", AT_EMPTY_PATH, 0, &stx) < 0 || id < 0)
    goto fail;
  if (strcmp (now, real) != 0 || id == mount_id (dstfd)
      || ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT)))
    {
      errno = EXDEV;
      goto fail;
    }
  return fd;
fail:
  errsv = errno;
  close (fd);
  errno = errsv;
  return -1;
}

/* By host path: mount(2) refuses a bind source from another mount namespace,
   so an fd opened by the parent cannot serve (see plan.c). */
static int
bind_onto (const char *src_path, int dstfd, unsigned long flags)
{
  char d[32];

  uctr_fd_path (d, dstfd);
  return mount (src_path, d, NULL, MS_BIND | (flags & MS_REC), NULL);
}

static int
mount_fs (UctrInitCtx *ctx, const UctrMountStep *m, int dstfd)
{
  char d[32];
  unsigned long flags = m->flags & ~MS_REC;
  int r;

  uctr_fd_path (d, dstfd);
  r = mount (m->source, d, m->fstype, flags, m->data);
  if (r < 0 && errno == EINVAL && m->data_fallback != NULL)
    {
      r = mount (m->source, d, m->fstype, flags, m->data_fallback);
      if (r == 0)
        uctr_init_send (ctx->plan->sync_fd, UCTR_SYNC_WARNING, UCTR_STEP_DEVPTS_GID, ctx->index, EINVAL, 0);
    }
  if (r < 0 && (errno == EPERM || errno == EACCES) && m->fallback_bind != NULL && ctx->plan->in_userns)
    {
      /* A user namespace may not mount sysfs without its own network
         namespace, nor proc without its own pid namespace: bind the host's. */
      r = mount (m->fallback_bind, d, NULL, MS_BIND | MS_REC, NULL);
      if (r == 0)
        uctr_init_send (ctx->plan->sync_fd, UCTR_SYNC_WARNING, UCTR_STEP_MOUNT_FALLBACK, ctx->index, EPERM,
                        0);
    }
  return r;
}

/* PATH inside the root, made when it is missing: in a throwaway layer when
   the plan says so (uctr.mountpoints), in the rootfs otherwise, as runc. */
static int
make_path (const UctrPlan *plan, int *rootfd, const char *path, int flags)
{
  if (plan->mount_layers)
    return uctr_layer_resolve (rootfd, path, flags);
  return uctr_resolve_in_root (*rootfd, path, (flags & ~UCTR_LAYER_TO_WRITE) | UCTR_RESOLVE_CREATE);
}

/* Opens (creating) the directory that holds DEST inside root, to make
   DEST in; *NAME is its last component. */
static int
open_parent (const UctrPlan *plan, int *rootfd, const char *dest, const char **name)
{
  const char *slash = strrchr (dest, '/');
  char dir[PATH_MAX];
  size_t len = slash - dest;

  if (len >= sizeof dir)
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  memcpy (dir, dest, len);
  dir[len] = '\0';
  *name = slash + 1;
  return make_path (plan, rootfd, dir, UCTR_LAYER_TO_WRITE);
}

static int
make_device (const UctrPlan *plan, const UctrMountStep *m, int *rootfd)
{
  const char *name;
  int parent = open_parent (plan, rootfd, m->destination, &name);
  int r;

  if (parent < 0)
    return -1;
  (void) unlinkat (parent, name, 0);
  r = mknodat (parent, name, m->mode, m->dev);
  if (r == 0)
    r = fchownat (parent, name, m->uid, m->gid, AT_SYMLINK_NOFOLLOW);
  close (parent);
  return r;
}

static int
make_symlink (const UctrPlan *plan, const UctrMountStep *m, int *rootfd)
{
  const char *name;
  int parent = open_parent (plan, rootfd, m->destination, &name);
  int r;

  if (parent < 0)
    return -1;
  r = symlinkat (m->source, parent, name);
  close (parent);
  return (r < 0 && errno == EEXIST) ? 0 : r;
}

static int
mount_onto (UctrInitCtx *ctx, const UctrMountStep *m, int dstfd)
{
  return m->kind == UCTR_MOUNT_FS ? mount_fs (ctx, m, dstfd) : bind_onto (m->source, dstfd, m->flags);
}

/* A file system mounted on a private stage stacked on DSTFD, where nothing
   else can reach it, and copied off it, detached. */
static int
mount_fs_detached (UctrInitCtx *ctx, const UctrMountStep *m, int dstfd)
{
  int spot = -1, stagefd, r;

  stagefd = uctr_mountfd_stage (dstfd, &spot);
  if (stagefd < 0)
    return -1;
  r = mount_fs (ctx, m, spot);
  close (spot);
  return uctr_mountfd_unstage (stagefd, r == 0);
}

/* Without the mount API: M made on DSTFD, then looked up again. */
static int
mount_and_reopen (UctrInitCtx *ctx, const UctrMountStep *m, int rootfd, int dstfd)
{
  char real[PATH_MAX];
  int mntfd;

  if (real_path (dstfd, real) < 0 || mount_onto (ctx, m, dstfd) < 0)
    return fail_at (ctx, UCTR_STEP_MOUNT, ctx->index);
  mntfd = reopen_mount (rootfd, m->destination, dstfd, real);
  if (mntfd < 0)
    return fail_at (ctx, errno == EXDEV ? UCTR_STEP_MOUNT_MOVED : UCTR_STEP_MOUNT_REMOUNT, ctx->index);
  return mntfd;
}

/* M on DSTFD, for a mount with options that take a step of their own:
   returns an fd of the new mount itself. It is made detached, then
   attached onto DSTFD. */
static int
mount_for_options (UctrInitCtx *ctx, const UctrMountStep *m, int rootfd, int dstfd)
{
  int mntfd;

  if (m->kind == UCTR_MOUNT_FS)
    mntfd = mount_fs_detached (ctx, m, dstfd);
  else
    mntfd = uctr_mountfd_clone (AT_FDCWD, m->source, (m->flags & MS_REC) != 0);
  if (mntfd < 0 && uctr_mountfd_no_api)
    return mount_and_reopen (ctx, m, rootfd, dstfd);
  if (mntfd < 0 || uctr_mountfd_attach (mntfd, dstfd) < 0)
    {
      if (mntfd >= 0)
        close (mntfd);
      return fail_at (ctx, UCTR_STEP_MOUNT, ctx->index);
    }
  return mntfd;
}

/* The idmapped mounts the parent made, by mount step: fd + 1 (0: none). */
#define MAX_GIVEN 256
static int given_fds[MAX_GIVEN];

void
uctr_mounts_give_fd (const UctrPlan *plan, int index, int fd)
{
  if (index < 0 || (gsize) index >= plan->n_mounts || index >= MAX_GIVEN || !plan->mounts[index].idmap
      || given_fds[index] != 0)
    {
      close (fd);
      return;
    }
  given_fds[index] = fd + 1;
}

/* Attaches the idmapped mount given for step INDEX onto DSTFD: its fd, for
   the options, or -1 with errno (EBADF: the parent gave none). */
static int
attach_given (int index, int dstfd)
{
  int fd = index >= 0 && index < MAX_GIVEN ? given_fds[index] - 1 : -1;

  if (fd < 0)
    {
      errno = EBADF;
      return -1;
    }
  given_fds[index] = 0;
  if (uctr_mountfd_attach (fd, dstfd) < 0)
    {
      int errsv = errno;
      close (fd);
      errno = errsv;
      return -1;
    }
  return fd;
}

/* tmpcopyup: UNDER (the directory, open before the mount covered it)
   copied into what is now mounted on DEST. Closes UNDER. */
static int
copy_up (UctrInitCtx *ctx, const UctrMountStep *m, int rootfd, int under)
{
  int top = uctr_resolve_in_root (rootfd, m->destination, 0);
  int dir = top >= 0 ? openat (top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  int r = dir >= 0 ? uctr_copyup (under, dir) : -1;

  if (top >= 0)
    close (top);
  if (dir >= 0)
    close (dir);
  close (under);
  return r < 0 ? fail_at (ctx, UCTR_STEP_MOUNT_COPYUP, ctx->index) : 0;
}

static int
do_mount_step (UctrInitCtx *ctx, const UctrMountStep *m, int *rootfd)
{
  const UctrPlan *plan = ctx->plan;
  int flags = 0;
  int dstfd, mntfd, r, under = -1;

  if (m->kind == UCTR_MOUNT_SYMLINK)
    return make_symlink (plan, m, rootfd) < 0 ? fail_at (ctx, UCTR_STEP_MOUNT, ctx->index) : 0;
  if (m->kind == UCTR_MOUNT_DEVICE && m->source == NULL)
    return make_device (plan, m, rootfd) < 0 ? fail_at (ctx, UCTR_STEP_MOUNT, ctx->index) : 0;

  if (m->dest_is_file)
    flags |= UCTR_RESOLVE_AS_FILE;
  if (m->no_symlinks)
    flags |= UCTR_RESOLVE_NO_SYMLINKS;
  dstfd = make_path (plan, rootfd, m->destination, flags);
  if (dstfd < 0)
    return fail_at (ctx, plan->mount_layers ? UCTR_STEP_MOUNT_LAYER : UCTR_STEP_MOUNT_DEST, ctx->index);
  if (m->copy_up && (under = openat (dstfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    {
      close (dstfd);
      return fail_at (ctx, UCTR_STEP_MOUNT_COPYUP, ctx->index);
    }

  if (m->idmap)
    {
      mntfd = attach_given (ctx->index, dstfd);
      close (dstfd);
      if (mntfd < 0)
        return fail_at (ctx, UCTR_STEP_MOUNT, ctx->index);
      r = apply_options (ctx, m, mntfd);
      close (mntfd);
      return r;
    }
  /* With layers, the file systems the container mounts are its own: what
     is missing there is made there. Their mount fd says which they are. */
  if (!m->needs_remount && m->propagation == 0 && (m->attr_set | m->attr_clr) == 0
      && !(plan->mount_layers && m->kind == UCTR_MOUNT_FS))
    {
      r = mount_onto (ctx, m, dstfd);
      close (dstfd);
      if (r < 0)
        r = fail_at (ctx, UCTR_STEP_MOUNT, ctx->index);
    }
  else
    {
      mntfd = mount_for_options (ctx, m, *rootfd, dstfd);
      close (dstfd);
      if (mntfd < 0)
        r = -1;
      else
        {
          if (plan->mount_layers && m->kind == UCTR_MOUNT_FS)
            uctr_layer_own (mntfd);
          r = apply_options (ctx, m, mntfd);
          close (mntfd);
        }
    }
  if (under >= 0 && r < 0)
    close (under);
  else if (under >= 0)
    r = copy_up (ctx, m, *rootfd, under);
  return r;
}

/* A read-only tmpfs was mounted read-write, so that the mount points of
   what goes below it could be made (a read-only /dev and its devpts, as
   runc allows): read-only now, with its other flags kept. */
static int
make_late_read_only (UctrInitCtx *ctx, int rootfd)
{
  const UctrPlan *plan = ctx->plan;
  gsize i;

  for (i = 0; i < plan->n_mounts; i++)
    {
      const UctrMountStep *m = &plan->mounts[i];
      int fd, r;

      if (!m->ro_late)
        continue;
      ctx->index = i;
      fd = uctr_resolve_in_root (rootfd, m->destination, 0);
      r = fd < 0 ? -1 : remount_bind (fd, (m->flags & ~(MS_BIND | MS_REC)) | MS_RDONLY, plan->in_userns);
      if (fd >= 0)
        close (fd);
      if (r < 0)
        return fail_at (ctx, UCTR_STEP_MOUNT_REMOUNT, i);
    }
  return 0;
}

/* Whether PATH is missing in ROOTFD, after a failed attempt to create it:
   its error (EACCES from a directory of a user the namespace does not map,
   EROFS) would otherwise read as if PATH were there. Keeps errno. */
static int
path_missing (int rootfd, const char *path)
{
  int saved = errno;
  int fd = uctr_resolve_in_root (rootfd, path, 0);
  int missing = fd < 0 && errno == ENOENT;

  if (fd >= 0)
    close (fd);
  errno = saved;
  return missing;
}

/* pivot_root wants the new root to be a mount point: the rootfs bound onto
   itself (onto a staging directory for root.path "/": a bind of / onto
   itself is not what open ("/") then finds). Returns an fd of that bind,
   made detached and attached where the target was found, so that it is
   the bind itself and not what a second lookup of the path would find. */
static int
remount_propagation (int mntfd, unsigned long propagation)
{
  char p[32];

  uctr_fd_path (p, mntfd);
  return mount (NULL, p, NULL, propagation, NULL);
}

/* With a shared root, pivot_root needs the mount that holds the rootfs not
   shared: the nearest mount point above TARGET made private (as runc's
   rootfsParentMountPrivate; EINVAL means "not a mount point", one level up). */
static int
make_parent_mount_private (const char *target)
{
  char path[PATH_MAX];
  size_t len = strlen (target);
  char *slash;

  if (len >= sizeof path)
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  memcpy (path, target, len + 1);
  for (;;)
    {
      slash = strrchr (path, '/');
      if (slash == NULL)
        return 0;
      if (slash == path)
        return mount (NULL, "/", NULL, MS_PRIVATE, NULL);
      *slash = '\0';
      if (mount (NULL, path, NULL, MS_PRIVATE, NULL) == 0)
        return 0;
      if (errno != EINVAL)
        return -1;
    }
}

/* Runs the program PATH (relative to DIRFD) with ARGV, no environment and
   none of our fds (the init pipe and exec.fifo must end with us; stdio
   is /dev/null), and waits for it: 0 when it exited 0, else -1 with
   errno FAILED. */
static int
run_program (int dirfd, const char *path, char *const *argv, int failed)
{
  static char *const no_env[] = { NULL };
  int status = 0, null, exe;
  pid_t pid = fork ();

  if (pid < 0)
    return -1;
  if (pid == 0)
    {
      /* Above stdio, which /dev/null takes; every other fd is closed
         (close_range's flags 0: CLOSE_RANGE_CLOEXEC needs Linux 5.11,
         and these fallbacks are for older kernels); exe goes at exec. */
      exe = fcntl (openat (dirfd, path, O_RDONLY | O_CLOEXEC), F_DUPFD_CLOEXEC, 3);
      null = open ("/dev/null", O_RDWR | O_CLOEXEC);
      if (exe < 0 || null < 0 || dup2 (null, 0) < 0 || dup2 (null, 1) < 0 || dup2 (null, 2) < 0
          || (exe > 3 && close_range (3, (unsigned int) exe - 1, 0) < 0)
          || close_range ((unsigned int) exe + 1, ~0U, 0) < 0)
        _exit (127);
      syscall (SYS_execveat, exe, "", argv, no_env, AT_EMPTY_PATH);
      _exit (127);
    }
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      errno = failed;
      return -1;
    }
  return 0;
}

/* fuse-overlayfs on rootfs, for a kernel that refuses overlayfs here,
   waited for until its mount is there (it daemonizes once mounted). Its
   daemon stays in the container's pid namespace and goes with it. */
static int
mount_fuse_overlay (const UctrPlan *plan)
{
  return run_program (AT_FDCWD, plan->rootfs_fuse_path, plan->rootfs_fuse_argv, EPERM);
}

/* The last resort: the layers copied into rootfs by `uctr __copy-root`
   (store/copyroot.h), this same binary run again through the host's
   /proc (the init has not left the host's mounts yet), in our user and
   mount namespaces. */
static int
copy_rootfs (const UctrPlan *plan)
{
  return run_program (plan->host_proc_fd, "self/exe", plan->rootfs_copy_argv, EIO);
}

static int bind_rootfs (const UctrPlan *plan);

/* An image's root: overlayfs of its layers, mounted here, in the
   container's user and mount namespaces (its layers' owners are ids
   this namespace maps). The data names the layers relative to their
   parent, our cwd while mounting. Where the kernel refuses,
   fuse-overlayfs, and where that cannot either, a copy of the layers:
   each said once in a warning. */
static int
mount_overlay_rootfs (UctrInitCtx *ctx)
{
  const UctrPlan *plan = ctx->plan;
  int err;

  if (chdir (plan->rootfs_overlay_dir) < 0)
    return -1;
  if (!plan->rootfs_overlay_no_kernel
      && mount ("overlay", plan->rootfs, "overlay", 0, plan->rootfs_overlay) == 0)
    return open (plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  err = plan->rootfs_overlay_no_kernel ? EPERM : errno;
  if (plan->rootfs_fuse_argv != NULL && mount_fuse_overlay (plan) == 0)
    {
      uctr_init_send (plan->sync_fd, UCTR_SYNC_WARNING, UCTR_STEP_ROOTFS_FUSE_OVERLAY, 0, err, 0);
      return open (plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
  if (plan->rootfs_copy_argv != NULL && copy_rootfs (plan) == 0)
    {
      uctr_init_send (plan->sync_fd, UCTR_SYNC_WARNING, UCTR_STEP_ROOTFS_COPY, 0, err, 0);
      return bind_rootfs (plan);
    }
  errno = err;
  return -1;
}

static int
bind_rootfs (const UctrPlan *plan)
{
  const char *target = plan->rootfs_staging != NULL ? plan->rootfs_staging : plan->rootfs;
  int src, dst, fd = -1;

  src = open (plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (src < 0)
    return -1;
  dst = plan->rootfs_staging != NULL ? open (target, O_PATH | O_DIRECTORY | O_CLOEXEC) : src;
  if (dst >= 0)
    fd = uctr_mountfd_clone (src, "", 1);
  if (fd >= 0 && uctr_mountfd_attach (fd, dst) < 0)
    {
      close (fd);
      fd = -1;
    }
  else if (fd < 0 && uctr_mountfd_no_api && mount (plan->rootfs, target, NULL, MS_BIND | MS_REC, NULL) == 0)
    fd = open (target, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dst >= 0 && dst != src)
    close (dst);
  close (src);
  return fd;
}

int
uctr_mounts_prepare_rootfs (UctrInitCtx *ctx, int *rootfd)
{
  const UctrPlan *plan = ctx->plan;
  gsize i;
  int fd;

  if (plan->no_mount_api)
    uctr_mountfd_no_api = 1;
  /* rootfsPropagation first, as runc does, so that a shared volume can
     propagate back to the host; by default slave: nothing we mount may. */
  if (mount (NULL, "/", NULL, plan->rootfs_propagation, NULL) < 0)
    return fail_at (ctx, UCTR_STEP_ROOTFS_PROPAGATION, -1);
  if ((plan->rootfs_propagation & MS_SHARED)
      && make_parent_mount_private (plan->rootfs_staging != NULL ? plan->rootfs_staging : plan->rootfs) < 0)
    return fail_at (ctx, UCTR_STEP_ROOTFS_PROPAGATION, -1);
  if (plan->rootfs_overlay != NULL)
    {
      fd = mount_overlay_rootfs (ctx);
      if (fd < 0)
        return fail_at (ctx, UCTR_STEP_ROOTFS_OVERLAY, -1);
    }
  else if ((fd = bind_rootfs (plan)) < 0)
    return fail_at (ctx, UCTR_STEP_ROOTFS_BIND, -1);
  *rootfd = fd;

  /* Mount paths are "self/fd/N" relative to the host's /proc. */
  if (fchdir (plan->host_proc_fd) < 0)
    return fail_at (ctx, UCTR_STEP_ROOTFS_BIND, -1);
  /* A clone of a shared mount is its peer: the new root may not be. */
  if ((plan->rootfs_propagation & MS_SHARED) && remount_propagation (fd, MS_PRIVATE) < 0)
    return fail_at (ctx, UCTR_STEP_ROOTFS_PROPAGATION, -1);
  /* Nothing is made in the rootfs with layers: it can be read-only from the
     start, and what the layers bind from it is read-only too. */
  if (plan->mount_layers && plan->rootfs_readonly && remount_bind (fd, MS_RDONLY, plan->in_userns) < 0)
    return fail_at (ctx, UCTR_STEP_ROOT_READONLY, -1);
  for (i = 0; i < plan->n_mounts; i++)
    {
      ctx->index = i;
      if (do_mount_step (ctx, &plan->mounts[i], rootfd) < 0)
        return -1;
    }
  /* A missing process.cwd is created, as runc does. */
  if (plan->cwd != NULL)
    {
      int cwdfd = make_path (plan, rootfd, plan->cwd, 0);
      if (cwdfd < 0)
        {
          if (plan->mount_layers)
            return fail_at (ctx, UCTR_STEP_MOUNT_LAYER, -1);
          return fail_at (ctx, path_missing (*rootfd, plan->cwd) ? UCTR_STEP_CWD_MISSING : UCTR_STEP_CWD, -1);
        }
      close (cwdfd);
    }
  if (make_late_read_only (ctx, *rootfd) < 0)
    return -1;
  if (plan->mount_layers && uctr_layer_seal () < 0)
    return fail_at (ctx, UCTR_STEP_LAYER_READONLY, -1);
  return 0;
}

int
uctr_mounts_pivot (UctrInitCtx *ctx, int rootfd)
{
  const UctrPlan *plan = ctx->plan;

  if (plan->no_pivot && uctr_nopivot_hide_host_proc_sys (ctx, rootfd) < 0)
    return -1;
  if (fchdir (rootfd) < 0)
    return fail_at (ctx, UCTR_STEP_PIVOT_ROOT, -1);
  if (plan->no_pivot)
    {
      if (mount (".", "/", NULL, MS_MOVE, NULL) < 0 || chroot (".") < 0)
        return fail_at (ctx, UCTR_STEP_PIVOT_ROOT, -1);
    }
  else
    {
      /* "." after pivot_root is our cwd, the new root, not the old root
         stacked on it: the old root is reached by an fd of it, as runc does
         (else the new root's mounts, shared volumes among them, would be
         made slaves here). */
      int oldroot = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
      int r = oldroot < 0 ? -1 : (int) syscall (SYS_pivot_root, ".", ".");

      if (r == 0)
        r = fchdir (oldroot);
      if (oldroot >= 0)
        close (oldroot);
      if (r < 0)
        return fail_at (ctx, UCTR_STEP_PIVOT_ROOT, -1);
      /* The old root now sits on top of the new one: detach it without
         letting the unmount propagate anywhere. */
      if (mount (NULL, ".", NULL, MS_REC | MS_SLAVE, NULL) < 0 || umount2 (".", MNT_DETACH) < 0)
        return fail_at (ctx, UCTR_STEP_PIVOT_ROOT, -1);
    }
  if (chdir ("/") < 0)
    return fail_at (ctx, UCTR_STEP_PIVOT_ROOT, -1);
  if (mount (NULL, "/", NULL, plan->rootfs_propagation, NULL) < 0)
    return fail_at (ctx, UCTR_STEP_ROOTFS_PROPAGATION, -1);
  return 0;
}

static int
write_sysctls (UctrInitCtx *ctx)
{
  const UctrPlan *plan = ctx->plan;
  gsize i;

  for (i = 0; plan->sysctl_paths[i] != NULL; i++)
    {
      const char *v = plan->sysctl_values[i];
      int fd = open (plan->sysctl_paths[i], O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
      ssize_t n;

      if (fd < 0)
        return fail_at (ctx, UCTR_STEP_SYSCTL, i);
      n = write (fd, v, strlen (v));
      close (fd);
      if (n < 0)
        return fail_at (ctx, UCTR_STEP_SYSCTL, i);
    }
  return 0;
}

/* PATH bound onto itself, then remounted read-only (through the bind's own
   fd, as for the mounts). */
static int
make_readonly (int rootfd, const char *path, int in_userns)
{
  char p[32], real[PATH_MAX];
  int fd, mntfd, r;

  fd = uctr_resolve_in_root (rootfd, path, 0);
  if (fd < 0)
    return errno == ENOENT ? 0 : -1;
  mntfd = uctr_mountfd_clone (fd, "", 1);
  if (mntfd >= 0 && uctr_mountfd_attach (mntfd, fd) < 0)
    {
      close (mntfd);
      mntfd = -1;
    }
  else if (mntfd < 0 && uctr_mountfd_no_api)
    {
      uctr_fd_path (p, fd);
      if (real_path (fd, real) == 0 && mount (p, p, NULL, MS_BIND | MS_REC, NULL) == 0)
        mntfd = reopen_mount (rootfd, path, fd, real);
    }
  close (fd);
  if (mntfd < 0)
    return -1;
  r = remount_bind (mntfd, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, in_userns);
  close (mntfd);
  return r;
}

/* What masks files: the container's /dev/null, which must be the null
   device itself, not a symlink or a bind of some other file (a writable
   procfs file bound over /proc/sysrq-trigger: CVE-2025-31133). EPERM when
   it is not. */
static int
open_null (int rootfd)
{
  struct stat st;
  int fd = uctr_resolve_in_root (rootfd, "/dev/null", UCTR_RESOLVE_NO_SYMLINKS);

  if (fd < 0 && errno == ELOOP)
    errno = EPERM;
  if (fd < 0)
    return -1;
  if (fstat (fd, &st) < 0 || !S_ISCHR (st.st_mode) || st.st_rdev != makedev (1, 3))
    {
      close (fd);
      errno = EPERM;
      return -1;
    }
  return fd;
}

static int
mask_path (int rootfd, int nullfd, const char *path)
{
  struct stat st;
  char p[32], n[32];
  int fd, r;

  fd = uctr_resolve_in_root (rootfd, path, 0);
  if (fd < 0)
    return errno == ENOENT ? 0 : -1;
  uctr_fd_path (p, fd);
  if (fstat (fd, &st) == 0 && S_ISDIR (st.st_mode))
    r = mount ("tmpfs", p, "tmpfs", MS_RDONLY, NULL);
  else
    {
      uctr_fd_path (n, nullfd);
      r = mount (n, p, NULL, MS_BIND, NULL);
    }
  close (fd);
  return r;
}

int
uctr_mounts_finish (UctrInitCtx *ctx)
{
  const UctrPlan *plan = ctx->plan;
  int rootfd, nullfd = -1, r = 0;
  gsize i;

  if (write_sysctls (ctx) < 0)
    return -1;
  rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return fail_at (ctx, UCTR_STEP_ROOTFS_BIND, -1);
  if (fchdir (plan->host_proc_fd) < 0)
    r = fail_at (ctx, UCTR_STEP_ROOTFS_BIND, -1);
  for (i = 0; r == 0 && plan->readonly_paths[i] != NULL; i++)
    if (make_readonly (rootfd, plan->readonly_paths[i], plan->in_userns) < 0)
      r = fail_at (ctx, UCTR_STEP_READONLY_PATH, i);
  if (r == 0 && plan->masked_paths[0] != NULL)
    {
      nullfd = open_null (rootfd);
      if (nullfd < 0)
        r = fail_at (ctx, errno == EPERM ? UCTR_STEP_DEV_NULL : UCTR_STEP_MASKED_PATH, 0);
    }
  for (i = 0; r == 0 && plan->masked_paths[i] != NULL; i++)
    if (mask_path (rootfd, nullfd, plan->masked_paths[i]) < 0)
      r = fail_at (ctx, UCTR_STEP_MASKED_PATH, i);
  if (r == 0 && plan->rootfs_readonly && remount_bind (rootfd, MS_RDONLY, plan->in_userns) < 0)
    r = fail_at (ctx, UCTR_STEP_ROOT_READONLY, -1);
  if (nullfd >= 0)
    close (nullfd);
  close (rootfd);
  if (chdir ("/") < 0 && r == 0)
    r = fail_at (ctx, UCTR_STEP_ROOTFS_BIND, -1);
  return r;
}
