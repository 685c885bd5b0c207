/* uctr: what `uctr events` reports of a container: its cgroup's statistics
   and OOM kills, in the JSON shapes of runc's types.Stats. */
#pragma once

#include <glib.h>
#include "runtime/state.h"

/* The "data" object of a stats event of STATE's cgroup, or NULL when the
   container has no cgroup (any more). */
char *uctr_container_stats_json (const UctrState *state);

/* How many times the OOM killer struck in STATE's cgroup (memory.events
   oom_kill; 0 without the memory controller or a cgroup). */
guint64 uctr_container_oom_kills (const UctrState *state);

/* An fd (O_CLOEXEC, O_NONBLOCK) that polls readable when the OOM killer
   may have struck in STATE's cgroup: an inotify of cgroup v2's
   memory.events, or an eventfd registered on cgroup v1's
   memory.oom_control; -1 when there is none. Drain it by reading. */
int uctr_container_oom_watch (const UctrState *state);

/* One event line as runc prints it: {"type":TYPE,"id":ID[,"data":DATA]}. */
char *uctr_container_event (const char *type, const char *id, const char *data);
