/* uctr: the images of the store: a name, the manifest and config they were
   pulled as (kept as blobs, so that a run reads its config without the
   source), and their layers, which the store holds once per digest. */
#pragma once

#include "store/store.h"

#include <glib.h>

typedef struct
{
  char *name;            /* as pulled: "oci:/srv/layout:3.20" ... */
  char *manifest_digest; /* the image's id */
  char *config_digest;
  char **layers; /* blob digests, the lowest first */
  gint64 size;   /* the layers' blobs, as their descriptors say */
  char *pulled;  /* RFC 3339, UTC */
} UctrImageRecord;

void uctr_image_record_free (UctrImageRecord *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrImageRecord, uctr_image_record_free)

/* The images the store has (UctrImageRecord), in the order they came. */
GPtrArray *uctr_store_list_images (UctrStore *store, GError **error);

/* The image NAME (or a manifest digest, or a unique prefix of its hex of
   at least 12 digits); NULL with UCTR_ERROR_NOT_FOUND. */
UctrImageRecord *uctr_store_find_image (UctrStore *store, const char *name, GError **error);

/* The blob DIGEST the store keeps (a manifest, a config), read and
   checked against its digest. */
char *uctr_store_read_blob (UctrStore *store, const char *digest, gsize *len, GError **error);

/* For pull.c: the blob DIGEST (a manifest, a config) kept, and RECORD
   (taken) put in images.json in place of one of its name. Under the lock. */
gboolean
uctr_store_put_blob (UctrStore *store, const char *digest, const char *data, gsize len, GError **error);
gboolean uctr_store_put_record (UctrStore *store, UctrImageRecord *record, GError **error);

/* Removes the image NAME's record, and its layers and blobs unless
   another image has them. */
gboolean uctr_store_remove_image (UctrStore *store, const char *name, GError **error);

/* Removes the layers and blobs that no image and no container has, and
   downloads cut short; *LAYERS and *BLOBS get how many went. */
gboolean uctr_store_prune (UctrStore *store, guint *layers, guint *blobs, GError **error);
