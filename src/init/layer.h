/* uctr: mount points made in throwaway layers instead of the rootfs (the
   annotation uctr.mountpoints "tmpfs", which one-line runs set): a
   directory of the host's that lacks a mount point gets a tmpfs over it
   that mirrors it, each entry bound back in place, and the mount point is
   made there (layer.c). Runs in the container init: no allocation, no
   stdio, no GLib. */
#pragma once

/* With the flags of uctr_resolve_in_root: the directory found will be
   written in (a device node, a symlink made in it), so it gets a layer
   too unless it is the container's own. */
#define UCTR_LAYER_TO_WRITE 0x100

/* The file system of MNTFD, just mounted by the container, is its own
   (when it is a tmpfs, proc, sysfs, devpts or mqueue: nothing of the
   host's is kept there): what is missing there is made in it directly. */
void uctr_layer_own (int mntfd);

/* Opens PATH inside *ROOTFD as uctr_resolve_in_root does with
   UCTR_RESOLVE_CREATE (and FLAGS' UCTR_RESOLVE_AS_FILE,
   UCTR_RESOLVE_NO_SYMLINKS), except that nothing is made in a file
   system the container did not mount itself: the directory where the
   walk stops gets a layer first. When that is the root, *ROOTFD becomes
   the layer's. Needs the mount API (ENOSYS without it). Returns the fd,
   or -1 with errno set. */
int uctr_layer_resolve (int *rootfd, const char *path, int flags);

/* Makes the layers read-only whose directory was; closes what they kept.
   Once every mount point is made. */
int uctr_layer_seal (void);
