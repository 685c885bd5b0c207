/* uctr: the image store: layers unpacked once per digest, shared by every
   image that has them. $XDG_DATA_HOME/uctr/storage for a user (files owned
   by their subordinate ids, as podman's), /var/lib/uctr/storage for root. */
#pragma once

#include <glib.h>

/* What an unpack writes before it is renamed into place. */
#define UCTR_STORE_TEMP_PREFIX ".tmp-"

/* Where earlier builds downloaded layer blobs before they unpacked them
   (a pull now unpacks as it downloads): prune removes it. */
#define UCTR_STORE_DOWNLOADS "downloads"

typedef struct _UctrStore UctrStore;

/* ROOT, or NULL for the default above; made (0700) when missing. */
UctrStore *uctr_store_open (const char *root, GError **error);
void uctr_store_free (UctrStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrStore, uctr_store_free)

const char *uctr_store_root (const UctrStore *store);

/* The directory of the layer whose blob has DIGEST, or NULL when the
   store has none (an unpack that did not finish is none). */
char *uctr_store_layer (UctrStore *store, const char *digest);

/* What the files of the layer of DIGEST take (as its unpack counted them),
   or -1 when that is not known (a layer of an older uctr). */
gint64 uctr_store_layer_size (UctrStore *store, const char *digest);
void uctr_store_set_layer_size (UctrStore *store, const char *digest, guint64 bytes);

/* Removes the layer of DIGEST; a layer the store has not is no error. */
gboolean uctr_store_remove_layer (UctrStore *store, const char *digest, GError **error);

/* For the rest of store/: the store's directory and its layers/ (fds),
   its lock (one holder at a time, across processes), a layer's name in
   layers/ ("sha256-HEX": no ':', which overlayfs's lowerdir takes as a
   separator), and the removal of what unpacks that were killed left
   (only while the lock is held: no unpack runs then). */
int uctr_store_dirfd (const UctrStore *store);
int uctr_store_layers_fd (const UctrStore *store);
gboolean uctr_store_lock (UctrStore *store, GError **error);
void uctr_store_unlock (UctrStore *store);
char *uctr_store_layer_name (const char *digest, GError **error);
/* NAME, a directory of the store (blobs, containers, downloads), opened;
   made first when CREATE. -1 with ERROR, or -1 and ERROR unset when it is
   missing and CREATE is FALSE. */
int uctr_store_open_dir (UctrStore *store, const char *name, gboolean create, GError **error);
void uctr_store_remove_debris (UctrStore *store);
gboolean uctr_store_remove_layer_locked (UctrStore *store, const char *digest, GError **error);
