/* uctr: the container's terminal: --console-socket and the pty proxy of `run`. */
#pragma once

#include <glib.h>

/* Sends the pty master over the unix socket at PATH (SCM_RIGHTS), as runc does. */
gboolean uctr_console_send (const char *path, int master, GError **error);

/* Puts our terminal (when stdin is one) in raw mode, output processing
   included, and copies the window size to MASTER; uctr_console_restore
   undoes it, and so does a fatal signal (SIGSEGV, SIGPIPE, SIGALRM...)
   before it ends us. */
void uctr_console_raw (int master);
void uctr_console_restore (void);
/* Our terminal's window size (stdin's, or stdout's...) to MASTER. */
void uctr_console_resize (int master);

/* Moves what is readable between stdin -> master and master -> stdout.
   Returns FALSE when MASTER is closed (the container side hung up). */
gboolean uctr_console_pump (int from, int to);
