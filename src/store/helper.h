/* uctr: the image store's work on files that belong to a user namespace.
   A rootless user's layers hold files owned by ids of their subordinate
   range, as podman's do: only a process in a user namespace with those
   ids mapped can make them (chown) or remove them. `uctr __store-helper`
   is that process: started by the store, it makes its user namespace,
   waits while the store maps it as containers are mapped (0 -> the user,
   1.. -> the range), does one job and says how it went. As root the job
   runs in-process, with the layer's own ids. */
#pragma once

#include <glib.h>

/* A job's fds in the helper. */
#define UCTR_STORE_JOB_FD_1 4
#define UCTR_STORE_JOB_FD_2 5

/* What a job reports besides success: the counts of what an unpack left
   out (store/pull.c). */
typedef struct
{
  guint counts[2];
  guint64 bytes;
} UctrStoreHelperReport;

/* A job other than "remove" (ARGV: the helper's, from "__store-helper";
   its fds are 4 and 5); FALSE when ARGV is not its job (then ERROR is
   left unset) or when it failed. */
typedef gboolean (*UctrStoreHelperJob) (int argc, char **argv, gboolean *mine, UctrStoreHelperReport *report,
                                        GError **error);

/* The helper's command line: argv[1] is "__store-helper". EXTRA: the
   jobs of this program beyond "remove" (NULL: none). */
int uctr_store_helper_main (int argc, char **argv, UctrStoreHelperJob extra);

/* Runs `PROGRAM __store-helper ARGS...` (this program) with FDS as its
   fds 4 and 5, in a user namespace mapped as a container's. */
gboolean uctr_store_run_helper (const char *const *args, const int *fds, int n_fds,
                                UctrStoreHelperReport *report, GError **error);

/* TRUE where the store's work is done in-process: as root, or in the helper. */
gboolean uctr_store_in_place (void);

/* Removes NAME in the directory PARENT_FD and everything below it. */
gboolean uctr_store_remove (int parent_fd, const char *name, GError **error);
