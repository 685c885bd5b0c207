/* uctr: net.exit in a container's state directory: how its network helper
   ended, when it ended while the container still ran. The helper's watcher
   (src/net/watch.c) writes it; state, list and port read it. */
#pragma once

#include <glib.h>

#define UCTR_NET_EXIT_FILE "net.exit"

/* Writes the wait status STATUS (as waitpid() gives it) as NAME in DFD,
   atomically: "signal N" or "status N". */
gboolean uctr_net_exit_save (int dfd, const char *name, int status, GError **error);

/* The record in the state directory DFD ("signal 7"), or NULL when there
   is none or it is not one. */
char *uctr_net_exit_load (int dfd);

/* RECORD as a person reads it: "killed by SIGBUS", "exit status 1";
   translated when TRANSLATE (the state JSON is not). */
char *uctr_net_exit_describe (const char *record, gboolean translate);

/* "the network helper of ID exited: killed by SIGBUS", translated. */
char *uctr_net_exit_message (const char *id, const char *record);
