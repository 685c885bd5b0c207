/* uctr: one layer of an OCI image (a tar, plain, gzip or zstd) unpacked into
   a directory as an overlayfs layer: whiteouts as overlayfs's own, nothing
   ever written outside the directory. An image is hostile input: a path
   that climbs out, a file through a symlink, a hard link to anything but
   an earlier file of the same layer, overlayfs's own xattrs, each is an
   error that names the entry. */
#pragma once

#include <glib.h>

typedef struct
{
  /* Give files the owners the layer says (in a user namespace: ids of its
     range; an id it does not map is an error naming it). */
  gboolean chown;
  /* overlayfs's opaque directories as user.overlay.opaque (mounted with
     userxattr, in a user namespace) rather than trusted.overlay.opaque. */
  gboolean userxattr;
  /* The layer blob's descriptor: the bytes read (all of them, past the
     tar's end too) must have this digest and size (-1: any), or the
     unpack fails; NULL: not checked. */
  const char *digest;
  gint64 size;
} UctrUnpackOptions;

/* What an unpack did not make, for one warning. */
typedef struct
{
  guint devices_skipped; /* device nodes a user namespace may not make */
  guint xattrs_skipped;  /* xattrs outside user.* and security.capability */
  guint64 bytes;         /* of the regular files made (what the layer takes, roughly) */
} UctrUnpackReport;

/* The layer's tar stream read from FD (libarchive finds the compression)
   unpacked into the directory DIRFD, which should be empty. Errors are
   UCTR_ERROR_INVALID_IMAGE ("layer entry \"x\": ..."), or system errors
   with the entry named; DIRFD then holds a part of the layer, for the
   caller to remove. REPORT may be NULL. */
gboolean uctr_unpack_layer (int fd, int dirfd, const UctrUnpackOptions *opts, UctrUnpackReport *report,
                            GError **error);

/* NAME, an entry's path, as a path below the layer's root: leading "/" and
   "./" dropped, "." and empty components too; NULL for one with a ".."
   component. "" is the root itself. */
char *uctr_unpack_entry_path (const char *name);
