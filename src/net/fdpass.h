/* uctr: a byte and up to two fds in one message over a unix socket, as
   the network helper is handed its tap0 and the init's pidfd (launch.c,
   helper.c) and the handover supervisor its listeners (handover.h).
   Private to src/net. */
#pragma once

#include <glib.h>

#define UCTR_FDPASS_MAX 2

/* Sends BYTE with the N fds of FDS (1 to UCTR_FDPASS_MAX); FALSE with errno. */
gboolean uctr_fdpass_send (int sock, char byte, const int *fds, guint n);

/* Receives a byte with exactly N fds into FDS, close-on-exec; FALSE
   otherwise (errno, or EPROTO for another message), with none left open. */
gboolean uctr_fdpass_recv (int sock, int *fds, guint n);
