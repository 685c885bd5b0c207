/* uctr: the parent's end of the init pipe (sync.c; the protocol is drawn in
   init/sync.h). */
#pragma once

#include "init/sync.h"
#include "plan/plan.h"

#include <glib.h>
#include <sys/types.h>

/* Forks the child that runs uctr_init_stage1 (PLAN) at the other end of a
   new init pipe, after checking that no thread exists (see there). Returns
   its pid, and our end of the pipe in *SOCK; -1 with ERROR set on failure.
   With DIRECT (not NULL), a new container whose namespaces are all new is
   instead cloned straight into them (uctr_init_direct): *DIRECT is then
   TRUE and the pid is the init's, which sends no USERNS_READY nor PID. */
pid_t uctr_sync_fork_stage1 (UctrPlan *plan, int *sock, gboolean *direct, GError **error);

/* Receives one record (and the fd it carries, if any, into *FD_OUT); EOF
   is an error: the init exited. */
gboolean uctr_sync_recv (int sock, UctrSyncMsg *m, int *fd_out, GError **error);
/* Sends a record, with PAYLOAD (LEN bytes, or NULL) after it. */
gboolean uctr_sync_send (int sock, UctrSyncType type, const char *payload, gsize len, GError **error);
/* Sends a record with INDEX and FD (SCM_RIGHTS). */
gboolean uctr_sync_send_fd (int sock, UctrSyncType type, int index, int fd, GError **error);
