/* uctr: layers into the image store as their bytes come: a layer's blob
   (a pipe its download fills, or a file) is unpacked beside its place
   (.tmp-NAME-RANDOM in layers/), synced, and renamed into place, several
   at once, all in one store helper (store/helper.h) for a user. Needs
   libarchive: only uctr-image links it. */
#pragma once

#include "store/store.h"
#include "store/helper.h"
#include "image/unpack.h"

#include <glib.h>

typedef struct _UctrStoreUnpacker UctrStoreUnpacker;

/* Called once per layer added, from the thread-default main context of
   uctr_store_unpacker_new: ERROR is NULL when the layer is in place, else
   why it is not (nothing of it left in the store). */
typedef void (*UctrLayerDone) (const GError *error, gpointer data);

/* Unpacks into STORE, whose lock the caller holds (what killed unpacks
   left is removed first), at most MAX at once (0: no bound). What the
   unpacks left out adds up in REPORT (may be NULL), which must outlive
   the unpacker. */
UctrStoreUnpacker *
uctr_store_unpacker_new (UctrStore *store, guint max, UctrUnpackReport *report, GError **error);
/* Stops its helper: the unpacks that did not finish are left as temps,
   which the next unpacker removes. */
void uctr_store_unpacker_free (UctrStoreUnpacker *u);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrStoreUnpacker, uctr_store_unpacker_free)

/* Starts the unpack of the blob BLOB_FD (taken: closed by the unpacker),
   which must have DIGEST and SIZE, as a layer of the store; WHAT (may be
   NULL) names it in its error ("layer 2 of 3"); DONE (may be NULL) says
   how it went. With MAX unpacks running, it first runs the
   main context until one ends: not to be called from a callback of that
   context then. FALSE with ERROR when it could not start: then DONE is
   not called. */
gboolean uctr_store_unpacker_add (UctrStoreUnpacker *u, int blob_fd, const char *digest, gint64 size,
                                  const char *what, UctrLayerDone done, gpointer data, GError **error);

/* Runs the main context until every unpack added has ended; FALSE with the
   first error of one that failed. */
gboolean uctr_store_unpacker_wait (UctrStoreUnpacker *u, GError **error);

/* The store helper's "unpack" job (a UctrStoreHelperJob), run in-process as root. */
gboolean uctr_store_unpack_job (const char *const *args, const int *fds, int n_fds, gboolean *mine,
                                UctrStoreHelperReport *report, GError **error);
