/* uctr-image: pulling from a registry (imagecli/regpull.h). */
#include "imagecli/regpull.h"
#include "imagecli/progress.h"
#include "store/images.h"
#include "store/pull.h"
#include "store/unpacker.h"
#include "image/digest.h"
#include "image/layout.h"
#include "image/manifest.h"
#include "image/registries.h"
#include "image/registry.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Layers on the way at once: enough to fill a link, few enough for a
   registry's rate limits (podman's default is 6 per image; 3 keeps a
   laptop's link shared). */
#define PARALLEL 3

/* The image: manifest, config, and their texts */

typedef struct
{
  UctrLayoutImage image;
  char *text[2]; /* manifest, config */
  gsize len[2];
} Fetched;

static void
fetched_clear (Fetched *f)
{
  g_free (f->image.manifest_digest);
  g_clear_pointer (&f->image.manifest, uctr_manifest_free);
  g_clear_pointer (&f->image.config, uctr_image_config_free);
  g_free (f->image.config_digest);
  g_free (f->text[0]);
  g_free (f->text[1]);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Fetched, fetched_clear)

/* The manifest REFERENCE names, through an index to this machine's. */
static gboolean
fetch_manifest (UctrRegistry *r, const char *what, const char *reference, Fetched *f, GError **error)
{
  g_autofree char *media_type = NULL;
  g_autofree char *text = NULL;
  g_autofree char *digest = NULL;
  gsize len;
  const char *os, *arch, *variant;

  text = uctr_registry_get_manifest (r, reference, &media_type, &digest, &len, NULL, error);
  if (text == NULL)
    return FALSE;
  if (uctr_blob_kind (media_type) == UCTR_BLOB_INDEX
      || (uctr_blob_kind (media_type) != UCTR_BLOB_MANIFEST
          && uctr_image_json_kind (text, len) == UCTR_BLOB_INDEX))
    {
      g_autoptr(UctrIndex) index = uctr_index_parse (text, len, what, error);
      const UctrDescriptor *d;

      uctr_image_host_platform (&os, &arch, &variant);
      if (index == NULL || (d = uctr_index_select (index, os, arch, variant, what, error)) == NULL)
        return FALSE;
      g_clear_pointer (&text, g_free);
      g_clear_pointer (&digest, g_free);
      text = uctr_registry_get_manifest (r, d->digest, NULL, &digest, &len, NULL, error);
      if (text == NULL)
        return FALSE;
    }
  if ((f->image.manifest = uctr_manifest_parse (text, len, what, error)) == NULL)
    return FALSE;
  f->image.manifest_digest = g_steal_pointer (&digest);
  f->image.manifest_size = (gint64) len;
  f->text[0] = g_steal_pointer (&text);
  f->len[0] = len;
  return TRUE;
}

static gboolean
fetch_config (UctrRegistry *r, const char *what, Fetched *f, GError **error)
{
  const UctrDescriptor *d = f->image.manifest->config;
  const char *os, *arch, *variant;

  f->text[1] = uctr_registry_get_document (r, d, &f->len[1], NULL, error);
  if (f->text[1] == NULL
      || (f->image.config = uctr_image_config_parse (f->text[1], f->len[1], what, error)) == NULL)
    return FALSE;
  f->image.config_digest = g_strdup (d->digest);
  uctr_image_host_platform (&os, &arch, &variant);
  if (g_strcmp0 (f->image.config->architecture, arch) != 0)
    g_printerr (_("uctr: warning: %s is for %s/%s, not this machine's %s/%s\n"), what, f->image.config->os,
                   f->image.config->architecture, os, arch);
  return TRUE;
}

/* Layers: each downloaded into a pipe that its unpack reads */

typedef struct
{
  UctrRegistry *registry;
  UctrStoreUnpacker *unpacker;
  GPtrArray *layers_of; /* the manifest's (const UctrDescriptor *) */
  GArray *todo;         /* guint: indexes of the layers the store lacks */
  guint next;
  guint downloading; /* downloads on the way */
  guint layers;      /* layers started and not yet done both ways */
  GCancellable *cancel;
  GError *error; /* the first */
  UctrProgress *progress;
} Layers;

typedef struct
{
  Layers *all;
  const UctrDescriptor *d;
  guint index; /* in the manifest, from 1 */
  int pipe;    /* the write end, while the download is on the way */
  guint line;
  gboolean downloaded, unpacked;
  GError *download_error, *unpack_error;
} Layer;

static void start_next (Layers *all);

static void
on_progress (gint64 done, gint64 total, gpointer data)
{
  Layer *one = data;

  uctr_progress_update (one->all->progress, one->line, done, NULL);
}

/* Why ONE failed: the download's error, unless it is only that its unpack
   stopped reading (a hostile entry: the unpack says which). */
static GError *
layer_error (Layer *one)
{
  if (one->download_error != NULL
      && (one->unpack_error == NULL
          || !g_error_matches (one->download_error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE)))
    return g_steal_pointer (&one->download_error);
  return g_steal_pointer (&one->unpack_error);
}

/* ONE is done when its download and its unpack both are. */
static void
layer_end (Layer *one)
{
  Layers *all = one->all;
  GError *error;

  if (!one->downloaded || !one->unpacked)
    return;
  error = layer_error (one);
  uctr_progress_update (all->progress, one->line, error == NULL ? one->d->size : 0,
                        error == NULL ? _("done") : _("failed"));
  if (error != NULL && all->error == NULL)
    {
      g_autofree char *what = g_strdup_printf (_("layer %u of %u"), one->index, all->layers_of->len);

      g_prefix_error (&error, "%s: ", what);
      all->error = error;
      g_cancellable_cancel (all->cancel);
    }
  else
    g_clear_error (&error);
  g_clear_error (&one->download_error);
  g_clear_error (&one->unpack_error);
  g_free (one);
  all->layers--;
}

static void
on_downloaded (GObject *source, GAsyncResult *result, gpointer data)
{
  Layer *one = data;
  Layers *all = one->all;

  (void) uctr_registry_get_blob_finish (all->registry, result, &one->download_error);
  /* The end of the blob for its unpack, which checks the digest again. */
  close (one->pipe);
  one->pipe = -1;
  one->downloaded = TRUE;
  all->downloading--;
  if (one->download_error == NULL)
    uctr_progress_update (all->progress, one->line, one->d->size, _("unpacking"));
  layer_end (one);
  start_next (all);
}

static void
on_unpacked (const GError *error, gpointer data)
{
  Layer *one = data;

  one->unpack_error = error != NULL ? g_error_copy (error) : NULL;
  one->unpacked = TRUE;
  layer_end (one);
}

/* The next layer's download and unpack started; FALSE with ALL->error set
   when they could not be. */
static gboolean
start_one (Layers *all, const UctrDescriptor *d, guint index)
{
  Layer *one = g_new0 (Layer, 1);
  int p[2];

  one->all = all;
  one->d = d;
  one->index = index;
  if (pipe2 (p, O_CLOEXEC) < 0)
    {
      all->error = g_error_new (UCTR_ERRNO_ERROR, errno,
                                _("Making a pipe for layer %u: %s"), index, g_strerror (errno));
      g_free (one);
      return FALSE;
    }
  /* Room for a few of the download's chunks while the unpack catches up
     (a larger pipe than the kernel allows is only a smaller one). */
  (void) fcntl (p[1], F_SETPIPE_SZ, 1024 * 1024);
  if (!uctr_store_unpacker_add (all->unpacker, p[0], d->digest, d->size, NULL, on_unpacked, one, &all->error))
    {
      close (p[1]);
      g_free (one);
      return FALSE;
    }
  one->pipe = p[1];
  one->line = uctr_progress_add (all->progress, d->digest, d->size);
  all->downloading++;
  all->layers++;
  uctr_registry_get_blob_async (all->registry, d, one->pipe, on_progress, one, all->cancel, on_downloaded,
                                one);
  return TRUE;
}

static void
start_next (Layers *all)
{
  while (all->error == NULL && all->downloading < PARALLEL && all->next < all->todo->len)
    {
      guint i = g_array_index (all->todo, guint, all->next++);

      if (!start_one (all, g_ptr_array_index (all->layers_of, i), i + 1))
        g_cancellable_cancel (all->cancel);
    }
}

/* The layers of F that the store lacks, each downloaded into a pipe that
   its unpack reads as the bytes come, PARALLEL at a time, in one store
   helper; a layer is in place once its unpack checked its digest. */
static gboolean
fetch_layers (UctrStore *store, UctrRegistry *r, const Fetched *f, UctrProgress *progress,
              UctrUnpackReport *report, GError **error)
{
  g_autoptr(GArray) todo = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_autoptr(UctrStoreUnpacker) unpacker = NULL;
  /* The context the registry's connections were made on (libsoup keeps
     each on its own): the thread's default one, as for its manifests. */
  GMainContext *context = g_main_context_get_thread_default ();
  Layers all = { .registry = r,
                 .layers_of = f->image.manifest->layers,
                 .todo = todo,
                 .cancel = cancel,
                 .progress = progress };
  guint i;

  for (i = 0; i < f->image.manifest->layers->len; i++)
    {
      const UctrDescriptor *d = g_ptr_array_index (f->image.manifest->layers, i);
      g_autofree char *have = uctr_store_layer (store, d->digest);

      /* An image may list one layer twice (empty layers often are). */
      if (have == NULL && g_hash_table_add (seen, d->digest))
        g_array_append_val (todo, i);
    }
  if (todo->len == 0)
    return TRUE;
  /* Downloads bound the unpacks: each reads a pipe, so none waits for another. */
  if ((unpacker = uctr_store_unpacker_new (store, 0, report, error)) == NULL)
    return FALSE;
  all.unpacker = unpacker;
  start_next (&all);
  while (all.layers > 0)
    g_main_context_iteration (context, TRUE);
  if (all.error != NULL)
    {
      g_propagate_error (error, all.error);
      return FALSE;
    }
  return TRUE;
}

/* One source: an image at a registry */

static gboolean
pull_source (UctrStore *store, const UctrRegistrySource *src, const char *name, gboolean quiet,
             UctrUnpackReport *report, GError **error)
{
  g_autoptr(UctrRegistry) r
             = uctr_registry_new (src->ref->registry, src->ref->repository, src->insecure, error);
  g_autoptr(UctrProgress) progress = uctr_progress_new (quiet);
  g_autofree char *what = uctr_reference_to_string (src->ref);
  g_auto(Fetched) f = { 0 };
  gboolean ok;

  if (r == NULL
      || !fetch_manifest (r, what, src->ref->digest != NULL ? src->ref->digest : src->ref->tag, &f, error)
      || !fetch_config (r, what, &f, error))
    return FALSE;
  /* One pull at a time per store: a second pull of the same image waits,
     then finds its layers there. */
  if (!uctr_store_lock (store, error))
    return FALSE;
  ok = fetch_layers (store, r, &f, progress, report, error)
       && uctr_store_put_image_locked (store, &f.image, f.text, f.len, name, error);
  uctr_store_unlock (store);
  uctr_progress_flush (progress);
  return ok;
}

/* Its mirrors, then its location: the first that has the image. */
static gboolean
pull_candidate (UctrStore *store, UctrRegistries *conf, const char *candidate, gboolean quiet, char **name,
                UctrUnpackReport *report, GError **error)
{
  g_autoptr(UctrReference) ref = uctr_reference_parse (candidate, error);
  g_autoptr(UctrRegistryEndpoint) e = NULL;
  g_autoptr(GError) last = NULL;
  guint i;

  if (ref == NULL || (e = uctr_registries_endpoint (conf, ref, error)) == NULL)
    return FALSE;
  *name = uctr_reference_to_string (ref);
  for (i = 0; i < e->sources->len; i++)
    {
      g_clear_error (&last);
      if (pull_source (store, g_ptr_array_index (e->sources, i), *name, quiet, report, &last))
        return TRUE;
    }
  g_propagate_error (error, g_steal_pointer (&last));
  g_clear_pointer (name, g_free);
  return FALSE;
}

gboolean
uctr_regpull (UctrStore *store, const UctrReference *ref, gboolean quiet, char **name,
              UctrUnpackReport *report, GError **error)
{
  g_autoptr(UctrRegistries) conf = uctr_registries_load (error);
  g_auto(GStrv) candidates = NULL;
  g_autoptr(GString) tried = g_string_new (NULL);
  guint i;

  if (conf == NULL || (candidates = uctr_registries_resolve (conf, ref, error)) == NULL)
    return FALSE;
  for (i = 0; candidates[i] != NULL; i++)
    {
      g_autoptr(GError) local = NULL;

      if (pull_candidate (store, conf, candidates[i], quiet, name, report, &local))
        return TRUE;
      /* A short name: the next registry may have it (podman tries each). */
      if (candidates[1] == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      g_string_append_printf (tried, "\n  %s: %s", candidates[i], local->message);
    }
  return uctr_throw (error, UCTR_ERROR_NOT_FOUND, _("no registry had it:%s"), tried->str);
}
