/* uctr: the network helper's command line (helper.c): what create starts
   (launch.h) to run the loop of slirp.h, as uctr-net (net/main.c), a
   program of its own. */
#pragma once

/* `uctr-net [--await-fds] [--api PATH] [--lock PATH] [--exit PATH]
   [--publish SPEC]... [--] OPTIONS` with the fds of launch.h (with
   --await-fds, it first waits for its tap on fd 3). Returns the exit
   status for main(); a bad command line is said on stderr, with status 1. */
int uctr_net_helper_main (int argc, char **argv);
