/* uctr: the image store: layers unpacked once per digest, shared by every
   image that has them. $XDG_DATA_HOME/uctr/storage for a user (files owned
   by their subordinate ids, as podman's), /var/lib/uctr/storage for root. */
#pragma once

#include "image/unpack.h"

#include <glib.h>

typedef struct _UctrStore UctrStore;

/* ROOT, or NULL for the default above; made (0700) when missing. */
UctrStore *uctr_store_open (const char *root, GError **error);
void uctr_store_free (UctrStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrStore, uctr_store_free)

const char *uctr_store_root (const UctrStore *store);

/* The directory of the layer whose blob has DIGEST, or NULL when the
   store has none (an unpack that did not finish is none). */
char *uctr_store_layer (UctrStore *store, const char *digest);

/* The layer blob BLOB_FD, which must have DIGEST and SIZE, unpacked into
   the store, unless it is there already. Crash-safe: it is unpacked
   beside, synced, and renamed into place; what an unpack that was killed
   left is removed by the next one. One at a time per store (a lock), so
   two pulls of one image unpack it once. */
gboolean uctr_store_add_layer (UctrStore *store, int blob_fd, const char *digest, gint64 size,
                               UctrUnpackReport *report, GError **error);

/* Removes the layer of DIGEST; a layer the store has not is no error. */
gboolean uctr_store_remove_layer (UctrStore *store, const char *digest, GError **error);

/* For images.c: the store's directory (an fd), its lock (one holder at a
   time, across processes), and adding a layer while holding it. */
int uctr_store_dirfd (const UctrStore *store);
gboolean uctr_store_lock (UctrStore *store, GError **error);
void uctr_store_unlock (UctrStore *store);
gboolean uctr_store_add_layer_locked (UctrStore *store, int blob_fd, const char *digest, gint64 size,
                                      UctrUnpackReport *report, GError **error);
gboolean uctr_store_remove_layer_locked (UctrStore *store, const char *digest, GError **error);
