/* uctr: idmapped mounts, the parent's side. The mount is made here,
   detached, in the host's mount namespace: idmapping a file system takes
   the rights of its owner (root, for the host's), which the container's
   init has not. The init attaches it onto the destination it resolved
   (init/mounts.c), as any other mount of the mount API. */
#include "runtime/idmount.h"
#include "runtime/sync.h"
#include "plan/idmap.h"
#include "base/util.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

/* The user namespace of process PID, or -1. */
static int
open_userns_of (pid_t pid, GError **error)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/ns/user", (int) pid);
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    uctr_throw_errno (error, _("Opening the user namespace %s"), path);
  return fd;
}

/* A user namespace with the mount's own mappings: a child unshares one and
   waits while we map it and open it, then exits. Its fd, or -1. */
static int
userns_with (const UctrMountStep *m, GError **error)
{
  UctrIdmapPlan plan = { .uid = (UctrIdMapping *) m->idmap_uid,
                         .n_uid = m->n_idmap_uid,
                         .gid = (UctrIdMapping *) m->idmap_gid,
                         .n_gid = m->n_idmap_gid,
                         .use_helpers = geteuid () != 0 };
  int ready[2], hold[2], fd = -1;
  char c;
  pid_t pid;

  if (pipe2 (ready, O_CLOEXEC) < 0)
    return uctr_throw_errno (error, _("Creating a pipe")), -1;
  if (pipe2 (hold, O_CLOEXEC) < 0)
    {
      close (ready[0]);
      close (ready[1]);
      return uctr_throw_errno (error, _("Creating a pipe")), -1;
    }
  pid = fork ();
  if (pid == 0)
    {
      /* Async-signal-safe only: we may have threads. */
      close (ready[0]);
      close (hold[1]);
      if (unshare (CLONE_NEWUSER) < 0 || write (ready[1], "u", 1) != 1)
        _exit (1);
      (void) !read (hold[0], &c, 1);
      _exit (0);
    }
  close (ready[1]);
  close (hold[0]);
  if (pid < 0)
    uctr_throw_errno (error, _("Starting the process that holds the mount's user namespace"));
  else if (TEMP_FAILURE_RETRY (read (ready[0], &c, 1)) != 1)
    uctr_throw (error, UCTR_ERROR_FAILED,
                _("the process that holds the mount's user namespace could not make it"));
  else if (uctr_idmap_apply (&plan, pid, g_getenv ("UCTR_NEWUIDMAP"), g_getenv ("UCTR_NEWGIDMAP"), error))
    fd = open_userns_of (pid, error);
  close (ready[0]);
  close (hold[1]);
  if (pid > 0)
    (void) TEMP_FAILURE_RETRY (waitpid (pid, NULL, 0));
  return fd;
}

static int
open_userns (const UctrMountStep *m, pid_t init_pid, GError **error)
{
  return m->n_idmap_uid > 0 ? userns_with (m, error) : open_userns_of (init_pid, error);
}

/* The bind of M, detached and idmapped through USERNS: its fd, or -1. */
static int
make_idmapped (const UctrMountStep *m, int userns, GError **error)
{
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (guint64) userns };
  unsigned int recursive = (m->flags & MS_REC) ? AT_RECURSIVE : 0;
  int fd = open_tree (AT_FDCWD, m->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | recursive);
  int errsv;

  if (fd < 0 && errno == EPERM && geteuid () != 0)
    return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                       _("mounts[%d]: an idmapped mount of %s takes root's rights over the host's file systems: "
                         "without root, drop idmap (or run uctr as root)"),
                          m->config_index, m->source),
                       -1;
  if (fd < 0)
    return uctr_throw_errno (error, _("mounts[%d]: cloning %s"), m->config_index, m->source), -1;
  if (mount_setattr (fd, "", AT_EMPTY_PATH | (m->idmap_recursive ? AT_RECURSIVE : 0), &attr, sizeof attr)
      == 0)
    return fd;
  errsv = errno;
  close (fd);
  errno = errsv;
  if (errsv == EPERM)
    return uctr_throw_errno (error,
                             _("mounts[%d]: idmapping %s takes the rights of the file system's owner (root, "
                               "for the host's own file systems)"),
                                m->config_index, m->source),
                             -1;
  if (errsv == EINVAL)
    return uctr_throw_errno (error,
                             _("mounts[%d]: idmapping %s (does its file system support idmapped mounts? "
                               "with ridmap, every mount below it must)"),
                                m->config_index, m->source),
                             -1;
  return uctr_throw_errno (error, _("mounts[%d]: idmapping %s"), m->config_index, m->source), -1;
}

gboolean
uctr_idmount_send (const UctrPlan *plan, pid_t init_pid, int sock, GError **error)
{
  gsize i;

  for (i = 0; i < plan->n_mounts; i++)
    {
      const UctrMountStep *m = &plan->mounts[i];
      uctr_autofd int userns = -1;
      uctr_autofd int fd = -1;

      if (!m->idmap)
        continue;
      userns = open_userns (m, init_pid, error);
      if (userns < 0)
        return FALSE;
      fd = make_idmapped (m, userns, error);
      if (fd < 0 || !uctr_sync_send_fd (sock, UCTR_SYNC_MOUNT_FD, (int) i, fd, error))
        return FALSE;
    }
  return TRUE;
}
