/* uctr: the plan for a container init, built entirely before fork so that the
   init (src/init/) runs without allocating, without stdio and without GLib. */
#pragma once

#include <glib.h>
#include <sys/types.h>
#include "oci/config.h"
#include "plan/idmap.h"
#include "plan/nsfile.h"
#include "plan/handover.h"
#include "plan/seccomp.h"

typedef enum
{
  UCTR_MOUNT_FS,      /* mount(source, dest, fstype, flags, data) */
  UCTR_MOUNT_BIND,    /* bind of a host path opened before fork */
  UCTR_MOUNT_DEVICE,  /* a device node: mknod, or (source set, in a user namespace) a bind from the host */
  UCTR_MOUNT_SYMLINK, /* /dev/fd -> /proc/self/fd and friends */
} UctrMountKind;

typedef struct
{
  UctrMountKind kind;
  int config_index;        /* index in config mounts[] / linux.devices[], -1 for defaults */
  const char *destination; /* absolute, inside the container */
  const char *source;      /* fs source, host path (bind/device) or symlink target */
  const char *fstype;
  const char *data;          /* comma-joined fs options, may be NULL */
  const char *data_fallback; /* devpts without gid=, used when the first try gets EINVAL */
  unsigned long flags;       /* MS_* to set; MS_BIND|MS_REC for binds */
  unsigned long clear_flags; /* MS_* explicitly cleared (rw, suid, dev, exec ...) */
  unsigned long propagation; /* MS_PRIVATE, MS_REC|MS_SLAVE ... or 0 */
  guint64 attr_set;          /* MOUNT_ATTR_* of the r* options (rro, rnosuid ...), set with */
  guint64 attr_clr;          /* mount_setattr (AT_RECURSIVE) on the whole tree once mounted */
  gboolean needs_remount;    /* a bind with flags: remount after binding */
  gboolean dest_is_file;     /* create a file, not a directory, as the mount point */
  gboolean no_symlinks;      /* proc and sysfs: the destination must not go through a symlink */
  const char *fallback_bind; /* host path bound instead when the fs mount is refused in a user namespace */
  gboolean copy_up;          /* tmpfs with tmpcopyup: what the directory held is copied into it */
  gboolean idmap;            /* a bind idmapped (idmap, ridmap, mappings): the parent makes it detached
                                and hands the init its fd (UCTR_SYNC_MOUNT_FD) */
  gboolean idmap_recursive;  /* ridmap: the mounts below the source idmapped too */
  const UctrIdMapping *idmap_uid; /* the mount's own mappings; none: the container's user namespace */
  gsize n_idmap_uid;
  const UctrIdMapping *idmap_gid;
  gsize n_idmap_gid;
  gboolean cgroup;  /* type "cgroup": cgroup2, or the v1 hierarchies (uctr_plan_use_cgroup_v1) */
  gboolean ro_late; /* a read-only tmpfs: mounted read-write, made read-only once every mount
                                is made (mount points below it, as runc's read-only /dev) */
  mode_t mode;      /* device mode (S_IFCHR|0666 ...) */
  dev_t dev;
  uid_t uid;
  gid_t gid;
} UctrMountStep;

typedef struct
{
  const char *path;
  char **argv;
  char **envp;
  int timeout;
} UctrPlanHook;

#include <netinet/in.h>

/* A cgroup v1 hierarchy as the container sees it: /sys/fs/cgroup/NAME is
   DIR, the container's own cgroup in it; CONTROLLERS as mounted. */
typedef struct
{
  const char *name;
  const char *controllers;
  const char *dir;
} UctrPlanCgroupV1;

#include "base/names.h"

/* Where NOTIFY_SOCKET points in the container (a directory of the state
   dir bound there: runtime/notify.c). */
#define UCTR_NOTIFY_CONTAINER_DIR "/run/notify"
#define UCTR_NOTIFY_CONTAINER_SOCKET "/run/notify/notify.sock"

/* --network slirp, container side: what tap0 gets. */
typedef struct
{
  gboolean enabled;
  unsigned int mtu;
  struct in_addr addr;
  struct in_addr netmask;
  struct in_addr gateway;
  gboolean ipv6;
  struct in6_addr addr6;
  struct in6_addr gateway6;
  unsigned int prefix6;
} UctrPlanNet;

typedef struct
{
  /* who we are */
  gboolean exec; /* uctr exec: join the container's namespaces, no mounts */
  pid_t parent_pid;
  gboolean in_userns; /* the container runs in a user namespace we create or join */
  gboolean new_userns;
  gboolean die_with_parent;   /* the init goes with uctr (SIGKILL), before and after execve */
  gboolean setgroups_allowed; /* false after "deny" */
  uid_t setup_uid;            /* the ids the init sets up as in the user namespace: 0, or the */
  gid_t setup_gid;            /* caller's own when 0 is not mapped (keep-id without a range) */
  int ns_fds[UCTR_NS_N];      /* namespaces joined by path (setns with uctr_ns_clone_flags), -1 otherwise */
  int unshare_flags;          /* CLONE_NEW* other than the user and cgroup namespaces */
  gboolean late_cgroupns;     /* a new cgroup namespace, made once the init is in its cgroup (after GO) */
  gboolean new_netns;
  UctrPlanNet net; /* tap0 for the network helper */

  /* fds opened before fork, all O_CLOEXEC */
  int sync_fd;      /* the init's end of the init pipe */
  int host_proc_fd; /* the host's /proc, to reopen the fifo and write oom_score_adj */
  int fifo_fd;      /* O_PATH of <state>/exec.fifo */
  int cgroup_fd;    /* O_PATH of the container's cgroup, for CLONE_INTO_CGROUP; -1: none */
  int stdio_fds[3]; /* what the process gets as stdin, stdout, stderr (a detached run's log); -1: ours */
  int dmz_fd;       /* the exec trampoline's sealed memfd (base/selfexe.h), or -1: exec directly */
  char **dmz_argv;  /* its argv: UCTR_DMZ_ARGV0, a slot the init fills with the path, then argv */

  /* the file system */
  const char *rootfs;         /* absolute host path */
  const char *rootfs_staging; /* where "/" is bound before pivot_root (NULL: onto itself) */
  gboolean rootfs_readonly;
  const char *rootfs_overlay; /* mount(2) data of an overlayfs on rootfs (uctr.rootfs.overlay), or NULL */
  const char *
      rootfs_overlay_dir; /* the lower directories' parent: their names in rootfs_overlay are relative to it */
  gboolean rootfs_overlay_no_kernel; /* UCTR_TEST_NO_KERNEL_OVERLAY: as where the kernel refuses overlayfs */
  const char *rootfs_fuse_path;      /* fuse-overlayfs, the fallback where the kernel refuses (NULL: none) */
  char **rootfs_fuse_argv;           /* its argv: the same layers, absolute paths, and rootfs */
  char **rootfs_copy_argv; /* `uctr __copy-root` of rootfs and the layers, the last resort (NULL: none) */
  unsigned long
      rootfs_propagation; /* applied to / before the mounts and after pivot; MS_REC|MS_SLAVE by default */
  gboolean no_pivot;
  gboolean no_mount_api; /* UCTR_TEST_NO_MOUNT_API: mount as without open_tree (before Linux 5.2) */
  gboolean
      mount_layers; /* uctr.mountpoints "tmpfs": missing mount points in throwaway layers (init/layer.h) */
  UctrMountStep *mounts;
  gsize n_mounts;
  char **masked_paths;
  char **readonly_paths;
  char **sysctl_paths; /* "/proc/sys/net/ipv4/ip_forward" */
  char **sysctl_values;

  /* the process */
  const char *hostname;
  const char *domainname;
  gboolean has_oom_score_adj;
  char oom_score_adj[16];
  struct rlimit *rlimits;
  int *rlimit_resources;
  gsize n_rlimits;
  gboolean terminal;
  unsigned short console_rows;
  unsigned short console_cols;
  uid_t uid;
  gid_t gid;
  gid_t *groups;
  gsize n_groups;
  gboolean has_umask;
  mode_t umask;
  const char *cwd;
  char **argv;
  char **envp;
  const char *path_env; /* PATH from envp, or the default */
  guint64 cap_bounding; /* bit masks */
  guint64 cap_effective;
  guint64 cap_permitted;
  guint64 cap_inheritable;
  guint64 cap_ambient;
  int cap_last;
  gboolean no_new_privs;
  int preserve_fds;
  char *listen_pid_env; /* the LISTEN_PID= entry of envp the init fills in, or NULL */
  UctrSeccomp *seccomp; /* linux.seccomp compiled; NULL when there is no filter */
  UctrHandoverFilter
      *net_handover; /* outbound_tcp= or publish_tcp=handover: loaded before seccomp; NULL: none */

  UctrPlanHook *create_container_hooks;
  gsize n_create_container_hooks;
  UctrPlanHook *start_container_hooks;
  gsize n_start_container_hooks;

  /* ids, applied by the parent */
  UctrIdmapPlan idmap;
} UctrPlan;

typedef struct
{
  const char *bundle; /* absolute */
  gboolean no_pivot;
  int preserve_fds;
  gboolean add_userns;     /* the caller is not root and the config has no user namespace */
  const char *resolv_conf; /* host file bound on /etc/resolv.conf unless config.json mounts one */
  const char *notify_dir;  /* host directory bound on /run/notify (NOTIFY_SOCKET), or NULL */
  const char *state_root;  /* where compiled seccomp filters are kept (plan/seccomp-cache.h), or NULL */
} UctrPlanOptions;

/* Builds the plan from a parsed config. Opens bind sources and namespace paths
   (errors name the config path: "mounts[2].source: /srv/x: No such file or directory").
   Does not touch the state dir: the caller fills sync_fd and fifo_fd. */
/* WARNINGS collects what was skipped (unknown capabilities ...). The plan borrows
   strings from CONFIG, which must outlive it. */
UctrPlan *
uctr_plan_new (const UctrConfig *config, const UctrPlanOptions *opts, GPtrArray *warnings, GError **error);
/* Writes KEY (net.ipv4.ping_group_range) = VALUE in the container as
   linux.sysctl does, unless linux.sysctl names KEY already. */
void uctr_plan_add_sysctl (UctrPlan *plan, const char *key, const char *value);
/* uctr exec: PROCESS in the namespaces of the container whose init is
   INIT_PID (INIT_PIDFD, to check it is still the same process), in its
   cgroup CGROUP_PATH (or NULL), under CONFIG's seccomp filter. */
UctrPlan *uctr_plan_new_exec (const UctrConfig *config, const UctrProcess *process, pid_t init_pid,
                              int init_pidfd, const char *cgroup_path, int preserve_fds,
                              const char *state_root, GPtrArray *warnings, GError **error);
void uctr_plan_free (UctrPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrPlan, uctr_plan_free)

/* Why the init may not exec the process through the trampoline (plan/dmz.c)
   whose memfd would be DMZ_FD, as a sentence; NULL when it may. */
const char *uctr_plan_dmz_refusal (const UctrPlan *plan, int dmz_fd);
/* The init execs the process through the trampoline DMZ_FD, which the plan
   takes. */
void uctr_plan_use_dmz (UctrPlan *plan, int dmz_fd);

/* The mount options uctr applies (flags and propagation), sorted, for `features`. */
char **uctr_plan_mount_option_names (void);

/* Mount options -> flags; unknown options go to *data. Exposed for tests. */
/* The recursive options (rro, rrw, rnosuid ... rnosymfollow) in OPTIONS as
   mount_setattr(2) wants them; the others are left to the function below. */
void uctr_plan_parse_recursive_options (char **options, guint64 *attr_set, guint64 *attr_clr);
gboolean uctr_plan_parse_mount_options (char **options, unsigned long *flags, unsigned long *clear_flags,
                                        unsigned long *propagation, gboolean *recursive_bind, char **data,
                                        GError **error);

/* Root on a v1 or hybrid host: each mount of type "cgroup" becomes what runc
   mounts there, a tmpfs with the container's cgroup of each of the N
   hierarchies V1 bound in it (with the mount's flags), and a symlink per
   controller of a comounted one ("cpu" -> "cpu,cpuacct"); read-only once
   made when the mount asks ro. V1's strings must outlive the plan. */
void uctr_plan_use_cgroup_v1 (UctrPlan *plan, const UctrPlanCgroupV1 *v1, gsize n);
