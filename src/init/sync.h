/* uctr: the init pipe: fixed-size records over a SOCK_SEQPACKET socketpair
   between the parent (runtime/create.c) and the container init (init.c). */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stddef.h>

typedef enum
{
  UCTR_SYNC_USERNS_READY = 1, /* init -> parent: the user namespace exists, map it */
  UCTR_SYNC_MAPPED,           /* parent -> init: maps written */
  UCTR_SYNC_PID,              /* init -> parent: value = host pid of the container init */
  UCTR_SYNC_GO,               /* parent -> init: runtime hooks done; payload: state JSON */
  UCTR_SYNC_CONSOLE,          /* init -> parent: the pty master, as SCM_RIGHTS */
  UCTR_SYNC_TAP,              /* init -> parent: tap0 of the container, as SCM_RIGHTS */
  UCTR_SYNC_WARNING,          /* init -> parent: step/index/err say what was skipped */
  UCTR_SYNC_READY,            /* init -> parent: set up, about to block on exec.fifo */
  UCTR_SYNC_ERROR,            /* init -> parent: step/index/err say what failed */
  UCTR_SYNC_NET_READY,        /* parent -> init: the network helper runs (and has joined our namespaces) */
  UCTR_SYNC_SECCOMP,          /* init -> parent: the seccomp listener fd, as SCM_RIGHTS, for listenerPath */
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
  UCTR_STEP_NETWORK,          /* index: 0 opening tap0, 1 its IPv4 address and route, 2 IPv6 */
  UCTR_STEP_OOM_SCORE_ADJ,
  UCTR_STEP_ROOTFS_PROPAGATION,
  UCTR_STEP_ROOTFS_BIND,
  UCTR_STEP_MOUNT,            /* index: plan mount step */
  UCTR_STEP_MOUNT_DEST,       /* index: plan mount step; creating/resolving the destination */
  UCTR_STEP_MOUNT_REMOUNT,
  UCTR_STEP_MOUNT_PROPAGATION,
  UCTR_STEP_MOUNT_SETATTR,
  UCTR_STEP_MOUNT_FALLBACK,   /* warning: fs mount refused, bound the host's instead */
  UCTR_STEP_DEVPTS_GID,       /* warning: devpts mounted without gid= */
  UCTR_STEP_HOOK_CREATE_CONTAINER, /* index: hook; err: errno, or -(exit status + 1) for a failed hook */
  UCTR_STEP_HOOK_START_CONTAINER,
  UCTR_STEP_PIVOT_ROOT,
  UCTR_STEP_SYSCTL,           /* index: sysctl */
  UCTR_STEP_READONLY_PATH,    /* index: readonlyPaths */
  UCTR_STEP_MASKED_PATH,      /* index: maskedPaths */
  UCTR_STEP_HOSTNAME,
  UCTR_STEP_DOMAINNAME,
  UCTR_STEP_ROOT_READONLY,
  UCTR_STEP_RLIMIT,           /* index: rlimit */
  UCTR_STEP_CONSOLE,
  UCTR_STEP_EXEC_LOOKUP,      /* process.args[0] not found */
  UCTR_STEP_CWD,
  UCTR_STEP_SETGROUPS,
  UCTR_STEP_SETGID,
  UCTR_STEP_SETUID,
  UCTR_STEP_CAPS_BOUNDING,
  UCTR_STEP_CAPS,
  UCTR_STEP_CAPS_AMBIENT,     /* warning: ambient capability not raised */
  UCTR_STEP_NO_NEW_PRIVS,
  UCTR_STEP_SECCOMP,          /* loading the linux.seccomp filter */
  UCTR_STEP_SECCOMP_LISTENER, /* handing its listener fd to the parent */
  UCTR_STEP_FDS,
  UCTR_STEP_DEV_NULL,         /* the /dev/null used to mask paths is not the null device */
  UCTR_STEP_DEV_CONSOLE,      /* /dev/console is neither a file nor a character device */
  UCTR_STEP_HIDE_HOST_PROC_SYS, /* --no-pivot: taking the host's procfs and sysfs away */
  UCTR_STEP_MOUNT_MOVED,      /* index: plan mount step; its mount point moved while mounted (no mount API) */
} UctrStep;

typedef struct
{
  uint32_t type;   /* UctrSyncType */
  uint32_t step;   /* UctrStep */
  int32_t index;
  int32_t err;     /* errno */
  int64_t value;
} UctrSyncMsg;

/* Large enough for the state JSON sent with GO. */
#define UCTR_SYNC_PAYLOAD_MAX (64 * 1024)

/* The container's end (init.c): sends a record over the init pipe; ignores
   failures (the parent notices EOF). */
void uctr_init_send (int fd, UctrSyncType type, UctrStep step, int index, int err, int64_t value);

/* The parent's end (sync.c). Receives one record (and the fd it carries, if
   any, into *FD_OUT); EOF is an error: the init exited. */
gboolean uctr_sync_recv (int sock, UctrSyncMsg *m, int *fd_out, GError **error);
/* Sends a record, with PAYLOAD (a string, or NULL) after it. */
gboolean uctr_sync_send (int sock, UctrSyncType type, const char *payload, GError **error);
