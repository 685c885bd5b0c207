/* uctr-image: pulling from a registry (imagecli/regpull.h). */
#include "imagecli/regpull.h"
#include "imagecli/progress.h"
#include "store/images.h"
#include "store/pull.h"
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
#define PARTIAL_SUFFIX ".partial"

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

/* Downloads */

typedef struct
{
  UctrRegistry *registry;
  UctrStore *store;
  int downloads;   /* the store's downloads/ */
  GPtrArray *todo; /* const UctrDescriptor *: layers the store lacks */
  guint next;
  guint running;
  GCancellable *cancel;
  GError *error; /* the first */
  GMainLoop *loop;
  UctrProgress *progress;
} Downloads;

typedef struct
{
  Downloads *dl;
  const UctrDescriptor *d;
  char *name; /* sha256-HEX */
  int fd;
  guint line;
} Download;

static void start_next (Downloads *dl);

static void
on_progress (gint64 done, gint64 total, gpointer data)
{
  Download *one = data;

  uctr_progress_update (one->dl->progress, one->line, done, NULL);
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Download *one = data;
  Downloads *dl = one->dl;
  g_autofree char *partial = g_strconcat (one->name, PARTIAL_SUFFIX, NULL);
  g_autoptr(GError) error = NULL;

  /* Not synced: a download is trusted only through the digest that its
     unpack checks again (and unpack_layers removes one that fails it). */
  if (uctr_registry_get_blob_finish (dl->registry, result, &error)
      && renameat (dl->downloads, partial, dl->downloads, one->name) == 0)
    uctr_progress_update (dl->progress, one->line, one->d->size, _("downloaded"));
  else
    {
      if (error == NULL)
        error = g_error_new (UCTR_ERRNO_ERROR, errno,
                             _("Keeping the layer %s: %s"), one->d->digest, g_strerror (errno));
      (void) unlinkat (dl->downloads, partial, 0);
      uctr_progress_update (dl->progress, one->line, 0, _("failed"));
      if (dl->error == NULL)
        {
          dl->error = g_steal_pointer (&error);
          g_cancellable_cancel (dl->cancel);
        }
    }
  close (one->fd);
  g_free (one->name);
  g_free (one);
  dl->running--;
  start_next (dl);
}

static void
start_next (Downloads *dl)
{
  while (dl->error == NULL && dl->running < PARALLEL && dl->next < dl->todo->len)
    {
      Download *one = g_new0 (Download, 1);
      g_autofree char *partial = NULL;

      one->dl = dl;
      one->d = g_ptr_array_index (dl->todo, dl->next++);
      one->name = uctr_store_layer_name (one->d->digest, NULL);
      partial = g_strconcat (one->name, PARTIAL_SUFFIX, NULL);
      one->fd = openat (dl->downloads, partial, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (one->fd < 0)
        {
          dl->error = g_error_new (UCTR_ERRNO_ERROR, errno,
                                   _("Making %s/%s/%s: %s"), uctr_store_root (dl->store),
                                      UCTR_STORE_DOWNLOADS, partial, g_strerror (errno));
          g_free (one->name);
          g_free (one);
          break;
        }
      one->line = uctr_progress_add (dl->progress, one->d->digest, one->d->size);
      dl->running++;
      uctr_registry_get_blob_async (dl->registry, one->d, one->fd, on_progress, one, dl->cancel, on_done,
                                    one);
    }
  if (dl->running == 0)
    g_main_loop_quit (dl->loop);
}

static gboolean
downloaded (int downloads, const UctrDescriptor *d)
{
  g_autofree char *name = uctr_store_layer_name (d->digest, NULL);
  struct stat st;

  return name != NULL && fstatat (downloads, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG (st.st_mode)
         && st.st_size == d->size;
}

/* The layers of F that the store has neither unpacked nor downloaded,
   downloaded into downloads/, PARALLEL at a time. */
static gboolean
download_layers (UctrStore *store, UctrRegistry *r, int downloads, const Fetched *f, UctrProgress *progress,
                 GError **error)
{
  /* The context the registry's connections were made on (libsoup keeps
     each on its own): the thread's default one, as for its manifests. */
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GPtrArray) todo = g_ptr_array_new ();
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  Downloads dl = { .registry = r,
                   .store = store,
                   .downloads = downloads,
                   .todo = todo,
                   .cancel = cancel,
                   .loop = loop,
                   .progress = progress };
  guint i;

  for (i = 0; i < f->image.manifest->layers->len; i++)
    {
      const UctrDescriptor *d = g_ptr_array_index (f->image.manifest->layers, i);
      g_autofree char *have = uctr_store_layer (store, d->digest);

      if (have == NULL && !downloaded (downloads, d))
        g_ptr_array_add (todo, (gpointer) d);
    }
  if (todo->len == 0)
    return TRUE;
  start_next (&dl);
  if (dl.running > 0)
    g_main_loop_run (loop);
  if (dl.error != NULL)
    {
      g_propagate_error (error, dl.error);
      return FALSE;
    }
  return TRUE;
}

/* Each layer the store lacks, unpacked from its download, in order. A
   download that does not unpack (its bytes do not match) is removed, so
   that the next pull fetches it again. */
static gboolean
unpack_layers (UctrStore *store, int downloads, const Fetched *f, UctrUnpackReport *report, GError **error)
{
  guint i, n = f->image.manifest->layers->len;

  for (i = 0; i < n; i++)
    {
      const UctrDescriptor *d = g_ptr_array_index (f->image.manifest->layers, i);
      g_autofree char *have = uctr_store_layer (store, d->digest);
      g_autofree char *name = NULL;
      uctr_autofd int fd = -1;
      gboolean ok;

      if (have != NULL)
        continue;
      name = uctr_store_layer_name (d->digest, error);
      if (name == NULL || (fd = openat (downloads, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return name != NULL ? uctr_throw_errno (error, _("Opening the download of layer %u of %u"), i + 1, n)
                                                : FALSE;
      ok = uctr_store_add_layer_locked (store, fd, d->digest, d->size, report, error);
      (void) unlinkat (downloads, name, 0);
      if (!ok)
        return uctr_prefix_error (error, _("layer %u of %u"), i + 1, n);
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
  uctr_autofd int downloads = -1;
  gboolean ok;

  if (r == NULL
      || !fetch_manifest (r, what, src->ref->digest != NULL ? src->ref->digest : src->ref->tag, &f, error)
      || !fetch_config (r, what, &f, error))
    return FALSE;
  /* One pull at a time per store: a second pull of the same image waits,
     then finds its layers there. */
  if (!uctr_store_lock (store, error))
    return FALSE;
  ok = (downloads = uctr_store_open_dir (store, UCTR_STORE_DOWNLOADS, TRUE, error)) >= 0
       && download_layers (store, r, downloads, &f, progress, error)
       && unpack_layers (store, downloads, &f, report, error)
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
