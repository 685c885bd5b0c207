/* uctr: the network helper's loop (slirp.c): libslirp on a GMainLoop behind
   a container's tap0, with the port forwarder, the port API and the
   outbound proxy. Started by uctr-net (helper.h). */
#pragma once

#include "net/options.h"

#include <glib.h>

typedef struct
{
  int tap_fd;
  int init_pidfd;
  int ready_fd;
  const UctrNetOptions *options;
  GPtrArray *publish;    /* UctrPortSpec *: published before READY_FD says ready; NULL: none */
  const char *api_path;  /* the port API's socket (port.sock in the state dir); NULL: none */
  const char *lock_path; /* locked (flock) until the helper has let go of its ports; NULL: none */
  const char *exit_path; /* how the helper ended, when the container still ran (net.exit); NULL: nowhere */
  const char *
      handover_path; /* outbound_tcp= or publish_tcp=handover: the supervisor's socket (handover.h); NULL: none */
} UctrNetHelperArgs;

/* Runs the helper until the container init exits (INIT_PIDFD becomes
   readable) or SIGTERM or SIGINT arrives; it owns the fds it is given and
   the process: signals, cwd, and, once a caller waits on READY_FD, stdio.
   The helper is two processes: this one watches (watch.h), and its child
   runs libslirp's loop; the watcher records how the loop ended in
   EXIT_PATH when that was before the container's.

   TAP_FD:     a tap device opened with IFF_TAP | IFF_NO_PI, read and written
               a frame at a time; its MTU must not exceed O->mtu.
   INIT_PIDFD: a pidfd (pidfd_open) of the container's init.
   READY_FD:   -1, or the write end of a pipe: one byte once the loop is up,
               then closed; closed without a byte when setting up failed
               (the message is on stderr). Once ready, stdin, stdout and
               stderr point to /dev/null, so the helper does not hold open
               the pipes of the command that started it.

   PUBLISH, API_PATH: with either, a port forwarder (forward.h) runs in the
               loop; every spec of PUBLISH is bound before the helper is
               ready, and one that cannot be is a startup failure. The
               API's socket is removed when the container's init exits,
               or the loop does.
   LOCK_PATH:  the watcher and the loop each hold a share (LOCK_SH) until
               they have let go of what delete waits for.
   HANDOVER_PATH: with outbound_tcp= or publish_tcp=handover, the loop's
               child that answers the container's connect() and bind()
               calls listens there (a
               failure to start it is a startup failure); removed as
               API_PATH is.

   Returns the exit status for main(): 0 when the container or a signal
   ended it, 1 when it could not start or the tap device failed, 128 + N
   when the loop died of signal N. */
int uctr_net_helper_run (const UctrNetHelperArgs *args);
