/* uctr: the writable layers of containers run from images: in the store
   beside the layers they sit on, at containers/ID (upper/ and work/ for
   overlayfs, merged/ where the root is mounted, image: the manifest
   digest of the image, which a removal of it checks). */
#pragma once

#include "store/images.h"

#include <glib.h>

/* Makes containers/ID for a container of IMAGE; *DIR gets its path. An ID that has one already is an error: its container
   was not deleted (or runs under another --root). */
gboolean uctr_store_make_container (UctrStore *store, const char *id, const UctrImageRecord *image,
                                    char **dir, GError **error);

/* Removes containers/ID and what the container wrote (files owned by the
   ids of its user namespace: in the store's helper for a user). None is
   no error. */
gboolean uctr_store_remove_container (UctrStore *store, const char *id, GError **error);

/* The ids of the containers of the image IMAGE_DIGEST, NULL-terminated. */
char **uctr_store_containers_of (UctrStore *store, const char *image_digest);

/* The layers (digests) that containers' roots are made of: a set. */
GHashTable *uctr_store_container_layers (UctrStore *store);

/* A new directory for the image's volume N of container ID
   (containers/ID/volumes/N), made by the container's root (you): *DIR
   gets its path. It goes with the container's writable layer. */
gboolean uctr_store_make_volume (UctrStore *store, const char *id, guint n, char **dir, GError **error);
