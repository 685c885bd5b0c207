/* uctr: exec, the parent side: a new process in a running container. */
#pragma once

#include "runtime/lifecycle.h"

typedef struct
{
  const UctrProcess *process; /* what to run; the terminal, user, caps ... are its own */
  const char *pid_file;       /* NULL: none */
  const char *console_socket; /* with process->terminal: where the pty master goes */
  gboolean keep_console;      /* with process->terminal and no socket: hand the master back */
  int preserve_fds;
  gboolean ignore_paused;
  const char *sub_cgroup; /* --cgroup: a cgroup below the container's to run in, or NULL */
  const char *root;       /* the state root, where compiled seccomp filters are kept; NULL: not kept */
  GPtrArray *warnings;    /* char *, for the caller to print */
} UctrExecOptions;

typedef struct
{
  pid_t pid;      /* host pid of the new process, our child */
  int console_fd; /* the pty master when keep_console, else -1 */
} UctrExecuted;

/* Starts OPTS->process in the namespaces of the container LOADED describes
   (uctr_container_load) and returns once it has called execve. A stopped
   container, or a paused one without ignore_paused, is UCTR_ERROR_BAD_STATE.
   On failure no process is left. */
gboolean uctr_container_exec (const UctrLoaded *loaded, UctrStatus status, const UctrExecOptions *opts,
                              UctrExecuted *out, GError **error);
