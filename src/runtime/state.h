/* uctr: the state directory: <root>/<id>/{state.json,config.json,exec.fifo,lock}. */
#pragma once

#include <glib.h>
#include <sys/types.h>
#include "base/json.h"

typedef enum
{
  UCTR_STATUS_CREATING,
  UCTR_STATUS_CREATED,
  UCTR_STATUS_RUNNING,
  UCTR_STATUS_PAUSED,
  UCTR_STATUS_STOPPED,
} UctrStatus;

const char *uctr_status_name (UctrStatus status); /* "creating", "created", ... */

/* What a verb does to a container, as far as its status matters. */
typedef enum
{
  UCTR_ACTION_START,
  UCTR_ACTION_KILL,
  UCTR_ACTION_KILL_ALL,
  UCTR_ACTION_DELETE,
  UCTR_ACTION_DELETE_FORCE,
  UCTR_ACTION_PAUSE,
  UCTR_ACTION_RESUME,
  UCTR_ACTION_UPDATE,
  UCTR_ACTION_EXEC,
  UCTR_ACTION_EXEC_IGNORE_PAUSED,
  UCTR_ACTION_PS,
  UCTR_ACTION_EVENTS,
  UCTR_N_ACTIONS
} UctrAction;

/* TRUE when ACTION may act on container ID in STATUS, else FALSE with
   UCTR_ERROR_BAD_STATE saying why (the table in state.c). */
gboolean uctr_state_allows (UctrAction action, UctrStatus status, const char *id, GError **error);

typedef struct
{
  char *id;
  pid_t pid;               /* host pid of the container init; 0 before it exists */
  guint64 pid_start_time;  /* /proc/PID/stat field 22, so a recycled pid is never taken for ours */
  char *bundle;            /* absolute */
  char *rootfs;            /* absolute */
  char *created;           /* RFC 3339, UTC, nanoseconds */
  char *owner;             /* user name, "" when unknown */
  GHashTable *annotations; /* string -> string, may be NULL */
  char **annotation_keys;  /* order for printing, may be NULL */
  gboolean creating;       /* create has not finished yet */
  char *cgroup_path;       /* the container's own cgroup directory, NULL when it has none */
  char *cgroup_unit;       /* the systemd scope holding it (--systemd-cgroup), or NULL */
  char *cgroup_note;       /* when it has none: why (pause and update say it) */
  GPtrArray *cgroup_v1;    /* UctrCgroupV1Dir: its cgroups in the v1 hierarchies (root on a v1 or
                              hybrid host), NULL when none */
  char *net_exit;          /* how the network helper ended before the container (netexit.h), or NULL;
                               not in state.json: uctr_container_lookup reads it from net.exit */
} UctrState;

void uctr_state_free (UctrState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrState, uctr_state_free)

/* --root when given, else $XDG_RUNTIME_DIR/uctr (not for root outside a
   user namespace, as runc), else (root) /run/uctr,
   resolved (symlinks followed once) and checked as trust.h says: ours,
   written by nobody else, below directories nobody else controls. Creates
   it 0700 when missing. The error says how to fix it. */
char *uctr_state_root (const char *root_option, GError **error);

/* IDs as runc allows: [A-Za-z0-9][A-Za-z0-9_.+-]*, at most 1024 bytes, no "." or "..". */
gboolean uctr_state_validate_id (const char *id, GError **error);

/* mkdir <root>/<id> 0700 exclusively; UCTR_ERROR_EXISTS "container ID already exists".
   Returns an O_RDONLY|O_CLOEXEC fd of the directory. */
int uctr_state_create_dir (const char *root, const char *id, GError **error);

/* Opens <root>/<id>; UCTR_ERROR_NOT_FOUND "container ID does not exist";
   UCTR_ERROR_UNTRUSTED when it is not a directory of ours that only we
   can write (another user's, planted while the root was open to him). */
int uctr_state_open_dir (const char *root, const char *id, GError **error);

/* NAME (state.json, config.json, lock ...) in the state directory DFD:
   not followed when a symlink, and used only when a file of ours that
   only we can write (UCTR_ERROR_UNTRUSTED); O_CREAT makes it 0600. */
int uctr_state_open_file (int dfd, const char *name, int flags, GError **error);
gboolean
uctr_state_read_file (int dfd, const char *name, gsize max, char **contents, gsize *len, GError **error);
/* exec.fifo for reading (O_NONBLOCK), when it is a fifo of ours. */
int uctr_state_open_exec_fifo (int dfd, GError **error);

/* Exclusive lock on <dir>/lock (created 0600); returns the fd holding it. */
int uctr_state_lock (int dfd, GError **error);

/* Removes <root>/<id> and everything in it (no recursion into mounts). */
gboolean uctr_state_remove_dir (const char *root, const char *id, GError **error);

/* state.json inside DFD: written atomically, owner-only. */
gboolean uctr_state_save (int dfd, const UctrState *state, GError **error);
/* init.pid: the init's pid and start time on their own, written once the
   init exists; delete --force reads it when state.json is damaged. */
gboolean uctr_state_save_init_pid (int dfd, const UctrState *state, GError **error);
/* A state with just id, pid and pid_start_time; NULL when missing or bad. */
UctrState *uctr_state_load_init_pid (int dfd, const char *id);

/* net.pid: the network helper's pid and start time, so that delete can
   wait until it (and the ports it holds) is gone. */
gboolean uctr_state_save_net_pid (int dfd, const char *id, pid_t pid, GError **error);
/* NAME (log.pid ...): the pid and start time of another helper of the
   container's, which outlives uctr; an error when it has exited already. */
gboolean uctr_state_save_helper_pid (int dfd, const char *name, const char *id, pid_t pid, GError **error);
/* A pidfd of the helper NAME records while it is still that process; -1
   (errno ENOENT or ESRCH) when there is none. */
int uctr_state_open_helper_pidfd (int dfd, const char *name);
/* Whether DFD has an entry NAME (not followed when a symlink). */
gboolean uctr_state_has_entry (int dfd, const char *name);

/* Once the init is gone: waits until that helper, which exits when the
   init does, has closed its host sockets (it holds net.lock until then),
   and kills it if it has not within 2 s. Its published ports are then
   free for the next container. */
void uctr_state_end_net_helper (int dfd);

/* A missing, truncated or corrupt file is a clear UCTR_ERROR_FAILED naming the file. */
UctrState *uctr_state_load (int dfd, GError **error);

/* The live status: stopped when the init is gone (or a zombie, or its pid was
   reused: start time differs); paused while its cgroup's cgroup.freeze is 1;
   created while exec.fifo exists; else running. */
UctrStatus uctr_state_status (int dfd, const UctrState *state);

/* The OCI state JSON (state-schema.json) runc prints: ociVersion, id, pid
   (0 when stopped), status, bundle, rootfs, created, owner, annotations when any;
   and uctr's networkHelper ("exited: killed by SIGBUS") when NET_EXIT is set.
   PRETTY indents by two spaces as `runc state` does. */
char *uctr_state_to_json (const UctrState *state, UctrStatus status, gboolean pretty);
json_object *uctr_state_to_json_node (const UctrState *state, UctrStatus status);

/* The ids in ROOT, sorted; an unreadable root is an error, a missing one empty. */
char **uctr_state_list_ids (const char *root, GError **error);

/* A pidfd for the init when it is still the process recorded; -1 (errno ESRCH) when gone. */
int uctr_state_open_pidfd (const UctrState *state);
