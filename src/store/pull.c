/* uctr: images into the store (store/pull.h).
 *
 * A layer is unpacked beside its place (.tmp-NAME-RANDOM in layers/),
 * synced, and renamed; the manifest and config are kept as blobs; the
 * image's record is written last, under the store's lock.
 */
#include "store/pull.h"
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

gboolean
uctr_store_unpack (int blob_fd, int dir_fd, const char *digest, gint64 size, UctrUnpackReport *report,
                   GError **error)
{
  gboolean as_root = geteuid () == 0 && !uctr_running_in_userns ();
  UctrUnpackOptions opts = { .chown = TRUE, .userxattr = !as_root, .digest = digest, .size = size };
  g_autofree char *size_text = NULL;

  UctrStoreHelperReport counts = { 0 };

  /* In the helper, or as root: the work itself. */
  if (uctr_store_in_place ())
    return uctr_unpack_layer (blob_fd, dir_fd, &opts, report, error);
  size_text = g_strdup_printf ("%" G_GINT64_FORMAT, size);
  {
    const char *args[] = { "unpack", digest != NULL ? digest : "-", size_text, NULL };
    const int fds[] = { blob_fd, dir_fd };

    if (!uctr_store_run_helper (args, fds, 2, &counts, error))
      return FALSE;
  }
  if (report != NULL)
    {
      report->devices_skipped += counts.counts[0];
      report->xattrs_skipped += counts.counts[1];
      report->bytes += counts.bytes;
    }
  return TRUE;
}

gboolean
uctr_store_unpack_job (int argc, char **argv, gboolean *mine, UctrStoreHelperReport *report, GError **error)
{
  UctrUnpackReport r = { 0 };
  gint64 size;

  if (argc != 5 || strcmp (argv[2], "unpack") != 0
      || !g_ascii_string_to_signed (argv[4], 10, -1, G_MAXINT64, &size, NULL))
    return FALSE;
  *mine = TRUE;
  if (!uctr_store_unpack (UCTR_STORE_JOB_FD_1, UCTR_STORE_JOB_FD_2,
                          strcmp (argv[3], "-") != 0 ? argv[3] : NULL, size, &r, error))
    return FALSE;
  report->counts[0] = r.devices_skipped;
  report->counts[1] = r.xattrs_skipped;
  report->bytes = r.bytes;
  return TRUE;
}

static gboolean
unpack_into_place (UctrStore *store, int blob_fd, const char *digest, gint64 size, const char *name,
                   UctrUnpackReport *report, GError **error)
{
  g_autofree char *temp = g_strdup_printf (UCTR_STORE_TEMP_PREFIX "%s-%08x", name, g_random_int ());
  UctrUnpackReport mine = { 0 };
  uctr_autofd int dir = -1;

  if (mkdirat (uctr_store_layers_fd (store), temp, 0755) < 0
      || (dir = openat (uctr_store_layers_fd (store), temp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC))
             < 0)
    return uctr_throw_errno (error, _("Making a layer in the image store %s"), uctr_store_root (store));
  if (!uctr_store_unpack (blob_fd, dir, digest, size, &mine, error))
    {
      (void) uctr_store_remove (uctr_store_layers_fd (store), temp, NULL);
      return FALSE;
    }
  if (report != NULL)
    {
      report->devices_skipped += mine.devices_skipped;
      report->xattrs_skipped += mine.xattrs_skipped;
      report->bytes += mine.bytes;
    }
  /* On disk before it has its name: a crash leaves a temp, never half a layer. */
  if (syncfs (dir) < 0
      || renameat (uctr_store_layers_fd (store), temp, uctr_store_layers_fd (store), name) < 0)
    {
      int errsv = errno;
      (void) uctr_store_remove (uctr_store_layers_fd (store), temp, NULL);
      return uctr_throw_errno_code (error, errsv, _("Putting the layer %s in place"), digest);
    }
  /* Once the layer has its name: a size never outlives a layer that did not. */
  uctr_store_set_layer_size (store, digest, mine.bytes);
  return TRUE;
}

gboolean
uctr_store_add_layer_locked (UctrStore *store, int blob_fd, const char *digest, gint64 size,
                             UctrUnpackReport *report, GError **error)
{
  g_autofree char *name = uctr_store_layer_name (digest, error);
  g_autofree char *have = NULL;

  if (name == NULL)
    return FALSE;
  uctr_store_remove_debris (store);
  have = uctr_store_layer (store, digest);
  return have != NULL || unpack_into_place (store, blob_fd, digest, size, name, report, error);
}

gboolean
uctr_store_add_layer (UctrStore *store, int blob_fd, const char *digest, gint64 size,
                      UctrUnpackReport *report, GError **error)
{
  gboolean ok;

  if (!uctr_store_lock (store, error))
    return FALSE;
  ok = uctr_store_add_layer_locked (store, blob_fd, digest, size, report, error);
  uctr_store_unlock (store);
  return ok;
}

/* An OCI layout */

static gboolean
add_layers (UctrStore *store, UctrLayout *layout, const UctrLayoutImage *image, UctrUnpackReport *report,
            GError **error)
{
  guint i;

  for (i = 0; i < image->manifest->layers->len; i++)
    {
      const UctrDescriptor *d = g_ptr_array_index (image->manifest->layers, i);
      g_autoptr(UctrDigester) unused = NULL;
      uctr_autofd int fd = uctr_layout_open_blob (layout, d, &unused, error);

      /* The unpack checks the digest itself, as it reads. */
      if (fd < 0 || !uctr_store_add_layer_locked (store, fd, d->digest, d->size, report, error))
        return uctr_prefix_error (error, _("layer %u of %u"), i + 1, image->manifest->layers->len);
    }
  return TRUE;
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
