/* uctr: tmpcopyup, container side: what a directory held, copied into the
   tmpfs mounted over it. */
#pragma once

/* Copies the tree of the directory FROM (open for reading) into the
   directory TO: directories, regular files, symlinks, fifos and device
   nodes, with their owners and modes; hard links become copies, as with
   runc. Neither fd is closed. 0, or -1 with errno. */
int uctr_copyup (int from, int to);
