/* uctr: the container side between fork and execve (init.c). Async-signal-
   safe only: no allocation, no stdio, no GLib. Everything comes prebuilt in
   the plan. */
#pragma once

#include "plan/plan.h"

/* Runs in the process forked by the parent: enters the user namespace, waits
   for the maps, creates the other namespaces and clones the container init
   (its parent is the caller's process, CLONE_PARENT). Never returns. */
void uctr_init_stage1 (const UctrPlan *plan) G_GNUC_NORETURN;

/* The parent's side (sync.c): forks the child that runs uctr_init_stage1
   (PLAN) at the other end of a new init pipe. Returns its pid, and our end
   of the pipe in *SOCK; -1 with ERROR set on failure. */
pid_t uctr_sync_fork_stage1 (UctrPlan *plan, int *sock, GError **error);
