/* uctr: handing a process's outbound_tcp=handover listener fd to the
   network helper's supervisor (net/handover.h), from create and exec. */
#pragma once

#include <glib.h>

/* The supervisor's socket in the container's state directory; it exists
   while the helper of a container with outbound_tcp=handover runs. */
#define UCTR_HANDOVER_SOCKET "handover.sock"

/* Sends LISTENER to the supervisor at PATH and waits until it has it. */
gboolean uctr_handover_send (const char *path, int listener, GError **error);
