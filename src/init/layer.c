/* uctr: mount points in throwaway layers (see layer.h). Why a tmpfs that
   mirrors the directory, and not an overlay with it as the lower layer:
   an overlay shows none of the mounts below its lower directory (the
   host's /proc, /home ... with --rootfs /), and copies up whatever is
   written anywhere below, so that a writable rootfs would no longer be
   written. The mirror binds each entry of the directory back in place,
   recursively, so everything below its top level is the real thing, with
   its submounts; only what is made at its top level lands in the tmpfs
   (and vanishes with the container). Async-signal-safe: the container
   init runs it between fork and execve; "self/fd/N" paths are relative to
   the host's /proc, the cwd while mounting. */
#include "init/layer.h"
#include "init/mountfd.h"
#include "base/resolve.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "base/afterfork.h" /* last: it poisons what comes after */

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202 /* in the kernel's own headers only */
#endif

/* File systems the container made, by device: the layers (with their fd
   when they are to be made read-only at the end) and its own mounts. */
#define MAX_OWNED 256
static struct
{
  dev_t dev;
  int seal_fd;
} owned[MAX_OWNED];
static int n_owned;

/* Each pass of uctr_layer_resolve makes one missing component. */
#define MAX_PASSES (PATH_MAX / 2)

static int
remember (dev_t dev, int seal_fd)
{
  if (n_owned == MAX_OWNED)
    {
      errno = ENOSPC;
      return -1;
    }
  owned[n_owned].dev = dev;
  owned[n_owned].seal_fd = seal_fd;
  n_owned++;
  return 0;
}

static int
is_owned (int fd)
{
  struct stat st;
  int i;

  if (fstat (fd, &st) < 0)
    return 0;
  for (i = 0; i < n_owned; i++)
    if (owned[i].dev == st.st_dev)
      return 1;
  return 0;
}

void
uctr_layer_own (int mntfd)
{
  struct statfs sfs;
  struct stat st;

  if (fstatfs (mntfd, &sfs) < 0 || fstat (mntfd, &st) < 0)
    return;
  if (sfs.f_type == TMPFS_MAGIC || sfs.f_type == PROC_SUPER_MAGIC || sfs.f_type == SYSFS_MAGIC
      || sfs.f_type == DEVPTS_SUPER_MAGIC || sfs.f_type == MQUEUE_MAGIC)
    (void) remember (st.st_dev, -1); /* a full table only means more layers */
}

/* Whether A and B are the same directory on the same mount. */
static int
same_place (int a, int b)
{
  struct statx x, y;
  unsigned int mask = STATX_INO | STATX_MNT_ID;

  if (statx (a, "", AT_EMPTY_PATH, mask, &x) < 0 || statx (b, "", AT_EMPTY_PATH, mask, &y) < 0)
    return 0;
  return x.stx_ino == y.stx_ino && x.stx_dev_major == y.stx_dev_major && x.stx_dev_minor == y.stx_dev_minor
         && x.stx_mnt_id == y.stx_mnt_id;
}

/* NAME in LAYERFD as a symlink to where the entry of DIRFD points. */
static int
mirror_symlink (int dirfd, int layerfd, const char *name, const struct stat *st)
{
  char target[PATH_MAX];
  ssize_t n = readlinkat (dirfd, name, target, sizeof target - 1);

  if (n < 0)
    return errno == ENOENT ? 0 : -1;
  target[n] = '\0';
  if (symlinkat (target, layerfd, name) < 0)
    return -1;
  (void) fchownat (layerfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW);
  return 0;
}

/* An empty directory or file named NAME in DIRFD. */
static int
make_entry (int dirfd, const char *name, int dir)
{
  int fd;

  if (dir)
    return mkdirat (dirfd, name, 0755);
  fd = openat (dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    return -1;
  close (fd);
  return 0;
}

/* The entry NAME of DIRFD, with every mount on and below it, bound onto
   a placeholder of the same name in LAYERFD. An entry that vanished on
   the way is left out. */
static int
mirror_entry (int dirfd, int layerfd, const char *name)
{
  unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW;
  struct stat st;
  int clone, spot, r, errsv;

  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : -1;
  if (S_ISLNK (st.st_mode))
    return mirror_symlink (dirfd, layerfd, name, &st);
  if (make_entry (layerfd, name, S_ISDIR (st.st_mode)) < 0)
    return -1;
  clone = open_tree (dirfd, name, flags);
  if (clone < 0)
    {
      errsv = errno;
      (void) unlinkat (layerfd, name, S_ISDIR (st.st_mode) ? AT_REMOVEDIR : 0);
      errno = errsv;
      return errno == ENOENT ? 0 : -1;
    }
  spot = openat (layerfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  r = spot < 0 ? -1 : uctr_mountfd_attach (clone, spot);
  errsv = errno;
  if (spot >= 0)
    close (spot);
  close (clone);
  errno = errsv;
  return r;
}

/* Every entry of the directory LISTFD (open for reading), whose O_PATH
   fd is DIRFD, into LAYERFD. */
static int
mirror (int listfd, int dirfd, int layerfd)
{
  char buf[8192] __attribute__ ((aligned (8)));
  ssize_t n, off;

  while ((n = getdents64 (listfd, buf, sizeof buf)) > 0)
    for (off = 0; off < n; off += ((struct dirent64 *) (buf + off))->d_reclen)
      {
        const char *name = ((struct dirent64 *) (buf + off))->d_name;

        if (strcmp (name, ".") != 0 && strcmp (name, "..") != 0 && mirror_entry (dirfd, layerfd, name) < 0)
          return -1;
      }
  return n < 0 ? -1 : 0;
}

/* A detached tmpfs with the mode and owner of the directory ST, and the
   nosuid, nodev, noexec of its mount SV. */
static int
new_tmpfs (const struct stat *st, const struct statvfs *sv)
{
  unsigned int attrs = 0;
  char p[32];
  int fsfd, mnt = -1;

  if (uctr_mountfd_no_api)
    {
      errno = ENOSYS;
      return -1;
    }
  if (sv->f_flag & ST_NOSUID)
    attrs |= MOUNT_ATTR_NOSUID;
  if (sv->f_flag & ST_NODEV)
    attrs |= MOUNT_ATTR_NODEV;
  if (sv->f_flag & ST_NOEXEC)
    attrs |= MOUNT_ATTR_NOEXEC;
  fsfd = fsopen ("tmpfs", FSOPEN_CLOEXEC);
  if (fsfd < 0)
    return -1;
  if (fsconfig (fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
    mnt = fsmount (fsfd, FSMOUNT_CLOEXEC, attrs);
  close (fsfd);
  if (mnt < 0)
    return -1;
  uctr_fd_path (p, mnt);
  if (chmod (p, st->st_mode & 07777) < 0)
    {
      close (mnt);
      return -1;
    }
  /* An owner that is not mapped stays the container's root. */
  (void) chown (p, st->st_uid, st->st_gid);
  return mnt;
}

/* A layer over the directory DIRFD: a tmpfs mirroring it, attached on
   it. Returns an fd of the layer's root. When DIRFD is the root, *ROOTFD
   becomes a copy of that fd. Attached first, filled after: binding onto a
   mount that is still detached needs Linux 6.15, and nothing sees the
   layer half made (this mount namespace is the init's alone, and nothing
   propagates out of it); the entries are cloned through DIRFD, which the
   layer does not cover. */
static int
layer_over (int *rootfd, int dirfd)
{
  struct stat st;
  struct statvfs sv;
  int listfd, layer, seal_fd = -1, errsv;

  if (fstat (dirfd, &st) < 0 || fstatvfs (dirfd, &sv) < 0)
    return -1;
  /* Listed from the directory itself, opened before anything covers it. */
  listfd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (listfd < 0)
    return -1;
  layer = new_tmpfs (&st, &sv);
  if (layer >= 0 && (sv.f_flag & ST_RDONLY))
    seal_fd = fcntl (layer, F_DUPFD_CLOEXEC, 0);
  if (layer < 0 || ((sv.f_flag & ST_RDONLY) && seal_fd < 0) || uctr_mountfd_attach (layer, dirfd) < 0
      || mirror (listfd, dirfd, layer) < 0 || fstat (layer, &st) < 0 || remember (st.st_dev, seal_fd) < 0)
    goto fail;
  close (listfd);
  if (same_place (dirfd, *rootfd))
    {
      int newroot = fcntl (layer, F_DUPFD_CLOEXEC, 0);

      if (newroot < 0)
        goto fail;
      close (*rootfd);
      *rootfd = newroot;
    }
  return layer;
fail:
  errsv = errno;
  close (listfd);
  if (layer >= 0)
    close (layer);
  if (seal_fd >= 0)
    close (seal_fd);
  errno = errsv;
  return -1;
}

/* The directory DIRFD, or a layer over it when it is not the container's
   own: what is made in the fd returned is made in the container's. DIRFD
   is closed. */
static int
own_dir (int *rootfd, int dirfd)
{
  int fd, errsv;

  if (is_owned (dirfd))
    return dirfd;
  fd = layer_over (rootfd, dirfd);
  errsv = errno;
  close (dirfd);
  errno = errsv;
  return fd;
}

int
uctr_layer_resolve (int *rootfd, const char *path, int flags)
{
  char name[NAME_MAX + 1];
  int pass, last, fd, r, errsv;

  /* A component at a time, looking the whole path up again after each:
     whatever a symlink or ".." on the way does, the walk is confined to
     the root and makes things only in what the container owns. */
  for (pass = 0; pass < MAX_PASSES; pass++)
    {
      fd = uctr_resolve_upto (*rootfd, path, flags, name, &last);
      if (fd < 0)
        return -1;
      if (name[0] == '\0')
        return (flags & UCTR_LAYER_TO_WRITE) ? own_dir (rootfd, fd) : fd;
      fd = own_dir (rootfd, fd);
      if (fd < 0)
        return -1;
      r = make_entry (fd, name, !(last && (flags & UCTR_RESOLVE_AS_FILE)));
      errsv = errno;
      close (fd);
      if (r < 0 && errsv != EEXIST)
        {
          errno = errsv;
          return -1;
        }
    }
  errno = ELOOP;
  return -1;
}

int
uctr_layer_seal (void)
{
  struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
  int i, r = 0;

  for (i = 0; i < n_owned; i++)
    if (owned[i].seal_fd >= 0)
      {
        if (r == 0 && mount_setattr (owned[i].seal_fd, "", AT_EMPTY_PATH, &ro, sizeof ro) < 0)
          r = -1;
        close (owned[i].seal_fd);
        owned[i].seal_fd = -1;
      }
  return r;
}
