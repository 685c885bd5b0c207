/* uctr: starting the network helper from create. */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* In the container's state directory: the file the helper holds locked
   (flock) until it has closed its ports. */
#define UCTR_NET_LOCK_FILE "net.lock"

/* Starts `uctr __net-helper --api STATE_DIR/port.sock --lock
   STATE_DIR/net.lock --exit STATE_DIR/net.exit [--publish SPEC]... OPTIONS` detached from us (its own
   session, not our child), handing it TAP_FD and a pidfd of INIT_PID;
   returns once its loop runs and every PUBLISH spec is bound, or an error
   with what it said. It exits by itself when the container's init does.
   PUBLISH may be NULL. *HELPER_PID gets its pid. */
gboolean uctr_net_launch (int tap_fd, pid_t init_pid, const char *options, const char *state_dir,
                          const char *const *publish, pid_t *helper_pid, GError **error);

/* The fds the helper finds: */
#define UCTR_NET_HELPER_TAP_FD 3
#define UCTR_NET_HELPER_PIDFD 4
#define UCTR_NET_HELPER_READY_FD 5
