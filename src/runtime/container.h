/* uctr: the parent side of the container lifecycle. */
#pragma once

#include <glib.h>
#include <sys/types.h>
#include "oci/config.h"
#include "cgroup/resources.h"
#include "runtime/state.h"

typedef struct
{
  const char *root;            /* state root (uctr_state_root) */
  const char *id;
  const char *bundle;          /* absolute */
  const char *config_json;     /* the config itself, instead of BUNDLE/config.json (one-line runs); or NULL */
  const char *pid_file;        /* NULL: none */
  const char *console_socket;  /* NULL: none */
  int preserve_fds;
  gboolean no_pivot;
  gboolean keep_console;       /* run: hand the pty master back instead of sending it */
  const char *network;         /* NULL or "none": runc's behaviour; "slirp[:OPTIONS]": tap0 and the helper */
  char **publish;              /* NULL or --publish specs ([HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]) */
  gboolean systemd_cgroup;     /* --systemd-cgroup: the cgroup is a transient systemd scope */
  GPtrArray *warnings;         /* messages the caller prints (char *) */
} UctrCreateOptions;

/* A container's state and config as create made them, so that run need not
   read and parse them again for start and delete (borrowed by those). */
typedef struct
{
  UctrState *state;
  UctrConfig *config;
} UctrLoaded;

typedef struct
{
  pid_t pid;         /* host pid of the container init (our child until we exit) */
  int console_fd;    /* pty master when keep_console and process.terminal, else -1 */
  UctrLoaded loaded; /* owned: free with uctr_created_clear */
} UctrCreated;

void uctr_created_clear (UctrCreated *created);

/* The state and the config.json saved by create of ID (free the parts with
   uctr_state_free and uctr_config_free), and its live status. */
gboolean uctr_container_load (const char *root, const char *id, UctrLoaded *out, UctrStatus *status, GError **error);

/* uctr create: on success the init is blocked on exec.fifo and state.json says
   "created"; on failure nothing is left: no state dir, no process. */
gboolean uctr_container_create (const UctrCreateOptions *opts, UctrCreated *out, GError **error);

/* uctr start: opens exec.fifo so the init execs, then runs poststart hooks. */
/* LOADED: what create returned, or NULL to read state.json and config.json. */
gboolean uctr_container_start (const char *root, const char *id, const UctrLoaded *loaded, GPtrArray *warnings,
                               GError **error);

/* uctr delete: kills when FORCE (or created), runs poststop hooks, removes the state dir. */
gboolean uctr_container_delete (const char *root, const char *id, gboolean force, const UctrLoaded *loaded,
                                GPtrArray *warnings, GError **error);

/* uctr kill */
gboolean uctr_container_kill (const char *root, const char *id, int sig, gboolean all, GError **error);

/* uctr pause (PAUSE) and resume: cgroup.freeze of the container's cgroup, waiting
   until the kernel says it is done. Needs a cgroup of its own (UCTR_ERROR_UNSUPPORTED). */
gboolean uctr_container_pause (const char *root, const char *id, gboolean pause, GError **error);

/* uctr update: writes what UPDATE sets (a UctrResources) into the container's
   cgroup, and keeps the result in the config.json of its state dir, so that a
   later update starts from it (memory+swap is computed from both). */
gboolean uctr_container_update (const char *root, const char *id, const UctrResources *update,
                                GPtrArray *warnings, GError **error);

/* The state of ID, locked against other uctr calls on it: *dfd and *lock
   are the caller's to close. */
UctrState *uctr_container_open_locked (const char *root, const char *id, int *dfd, int *lock, GError **error);

/* Loads the state of ID and its live status (for state, list, kill ...). */
UctrState *uctr_container_lookup (const char *root, const char *id, UctrStatus *status, GError **error);

/* Runs the hooks of KIND from the parent with the state JSON on stdin. */
gboolean uctr_hooks_run (const UctrConfig *config, UctrHookKind kind, const char *state_json, GError **error);

/* The host pids of the container's processes, its init first: everything in
   its pid namespace when it has one of its own, else the init alone. */
GArray *uctr_container_pids (const UctrState *state);

/* "TERM", "SIGTERM", "15" -> 15; -1 when unknown. */
int uctr_signal_from_name (const char *name);
