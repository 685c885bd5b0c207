/* uctr: systemd socket activation. A unit started by a socket gets its
   listening fds from 3 on, with LISTEN_FDS=N and LISTEN_PID= its pid; they
   go on to the container's process with LISTEN_PID rewritten to its pid. */
#pragma once

#include <glib.h>

/* What the init finds in the environment and fills in with its own pid
   (1 in a pid namespace of its own) just before execve. */
#define UCTR_LISTEN_PID_SLOT "LISTEN_PID=0000000000"

/* N when LISTEN_PID is our pid and LISTEN_FDS=N (N > 0), else 0. */
int uctr_activation_fds (void);

/* ENV with LISTEN_FDS=N, UCTR_LISTEN_PID_SLOT and LISTEN_FDNAMES (when
   we have it); returns ENV, moved. */
char **uctr_activation_env (char **env, int n);
