/* uctr: the JSON documents of an image (opencontainers/image-spec, and
   Docker's schema 2 that registries still serve): indexes, manifests,
   descriptors, the image config. Parsed and checked, nothing fetched. */
#pragma once

#include <glib.h>

/* Bounds for what is read into memory: the distribution-spec lets
   registries refuse manifests over 4 MiB; a config is of the same kind. */
#define UCTR_IMAGE_JSON_MAX (4 * 1024 * 1024)
/* A layer that declares more is refused before a byte is read. */
#define UCTR_IMAGE_LAYER_MAX ((gint64) 64 * 1024 * 1024 * 1024)

typedef enum
{
  UCTR_BLOB_OTHER,
  UCTR_BLOB_INDEX,    /* OCI image index, Docker manifest list */
  UCTR_BLOB_MANIFEST, /* OCI image manifest, Docker schema 2 manifest */
  UCTR_BLOB_CONFIG,
  UCTR_BLOB_LAYER, /* a tar, plain, gzip or zstd */
} UctrBlobKind;

/* What a media type names ("application/vnd.oci.image.layer.v1.tar+gzip"). */
UctrBlobKind uctr_blob_kind (const char *media_type);

typedef struct
{
  char *media_type;
  char *digest; /* checked: uctr_digest_parse */
  gint64 size;
  char *os; /* platform, in an index; NULL elsewhere */
  char *architecture;
  char *variant;
  char *ref_name; /* annotation org.opencontainers.image.ref.name (an OCI layout's tag), or NULL */
} UctrDescriptor;

void uctr_descriptor_free (UctrDescriptor *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrDescriptor, uctr_descriptor_free)

typedef struct
{
  GPtrArray *manifests; /* UctrDescriptor */
} UctrIndex;

void uctr_index_free (UctrIndex *index);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrIndex, uctr_index_free)

typedef struct
{
  UctrDescriptor *config;
  GPtrArray *layers; /* UctrDescriptor, the lowest first */
} UctrManifest;

void uctr_manifest_free (UctrManifest *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrManifest, uctr_manifest_free)

/* The image config: what a container of the image runs with. Absent
   members are NULL; an Entrypoint or Cmd given as [] is an empty strv. */
typedef struct
{
  char *os;
  char *architecture;
  char *variant;
  char *os_version; /* os.version, or NULL */
  char *author;
  char *user;
  char **env;
  char **entrypoint;
  char **cmd;
  char *working_dir;
  char **exposed_ports; /* "80/tcp", sorted */
  char **volumes;       /* sorted */
  char *stop_signal;
  char *created;      /* RFC 3339, or NULL */
  GHashTable *labels; /* string -> string */
  char **diff_ids;    /* rootfs.diff_ids, the lowest layer first */
} UctrImageConfig;

void uctr_image_config_free (UctrImageConfig *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrImageConfig, uctr_image_config_free)

/* TEXT's kind: its mediaType member, else its shape (an index has
   "manifests", a manifest "config" and "layers"). UCTR_BLOB_OTHER when
   neither. */
UctrBlobKind uctr_image_json_kind (const char *text, gsize len);

/* Each parser names what it reads in errors (WHAT: "the index of
   docker.io/library/alpine:3.20"): UCTR_ERROR_INVALID_IMAGE. */
UctrIndex *uctr_index_parse (const char *text, gsize len, const char *what, GError **error);
UctrManifest *uctr_manifest_parse (const char *text, gsize len, const char *what, GError **error);
UctrImageConfig *uctr_image_config_parse (const char *text, gsize len, const char *what, GError **error);

/* This machine's platform as images name it (GOOS/GOARCH): "linux",
   "amd64", variant "v8" on arm64 ... (variant may be NULL). */
void uctr_image_host_platform (const char **os, const char **architecture, const char **variant);

/* The manifest of INDEX for OS/ARCHITECTURE (VARIANT: NULL matches any,
   else the same or none given), or an error that lists the platforms the
   index has. */
const UctrDescriptor *uctr_index_select (const UctrIndex *index, const char *os, const char *architecture,
                                         const char *variant, const char *what, GError **error);
