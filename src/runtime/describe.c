/* uctr: what the container init's (step, index, errno) records mean, in words. */
#include "runtime/describe.h"
#include "base/util.h"

#include <string.h>
#include <sys/wait.h>

static char *
mount_name (const UctrConfig *config, const UctrPlan *plan, int index)
{
  const UctrMountStep *m;

  if (index < 0 || (gsize) index >= plan->n_mounts)
    return g_strdup (_("a mount"));
  m = &plan->mounts[index];
  if (m->kind == UCTR_MOUNT_DEVICE && m->config_index >= 0)
    return g_strdup_printf ("linux.devices[%d] (%s)", m->config_index, m->destination);
  if (m->kind == UCTR_MOUNT_DEVICE || m->kind == UCTR_MOUNT_SYMLINK)
    return g_strdup_printf (_("the default %s"), m->destination);
  return g_strdup_printf ("mounts[%d] (%s on %s)", m->config_index, m->fstype != NULL ? m->fstype : "bind",
                          m->destination);
}

static char *
hook_failure (const UctrConfig *config, UctrHookKind kind, const UctrSyncMsg *m)
{
  const char *path = (gsize) m->index < config->n_hooks[kind] ? config->hooks[kind][m->index].path : "?";
  int status = (int) m->value;

  if (m->err == ETIMEDOUT)
    return g_strdup_printf (_("hooks.%s[%d] (%s): killed after its timeout"), uctr_hook_kind_name (kind),
                               m->index, path);
  if (m->err != 0)
    return g_strdup_printf ("hooks.%s[%d] (%s): %s", uctr_hook_kind_name (kind), m->index, path,
                            g_strerror (m->err));
  if (WIFEXITED (status))
    return g_strdup_printf (_("hooks.%s[%d] (%s): exited with status %d"), uctr_hook_kind_name (kind),
                               m->index, path, WEXITSTATUS (status));
  return g_strdup_printf (_("hooks.%s[%d] (%s): killed by signal %d"), uctr_hook_kind_name (kind), m->index,
                             path, WTERMSIG (status));
}

/* The one id a single-id mapping (the fallback without subordinate ids,
   or a config's own) maps, for process.user's uid (UID) or gid. */
static gboolean
single_id (const UctrPlan *plan, gboolean uid, guint32 *inside)
{
  const UctrIdMapping *maps = uid ? plan->idmap.uid : plan->idmap.gid;
  gsize n = uid ? plan->idmap.n_uid : plan->idmap.n_gid;

  if (!plan->new_userns || n != 1 || maps[0].size != 1)
    return FALSE;
  *inside = maps[0].container_id;
  return TRUE;
}

/* process.user switching to an id the namespace does not map (EINVAL),
   where it maps one id alone: what the user can do. NULL otherwise. */
static char *
unmapped_user (const UctrPlan *plan, const UctrSyncMsg *m, guint32 wanted)
{
  gboolean uid = m->step == UCTR_STEP_SETUID;
  const char *kind = uid ? "uid" : "gid";
  guint32 only;

  if (m->err != EINVAL || !single_id (plan, uid, &only))
    return NULL;
  if (plan->idmap.fix != NULL)
    return g_strdup_printf (_("process.user.%s: %s %u is not mapped: without subordinate ids uctr maps your own "
                              "%s alone, as %u (the single-id fallback); run as %u, or get a range with: %s"),
        kind, kind, wanted, kind, only, only, plan->idmap.fix);
  return g_strdup_printf (_("process.user.%s: %s %u is not mapped: the user namespace maps %s %u alone"),
                             kind, kind, wanted, kind, only);
}

/* process.cwd missing from the rootfs, and not made in a throwaway layer:
   worded from process.cwd, which the one-line run names by its flag. */
static char *
cwd_layer_failure (const char *cwd, int err)
{
  if (err == ENOSYS)
    return g_strdup_printf (_("process.cwd: %s does not exist in the container, and making it in a throwaway "
                              "layer needs the mount API (Linux 5.2); create it in the rootfs yourself"),
        cwd);
  if (err == EACCES)
    return g_strdup_printf (_("process.cwd: %s does not exist in the container, and the directory where it is "
                              "missing cannot be listed to mirror it in a throwaway layer"),
        cwd);
  return g_strdup_printf (_("process.cwd: %s does not exist in the container, and making it in a throwaway "
                            "layer over the rootfs failed"),
                             cwd);
}

/* A mount point (or process.cwd, index -1) missing from the rootfs, made
   in a throwaway layer (uctr.mountpoints). */
static char *
layer_failure (const UctrConfig *config, const UctrPlan *plan, const UctrSyncMsg *m)
{
  g_autofree char *mount = NULL;
  g_autofree char *what = NULL;

  if (m->index < 0)
    return cwd_layer_failure (config->process->cwd, m->err);
  mount = mount_name (config, plan, m->index);
  what = g_strdup_printf (_("the mount point of %s"), mount);
  if (m->err == ENOSYS)
    return g_strdup_printf (_("Making %s in a throwaway layer over the rootfs: this needs the mount API "
                              "(Linux 5.2); create it in the rootfs yourself"),
                               what);
  if (m->err == EACCES)
    return g_strdup_printf (_("Making %s in a throwaway layer over the rootfs, which mirrors the directory "
                              "where it is missing: that directory cannot be listed"),
                               what);
  return g_strdup_printf (_("Making %s in a throwaway layer over the rootfs"), what);
}

static char *
what_failed (const UctrConfig *config, const UctrPlan *plan, const UctrSyncMsg *m)
{
  const UctrProcess *p = config->process;
  g_autofree char *mount = NULL;

  switch ((UctrStep) m->step)
    {
    case UCTR_STEP_USERNS:
      return g_strdup (_("Creating the user namespace (is kernel.unprivileged_userns_clone or user.max_user_namespaces 0?)"));
    case UCTR_STEP_SETNS:
      if (plan->exec)
        return g_strdup_printf (_("joining the %s namespace of the container"),
                                   uctr_ns_type_name (m->index));
      return g_strdup_printf (_("linux.namespaces[%u].path: joining the %s namespace %s"),
                                 config->namespaces[m->index].index, uctr_ns_type_name (m->index),
                                 config->namespaces[m->index].path);
    case UCTR_STEP_UNSHARE:
      return g_strdup (_("Creating the namespaces in linux.namespaces"));
    case UCTR_STEP_SETID:
      return g_strdup (_("Becoming root in the user namespace"));
    case UCTR_STEP_FORK:
      return g_strdup (_("Starting the container init"));
    case UCTR_STEP_LOOPBACK:
      return g_strdup (_("Bringing up lo in the network namespace"));
    case UCTR_STEP_NETWORK:
      if (m->index == 0)
        return g_strdup (_("--network slirp: creating tap0 (is /dev/net/tun there and mode 0666?)"));
      return g_strdup_printf (_("--network slirp: configuring the %s address and route of tap0"),
                                 m->index == 1 ? "IPv4" : "IPv6");
    case UCTR_STEP_OOM_SCORE_ADJ:
      return g_strdup_printf (_("process.oomScoreAdj: setting %s (lowering it needs privilege on the host)"),
                                 plan->oom_score_adj);
    case UCTR_STEP_ROOTFS_PROPAGATION:
      return g_strdup (_("linux.rootfsPropagation: setting the propagation of /"));
    case UCTR_STEP_ROOTFS_BIND:
      return g_strdup_printf (_("root.path: preparing %s"), plan->rootfs);
    case UCTR_STEP_ROOTFS_OVERLAY:
      if (plan->rootfs_copy_argv != NULL)
        return g_strdup_printf (_("Mounting the image's layers on %s (overlayfs, fuse-overlayfs, then a copy of "
                                  "the layers)"),
            plan->rootfs);
      return plan->rootfs_fuse_argv != NULL
          ? g_strdup_printf (_("Mounting the image's layers on %s (overlayfs, then fuse-overlayfs)"),
                                plan->rootfs)
          : g_strdup_printf (_("Mounting the image's layers (overlayfs) on %s: the kernel needs Linux 5.11 "
                                      "for it in a user namespace, and fuse-overlayfs, the fallback, needs the "
                                      "container to have a pid namespace, fuse-overlayfs installed and /dev/fuse "
                                      "usable"),
                                plan->rootfs);
    case UCTR_STEP_MOUNT:
      mount = mount_name (config, plan, m->index);
      return g_strdup_printf (_("Mounting %s"), mount);
    case UCTR_STEP_MOUNT_DEST:
      mount = mount_name (config, plan, m->index);
      return g_strdup_printf (_("Creating the mount point of %s inside the rootfs"), mount);
    case UCTR_STEP_MOUNT_LAYER:
      return layer_failure (config, plan, m);
    case UCTR_STEP_MOUNT_REMOUNT:
      mount = mount_name (config, plan, m->index);
      return g_strdup_printf (_("Applying the options of %s"), mount);
    case UCTR_STEP_MOUNT_COPYUP:
      mount = mount_name (config, plan, m->index);
      return g_strdup_printf (_("Copying what %s covers into it (tmpcopyup)"), mount);
    case UCTR_STEP_MOUNT_PROPAGATION:
      mount = mount_name (config, plan, m->index);
      return g_strdup_printf (_("Setting the propagation of %s"), mount);
    case UCTR_STEP_MOUNT_SETATTR:
      mount = mount_name (config, plan, m->index);
      return g_strdup_printf (_("Applying the recursive options (rro, rnosuid ...) of %s"), mount);
    case UCTR_STEP_HOOK_CREATE_CONTAINER:
      return hook_failure (config, UCTR_HOOK_CREATE_CONTAINER, m);
    case UCTR_STEP_HOOK_START_CONTAINER:
      return hook_failure (config, UCTR_HOOK_START_CONTAINER, m);
    case UCTR_STEP_PIVOT_ROOT:
      return g_strdup_printf (_("pivot_root into %s (try --no-pivot on a ramfs root)"), plan->rootfs);
    case UCTR_STEP_MOUNT_MOVED:
      mount = mount_name (config, plan, m->index);
      return g_strdup_printf (_("Applying the options of %s: its mount point moved while it was mounted (a directory on its path was renamed or swapped for a symlink); refused"),
                                 mount);
    case UCTR_STEP_HIDE_HOST_PROC_SYS:
      return g_strdup (_("--no-pivot: unmounting or covering the host's procfs and sysfs mounts"));
    case UCTR_STEP_SYSCTL:
      return g_strdup_printf (_("linux.sysctl: writing %s"), plan->sysctl_paths[m->index]);
    case UCTR_STEP_READONLY_PATH:
      if (m->err == EXDEV)
        return g_strdup_printf (_("linux.readonlyPaths[%d] (%s): it moved while it was made read-only (a directory on its path was renamed or swapped for a symlink); refused"),
                                   m->index, plan->readonly_paths[m->index]);
      return g_strdup_printf (_("linux.readonlyPaths[%d] (%s)"), m->index, plan->readonly_paths[m->index]);
    case UCTR_STEP_DEV_NULL:
      return g_strdup (_("linux.maskedPaths: /dev/null in the container is not the null device (a symlink, or another file bound there), so it cannot mask anything"));
    case UCTR_STEP_DEV_CONSOLE:
      return g_strdup (_("process.terminal: /dev/console in the container is a symlink or neither a file nor a device; uctr will not bind the terminal there"));
    case UCTR_STEP_MASKED_PATH:
      return g_strdup_printf (_("linux.maskedPaths[%d] (%s)"), m->index, plan->masked_paths[m->index]);
    case UCTR_STEP_HOSTNAME:
      return g_strdup_printf (_("hostname: setting %s"), config->hostname);
    case UCTR_STEP_DOMAINNAME:
      return g_strdup_printf (_("domainname: setting %s"), config->domainname);
    case UCTR_STEP_ROOT_READONLY:
      return g_strdup (_("root.readonly: remounting the root read-only"));
    case UCTR_STEP_RLIMIT:
      return g_strdup_printf (_("process.rlimits[%d] (%s): a rootless container cannot raise a hard limit above the caller's"),
          m->index, p->rlimits[m->index].type);
    case UCTR_STEP_CONSOLE:
      return g_strdup (_("process.terminal: setting up the pty (is devpts mounted on /dev/pts?)"));
    case UCTR_STEP_EXEC_LOOKUP:
      /* plan->argv: exec's process is not config.json's. */
      if (strchr (plan->argv[0], '/') == NULL)
        return g_strdup_printf (_("exec: \"%s\": executable file not found in $PATH"), plan->argv[0]);
      if (m->err == ELOOP)
        return g_strdup_printf (_("exec: \"%s\": a symlink loop, or a magic link of /proc (/proc/self/fd/N, "
                                  "/proc/PID/root ...) on the way, which is never followed to the executable"),
            plan->argv[0]);
      return g_strdup_printf (_("exec: \"%s\""), plan->argv[0]);
    case UCTR_STEP_CWD:
      return g_strdup_printf (_("process.cwd: entering %s"), p->cwd);
    case UCTR_STEP_CWD_MISSING:
      return g_strdup_printf (_("process.cwd: %s does not exist in the container, and creating it failed"),
                                 p->cwd);
    case UCTR_STEP_LAYER_READONLY:
      return g_strdup (
          _("Making read-only the layers that hold the mount points missing from the read-only rootfs"));
    case UCTR_STEP_SETGROUPS:
      if (!plan->setgroups_allowed)
        return g_strdup (_("process.user.additionalGids: setgroups is denied with a single-id mapping; add a subordinate gid range (usermod --add-subgids)"));
      return g_strdup (_("process.user.additionalGids: setting the groups (are they mapped?)"));
    case UCTR_STEP_SETGID:
      return g_strdup_printf (_("process.user.gid: switching to gid %u (is it mapped?)"), p->gid);
    case UCTR_STEP_SETUID:
      return g_strdup_printf (_("process.user.uid: switching to uid %u (is it mapped?)"), p->uid);
    case UCTR_STEP_CAPS_BOUNDING:
      return g_strdup_printf (_("process.capabilities.bounding: dropping capability %d"), m->index);
    case UCTR_STEP_CAPS:
    case UCTR_STEP_CAPS_AMBIENT:
      return g_strdup (_("process.capabilities: setting the capability sets"));
    case UCTR_STEP_NO_NEW_PRIVS:
      return g_strdup (_("process.noNewPrivileges"));
    case UCTR_STEP_SECCOMP:
      if (m->err == EACCES)
        return g_strdup (
            _("linux.seccomp: loading the filter (without process.noNewPrivileges it needs CAP_SYS_ADMIN)"));
      if (m->err == EINVAL)
        return g_strdup (_("linux.seccomp: the kernel refused the filter or one of linux.seccomp.flags"));
      return g_strdup (_("linux.seccomp: loading the filter"));
    case UCTR_STEP_SECCOMP_LISTENER:
      return g_strdup (_("linux.seccomp: handing the listener fd to uctr (does the filter allow sendmsg?)"));
    case UCTR_STEP_HANDOVER:
      return g_strdup (_("--network slirp: loading the handover filter that hands connect() or bind() to the network helper"));
    case UCTR_STEP_HANDOVER_LISTENER:
      return g_strdup (_("--network slirp: handing the handover filter's listener fd to uctr"));
    case UCTR_STEP_FDS:
      return g_strdup (_("Closing inherited file descriptors"));
    case UCTR_STEP_STDIO:
      return g_strdup_printf (_("Giving the process its stdin, stdout and stderr (fd %d)"), m->index);
    default:
      return g_strdup (_("Setting up the container"));
    }
}

gboolean
uctr_init_error_describe (const UctrConfig *config, const UctrPlan *plan, const UctrSyncMsg *m,
                          GError **error)
{
  g_autofree char *what = NULL;

  if ((m->step == UCTR_STEP_SETUID || m->step == UCTR_STEP_SETGID)
      && (what = unmapped_user (plan, m,
                                m->step == UCTR_STEP_SETUID ? config->process->uid : config->process->gid))
             != NULL)
    return uctr_throw (error, UCTR_ERROR_FAILED, "%s", what);
  what = what_failed (config, plan, m);

  if (m->step == UCTR_STEP_HOOK_CREATE_CONTAINER || m->step == UCTR_STEP_HOOK_START_CONTAINER
      || (m->step == UCTR_STEP_EXEC_LOOKUP && (strchr (plan->argv[0], '/') == NULL || m->err == ELOOP)))
    return uctr_throw (error, UCTR_ERROR_FAILED, "%s", what);
  return uctr_throw_errno_code (error, m->err, "%s", what);
}

char *
uctr_init_warning_describe (const UctrConfig *config, const UctrPlan *plan, const UctrSyncMsg *m)
{
  g_autofree char *mount = NULL;

  switch ((UctrStep) m->step)
    {
    case UCTR_STEP_DEVPTS_GID:
      mount = mount_name (config, plan, m->index);
      return g_strdup_printf (_("%s: mounted without gid=, since that group is not mapped in the user namespace"), mount);
    case UCTR_STEP_MOUNT_FALLBACK:
      mount = mount_name (config, plan, m->index);
      return g_strdup_printf (_("%s: the kernel refused a new instance in this user namespace; bound the host's instead"), mount);
    case UCTR_STEP_ROOTFS_FUSE_OVERLAY:
      return g_strdup_printf (_("the kernel refused overlayfs for the image's layers (%s): mounted with "
                                "fuse-overlayfs instead, which is slower"),
                                 g_strerror (m->err));
    case UCTR_STEP_ROOTFS_COPY:
      return g_strdup_printf (_("the kernel refused overlayfs for the image's layers (%s) and fuse-overlayfs "
                                "could not stand in: the container's root is a copy of the layers, made for it "
                                "(slower to start, and as large as the image on disk)"),
          g_strerror (m->err));
    case UCTR_STEP_CAPS_AMBIENT:
      return g_strdup_printf (_("process.capabilities.ambient: capability %d not raised: %s (it must also be inheritable and permitted)"),
                                 m->index, g_strerror (m->err));
    default:
      return g_strdup_printf (_("warning from the container init (step %u): %s"), m->step,
                                 g_strerror (m->err));
    }
}
