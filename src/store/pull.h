/* uctr: images into the store: layers unpacked (in the store's user
   namespace for a user: store/helper.h), their documents kept, the
   record last. Needs libarchive: only uctr-image links it. */
#pragma once

#include "store/store.h"
#include "image/unpack.h"
#include "image/layout.h"

#include <glib.h>

/* The layer blob BLOB_FD (not taken), which must have DIGEST and SIZE,
   unpacked into the store unless it is there already, under the store's
   lock (store/unpacker.h). */
gboolean uctr_store_add_layer (UctrStore *store, int blob_fd, const char *digest, gint64 size,
                               UctrUnpackReport *report, GError **error);

/* The image REF names in the OCI image layout DIR (a tag, a digest, or
   NULL for its only image) into the store as NAME: its layers unpacked
   (those the store has are not again), its manifest and config kept, its
   record written last, so an interrupted pull leaves no image behind. */
gboolean uctr_store_pull_layout (UctrStore *store, const char *dir, const char *ref, const char *name,
                                 UctrUnpackReport *report, GError **error);

/* Under the lock, once its layers are in: IMAGE's manifest and config
   (TEXT[0], TEXT[1], of LEN[0] and LEN[1] bytes, checked by the caller)
   kept, and its record NAME written (in place of one of that name). */
gboolean uctr_store_put_image_locked (UctrStore *store, const UctrLayoutImage *image, char *const *text,
                                      const gsize *len, const char *name, GError **error);
