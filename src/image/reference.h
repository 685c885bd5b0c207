/* uctr: what a user types to name an image: a registry reference
   ("docker.io/library/alpine:3.20", "quay.io/x/y@sha256:...", a short name
   "alpine") or a source of another transport ("oci:DIR:TAG",
   "oci-archive:FILE", "docker-archive:FILE", "containers-storage:NAME"),
   parsed as the distribution project's reference grammar says. */
#pragma once

#include <glib.h>

typedef enum
{
  UCTR_SOURCE_REGISTRY,           /* [docker://]NAME[:TAG][@DIGEST] */
  UCTR_SOURCE_OCI_LAYOUT,         /* oci:DIR[:TAG] */
  UCTR_SOURCE_OCI_ARCHIVE,        /* oci-archive:FILE[:TAG] */
  UCTR_SOURCE_DOCKER_ARCHIVE,     /* docker-archive:FILE[:NAME:TAG] */
  UCTR_SOURCE_CONTAINERS_STORAGE, /* containers-storage:NAME */
} UctrSourceKind;

typedef struct
{
  UctrSourceKind kind;
  /* A registry reference: */
  char *registry;   /* "docker.io", "localhost:5000"; NULL for a short name */
  char *repository; /* "library/alpine" (docker.io's one-part names get library/) */
  char *tag;        /* "latest" when neither a tag nor a digest is given */
  char *digest;     /* or NULL */
  /* Another transport: */
  char *path; /* DIR or FILE (oci, archives), NAME (containers-storage) */
  char *ref;  /* the part after the path's ":" (a tag), or NULL */
} UctrReference;

void uctr_reference_free (UctrReference *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrReference, uctr_reference_free)

/* TEXT parsed; errors (UCTR_ERROR_INVALID_ARGUMENT) say what is wrong with
   it: an uppercase repository, a tag too long, a malformed digest ... */
UctrReference *uctr_reference_parse (const char *text, GError **error);

/* A registry reference written back in full:
   "docker.io/library/alpine:3.20", "quay.io/x/y@sha256:..."; a short
   name without a registry; another transport's with its path made
   absolute ("oci:/home/me/layout:3.20"): the name the store keeps. */
char *uctr_reference_to_string (const UctrReference *r);
