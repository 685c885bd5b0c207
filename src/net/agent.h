/* uctr: the network helper's side of the inside agent (inside.c): starts
   it, asks it, stops it. The port forwarder and the outbound proxy share
   one. Private to src/net. */
#pragma once

#include "net/inside/inside.h"

#include <glib.h>

typedef struct _UctrAgent UctrAgent;

/* Forks the agent into the user and network namespaces of the init that
   INIT_PIDFD refers to. It joins them while the caller goes on: the first
   uctr_agent_call or uctr_agent_wait waits until it is there. */
UctrAgent *uctr_agent_start (int init_pidfd, const UctrInsideGuest *guest, GError **error);

/* Waits until the agent is in the container's namespaces: FALSE, with
   why not, if it could not join them (later calls fail the same way). */
gboolean uctr_agent_wait (UctrAgent *a, GError **error);

/* What the agent was told about the container's network. */
const UctrInsideGuest *uctr_agent_guest (const UctrAgent *a);

/* Sends REQ and waits for the answer (each request is a few syscalls that
   do not block). Returns 0 or an errno; FD_OUT, when not NULL, gets the
   fd that comes with a successful answer. */
int uctr_agent_call (UctrAgent *a, const UctrInsideRequest *req, int *fd_out);

/* Closes the agent's socket, which ends it, without waiting: later calls
   fail with EPIPE. Its exit can take milliseconds (it leaves the
   container's namespaces), which nobody has to wait for but the reaping. */
void uctr_agent_stop (UctrAgent *a);

/* Stops the agent if it runs, and reaps it. */
void uctr_agent_free (UctrAgent *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrAgent, uctr_agent_free)
