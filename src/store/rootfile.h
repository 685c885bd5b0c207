/* uctr: a file of an image's root as overlayfs would show it, read from
   its layers in the store without mounting them (an image's /etc/passwd,
   to run as a user it names). */
#pragma once

#include "store/images.h"

#include <glib.h>

/* The file PATH ("etc/passwd", relative to the root) of IMAGE: from the
   topmost layer that has it, unless a layer above whites it out or makes
   a directory on its path opaque. No symlink is followed (a layer is
   hostile input). FALSE with UCTR_ERROR_NOT_FOUND when the root has none;
   at most MAX bytes. */
gboolean uctr_store_read_root_file (UctrStore *store, const UctrImageRecord *image, const char *path,
                                    gsize max, char **contents, GError **error);

/* Whether the layer's directory FD is opaque (overlayfs's xattr, user.*
   as a user namespace keeps it, or trusted.*): nothing below shows. */
gboolean uctr_store_dir_is_opaque (int fd);
