/* uctr: `uctr __logger`, the process that keeps a detached one-line
   container's log. The container's stdout and stderr are pipes (or its pty)
   whose other end only the logger holds; it writes what comes through them
   as records (record.h) to the log in the state directory (writer.h), so
   that the log can be rotated while the container writes, which a file the
   container wrote itself could not be. It ends once every source has
   reached its end (the container's processes are gone) and all is written:
   its exit is what `logs --follow` and `delete` wait for. Started by
   runtime/logs.c, never by users. */
#pragma once

/* The fds it finds (base/spawn.h hands them over in this order): */
#define UCTR_LOGGER_DIR_FD 3    /* the state directory */
#define UCTR_LOGGER_STDOUT_FD 4 /* the read end of the stdout pipe, or with --terminal the pty master */
#define UCTR_LOGGER_STDERR_FD 5 /* the read end of the stderr pipe (none with --terminal) */

/* uctr __logger [--state DIR] --max-size BYTES [--terminal]: DIR names the
   state directory (fd 3) for ps, and is not opened. */
int uctr_logger_main (int argc, char **argv);
