/* uctr: the container's terminal: --console-socket and the pty proxy of `run`. */
#pragma once

#include <glib.h>

/* Sends the pty master over the unix socket at PATH (SCM_RIGHTS), as runc does. */
gboolean uctr_console_send (const char *path, int master, GError **error);

/* Puts our terminal (when stdin is one) in raw mode and copies the window size
   to MASTER; uctr_console_restore undoes it. */
void uctr_console_raw (int master);
void uctr_console_restore (void);
void uctr_console_resize (int master);

/* Moves what is readable between stdin -> master and master -> stdout.
   Returns FALSE when MASTER is closed (the container side hung up). */
gboolean uctr_console_pump (int from, int to);
