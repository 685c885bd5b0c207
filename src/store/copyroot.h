/* uctr: an image's root as a copy of its layers, the last resort where
   neither overlayfs nor fuse-overlayfs can mount them. */
#pragma once

#include <glib.h>

/* Merges the layer directories LOWERS (the topmost first, as overlayfs's
   lowerdir lists them) into the empty directory DEST, as overlayfs would
   show them: whiteouts remove, opaque directories hide what is below,
   files keep their owners, modes (setuid too), xattrs (overlayfs's own
   left out), times and hard links within a layer. No symlink of a layer
   is followed. Runs as the container's root, in its user namespace, so
   that the owners are ids it maps. */
gboolean uctr_store_copy_root (const char *dest, const char *const *lowers, GError **error);

/* `uctr __copy-root DEST LOWERDIR`, LOWERDIR as overlayfs's lowerdir
   (absolute, the topmost first, ':' between): what the container's init runs (as a
   program, so that nothing is allocated in the init after its clone).
   Exit 0, or 1 with the error on stderr. */
int uctr_store_copy_root_main (int argc, char **argv);
