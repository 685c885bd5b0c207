/* uctr: a container's network helper as cli/ sees it: how it ended, where
   its port API listens, and (from net/ports.h, which cli/ does not include
   itself) the --publish specs and the client of that API. */
#pragma once

#include <glib.h>
#include "net/portclient.h"
#include "net/ports.h"
#include "runtime/state.h"

/* "the network helper of ID exited: killed by SIGBUS" when it ended before
   the container (STATE->net_exit, uctr_container_lookup), else NULL. */
char *uctr_container_net_exit_message (const UctrState *state);

/* <ROOT>/<ID>/port.sock of an existing container whose helper still runs;
   UCTR_ERROR_BAD_STATE when the helper has ended. ID must be valid. */
char *uctr_container_port_api (const char *root, const char *id, GError **error);
