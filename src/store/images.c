/* uctr: the store's images.
 *
 * images.json lists them; blobs/ keeps their manifests and configs,
 * named sha256-HEX and checked against that digest whenever they are
 * read. Everything that changes happens under the store's lock, the
 * record last: a pull that is killed leaves layers (which the next pull
 * or a removal deals with) but never an image whose parts are missing.
 */
#include "store/images.h"
#include "store/containers.h"
#include "store/helper.h"
#include "image/digest.h"
#include "image/layout.h"
#include "image/reference.h"
#include "base/json.h"
#include "base/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IMAGES_FILE "images.json"
#define IMAGES_MAX (16 * 1024 * 1024)
#define ID_PREFIX_MIN 12

void
uctr_image_record_free (UctrImageRecord *r)
{
  if (r == NULL)
    return;
  g_free (r->name);
  g_free (r->manifest_digest);
  g_free (r->config_digest);
  g_strfreev (r->layers);
  g_free (r->pulled);
  g_free (r);
}

/* images.json */

static UctrImageRecord *
record_from_json (json_object *obj, gsize i, GError **error)
{
  g_autoptr(UctrImageRecord) r = g_new0 (UctrImageRecord, 1);
  g_autofree char *path = g_strdup_printf ("images[%" G_GSIZE_FORMAT "]", i);
  guint j;

  if (!uctr_json_dup_string (obj, path, "name", UCTR_JSON_OWN, &r->name, error)
      || !uctr_json_dup_string (obj, path, "manifest", UCTR_JSON_OWN, &r->manifest_digest, error)
      || !uctr_json_dup_string (obj, path, "config", UCTR_JSON_OWN, &r->config_digest, error)
      || !uctr_json_get_strv (obj, path, "layers", UCTR_JSON_OWN, &r->layers, error)
      || !uctr_json_get_int (obj, path, "size", UCTR_JSON_OWN, 0, G_MAXINT64, &r->size, NULL, error)
      || !uctr_json_dup_string (obj, path, "pulled", UCTR_JSON_OWN, &r->pulled, error)
      || !uctr_digest_parse (r->manifest_digest, NULL, error)
      || !uctr_digest_parse (r->config_digest, NULL, error))
    return NULL;
  for (j = 0; r->layers[j] != NULL; j++)
    if (!uctr_digest_parse (r->layers[j], NULL, error))
      return NULL;
  return g_steal_pointer (&r);
}

static GPtrArray *
read_images (UctrStore *store, GError **error)
{
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func ((GDestroyNotify) uctr_image_record_free);
  g_autoptr(json_object) root = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *text = NULL;
  json_object *arr = NULL;
  gsize len, i;

  if (!uctr_read_file_at (uctr_store_dirfd (store), IMAGES_FILE, IMAGES_MAX, &text, &len, &local))
    {
      if (g_error_matches (local, UCTR_ERRNO_ERROR, ENOENT))
        return g_steal_pointer (&images);
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (!uctr_json_parse (text, (gssize) len, UCTR_JSON_MAX_DEPTH, &root, &local)
      || !json_object_is_type (root, json_type_object)
      || !uctr_json_get_array (root, "", "images", UCTR_JSON_OWN, &arr, &local))
    {
      uctr_throw (error, UCTR_ERROR_FAILED, _("%s/%s is damaged"), uctr_store_root (store), IMAGES_FILE);
      return NULL;
    }
  for (i = 0; arr != NULL && i < json_object_array_length (arr); i++)
    {
      json_object *item = json_object_array_get_idx (arr, i);
      UctrImageRecord *r
          = json_object_is_type (item, json_type_object) ? record_from_json (item, i, error) : NULL;

      if (r == NULL)
        return uctr_prefix_error (error, "%s/%s", uctr_store_root (store), IMAGES_FILE), NULL;
      g_ptr_array_add (images, r);
    }
  return g_steal_pointer (&images);
}

static gboolean
write_images (UctrStore *store, GPtrArray *images, GError **error)
{
  g_autoptr(json_object) root = json_object_new_object ();
  json_object *arr = json_object_new_array ();
  g_autofree char *text = NULL;
  guint i;

  uctr_json_add (root, "images", arr);
  for (i = 0; i < images->len; i++)
    {
      const UctrImageRecord *r = g_ptr_array_index (images, i);
      json_object *obj = json_object_new_object ();

      json_object_array_add (arr, obj);
      uctr_json_add_string (obj, "name", r->name);
      uctr_json_add_string (obj, "manifest", r->manifest_digest);
      uctr_json_add_string (obj, "config", r->config_digest);
      uctr_json_add_strv (obj, "layers", (const char *const *) r->layers);
      uctr_json_add_int (obj, "size", r->size);
      uctr_json_add_string (obj, "pulled", r->pulled);
    }
  text = uctr_json_to_string (root, TRUE);
  return uctr_write_file_atomic_at (uctr_store_dirfd (store), IMAGES_FILE, text, strlen (text), 0600, error);
}

/* Without the lock: images.json is replaced whole (a rename), and a run
   should not wait for a pull of another image to end. */
GPtrArray *
uctr_store_list_images (UctrStore *store, GError **error)
{
  return read_images (store, error);
}

/* A short name ("alpine:3.20") matches an image of any registry with
   that repository, docker.io's "library/" ones included, as podman
   matches its local images; a full name only itself. */
static gboolean
matches_short (const UctrImageRecord *r, const UctrReference *want)
{
  g_autoptr(UctrReference) have = uctr_reference_parse (r->name, NULL);
  g_autofree char *library = g_strconcat ("library/", want->repository, NULL);

  if (have == NULL || have->kind != UCTR_SOURCE_REGISTRY)
    return FALSE;
  if (strcmp (have->repository, want->repository) != 0 && strcmp (have->repository, library) != 0)
    return FALSE;
  if (want->digest != NULL)
    return g_strcmp0 (have->digest, want->digest) == 0 || strcmp (r->manifest_digest, want->digest) == 0;
  return g_strcmp0 (have->tag, want->tag) == 0;
}

static gboolean
matches (const UctrImageRecord *r, const char *name, const UctrReference *ref)
{
  const char *hex = strchr (r->manifest_digest, ':') + 1;
  g_autofree char *full = NULL;

  if (strcmp (r->name, name) == 0 || strcmp (r->manifest_digest, name) == 0
      || (strlen (name) >= ID_PREFIX_MIN && g_str_has_prefix (hex, name)))
    return TRUE;
  if (ref == NULL)
    return FALSE;
  if (ref->kind == UCTR_SOURCE_REGISTRY && ref->registry == NULL)
    return matches_short (r, ref);
  full = uctr_reference_to_string (ref);
  return strcmp (r->name, full) == 0;
}

/* The index in IMAGES of NAME, or -1. An exact name wins over the
   names it may be short for. */
static gint
find (GPtrArray *images, const char *name, GError **error)
{
  g_autoptr(UctrReference) ref = uctr_reference_parse (name, NULL);
  g_autoptr(GString) names = g_string_new (NULL);
  gint found = -1;
  guint i, n = 0;

  for (i = 0; i < images->len; i++)
    if (strcmp (((UctrImageRecord *) g_ptr_array_index (images, i))->name, name) == 0)
      return (gint) i;
  for (i = 0; i < images->len; i++)
    {
      const UctrImageRecord *r = g_ptr_array_index (images, i);

      if (!matches (r, name, ref))
        continue;
      g_string_append_printf (names, "%s%s", n++ > 0 ? ", " : "", r->name);
      found = (gint) i;
    }
  if (n > 1)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("\"%s\" names more than one image (%s): give its full name"), name, names->str),
                       -1;
  if (found < 0)
    uctr_throw (error, UCTR_ERROR_NOT_FOUND, _("no image \"%s\" in the store"), name);
  return found;
}

UctrImageRecord *
uctr_store_find_image (UctrStore *store, const char *name, GError **error)
{
  g_autoptr(GPtrArray) images = uctr_store_list_images (store, error);
  gint i = images != NULL ? find (images, name, error) : -1;

  return i >= 0 ? g_ptr_array_steal_index (images, (guint) i) : NULL;
}

/* Blobs */

/* "blobs/sha256-HEX" below the store. */
static char *
blob_name (const char *digest)
{
  const char *colon = strchr (digest, ':');

  return g_strdup_printf ("blobs/%.*s-%s", (int) (colon - digest), digest, colon + 1);
}

gboolean
uctr_store_put_blob (UctrStore *store, const char *digest, const char *data, gsize len, GError **error)
{
  g_autofree char *name = blob_name (digest);
  uctr_autofd int blobs = uctr_store_open_dir (store, "blobs", TRUE, error);

  if (blobs < 0)
    return FALSE;
  return uctr_write_file_atomic_at (blobs, name + strlen ("blobs/"), data, len, 0644, error);
}

char *
uctr_store_read_blob (UctrStore *store, const char *digest, gsize *len, GError **error)
{
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;
  g_autofree char *got = NULL;

  if (!uctr_digest_parse (digest, NULL, error))
    return NULL;
  name = blob_name (digest);
  if (!uctr_read_file_at (uctr_store_dirfd (store), name, IMAGES_MAX, &text, len, error))
    return NULL;
  got = uctr_digest_of (text, *len);
  if (g_str_has_prefix (digest, "sha256:") && strcmp (got, digest) != 0)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("%s/%s does not match its digest: the store is damaged"), uctr_store_root (store),
                          name),
                       NULL;
  return g_steal_pointer (&text);
}

gboolean
uctr_store_put_record (UctrStore *store, UctrImageRecord *record, GError **error)
{
  g_autoptr(GPtrArray) images = read_images (store, error);
  guint i;

  if (images == NULL)
    return FALSE;
  for (i = 0; i < images->len; i++)
    if (strcmp (((UctrImageRecord *) g_ptr_array_index (images, i))->name, record->name) == 0)
      {
        g_ptr_array_remove_index (images, i);
        break;
      }
  g_ptr_array_add (images, record);
  return write_images (store, images, error);
}

/* Removing */

static gboolean
used_by (GPtrArray *images, const char *digest)
{
  guint i;

  for (i = 0; i < images->len; i++)
    {
      const UctrImageRecord *r = g_ptr_array_index (images, i);

      if (strcmp (r->manifest_digest, digest) == 0 || strcmp (r->config_digest, digest) == 0
          || g_strv_contains ((const char *const *) r->layers, digest))
        return TRUE;
    }
  return FALSE;
}

static gboolean
drop_unused (UctrStore *store, GPtrArray *images, const UctrImageRecord *gone, GError **error)
{
  /* A container of the image (rmi --force) keeps the layers under it. */
  g_autoptr(GHashTable) in_use = uctr_store_container_layers (store);
  guint i;

  for (i = 0; gone->layers[i] != NULL; i++)
    if (!used_by (images, gone->layers[i]) && !g_hash_table_contains (in_use, gone->layers[i])
        && !uctr_store_remove_layer_locked (store, gone->layers[i], error))
      return FALSE;
  if (!used_by (images, gone->manifest_digest))
    {
      g_autofree char *name = blob_name (gone->manifest_digest);
      (void) unlinkat (uctr_store_dirfd (store), name, 0);
    }
  if (!used_by (images, gone->config_digest))
    {
      g_autofree char *name = blob_name (gone->config_digest);
      (void) unlinkat (uctr_store_dirfd (store), name, 0);
    }
  return TRUE;
}

gboolean
uctr_store_remove_image (UctrStore *store, const char *name, GError **error)
{
  g_autoptr(GPtrArray) images = NULL;
  g_autoptr(UctrImageRecord) gone = NULL;
  gboolean ok = FALSE;
  gint i;

  if (!uctr_store_lock (store, error))
    return FALSE;
  images = read_images (store, error);
  if (images != NULL && (i = find (images, name, error)) >= 0)
    {
      gone = g_ptr_array_steal_index (images, (guint) i);
      /* The record first: a removal cut short leaves layers, never an image without them. */
      ok = write_images (store, images, error) && drop_unused (store, images, gone, error);
    }
  uctr_store_unlock (store);
  return ok;
}

/* Pruning */

/* What images and containers use: digests, a set. */
static GHashTable *
used_digests (UctrStore *store, GPtrArray *images)
{
  GHashTable *used = uctr_store_container_layers (store);
  guint i, j;

  for (i = 0; i < images->len; i++)
    {
      const UctrImageRecord *r = g_ptr_array_index (images, i);

      g_hash_table_add (used, g_strdup (r->manifest_digest));
      g_hash_table_add (used, g_strdup (r->config_digest));
      for (j = 0; r->layers[j] != NULL; j++)
        g_hash_table_add (used, g_strdup (r->layers[j]));
    }
  return used;
}

/* The names in DIR (of the store) "ALGORITHM-HEX" that are no digest of USED. */
static GPtrArray *
unused_in (UctrStore *store, const char *dir, GHashTable *used)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  int fd = openat (uctr_store_dirfd (store), dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *de;

  if (d == NULL && fd >= 0)
    close (fd);
  while (d != NULL && (de = readdir (d)) != NULL)
    {
      g_autofree char *digest = g_strdup (de->d_name);
      char *dash = strchr (digest, '-');

      if (de->d_name[0] == '.' || dash == NULL)
        continue;
      *dash = ':';
      if (uctr_digest_parse (digest, NULL, NULL) && !g_hash_table_contains (used, digest))
        g_ptr_array_add (names, g_strdup (de->d_name));
    }
  if (d != NULL)
    closedir (d);
  return names;
}

static gboolean
prune_locked (UctrStore *store, guint *layers, guint *blobs, GError **error)
{
  g_autoptr(GPtrArray) images = read_images (store, error);
  g_autoptr(GHashTable) used = NULL;
  g_autoptr(GPtrArray) gone_layers = NULL;
  g_autoptr(GPtrArray) gone_blobs = NULL;
  guint i;

  if (images == NULL)
    return FALSE;
  used = used_digests (store, images);
  gone_layers = unused_in (store, "layers", used);
  gone_blobs = unused_in (store, "blobs", used);
  uctr_store_remove_debris (store);
  for (i = 0; i < gone_layers->len; i++)
    {
      g_autofree char *digest = g_strdup (g_ptr_array_index (gone_layers, i));

      *strchr (digest, '-') = ':';
      if (!uctr_store_remove_layer_locked (store, digest, error))
        return FALSE;
    }
  for (i = 0; i < gone_blobs->len; i++)
    {
      g_autofree char *name = g_build_filename ("blobs", g_ptr_array_index (gone_blobs, i), NULL);
      (void) unlinkat (uctr_store_dirfd (store), name, 0);
    }
  /* Downloads that were cut short (none runs while the lock is held). */
  (void) uctr_remove_tree_at (uctr_store_dirfd (store), UCTR_STORE_DOWNLOADS);
  *layers = gone_layers->len;
  *blobs = gone_blobs->len;
  return TRUE;
}

gboolean
uctr_store_prune (UctrStore *store, guint *layers, guint *blobs, GError **error)
{
  gboolean ok;

  if (!uctr_store_lock (store, error))
    return FALSE;
  ok = prune_locked (store, layers, blobs, error);
  uctr_store_unlock (store);
  return ok;
}
