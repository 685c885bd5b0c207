/* uctr: an image's JSON documents, checked as they are parsed.
 *
 * The same shapes come as OCI documents and as Docker's schema 2 (a
 * manifest list is an index, its manifests are OCI's with other media
 * types). A document is hostile input until its digest matched, and
 * still after: every member is checked for its type, every descriptor's
 * digest for its form, every size for its range.
 */
#include "image/manifest.h"
#include "image/digest.h"
#include "base/json.h"
#include "base/util.h"

#include <string.h>
#include <sys/utsname.h>

#define JSON_DEPTH_MAX 64
#define REF_NAME "org.opencontainers.image.ref.name"

UctrBlobKind
uctr_blob_kind (const char *media_type)
{
  static const struct
  {
    const char *type;
    UctrBlobKind kind;
  } types[] = {
    { "application/vnd.oci.image.index.v1+json", UCTR_BLOB_INDEX },
    { "application/vnd.docker.distribution.manifest.list.v2+json", UCTR_BLOB_INDEX },
    { "application/vnd.oci.image.manifest.v1+json", UCTR_BLOB_MANIFEST },
    { "application/vnd.docker.distribution.manifest.v2+json", UCTR_BLOB_MANIFEST },
    { "application/vnd.oci.image.config.v1+json", UCTR_BLOB_CONFIG },
    { "application/vnd.docker.container.image.v1+json", UCTR_BLOB_CONFIG },
    { "application/vnd.oci.image.layer.v1.tar", UCTR_BLOB_LAYER },
    { "application/vnd.oci.image.layer.v1.tar+gzip", UCTR_BLOB_LAYER },
    { "application/vnd.oci.image.layer.v1.tar+zstd", UCTR_BLOB_LAYER },
    { "application/vnd.oci.image.layer.nondistributable.v1.tar", UCTR_BLOB_LAYER },
    { "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", UCTR_BLOB_LAYER },
    { "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", UCTR_BLOB_LAYER },
    { "application/vnd.docker.image.rootfs.diff.tar.gzip", UCTR_BLOB_LAYER },
    { "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", UCTR_BLOB_LAYER },
  };
  gsize i;

  for (i = 0; media_type != NULL && i < G_N_ELEMENTS (types); i++)
    if (strcmp (media_type, types[i].type) == 0)
      return types[i].kind;
  return UCTR_BLOB_OTHER;
}

/* Errors of the JSON getters, as image errors that say which document. */
static gboolean
image_error (GError **error, const char *what)
{
  if (error != NULL && *error != NULL && (*error)->domain == UCTR_ERROR)
    (*error)->code = UCTR_ERROR_INVALID_IMAGE;
  return uctr_prefix_error (error, "%s", what);
}

/* TEXT as an object (owned by the caller), or NULL with an error. */
static json_object *
parse_json (const char *text, gsize len, const char *what, GError **error)
{
  g_autoptr(json_object) root = NULL;

  if (len > UCTR_IMAGE_JSON_MAX)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s: %lu bytes, more than the %d a manifest or config may have"), what,
                          (unsigned long) len, UCTR_IMAGE_JSON_MAX),
                       NULL;
  if (!uctr_json_parse (text, (gssize) len, JSON_DEPTH_MAX, &root, error))
    return image_error (error, what), NULL;
  if (!json_object_is_type (root, json_type_object))
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE, _("%s: not a JSON object"), what), NULL;
  return g_steal_pointer (&root);
}

UctrBlobKind
uctr_image_json_kind (const char *text, gsize len)
{
  g_autoptr(json_object) obj = parse_json (text, len, "", NULL);
  json_object *type = uctr_json_member (obj, "mediaType");

  if (obj == NULL)
    return UCTR_BLOB_OTHER;
  if (json_object_is_type (type, json_type_string))
    return uctr_blob_kind (json_object_get_string (type));
  if (uctr_json_member (obj, "manifests") != NULL)
    return UCTR_BLOB_INDEX;
  if (uctr_json_member (obj, "config") != NULL && uctr_json_member (obj, "layers") != NULL)
    return UCTR_BLOB_MANIFEST;
  return UCTR_BLOB_OTHER;
}

/* Descriptors */

void
uctr_descriptor_free (UctrDescriptor *d)
{
  if (d == NULL)
    return;
  g_free (d->media_type);
  g_free (d->digest);
  g_free (d->os);
  g_free (d->architecture);
  g_free (d->variant);
  g_free (d->ref_name);
  g_free (d);
}

static gboolean
parse_platform (json_object *obj, const char *path, UctrDescriptor *d, GError **error)
{
  g_autofree char *platform_path = uctr_json_path (path, "platform");
  json_object *platform = NULL;

  if (!uctr_json_get_object (obj, path, "platform", UCTR_JSON_OPTIONAL, &platform, error))
    return FALSE;
  if (platform == NULL)
    return TRUE;
  return uctr_json_dup_string (platform, platform_path, "os", UCTR_JSON_REQUIRED, &d->os, error)
         && uctr_json_dup_string (platform, platform_path, "architecture", UCTR_JSON_REQUIRED,
                                  &d->architecture, error)
         && uctr_json_dup_string (platform, platform_path, "variant", UCTR_JSON_OPTIONAL, &d->variant, error);
}

static UctrDescriptor *
parse_descriptor (json_object *obj, const char *path, GError **error)
{
  g_autoptr(UctrDescriptor) d = g_new0 (UctrDescriptor, 1);
  g_autofree char *annotations_path = uctr_json_path (path, "annotations");
  json_object *annotations = NULL;

  if (!uctr_json_dup_string (obj, path, "mediaType", UCTR_JSON_REQUIRED, &d->media_type, error)
      || !uctr_json_dup_string (obj, path, "digest", UCTR_JSON_REQUIRED, &d->digest, error)
      || !uctr_json_get_int (obj, path, "size", UCTR_JSON_REQUIRED, 0, G_MAXINT64, &d->size, NULL, error)
      || !parse_platform (obj, path, d, error)
      || !uctr_json_get_object (obj, path, "annotations", UCTR_JSON_OPTIONAL, &annotations, error)
      || !uctr_json_dup_string (annotations, annotations_path, REF_NAME, UCTR_JSON_OPTIONAL, &d->ref_name,
                                error))
    return NULL;
  if (!uctr_digest_parse (d->digest, NULL, error))
    {
      uctr_prefix_error (error, "%s", path);
      return NULL;
    }
  return g_steal_pointer (&d);
}

/* The descriptors of ARR (the member NAME) into OUT, each checked by
   CHECK when given. */
static gboolean
parse_descriptors (json_object *arr, const char *name, GPtrArray *out,
                   gboolean (*check) (const UctrDescriptor *, const char *, GError **), GError **error)
{
  gsize i;

  for (i = 0; i < json_object_array_length (arr); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s[%" G_GSIZE_FORMAT "]", name, i);
      json_object *item = json_object_array_get_idx (arr, i);
      UctrDescriptor *d;

      if (!json_object_is_type (item, json_type_object))
        return uctr_json_invalid (error, path, _("must be an object"));
      if ((d = parse_descriptor (item, path, error)) == NULL)
        return FALSE;
      g_ptr_array_add (out, d);
      if (check != NULL && !check (d, path, error))
        return FALSE;
    }
  return TRUE;
}

/* Indexes */

void
uctr_index_free (UctrIndex *index)
{
  if (index == NULL)
    return;
  g_ptr_array_unref (index->manifests);
  g_free (index);
}

static gboolean
check_schema_version (json_object *obj, GError **error)
{
  gint64 version = 0;

  if (!uctr_json_get_int (obj, "", "schemaVersion", UCTR_JSON_REQUIRED, 0, G_MAXINT32, &version, NULL, error))
    return FALSE;
  if (version != 2)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("schemaVersion %d: uctr reads schema 2 (OCI, and Docker's schema 2)"),
                          (int) version);
  return TRUE;
}

UctrIndex *
uctr_index_parse (const char *text, gsize len, const char *what, GError **error)
{
  g_autoptr(json_object) obj = parse_json (text, len, what, error);
  g_autoptr(UctrIndex) index = g_new0 (UctrIndex, 1);
  json_object *arr = NULL;

  index->manifests = g_ptr_array_new_with_free_func ((GDestroyNotify) uctr_descriptor_free);
  if (obj == NULL)
    return NULL;
  if (!check_schema_version (obj, error)
      || !uctr_json_get_array (obj, "", "manifests", UCTR_JSON_REQUIRED, &arr, error)
      || !parse_descriptors (arr, "manifests", index->manifests, NULL, error))
    return image_error (error, what), NULL;
  return g_steal_pointer (&index);
}

/* Manifests */

void
uctr_manifest_free (UctrManifest *m)
{
  if (m == NULL)
    return;
  uctr_descriptor_free (m->config);
  g_clear_pointer (&m->layers, g_ptr_array_unref);
  g_free (m);
}

static gboolean
check_layer (const UctrDescriptor *d, const char *path, GError **error)
{
  if (uctr_blob_kind (d->media_type) != UCTR_BLOB_LAYER)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s: media type \"%s\" is not a layer uctr unpacks (a tar, plain, gzip or zstd)"),
                          path, d->media_type);
  if (d->size > UCTR_IMAGE_LAYER_MAX)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s: declares %lld bytes, more than the %lld uctr takes for one layer"), path,
                          (long long) d->size, (long long) UCTR_IMAGE_LAYER_MAX);
  return TRUE;
}

UctrManifest *
uctr_manifest_parse (const char *text, gsize len, const char *what, GError **error)
{
  g_autoptr(json_object) obj = parse_json (text, len, what, error);
  g_autoptr(UctrManifest) m = g_new0 (UctrManifest, 1);
  json_object *config = NULL, *arr = NULL;

  m->layers = g_ptr_array_new_with_free_func ((GDestroyNotify) uctr_descriptor_free);
  if (obj == NULL)
    return NULL;
  if (!check_schema_version (obj, error)
      || !uctr_json_get_object (obj, "", "config", UCTR_JSON_REQUIRED, &config, error)
      || (m->config = parse_descriptor (config, "config", error)) == NULL
      || !uctr_json_get_array (obj, "", "layers", UCTR_JSON_REQUIRED, &arr, error))
    return image_error (error, what), NULL;
  if (uctr_blob_kind (m->config->media_type) != UCTR_BLOB_CONFIG)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s: config.mediaType \"%s\": not a container image (an artifact of another kind?)"),
                          what, m->config->media_type),
                       NULL;
  if (m->config->size > UCTR_IMAGE_JSON_MAX)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s: config: declares %lld bytes"), what, (long long) m->config->size),
                       NULL;
  if (!parse_descriptors (arr, "layers", m->layers, check_layer, error))
    return image_error (error, what), NULL;
  return g_steal_pointer (&m);
}

/* The image config */

void
uctr_image_config_free (UctrImageConfig *c)
{
  if (c == NULL)
    return;
  g_free (c->os);
  g_free (c->architecture);
  g_free (c->variant);
  g_free (c->os_version);
  g_free (c->author);
  g_free (c->user);
  g_strfreev (c->env);
  g_strfreev (c->entrypoint);
  g_strfreev (c->cmd);
  g_free (c->working_dir);
  g_strfreev (c->exposed_ports);
  g_strfreev (c->volumes);
  g_free (c->stop_signal);
  g_free (c->created);
  g_clear_pointer (&c->labels, g_hash_table_unref);
  g_strfreev (c->diff_ids);
  g_free (c);
}

/* The member names of an object of empty objects ({"80/tcp": {}}), sorted. */
static gboolean
get_key_set (json_object *obj, const char *parent, const char *name, char ***out, GError **error)
{
  json_object *set = NULL;
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);

  if (!uctr_json_get_object (obj, parent, name, UCTR_JSON_OPTIONAL, &set, error))
    return FALSE;
  if (set == NULL)
    return TRUE;
  json_object_object_foreach (set, key, value)
    g_ptr_array_add (keys, g_strdup (key));
  g_ptr_array_sort (keys, uctr_compare_strs);
  g_ptr_array_add (keys, NULL);
  *out = (char **) g_ptr_array_free (g_steal_pointer (&keys), FALSE);
  return TRUE;
}

static gboolean
parse_run_config (json_object *obj, UctrImageConfig *c, GError **error)
{
  json_object *run = NULL;

  if (!uctr_json_get_object (obj, "", "config", UCTR_JSON_OPTIONAL, &run, error))
    return FALSE;
  if (run == NULL)
    return TRUE;
  c->labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return uctr_json_dup_string (run, "config", "User", UCTR_JSON_OPTIONAL, &c->user, error)
         && uctr_json_get_strv (run, "config", "Env", UCTR_JSON_OPTIONAL, &c->env, error)
         && uctr_json_get_strv (run, "config", "Entrypoint", UCTR_JSON_OPTIONAL, &c->entrypoint, error)
         && uctr_json_get_strv (run, "config", "Cmd", UCTR_JSON_OPTIONAL, &c->cmd, error)
         && uctr_json_dup_string (run, "config", "WorkingDir", UCTR_JSON_OPTIONAL, &c->working_dir, error)
         && get_key_set (run, "config", "ExposedPorts", &c->exposed_ports, error)
         && get_key_set (run, "config", "Volumes", &c->volumes, error)
         && uctr_json_dup_string (run, "config", "StopSignal", UCTR_JSON_OPTIONAL, &c->stop_signal, error)
         && uctr_json_get_string_map (run, "config", "Labels", UCTR_JSON_OPTIONAL, c->labels, NULL, error);
}

static gboolean
parse_rootfs (json_object *obj, UctrImageConfig *c, GError **error)
{
  json_object *rootfs = NULL;
  const char *type = NULL;
  guint i;

  if (!uctr_json_get_object (obj, "", "rootfs", UCTR_JSON_REQUIRED, &rootfs, error)
      || !uctr_json_get_string (rootfs, "rootfs", "type", UCTR_JSON_REQUIRED, &type, error)
      || !uctr_json_get_strv (rootfs, "rootfs", "diff_ids", UCTR_JSON_REQUIRED, &c->diff_ids, error))
    return FALSE;
  if (strcmp (type, "layers") != 0)
    return uctr_json_invalid (error, "rootfs.type", _("must be \"layers\", not \"%s\""), type);
  for (i = 0; c->diff_ids[i] != NULL; i++)
    if (!uctr_digest_parse (c->diff_ids[i], NULL, error))
      return uctr_prefix_error (error, "rootfs.diff_ids[%u]", i);
  return TRUE;
}

UctrImageConfig *
uctr_image_config_parse (const char *text, gsize len, const char *what, GError **error)
{
  g_autoptr(json_object) obj = parse_json (text, len, what, error);
  g_autoptr(UctrImageConfig) c = g_new0 (UctrImageConfig, 1);

  if (obj == NULL)
    return NULL;
  if (!uctr_json_dup_string (obj, "", "os", UCTR_JSON_REQUIRED, &c->os, error)
      || !uctr_json_dup_string (obj, "", "architecture", UCTR_JSON_REQUIRED, &c->architecture, error)
      || !uctr_json_dup_string (obj, "", "variant", UCTR_JSON_OPTIONAL, &c->variant, error)
      || !uctr_json_dup_string (obj, "", "created", UCTR_JSON_OPTIONAL, &c->created, error)
      || !uctr_json_dup_string (obj, "", "os.version", UCTR_JSON_OPTIONAL, &c->os_version, error)
      || !uctr_json_dup_string (obj, "", "author", UCTR_JSON_OPTIONAL, &c->author, error)
      || !parse_run_config (obj, c, error) || !parse_rootfs (obj, c, error))
    return image_error (error, what), NULL;
  return g_steal_pointer (&c);
}

/* Platforms */

void
uctr_image_host_platform (const char **os, const char **architecture, const char **variant)
{
  static const struct
  {
    const char *machine;
    const char *arch;
    const char *variant;
  } arches[] = {
    { "x86_64", "amd64", NULL }, { "aarch64", "arm64", "v8" },   { "armv7l", "arm", "v7" },
    { "armv6l", "arm", "v6" },   { "i686", "386", NULL },        { "ppc64le", "ppc64le", NULL },
    { "s390x", "s390x", NULL },  { "riscv64", "riscv64", NULL },
  };
  static struct utsname u;
  gsize i;

  *os = "linux";
  *variant = NULL;
  if (u.machine[0] == '\0')
    (void) uname (&u);
  *architecture = u.machine;
  for (i = 0; i < G_N_ELEMENTS (arches); i++)
    if (strcmp (u.machine, arches[i].machine) == 0)
      {
        *architecture = arches[i].arch;
        *variant = arches[i].variant;
      }
}

static char *
platform_text (const UctrDescriptor *d)
{
  if (d->os == NULL)
    return g_strdup (_("(no platform)"));
  return g_strdup_printf ("%s/%s%s%s", d->os, d->architecture, d->variant != NULL ? "/" : "",
                          d->variant != NULL ? d->variant : "");
}

const UctrDescriptor *
uctr_index_select (const UctrIndex *index, const char *os, const char *architecture, const char *variant,
                   const char *what, GError **error)
{
  g_autoptr(GString) have = g_string_new (NULL);
  guint i;

  for (i = 0; i < index->manifests->len; i++)
    {
      const UctrDescriptor *d = g_ptr_array_index (index->manifests, i);

      if (uctr_blob_kind (d->media_type) != UCTR_BLOB_MANIFEST || d->os == NULL)
        continue;
      if (strcmp (d->os, os) == 0 && strcmp (d->architecture, architecture) == 0
          && (variant == NULL || d->variant == NULL || strcmp (d->variant, variant) == 0))
        return d;
    }
  for (i = 0; i < index->manifests->len; i++)
    {
      g_autofree char *p = platform_text (g_ptr_array_index (index->manifests, i));
      g_string_append_printf (have, "%s%s", have->len > 0 ? ", " : "", p);
    }
  uctr_throw (error, UCTR_ERROR_NOT_FOUND,
              _("%s has no image for %s/%s (it has: %s)"), what, os, architecture,
                 have->len > 0 ? have->str : _("nothing"));
  return NULL;
}
