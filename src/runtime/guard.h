/* uctr: the guard of a one-line run in the foreground. The container goes
   with its `uctr run` however that ends: its init by the parent-death signal
   it keeps through execve (init.c), and the rest (the state dir, the cgroup,
   the network helper, poststop hooks) by the guard, a small process of its
   own that waits for `uctr run` to end and, when that ended without saying
   it was done (SIGKILL, a crash), runs `uctr delete --force ID`. */
#pragma once

#include <glib.h>
#include <sys/types.h>

typedef struct
{
  pid_t pid; /* our child, reaped by uctr_guard_stop */
  int fd;    /* the write end of its pipe: its end means ours */
} UctrGuard;

#define UCTR_GUARD_INIT                                                                                      \
  {                                                                                                          \
    .pid = -1, .fd = -1                                                                                      \
  }

/* Starts the guard of container ID under ROOT, disarmed: it deletes nothing
   until uctr_guard_arm, so a run that fails on a name already taken leaves
   the other container alone. Before create: no thread may exist yet. */
gboolean uctr_guard_start (UctrGuard *g, const char *root, const char *id, GError **error);
/* The state dir is ours now (create made it): from here on the guard
   deletes it when we end without uctr_guard_stop. */
void uctr_guard_arm (const UctrGuard *g);
/* We are done, deleted or kept the container ourselves: the guard ends
   without doing anything, and is reaped. Nothing when it was not started. */
void uctr_guard_stop (UctrGuard *g);
