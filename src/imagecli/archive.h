/* uctr-image: image archives (`podman save`, `docker save`, `skopeo copy
   ... oci-archive:`) made into an OCI image layout to pull from. */
#pragma once

#include "store/store.h"

#include <glib.h>

/* The archive FILE unpacked into a new directory in the store (regular
   files and directories only, nothing outside it); *DIR gets its path,
   which the caller removes (uctr_remove_tree_at). */
gboolean uctr_archive_extract (UctrStore *store, const char *file, char **dir, GError **error);

/* DIR, a `docker save` archive unpacked (manifest.json, a config and a
   tar per layer), given what an OCI image layout has besides: blobs/ named
   by digest, a manifest, index.json, oci-layout. NAME ("NAME:TAG") picks
   one of several images; NULL: the only one. A `docker save` of Docker 25
   or later is an OCI layout already and is left as it is. */
gboolean uctr_archive_docker_to_layout (const char *dir, const char *name, GError **error);
