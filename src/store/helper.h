/* uctr: the image store's work on files that belong to a user namespace.
   A rootless user's layers hold files owned by ids of their subordinate
   range, as podman's do: only a process in a user namespace with those
   ids mapped can make them (chown) or remove them. `uctr __store-helper`
   is that process: started by the store, it makes its user namespace,
   waits while the store maps it as containers are mapped (0 -> the user,
   1.. -> the range), does one job and says how it went. As root the job
   runs in-process, with the layer's own ids. */
#pragma once

#include "image/unpack.h"

#include <glib.h>

/* The helper's command line: argv[1] is "__store-helper". */
int uctr_store_helper_main (int argc, char **argv);

/* Unpacks the layer blob BLOB_FD (checked against DIGEST and SIZE) into
   the directory DIR_FD, with the layer's owners. */
gboolean uctr_store_unpack (int blob_fd, int dir_fd, const char *digest, gint64 size,
                            UctrUnpackReport *report, GError **error);

/* Removes NAME in the directory PARENT_FD and everything below it. */
gboolean uctr_store_remove (int parent_fd, const char *name, GError **error);
