/* uctr: a client of an image registry (the OCI distribution-spec's HTTP
   API v2, as Docker Hub, ghcr.io, quay.io and distribution serve it) for
   `uctr pull`: manifests and blobs of one repository, fetched, bounded and
   checked against their digests, with the credentials and CAs podman and
   docker already keep. */
#pragma once

#include "image/manifest.h"

#include <gio/gio.h>
#include <glib.h>

typedef struct _UctrRegistry UctrRegistry;

/* All calls on one UctrRegistry are made on the thread-default main
   context it was made on: libsoup keeps connections on it. */

/* The repository REPOSITORY ("library/alpine") of the registry REGISTRY as
   a reference names it ("docker.io", which is registry-1.docker.io;
   "host:port"). INSECURE is registries.conf's insecure=true: TLS is not
   verified, and plain http is tried when https fails. Otherwise https only
   (on localhost too, as podman), trusting the system's CAs and the *.crt
   of the first of $XDG_CONFIG_HOME/containers/certs.d/REGISTRY (~/.config),
   /etc/containers/certs.d/REGISTRY and /etc/docker/certs.d/REGISTRY that
   exists, which may also hold a client certificate (NAME.cert with
   NAME.key). Credentials are those of uctr_auth_lookup (image/auth.h) in
   uctr_auth_files; nothing is sent before the first request. NULL with
   ERROR for an auth file or a certs.d directory that cannot be read, or
   names that are no registry or repository (UCTR_ERROR_INVALID_ARGUMENT). */
UctrRegistry *
uctr_registry_new (const char *registry, const char *repository, gboolean insecure, GError **error);
void uctr_registry_free (UctrRegistry *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrRegistry, uctr_registry_free)

/* The manifest or index REFERENCE (a tag or a digest) names, as the
   registry serves it (OCI or Docker schema 2), at most UCTR_IMAGE_JSON_MAX
   bytes. *MEDIA_TYPE: its Content-Type without parameters (NULL when it
   has none); *DIGEST: the sha256 of the bytes; *LEN: their number (each
   may be NULL). A tag is letters, digits and "_.-" only. When
   REFERENCE is a digest, the bytes must match it. An unknown tag or digest
   is UCTR_ERROR_NOT_FOUND; a mismatch UCTR_ERROR_INVALID_IMAGE.
   Synchronous: runs the thread-default main context until it is done, so
   that blobs on the way go on meanwhile (and other sources of that context
   are dispatched too). */
char *uctr_registry_get_manifest (UctrRegistry *r, const char *reference, char **media_type, char **digest,
                                  gsize *len, GCancellable *cancellable, GError **error);

/* The blob D describes (an image config: at most UCTR_IMAGE_JSON_MAX
   bytes), checked against D's digest and size, NUL-terminated. As
   uctr_registry_get_manifest, synchronous. */
char *uctr_registry_get_document (UctrRegistry *r, const UctrDescriptor *d, gsize *len,
                                  GCancellable *cancellable, GError **error);

/* DONE of TOTAL bytes (the descriptor's size) arrived. */
typedef void (*UctrRegistryProgress) (gint64 done, gint64 total, gpointer data);

/* The blob D describes (a layer) written into FD (a pipe to its unpack,
   made non-blocking) as it comes: written only as the reader makes room,
   so that other transfers go on meanwhile. FD stays the caller's and
   must stay open until CALLBACK. The bytes are checked against D's
   digest and size as they come: a blob that runs past its size is cut off
   there (and one the server says is larger is refused before a byte is
   read). PROGRESS (may be NULL) is called on the thread-default main
   context of the call as bytes are written, and CALLBACK there once all
   are written and checked; several blobs can be on the way at once. R
   must outlive the operation. */
void
uctr_registry_get_blob_async (UctrRegistry *r, const UctrDescriptor *d, int fd, UctrRegistryProgress progress,
                              gpointer progress_data, GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data);
/* FALSE with ERROR when the blob could not be fetched or did not match D
   (UCTR_ERROR_INVALID_IMAGE), or FD's reader stopped (G_IO_ERROR_BROKEN_PIPE). */
gboolean uctr_registry_get_blob_finish (UctrRegistry *r, GAsyncResult *result, GError **error);
