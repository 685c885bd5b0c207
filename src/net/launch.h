/* uctr: starting the network helper from create. */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* In the container's state directory: the file the helper holds locked
   (flock) until it has closed its ports. */
#define UCTR_NET_LOCK_FILE "net.lock"

/* The network helper of a create. It is started early, before the
   container's init has made its tap, so that its exec and dynamic linking
   overlap create's own work; it waits for the tap on a socket. */
typedef struct
{
  pid_t pid;   /* the helper's */
  int pidfd;   /* of it */
  int sock;    /* where its tap and the init's pidfd go; -1 once they went */
  int ready_r; /* its loop runs: a byte; the pipe's end without one: it failed */
} UctrNetLaunch;

#define UCTR_NET_LAUNCH_INIT                                                                                 \
  {                                                                                                          \
    .pid = -1, .pidfd = -1, .sock = -1, .ready_r = -1                                                        \
  }

/* Starts `uctr-net --await-fds --api STATE_DIR/port.sock --lock
   STATE_DIR/net.lock --exit STATE_DIR/net.exit [--publish SPEC]... OPTIONS`
   (the program beside uctr, or in its libexec directory) detached from us
   (its own session, not our child). PUBLISH may be NULL. */
gboolean uctr_net_launch_start (UctrNetLaunch *l, const char *options, const char *state_dir,
                                const char *const *publish, GError **error);

/* Hands the helper TAP_FD and a pidfd of INIT_PID; returns once its loop
   runs and every PUBLISH spec is bound, or an error with what it said. It
   exits by itself when the container's init does. */
gboolean uctr_net_launch_finish (UctrNetLaunch *l, int tap_fd, pid_t init_pid, GError **error);

/* Closes what L holds. A helper that never got its tap (the create failed
   first) ends with it: killed, and waited for. */
void uctr_net_launch_clear (UctrNetLaunch *l);

/* The fds the helper finds (with --await-fds, a socket on 3 first, which
   brings the tap and the init's pidfd: net/helper.c): */
#define UCTR_NET_HELPER_TAP_FD 3
#define UCTR_NET_HELPER_PIDFD 4
#define UCTR_NET_HELPER_READY_FD 5
