/* uctr: an OCI image layout (image-spec image-layout.md), as `skopeo copy
   ... oci:DIR:TAG` and `podman save --format oci-dir` write it: the image
   a reference names in it, its documents read and checked against their
   digests, its layers opened to stream. */
#pragma once

#include "image/digest.h"
#include "image/manifest.h"

#include <glib.h>

typedef struct _UctrLayout UctrLayout;

/* DIR, which must hold an oci-layout file of version 1.0.x and an
   index.json. Errors name DIR and say what is missing. */
UctrLayout *uctr_layout_open (const char *dir, GError **error);
void uctr_layout_free (UctrLayout *layout);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrLayout, uctr_layout_free)

/* An image of the layout, resolved down to this machine's platform. */
typedef struct
{
  char *manifest_digest;
  gint64 manifest_size;
  UctrManifest *manifest;
  UctrImageConfig *config;
  char *config_digest;
} UctrLayoutImage;

void uctr_layout_image_free (UctrLayoutImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrLayoutImage, uctr_layout_image_free)

/* The image REF names (a tag: the org.opencontainers.image.ref.name of an
   index.json entry; a digest of one; NULL or "": the only image there),
   through nested indexes to the manifest for this machine, each document
   checked against its descriptor's digest and size. An unknown tag is
   UCTR_ERROR_NOT_FOUND listing those the layout has. */
UctrLayoutImage *uctr_layout_resolve (UctrLayout *layout, const char *ref, GError **error);

/* The document (a manifest, a config) D describes, read up to its bound
   and checked against D's digest and size; WHAT names it in errors. */
char *uctr_layout_read_document (UctrLayout *layout, const UctrDescriptor *d, const char *what, gsize *len,
                                 GError **error);

/* The blob D describes, opened to read: a regular file of the layout
   (never a symlink), and *DIGESTER to feed what is read (then
   uctr_digester_finish). -1 with ERROR when it is missing. */
int
uctr_layout_open_blob (UctrLayout *layout, const UctrDescriptor *d, UctrDigester **digester, GError **error);
