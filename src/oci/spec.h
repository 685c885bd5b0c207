/* uctr: the default config.json (spec.c). */
#pragma once

#include "oci/config.h"

typedef struct
{
  gboolean rootless;   /* add a user namespace with the mappings below, as `spec --rootless` */
  const char *network; /* written as the UCTR_ANNOTATION_NETWORK annotation when not NULL */
  gboolean subids;     /* written as UCTR_ANNOTATION_SUBIDS "true" */
  const UctrIdMapping *uid_mappings;
  gsize n_uid_mappings;
  const UctrIdMapping *gid_mappings;
  gsize n_gid_mappings;
} UctrSpecOptions;

/* linux.uidMappings or gidMappings: a new array of the N MAPPINGS. */
json_object *uctr_spec_id_mappings (const UctrIdMapping *mappings, gsize n);

/* The default config.json that `uctr spec` writes, pretty-printed, newline-terminated. */
char *uctr_spec_default_json (const UctrSpecOptions *opts);
