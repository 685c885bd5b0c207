/* uctr: the security module: linux.seccomp (capabilities are still planned
   in plan.c). The profile is checked and compiled to a BPF program in the
   parent (libseccomp), before fork; the container init loads that program
   with seccomp(2), without allocating. */
#pragma once

#include <glib.h>
#include "base/json.h"
#include <linux/filter.h>
#include <sys/types.h>

typedef struct
{
  struct sock_fprog prog;  /* what seccomp(2) loads; the instructions are owned */
  unsigned int flags;      /* SECCOMP_FILTER_FLAG_*, NEW_LISTENER included when a rule notifies */
  gboolean listener;       /* a rule uses SCMP_ACT_NOTIFY: the init hands its listener fd to the parent */
  char *listener_path;     /* linux.seccomp.listenerPath, NULL when absent */
  char *listener_metadata; /* linux.seccomp.listenerMetadata, NULL when absent */
  char **skipped;          /* syscall names libseccomp does not know: skipped, as runc does */
} UctrSeccomp;

/* Compiles linux.seccomp (NODE may be NULL). *OUT is NULL when there is no
   filter to load: no linux.seccomp, or one with neither defaultAction nor
   syscalls (as runc reads it). Errors are UCTR_ERROR_INVALID_CONFIG (or
   UNSUPPORTED for what this kernel lacks) and name the JSON path:
   "linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\"". */
gboolean uctr_seccomp_compile (json_object *node, UctrSeccomp **out, GError **error);
void uctr_seccomp_free (UctrSeccomp *seccomp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrSeccomp, uctr_seccomp_free)

/* What the filter answers for the call DATA (nr and arch: the native one),
   where of its arguments only those with a bit in KNOWN_ARGS (bit i:
   args[i]) are known: TRUE with *RET set (a SECCOMP_RET_* value), FALSE when
   the answer depends on what is not known (the instruction pointer, another
   argument) or the program does what a seccomp filter cannot (plan/bpfeval.c). */
struct seccomp_data;
gboolean uctr_seccomp_answer (const UctrSeccomp *seccomp, const struct seccomp_data *data, guint known_args,
                              guint32 *ret);

/* Container side, async-signal-safe: loads the filter into the calling
   thread. *LISTENER_FD gets the notification fd when the filter has a
   listener, else -1. Returns 0, or -1 with errno set. */
int uctr_seccomp_load (const UctrSeccomp *seccomp, int *listener_fd);

/* Parent side: connects to listenerPath and sends the container process
   state (runtime-spec config-linux.md) with LISTENER_FD as "seccompFd". */
gboolean uctr_seccomp_send_listener (const UctrSeccomp *seccomp, int listener_fd, pid_t pid,
                                     const char *state_json, GError **error);

/* For `features`: what config.json may use, as runtime-spec names, sorted.
   Actions and flags are those this kernel has; known flags, all uctr knows. */
char **uctr_seccomp_actions (void);
char **uctr_seccomp_operators (void);
char **uctr_seccomp_archs (void);
char **uctr_seccomp_known_flags (void);
char **uctr_seccomp_supported_flags (void);
