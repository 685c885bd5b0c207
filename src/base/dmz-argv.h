/* uctr: what the init and its exec trampoline (dmz/dmz.c) agree on. */
#pragma once

/* The trampoline's argv[0] when the init runs it: run any other way (a
   "#!/proc/self/exe" line of the image, reaching it while it execs) it
   refuses. Its argv: this, the executable's path, then process.args. */
#define UCTR_DMZ_ARGV0 "uctr-dmz"
