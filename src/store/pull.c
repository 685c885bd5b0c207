/* uctr: images into the store (store/pull.h).
 *
 * Layers go in through an unpacker (store/unpacker.c); the manifest and
 * config are kept as blobs; the image's record is written last, under the
 * store's lock.
 */
#include "store/pull.h"
#include "store/unpacker.h"
#include "store/images.h"
#include "image/digest.h"
#include "image/layout.h"
#include "base/util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Layers */

static int
dup_fd (int fd, GError **error)
{
  int copy = fcntl (fd, F_DUPFD_CLOEXEC, 3);

  if (copy < 0)
    uctr_throw_errno (error, _("Reading the layer"));
  return copy;
}

gboolean
uctr_store_add_layer (UctrStore *store, int blob_fd, const char *digest, gint64 size,
                      UctrUnpackReport *report, GError **error)
{
  g_autoptr(UctrStoreUnpacker) u = NULL;
  g_autofree char *have = NULL;
  gboolean ok;
  int fd;

  if (!uctr_store_lock (store, error))
    return FALSE;
  have = uctr_store_layer (store, digest);
  ok = have != NULL
       || ((u = uctr_store_unpacker_new (store, 1, report, error)) != NULL
           && (fd = dup_fd (blob_fd, error)) >= 0
           && uctr_store_unpacker_add (u, fd, digest, size, NULL, NULL, NULL, error)
           && uctr_store_unpacker_wait (u, error));
  g_clear_pointer (&u, uctr_store_unpacker_free);
  uctr_store_unlock (store);
  return ok;
}

/* An OCI layout */

/* The layers of IMAGE that the store lacks, unpacked two at a time: a
   layer's unpack is mostly one core's work. */
static gboolean
add_layers (UctrStore *store, UctrLayout *layout, const UctrLayoutImage *image, UctrUnpackReport *report,
            GError **error)
{
  g_autoptr(UctrStoreUnpacker) u = uctr_store_unpacker_new (store, 2, report, error);
  g_autoptr(GHashTable) added = g_hash_table_new (g_str_hash, g_str_equal);
  guint i, n = image->manifest->layers->len;

  if (u == NULL)
    return FALSE;
  for (i = 0; i < n; i++)
    {
      const UctrDescriptor *d = g_ptr_array_index (image->manifest->layers, i);
      g_autoptr(UctrDigester) unused = NULL;
      g_autofree char *have = uctr_store_layer (store, d->digest);
      g_autofree char *what = NULL;
      int fd;

      if (have != NULL || !g_hash_table_add (added, d->digest))
        continue;
      what = g_strdup_printf (_("layer %u of %u"), i + 1, n);
      /* The unpack checks the digest itself, as it reads. */
      fd = uctr_layout_open_blob (layout, d, &unused, error);
      if (fd < 0 || !uctr_store_unpacker_add (u, fd, d->digest, d->size, what, NULL, NULL, error))
        {
          (void) uctr_store_unpacker_wait (u, NULL);
          return uctr_prefix_error (error, "%s", what);
        }
    }
  return uctr_store_unpacker_wait (u, error);
}

/* The manifest and config of IMAGE, read from LAYOUT and checked. */
static gboolean
read_documents (UctrLayout *layout, const UctrLayoutImage *image, char **text, gsize *len, GError **error)
{
  const UctrDescriptor docs[] = {
    { .digest = image->manifest_digest, .size = image->manifest_size },
    { .digest = image->config_digest, .size = image->manifest->config->size },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (docs); i++)
    if ((text[i] = uctr_layout_read_document (layout, &docs[i], docs[i].digest, &len[i], error)) == NULL)
      return FALSE;
  return TRUE;
}

static UctrImageRecord *
record_of (const UctrLayoutImage *image, const char *name)
{
  UctrImageRecord *r = g_new0 (UctrImageRecord, 1);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  GPtrArray *layers = g_ptr_array_new ();
  guint i;

  r->name = g_strdup (name);
  r->manifest_digest = g_strdup (image->manifest_digest);
  r->config_digest = g_strdup (image->config_digest);
  for (i = 0; i < image->manifest->layers->len; i++)
    {
      const UctrDescriptor *d = g_ptr_array_index (image->manifest->layers, i);
      g_ptr_array_add (layers, g_strdup (d->digest));
      r->size += d->size;
    }
  g_ptr_array_add (layers, NULL);
  r->layers = (char **) g_ptr_array_free (layers, FALSE);
  r->pulled = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  return r;
}

gboolean
uctr_store_put_image_locked (UctrStore *store, const UctrLayoutImage *image, char *const *text,
                             const gsize *len, const char *name, GError **error)
{
  return uctr_store_put_blob (store, image->manifest_digest, text[0], len[0], error)
         && uctr_store_put_blob (store, image->config_digest, text[1], len[1], error)
         && uctr_store_put_record (store, record_of (image, name), error);
}

gboolean
uctr_store_pull_layout (UctrStore *store, const char *dir, const char *ref, const char *name,
                        UctrUnpackReport *report, GError **error)
{
  g_autoptr(UctrLayout) layout = uctr_layout_open (dir, error);
  g_autoptr(UctrLayoutImage) image = layout != NULL ? uctr_layout_resolve (layout, ref, error) : NULL;
  g_autofree char *manifest = NULL, *config = NULL;
  char *text[2] = { NULL, NULL };
  gsize len[2];
  gboolean ok;

  if (image == NULL || !read_documents (layout, image, text, len, error))
    {
      g_free (text[0]);
      return FALSE;
    }
  manifest = text[0];
  config = text[1];
  if (!uctr_store_lock (store, error))
    return FALSE;
  ok = add_layers (store, layout, image, report, error)
       && uctr_store_put_image_locked (store, image, text, len, name, error);
  uctr_store_unlock (store);
  return ok;
}
