/* uctr: idmapped mounts, the parent's side (idmount.c). */
#pragma once

#include "plan/plan.h"

#include <glib.h>
#include <sys/types.h>

/* For each mount step of PLAN that asks for idmap: the bind made detached
   here and idmapped (with the mount's own mappings, or the user namespace
   of the container's init INIT_PID), then handed over SOCK to the init,
   which attaches it. Before GO. */
gboolean uctr_idmount_send (const UctrPlan *plan, pid_t init_pid, int sock, GError **error);
