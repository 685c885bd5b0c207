/* uctr: the network helper's watcher, the process that create starts and
   records (net.pid); the helper's loop runs in its child. Private to
   src/net. */
#pragma once

#include "net/slirp.h"

typedef int (*UctrNetLoopFunc) (const UctrNetHelperArgs *args);

/* Runs LOOP (ARGS) in a child, which gets ARGS with a ready_fd of the
   watcher's own, and watches it: passes its ready byte on to
   ARGS->ready_fd, SIGTERM and SIGINT on to it, and once it has ended:

   - when the container's init still runs, writes how it ended to
     ARGS->exit_path (see netexit.h), for state, list and port;
   - removes ARGS->api_path, which the loop, sandboxed, cannot;
   - lets go of its share of ARGS->lock_path (the loop holds one of its
     own), which delete waits for. When the init exits first it does
     both at once and waits for the loop only to reap it.

   The child dies with the watcher (PR_SET_PDEATHSIG), so killing the
   watcher ends both. In the child this returns LOOP's result, in the
   watcher the loop's exit status, 128 + N for a signal N. */
int uctr_net_watch_run (const UctrNetHelperArgs *args, UctrNetLoopFunc loop);
