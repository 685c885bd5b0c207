/* uctr: mounts made detached, then attached onto a destination fd, which
   leaves an fd of the mount itself for the options that take a second step
   (the remount of a bind, the propagation, mount_setattr). mount(2) hands
   back nothing, and looking the destination up again may find another
   directory there, swapped in by whoever shares a volume on the way
   (CVE-2021-30465). The mount API of Linux 5.2: open_tree, move_mount,
   fsopen, fsmount. Container side, async-signal-safe (see
   base/afterfork.h); "self/fd/N" paths are relative to the host's /proc,
   the cwd while mounting. */
#include "init/mountfd.h"
#include "base/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/afterfork.h" /* last: it poisons what comes after */

int uctr_mountfd_no_api;

/* ENOSYS from an old kernel, or EPERM from a seccomp filter that refuses
   what it does not know (may_mount() cannot fail in the init): mount as
   before from now on. */
static int
api_refused (void)
{
  if (errno != ENOSYS && errno != EPERM)
    return 0;
  uctr_mountfd_no_api = 1;
  errno = ENOSYS;
  return 1;
}

int
uctr_mountfd_clone (int dirfd, const char *path, int recursive)
{
  unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
  int fd;

  if (uctr_mountfd_no_api)
    {
      errno = ENOSYS;
      return -1;
    }
  if (*path == '\0')
    flags |= AT_EMPTY_PATH;
  fd = open_tree (dirfd, path, flags);
  if (fd < 0)
    (void) api_refused ();
  return fd;
}

int
uctr_mountfd_attach (int mntfd, int dstfd)
{
  return move_mount (mntfd, "", dstfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

int
uctr_mountfd_unstage (int stagefd, int keep)
{
  char p[32];
  int errsv, spot, copy = -1;

  if (keep)
    {
      /* The lookup of "spot" crosses into the mount on it. */
      spot = openat (stagefd, "spot", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (spot >= 0)
        {
          copy = uctr_mountfd_clone (spot, "", 1);
          close (spot);
        }
    }
  errsv = errno;
  uctr_fd_path (p, stagefd);
  if (umount2 (p, MNT_DETACH) < 0 && copy >= 0)
    {
      errsv = errno;
      close (copy);
      copy = -1;
    }
  close (stagefd);
  errno = errsv;
  return copy;
}

int
uctr_mountfd_stage (int dstfd, int *spot)
{
  int fsfd, stagefd = -1;

  if (uctr_mountfd_no_api)
    {
      errno = ENOSYS;
      return -1;
    }
  fsfd = fsopen ("tmpfs", FSOPEN_CLOEXEC);
  if (fsfd < 0)
    {
      (void) api_refused ();
      return -1;
    }
  if (fsconfig (fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
    stagefd = fsmount (fsfd, FSMOUNT_CLOEXEC, 0);
  close (fsfd);
  if (stagefd < 0)
    return -1;
  if (uctr_mountfd_attach (stagefd, dstfd) < 0)
    {
      close (stagefd);
      return -1;
    }
  if (mkdirat (stagefd, "spot", 0700) < 0
      || (*spot = openat (stagefd, "spot", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    return uctr_mountfd_unstage (stagefd, 0);
  return stagefd;
}
