/* uctr: the image store's work on files that belong to a user namespace.
   A rootless user's layers hold files owned by ids of their subordinate
   range, as podman's do: only a process in a user namespace with those
   ids mapped can make them (chown) or remove them. `uctr __store-helper`
   is that process: started by the store, it makes its user namespace,
   waits while the store maps it as containers are mapped (0 -> the user,
   1.. -> the range), then does the jobs it is sent, each in a thread of
   its own (a pull's layers unpack side by side), and says how each went.
   As root the jobs run in-process, with the layer's own ids. */
#pragma once

#include <glib.h>

/* What a job reports besides success: the counts of what an unpack left
   out, and the bytes it made (store/unpacker.c). */
typedef struct
{
  guint counts[2];
  guint64 bytes;
} UctrStoreHelperReport;

/* A job other than "remove": ARGS[0] names it, FDS are the fds it was
   sent with. FALSE when ARGS is not its job (then *MINE stays FALSE and
   ERROR is left unset) or when it failed. Jobs run in threads of their
   own: one must not touch process-wide state (cwd, umask). */
typedef gboolean (*UctrStoreHelperJob) (const char *const *args, const int *fds, int n_fds, gboolean *mine,
                                        UctrStoreHelperReport *report, GError **error);

/* The helper's command line: argv[1] is "__store-helper". EXTRA: the
   jobs of this program beyond "remove" (NULL: none). */
int uctr_store_helper_main (int argc, char **argv, UctrStoreHelperJob extra);

/* A helper of this program, started and mapped. */
typedef struct _UctrStoreHelper UctrStoreHelper;

UctrStoreHelper *uctr_store_helper_start (GError **error);
/* Closes its socket (it ends), and waits for it. */
void uctr_store_helper_stop (UctrStoreHelper *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrStoreHelper, uctr_store_helper_stop)

/* Sends the job ARGS (ARGS[0] its name, NULL-terminated) with N_FDS fds
   (at most 2); its answer will carry ID (not 0). */
gboolean uctr_store_helper_send (UctrStoreHelper *h, guint64 id, const char *const *args, const int *fds,
                                 int n_fds, GError **error);

/* The socket to watch for answers (readable: uctr_store_helper_receive
   does not block). */
int uctr_store_helper_fd (const UctrStoreHelper *h);

/* The next answer: *ID gets its job's id (0 when the helper is gone: every
   job it had fails), TRUE with REPORT, or FALSE with the job's ERROR. */
gboolean
uctr_store_helper_receive (UctrStoreHelper *h, guint64 *id, UctrStoreHelperReport *report, GError **error);

/* One job in a helper of its own, waited for. */
gboolean uctr_store_run_helper (const char *const *args, const int *fds, int n_fds,
                                UctrStoreHelperReport *report, GError **error);

/* TRUE where the store's work is done in-process: as root, or in the helper. */
gboolean uctr_store_in_place (void);

/* Removes NAME in the directory PARENT_FD and everything below it. */
gboolean uctr_store_remove (int parent_fd, const char *name, GError **error);
