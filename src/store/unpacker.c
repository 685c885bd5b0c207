/* uctr: layers into the image store as their bytes come (store/unpacker.h).
 *
 * Each unpack is a job: in the store helper for a user (its threads run
 * them side by side, its answers come on a socket the main context
 * watches), or in a thread of this process as root. A job makes its temp,
 * unpacks into it, syncs it (a crash leaves a temp, never half a layer
 * under a layer's name) or removes it when the unpack fails; the unpacker
 * then renames it into place from the main context.
 */
#include "store/unpacker.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The job, wherever it runs */

static gboolean
unpack_into (int blob_fd, int layers_fd, const char *digest, gint64 size, const char *temp,
             UctrStoreHelperReport *report, GError **error)
{
  gboolean as_root = geteuid () == 0 && !uctr_running_in_userns ();
  UctrUnpackOptions opts = { .chown = TRUE, .userxattr = !as_root, .digest = digest, .size = size };
  UctrUnpackReport r = { 0 };
  uctr_autofd int dir = -1;
  gboolean ok;

  if (!g_str_has_prefix (temp, UCTR_STORE_TEMP_PREFIX) || strchr (temp, '/') != NULL)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("\"%s\" is no temp of the image store"), temp);
  if (mkdirat (layers_fd, temp, 0755) < 0
      || (dir = openat (layers_fd, temp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    return uctr_throw_errno (error, _("Making a layer in the image store"));
  ok = uctr_unpack_layer (blob_fd, dir, &opts, &r, error);
  if (ok && syncfs (dir) < 0)
    ok = uctr_throw_errno (error, _("Writing the layer %s to disk"), digest);
  if (!ok)
    (void) uctr_remove_tree_at (layers_fd, temp);
  report->counts[0] = r.devices_skipped;
  report->counts[1] = r.xattrs_skipped;
  report->bytes = r.bytes;
  return ok;
}

gboolean
uctr_store_unpack_job (const char *const *args, const int *fds, int n_fds, gboolean *mine,
                       UctrStoreHelperReport *report, GError **error)
{
  gint64 size;

  if (strcmp (args[0], "unpack") != 0)
    return FALSE;
  *mine = TRUE;
  if (g_strv_length ((char **) args) != 4 || n_fds != 2
      || !g_ascii_string_to_signed (args[2], 10, -1, G_MAXINT64, &size, NULL))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("__store-helper: a malformed unpack job"));
  return unpack_into (fds[0], fds[1], args[1], size, args[3], report, error);
}

/* The unpacker */

struct _UctrStoreUnpacker
{
  UctrStore *store;
  guint max;
  UctrUnpackReport *report;
  GMainContext *context;
  UctrStoreHelper *helper; /* NULL: jobs in threads of this process */
  GSource *answers;        /* the helper's, watched */
  GHashTable *pending;     /* id -> Pending */
  guint64 next_id;
  GError *error; /* the first failure */
};

typedef struct
{
  UctrStoreUnpacker *u;
  guint64 id;
  char *digest;
  gint64 size;
  char *name; /* in layers/ */
  char *temp;
  char *what;
  UctrLayerDone done;
  gpointer data;
  /* A job in a thread: its blob, and what it came to. */
  int blob_fd;
  UctrStoreHelperReport report;
  GError *error;
  gboolean ok;
} Pending;

static void
pending_free (Pending *p)
{
  if (p->blob_fd >= 0)
    close (p->blob_fd);
  g_free (p->digest);
  g_free (p->name);
  g_free (p->temp);
  g_free (p->what);
  g_clear_error (&p->error);
  g_free (p);
}

/* P's job ended: its layer renamed into place, or its error kept. */
static void
finish (Pending *p, gboolean ok, const UctrStoreHelperReport *report, GError *error)
{
  UctrStoreUnpacker *u = p->u;
  int layers = uctr_store_layers_fd (u->store);
  g_autoptr(GError) local = error;

  if (ok && renameat (layers, p->temp, layers, p->name) < 0)
    {
      local = g_error_new (UCTR_ERRNO_ERROR, errno,
                           _("Putting the layer %s in place: %s"), p->digest, g_strerror (errno));
      (void) uctr_store_remove (layers, p->temp, NULL);
      ok = FALSE;
    }
  if (ok)
    {
      /* Once the layer has its name: a size never outlives a layer that did not. */
      uctr_store_set_layer_size (u->store, p->digest, report->bytes);
      if (u->report != NULL)
        {
          u->report->devices_skipped += report->counts[0];
          u->report->xattrs_skipped += report->counts[1];
          u->report->bytes += report->bytes;
        }
    }
  else
    {
      if (p->what != NULL)
        g_prefix_error (&local, "%s: ", p->what);
      if (u->error == NULL)
        u->error = g_error_copy (local);
    }
  if (p->done != NULL)
    p->done (ok ? NULL : local, p->data);
  g_hash_table_remove (u->pending, &p->id);
}

/* Every job still pending fails with ERROR (the helper is gone). */
static void
fail_all (UctrStoreUnpacker *u, const GError *error)
{
  g_autoptr(GList) ids = g_hash_table_get_keys (u->pending);
  GList *l;

  for (l = ids; l != NULL; l = l->next)
    {
      Pending *p = g_hash_table_lookup (u->pending, l->data);

      if (p != NULL)
        finish (p, FALSE, NULL, g_error_copy (error));
    }
}

static gboolean
on_answer (int fd, GIOCondition condition, gpointer data)
{
  UctrStoreUnpacker *u = data;
  UctrStoreHelperReport report = { 0 };
  GError *error = NULL;
  guint64 id;
  gboolean ok = uctr_store_helper_receive (u->helper, &id, &report, &error);
  Pending *p;

  if (id == 0)
    {
      fail_all (u, error);
      g_clear_error (&error);
      u->answers = NULL;
      return G_SOURCE_REMOVE;
    }
  if ((p = g_hash_table_lookup (u->pending, &id)) != NULL)
    finish (p, ok, &report, error);
  else
    g_clear_error (&error);
  return G_SOURCE_CONTINUE;
}

UctrStoreUnpacker *
uctr_store_unpacker_new (UctrStore *store, guint max, UctrUnpackReport *report, GError **error)
{
  g_autoptr(UctrStoreUnpacker) u = g_new0 (UctrStoreUnpacker, 1);

  u->store = store;
  u->max = max;
  u->report = report;
  u->context = g_main_context_ref_thread_default ();
  u->pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, (GDestroyNotify) pending_free);
  uctr_store_remove_debris (store);
  if (!uctr_store_in_place ())
    {
      if ((u->helper = uctr_store_helper_start (error)) == NULL)
        return NULL;
      u->answers = g_unix_fd_source_new (uctr_store_helper_fd (u->helper), G_IO_IN | G_IO_HUP | G_IO_ERR);
      g_source_set_callback (u->answers, G_SOURCE_FUNC (on_answer), u, NULL);
      g_source_attach (u->answers, u->context);
      g_source_unref (u->answers);
    }
  return g_steal_pointer (&u);
}

/* Runs the context until fewer than LIMIT jobs are pending. */
static void
run_until_fewer (UctrStoreUnpacker *u, guint limit)
{
  while (g_hash_table_size (u->pending) >= limit && g_hash_table_size (u->pending) > 0)
    g_main_context_iteration (u->context, TRUE);
}

void
uctr_store_unpacker_free (UctrStoreUnpacker *u)
{
  if (u == NULL)
    return;
  /* Threads of this process end as their blobs do; the helper's with it. */
  if (u->helper == NULL)
    run_until_fewer (u, 1);
  if (u->answers != NULL)
    g_source_destroy (u->answers);
  uctr_store_helper_stop (u->helper);
  g_hash_table_unref (u->pending);
  g_main_context_unref (u->context);
  g_clear_error (&u->error);
  g_free (u);
}

static gboolean
thread_done (gpointer data)
{
  Pending *p = data;

  finish (p, p->ok, &p->report, g_steal_pointer (&p->error));
  return G_SOURCE_REMOVE;
}

static gpointer
thread_job (gpointer data)
{
  Pending *p = data;
  GSource *done;

  p->ok = unpack_into (p->blob_fd, uctr_store_layers_fd (p->u->store), p->digest, p->size, p->temp,
                       &p->report, &p->error);
  close (p->blob_fd);
  p->blob_fd = -1;
  /* Said in the unpacker's context, by the thread that runs it. */
  done = g_idle_source_new ();
  g_source_set_callback (done, thread_done, p, NULL);
  g_source_attach (done, p->u->context);
  g_source_unref (done);
  return NULL;
}

static gboolean
start_job (UctrStoreUnpacker *u, Pending *p, GError **error)
{
  g_autofree char *size = g_strdup_printf ("%" G_GINT64_FORMAT, p->size);
  const char *args[] = { "unpack", p->digest, size, p->temp, NULL };
  const int fds[] = { p->blob_fd, uctr_store_layers_fd (u->store) };
  GThread *thread;

  if (u->helper != NULL)
    {
      if (u->answers == NULL)
        return uctr_throw (error, UCTR_ERROR_FAILED, _("the image store's helper ended"));
      return uctr_store_helper_send (u->helper, p->id, args, fds, 2, error);
    }
  thread = g_thread_try_new ("unpack", thread_job, p, error);
  if (thread == NULL)
    return FALSE;
  g_thread_unref (thread);
  return TRUE;
}

gboolean
uctr_store_unpacker_add (UctrStoreUnpacker *u, int blob_fd, const char *digest, gint64 size, const char *what,
                         UctrLayerDone done, gpointer data, GError **error)
{
  Pending *p = g_new0 (Pending, 1);

  p->blob_fd = blob_fd;
  p->name = uctr_store_layer_name (digest, error);
  if (p->name == NULL)
    {
      pending_free (p);
      return FALSE;
    }
  if (u->max > 0)
    run_until_fewer (u, u->max);
  p->u = u;
  p->id = ++u->next_id;
  p->digest = g_strdup (digest);
  p->size = size;
  p->temp = g_strdup_printf (UCTR_STORE_TEMP_PREFIX "%s-%08x", p->name, g_random_int ());
  p->what = g_strdup (what);
  p->done = done;
  p->data = data;
  if (!start_job (u, p, error))
    {
      pending_free (p);
      return FALSE;
    }
  g_hash_table_insert (u->pending, &p->id, p);
  /* The helper has its own copy of the blob's fd: this one would keep a
     pipe open after its unpack failed. */
  if (u->helper != NULL)
    {
      close (p->blob_fd);
      p->blob_fd = -1;
    }
  return TRUE;
}

gboolean
uctr_store_unpacker_wait (UctrStoreUnpacker *u, GError **error)
{
  run_until_fewer (u, 1);
  if (u->error != NULL)
    {
      g_propagate_error (error, g_error_copy (u->error));
      return FALSE;
    }
  return TRUE;
}
