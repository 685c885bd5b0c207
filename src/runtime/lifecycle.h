/* uctr: start, kill and delete of an existing container, and the loading of
   its state and saved config that they (and exec, state, ps ...) share. */
#pragma once

#include <glib.h>
#include <sys/types.h>
#include "oci/config.h"
#include "runtime/state.h"

/* A container's state and config as create made them, so that run need not
   read and parse them again for start and delete (borrowed by those). */
typedef struct
{
  UctrState *state;
  UctrConfig *config;
} UctrLoaded;

/* The state and the config.json saved by create of ID (free the parts with
   uctr_state_free and uctr_config_free), and its live status. */
gboolean
uctr_container_load (const char *root, const char *id, UctrLoaded *out, UctrStatus *status, GError **error);

/* The state of ID, locked against other uctr calls on it: *dfd and *lock
   are the caller's to close. */
UctrState *uctr_container_open_locked (const char *root, const char *id, int *dfd, int *lock, GError **error);

/* Loads the state of ID and its live status (for state, list, kill ...). */
UctrState *uctr_container_lookup (const char *root, const char *id, UctrStatus *status, GError **error);

/* uctr start: opens exec.fifo so the init execs, then runs poststart hooks. */
/* LOADED: what create returned, or NULL to read state.json and config.json. */
gboolean uctr_container_start (const char *root, const char *id, const UctrLoaded *loaded,
                               GPtrArray *warnings, GError **error);

/* uctr delete: kills when FORCE (or created), runs poststop hooks, removes the state dir. */
gboolean uctr_container_delete (const char *root, const char *id, gboolean force, const UctrLoaded *loaded,
                                GPtrArray *warnings, GError **error);

/* uctr kill */
gboolean uctr_container_kill (const char *root, const char *id, int sig, gboolean all, GError **error);

/* The host pids of the container's processes, its init first: everything in
   its pid namespace when it has one of its own, else the init alone. */
GArray *uctr_container_pids (const UctrState *state);
/* The processes left in a stopped container's cgroup (none without one). */
GArray *uctr_container_leftover_pids (const UctrState *state);

/* "TERM", "SIGTERM", "15" -> 15; -1 when unknown. */
int uctr_signal_from_name (const char *name);
