/* uctr: the container side between fork and execve (init.c). Async-signal-
   safe only: no allocation, no stdio, no GLib. Everything comes prebuilt in
   the plan. */
#pragma once

#include "plan/plan.h"

/* Runs in the process forked by the parent: enters the user namespace, waits
   for the maps, creates the other namespaces and clones the container init
   (its parent is the caller's process, CLONE_PARENT). Never returns. */
void uctr_init_stage1 (const UctrPlan *plan) G_GNUC_NORETURN;
/* Clones with FLAGS (CLONE_PARENT, CLONE_NEW*) into the plan's cgroup
   (CLONE_INTO_CGROUP) where the kernel and the permissions let it, else
   plainly; FRESH when the clone makes the pid namespace it goes into (a
   refused cgroup may then be tried again without it). Async-signal-safe:
   the stage-1 child and create's parent both call it. */
pid_t uctr_init_clone (const UctrPlan *plan, unsigned long flags, gboolean fresh);
/* The init, cloned straight into its new namespaces (runtime/sync.h). */
void uctr_init_direct (const UctrPlan *plan) G_GNUC_NORETURN;
