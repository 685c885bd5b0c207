/* uctr: namespace files. setns (fd, 0) joins whatever namespace FD is: a
   "mount" entry whose path is a network namespace would leave the init in
   our own mount namespace, where it then builds the rootfs and pivots (run
   as root, the host's). So each path is checked here, where the error can
   name the entry, and its type goes to setns in the init, where the kernel
   refuses a mismatch whatever the check missed. */
#include "plan/nsfile.h"
#include "base/util.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>

const int uctr_ns_clone_flags[UCTR_NS_N] = {
  [UCTR_NS_USER] = CLONE_NEWUSER,     [UCTR_NS_MOUNT] = CLONE_NEWNS,  [UCTR_NS_PID] = CLONE_NEWPID,
  [UCTR_NS_NETWORK] = CLONE_NEWNET,   [UCTR_NS_IPC] = CLONE_NEWIPC,   [UCTR_NS_UTS] = CLONE_NEWUTS,
  [UCTR_NS_CGROUP] = CLONE_NEWCGROUP, [UCTR_NS_TIME] = CLONE_NEWTIME,
};

/* Whole phrases, article included, for the translators. */
static const char *const ns_phrases[UCTR_NS_N] = {
  [UCTR_NS_USER] = N_ ("a user namespace"),     [UCTR_NS_MOUNT] = N_ ("a mount namespace"),
  [UCTR_NS_PID] = N_ ("a pid namespace"),       [UCTR_NS_NETWORK] = N_ ("a network namespace"),
  [UCTR_NS_IPC] = N_ ("an ipc namespace"),      [UCTR_NS_UTS] = N_ ("a uts namespace"),
  [UCTR_NS_CGROUP] = N_ ("a cgroup namespace"), [UCTR_NS_TIME] = N_ ("a time namespace"),
};

static const char *
nstype_phrase (int nstype)
{
  int i;

  for (i = 0; i < UCTR_NS_N; i++)
    if (uctr_ns_clone_flags[i] == nstype)
      return _(ns_phrases[i]);
  return _("a namespace of another kind");
}

static gboolean
opening_failed (const UctrNamespace *ns, GError **error)
{
  return uctr_throw_errno (error, _("linux.namespaces[%u].path: opening %s"), ns->index, ns->path);
}

static gboolean
check_nsfs (int path_fd, const UctrNamespace *ns, GError **error)
{
  struct statfs sfs;

  if (fstatfs (path_fd, &sfs) < 0)
    return opening_failed (ns, error);
  if (sfs.f_type != NSFS_MAGIC)
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("linux.namespaces[%u].path: %s is not a namespace file (give /proc/PID/ns/NAME or a "
                         "bind mount of one)"),
                          ns->index, ns->path);
  return TRUE;
}

static gboolean
check_type (int fd, const UctrNamespace *ns, UctrNsType type, GError **error)
{
  int nstype = ioctl (fd, NS_GET_NSTYPE);

  if (nstype < 0)
    return uctr_throw_errno (error, _("linux.namespaces[%u].path: finding the type of the namespace %s"),
                                       ns->index, ns->path);
  if (nstype != uctr_ns_clone_flags[type])
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("linux.namespaces[%u].path: %s is %s, not %s"), ns->index, ns->path,
                          nstype_phrase (nstype), _(ns_phrases[type]));
  return TRUE;
}

/* O_PATH first: a path that is no namespace file (a device, a fifo) is
   refused without ever being opened for reading. */
int
uctr_nsfile_open (const UctrNamespace *ns, UctrNsType type, GError **error)
{
  uctr_autofd int path_fd = open (ns->path, O_PATH | O_CLOEXEC);
  uctr_autofd int fd = -1;
  char reopen[64];

  if (path_fd < 0)
    return opening_failed (ns, error), -1;
  if (!check_nsfs (path_fd, ns, error))
    return -1;
  g_snprintf (reopen, sizeof reopen, "/proc/self/fd/%d", path_fd);
  fd = open (reopen, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return opening_failed (ns, error), -1;
  if (!check_type (fd, ns, type, error))
    return -1;
  return uctr_steal_fd (&fd);
}
