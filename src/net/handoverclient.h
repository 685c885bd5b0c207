/* uctr: handing a process's handover listener fd to the network helper's
   supervisor (net/handover.h), from create and exec. */
#pragma once

#include <glib.h>

/* The supervisor's socket in the container's state directory; it exists
   while the helper of a container with outbound_tcp=handover or
   publish_tcp=handover runs. On each connection the supervisor first
   sends one byte, '0' plus the calls it answers (plan/handover.h's
   UCTR_HANDOVER_ mask), then takes one listener fd and answers 'K'. */
#define UCTR_HANDOVER_SOCKET "handover.sock"
/* The bits of that mask: those of plan/handover.h, which net/ does not
   include (exec.c checks they are the same). */
#define UCTR_HANDOVER_SAYS_CONNECT 1u
#define UCTR_HANDOVER_SAYS_BIND 2u
#define UCTR_HANDOVER_CALLS_ALL (UCTR_HANDOVER_SAYS_CONNECT | UCTR_HANDOVER_SAYS_BIND)

/* The calls (a UCTR_HANDOVER_ mask) the supervisor at PATH answers: what
   the filter of a process exec adds must notify. */
gboolean uctr_handover_query (const char *path, unsigned *calls, GError **error);
/* Sends LISTENER to the supervisor at PATH and waits until it has it. */
gboolean uctr_handover_send (const char *path, int listener, GError **error);
