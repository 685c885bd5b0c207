/* uctr: what an image's config gives a container's config.json beyond
   the process: the annotations of image-spec conversion.md. */
#pragma once

#include "image/manifest.h"

#include <glib.h>

/* The prefix of the annotations uctr itself acts on: an image's labels
   must not choose them (uctr.network, uctr.rootfs.overlay, ...). */
#define UCTR_ANNOTATION_PREFIX "uctr."

/* The annotations conversion.md derives from C: the implicit ones
   (org.opencontainers.image.os, architecture, variant, os.version, author,
   created, stopSignal, exposedPorts), then Config.Labels over them, as the
   labels take precedence. A label whose key begins with
   UCTR_ANNOTATION_PREFIX is left out and its key added to SKIPPED (may be
   NULL): the caller says so to the user. String -> string, never NULL. */
GHashTable *uctr_image_config_annotations (const UctrImageConfig *c, GPtrArray *skipped);
