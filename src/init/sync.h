/* uctr: the init pipe, the protocol between the parent (runtime/create.c
   and runtime/exec.c, through runtime/sync.c) and the container side
   (init/init.c, through init/sync.c): fixed-size records (UctrSyncMsg) over
   a SOCK_SEQPACKET socketpair, one record per message, an fd now and then
   as SCM_RIGHTS. "stage1" is the child the parent forks (uctr_init_stage1),
   "init" the container init, or exec's process, that stage1 clones as its
   sibling. Who sends what, and when, in order:

   | # | from    | record       | when                                       | carries                       |
   |---|---------|--------------|--------------------------------------------|-------------------------------|
   | 1 | stage1  | USERNS_READY | new user namespace: unshared, to be mapped |                               |
   | 2 | parent  | MAPPED       | newuidmap/newgidmap (or a direct map) done |                               |
   | 3 | stage1  | PID          | the container init (or exec's process) is  | value: its pid on the host    |
   |   |         |              | cloned; stage1 exits                       |                               |
   | 4 | parent  | GO           | create: prestart and createRuntime hooks   | create: the state JSON, as    |
   |   |         |              | ran; exec: the process is in its cgroup    | creating NUL created (hooks)  |
   | 5 | init    | TAP          | --network slirp: tap0 made, before mounts  | tap0's fd                     |
   | 6 | parent  | NET_READY    | the network helper runs, in our namespaces |                               |
   | 7 | init    | CONSOLE      | process.terminal: the pty made             | the pty master's fd           |
   | 8 | init    | SECCOMP      | linux.seccomp with a listener: loaded      | the listener's fd             |
   | 9 | init    | READY        | set up, about to wait on exec.fifo         | last record: the init closes  |
   |   |         |              | (create) or to execve (exec)               | its end                       |
   | - | parent  | MOUNT_FD     | just before 4: an idmapped mount made      | index: the mount step; its    |
   |   |         |              | detached by the parent (idmap, ridmap)     | mount fd                      |
   | - | init    | WARNING      | any time from 4 to 9: something skipped    | step, index, err              |
   | - | stage1  | ERROR        | any time before 3 (stage1) or 9 (init): a  | step, index, err; a failed    |
   |   | or init |              | step failed, and the sender exits 127      | hook: err 0, value its status |

   1 and 2 happen only when the plan makes a new user namespace, 5 and 6
   only for create with --network slirp, 7 and 8 only when asked for. A
   create whose namespaces are all new has no stage1: the parent clones the
   init straight into them (uctr_init_direct), and neither 1 nor 3 is sent:
   the parent maps the ids of the init's user namespace at once, then 2. The
   parent reads every record through uctr_sync_recv and acts on WARNING,
   CONSOLE, SECCOMP, TAP and ERROR wherever they come; EOF before READY
   means the child died. After READY the init has closed its end and
   nobody reads the pipe. This is runc's libcontainer/sync.go in our terms. */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stddef.h>

typedef enum
{
  UCTR_SYNC_USERNS_READY = 1, /* init -> parent: the user namespace exists, map it */
  UCTR_SYNC_MAPPED,           /* parent -> init: maps written */
  UCTR_SYNC_PID,              /* init -> parent: value = host pid of the container init */
  UCTR_SYNC_GO,        /* parent -> init: runtime hooks done; payload: state JSONs, creating NUL created */
  UCTR_SYNC_CONSOLE,   /* init -> parent: the pty master, as SCM_RIGHTS */
  UCTR_SYNC_TAP,       /* init -> parent: tap0 of the container, as SCM_RIGHTS */
  UCTR_SYNC_WARNING,   /* init -> parent: step/index/err say what was skipped */
  UCTR_SYNC_READY,     /* init -> parent: set up, about to block on exec.fifo */
  UCTR_SYNC_ERROR,     /* init -> parent: step/index/err say what failed */
  UCTR_SYNC_NET_READY, /* parent -> init: the network helper runs (and has joined our namespaces) */
  UCTR_SYNC_SECCOMP,   /* init -> parent: the seccomp listener fd, as SCM_RIGHTS, for listenerPath */
  UCTR_SYNC_MOUNT_FD,  /* parent -> init, before GO: index = mount step, its idmapped mount as SCM_RIGHTS */
  UCTR_SYNC_HANDOVER,  /* init -> parent: the handover filter's listener fd, as SCM_RIGHTS */
} UctrSyncType;

/* What the init was doing; the parent turns it into a sentence naming the
   mount, hook or file from the plan. */
typedef enum
{
  UCTR_STEP_NONE,
  UCTR_STEP_USERNS,
  UCTR_STEP_SETNS,
  UCTR_STEP_UNSHARE,
  UCTR_STEP_SETID,
  UCTR_STEP_FORK,
  UCTR_STEP_LOOPBACK,
  UCTR_STEP_NETWORK, /* index: 0 opening tap0, 1 its IPv4 address and route, 2 IPv6 */
  UCTR_STEP_OOM_SCORE_ADJ,
  UCTR_STEP_ROOTFS_PROPAGATION,
  UCTR_STEP_ROOTFS_BIND,
  UCTR_STEP_MOUNT,      /* index: plan mount step */
  UCTR_STEP_MOUNT_DEST, /* index: plan mount step; creating/resolving the destination */
  UCTR_STEP_MOUNT_REMOUNT,
  UCTR_STEP_MOUNT_PROPAGATION,
  UCTR_STEP_MOUNT_SETATTR,
  UCTR_STEP_MOUNT_FALLBACK,        /* warning: fs mount refused, bound the host's instead */
  UCTR_STEP_DEVPTS_GID,            /* warning: devpts mounted without gid= */
  UCTR_STEP_HOOK_CREATE_CONTAINER, /* index: hook; err: errno, or 0 with its wait status in value */
  UCTR_STEP_HOOK_START_CONTAINER,
  UCTR_STEP_PIVOT_ROOT,
  UCTR_STEP_SYSCTL,        /* index: sysctl */
  UCTR_STEP_READONLY_PATH, /* index: readonlyPaths */
  UCTR_STEP_MASKED_PATH,   /* index: maskedPaths */
  UCTR_STEP_HOSTNAME,
  UCTR_STEP_DOMAINNAME,
  UCTR_STEP_ROOT_READONLY,
  UCTR_STEP_RLIMIT, /* index: rlimit */
  UCTR_STEP_CONSOLE,
  UCTR_STEP_EXEC_LOOKUP, /* process.args[0] not found */
  UCTR_STEP_CWD,
  UCTR_STEP_SETGROUPS,
  UCTR_STEP_SETGID,
  UCTR_STEP_SETUID,
  UCTR_STEP_CAPS_BOUNDING,
  UCTR_STEP_CAPS,
  UCTR_STEP_CAPS_AMBIENT, /* warning: ambient capability not raised */
  UCTR_STEP_NO_NEW_PRIVS,
  UCTR_STEP_SECCOMP,          /* loading the linux.seccomp filter */
  UCTR_STEP_SECCOMP_LISTENER, /* handing its listener fd to the parent */
  UCTR_STEP_FDS,
  UCTR_STEP_DEV_NULL,           /* the /dev/null used to mask paths is not the null device */
  UCTR_STEP_DEV_CONSOLE,        /* /dev/console is neither a file nor a character device */
  UCTR_STEP_HIDE_HOST_PROC_SYS, /* --no-pivot: taking the host's procfs and sysfs away */
  UCTR_STEP_MOUNT_MOVED,    /* index: plan mount step; its mount point moved while mounted (no mount API) */
  UCTR_STEP_CWD_MISSING,    /* process.cwd does not exist and creating it failed (err: why) */
  UCTR_STEP_MOUNT_LAYER,    /* index: plan mount step, -1: process.cwd; made in a layer (uctr.mountpoints) */
  UCTR_STEP_LAYER_READONLY, /* making read-only the layers that hold mount points (uctr.mountpoints) */
  UCTR_STEP_STDIO,          /* index: the fd (0, 1, 2) given the plan's stdio_fds */
  UCTR_STEP_MOUNT_COPYUP,   /* index: plan mount step; tmpcopyup: copying what it covers into it */
  UCTR_STEP_ROOTFS_OVERLAY, /* mounting the overlayfs of uctr.rootfs.overlay on root.path */
  UCTR_STEP_ROOTFS_FUSE_OVERLAY, /* warning: the kernel refused it (err); fuse-overlayfs mounted it */
  UCTR_STEP_ROOTFS_COPY,         /* warning: neither overlayfs could mount it (err); its layers were copied */
  UCTR_STEP_HANDOVER,            /* loading the handover filter */
  UCTR_STEP_HANDOVER_LISTENER,   /* handing its listener fd to the parent */
} UctrStep;

typedef struct
{
  uint32_t type; /* UctrSyncType */
  uint32_t step; /* UctrStep */
  int32_t index;
  int32_t err; /* errno */
  int64_t value;
} UctrSyncMsg;

/* Large enough for the state JSON sent with GO. */
#define UCTR_SYNC_PAYLOAD_MAX (64 * 1024)

/* The container's end (sync.c): async-signal-safe, no allocation. Each
   record is one sendmsg: once a seccomp filter is loaded, that is the one
   call it must allow for the init to report back. */

/* Sends a record; 0, or -1 with errno. */
int uctr_init_send_record (int fd, UctrSyncType type, UctrStep step, int index, int err, int64_t value);
/* The same, ignoring failures (the parent notices EOF). */
void uctr_init_send (int fd, UctrSyncType type, UctrStep step, int index, int err, int64_t value);
/* A record of TYPE with FD as SCM_RIGHTS; 0, or -1 with errno. */
/* A record with INDEX and FD (SCM_RIGHTS); the parent sends MOUNT_FD with it too. */
int uctr_init_send_fd (int sock, UctrSyncType type, int index, int fd);
/* Receives one record into M, and what follows it into PAYLOAD (NULL:
   nothing expected), its length in *PAYLOAD_LEN; 0, or -1 with errno
   (EPIPE: EOF or a short record). */
int
uctr_init_recv (int fd, UctrSyncMsg *m, char *payload, size_t payload_size, size_t *payload_len, int *fd_out);
