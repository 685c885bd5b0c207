/* uctr: what a container's cgroups do for the commands, whichever they are:
   its cgroup v2 (state->cgroup_path), its directories in the cgroup v1
   hierarchies (state->cgroup_v1, root on a v1 or hybrid host), or both (a
   hybrid host, where the v2 one only tracks the processes). */
#pragma once

#include "runtime/state.h"

#include <glib.h>

/* TRUE while one of its cgroups exists. */
gboolean uctr_container_cgroup_exists (const UctrState *state);

/* The pids in its cgroups. */
GArray *uctr_container_cgroup_pids (const UctrState *state);

/* SIG to every process in its cgroups: cgroup.kill for SIGKILL where the
   kernel has it, else each process (under the v1 freezer where there is one). */
gboolean uctr_container_cgroup_signal (const UctrState *state, int sig, GError **error);

/* Paused: the v1 freezer where it has one (as runc), else cgroup.freeze. */
gboolean uctr_container_cgroup_frozen (const UctrState *state);
gboolean uctr_container_cgroup_freeze (const UctrState *state, gboolean freeze, GError **error);

/* Thaws whatever of it is frozen (after a SIGKILL: a task frozen by the v1
   freezer dies only once thawed). */
void uctr_container_cgroup_thaw (const UctrState *state);

/* Removes its v1 directories (its v2 cgroup is lifecycle.c's, for the
   systemd scope); the first error into ERROR. */
gboolean uctr_container_cgroup_remove_v1 (const UctrState *state, GError **error);
