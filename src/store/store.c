/* uctr: the image store's layers. */
#include "store/store.h"
#include "store/helper.h"
#include "image/digest.h"
#include "base/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEMP_PREFIX ".tmp-"

struct _UctrStore
{
  char *root;
  int dir_fd;
  int layers_fd;
  int lock_fd;
};

void
uctr_store_free (UctrStore *store)
{
  if (store == NULL)
    return;
  uctr_close_fdp (&store->dir_fd);
  uctr_close_fdp (&store->layers_fd);
  uctr_close_fdp (&store->lock_fd);
  g_free (store->root);
  g_free (store);
}

const char *
uctr_store_root (const UctrStore *store)
{
  return store->root;
}

static char *
default_root (void)
{
  if (geteuid () == 0 && !uctr_running_in_userns ())
    return g_strdup ("/var/lib/uctr/storage");
  return g_build_filename (g_get_user_data_dir (), "uctr", "storage", NULL);
}

UctrStore *
uctr_store_open (const char *root, GError **error)
{
  g_autoptr(UctrStore) store = g_new0 (UctrStore, 1);
  g_autofree char *layers = NULL;
  g_autofree char *lock = NULL;

  store->dir_fd = -1;
  store->layers_fd = -1;
  store->lock_fd = -1;
  store->root = root != NULL ? g_strdup (root) : default_root ();
  layers = g_build_filename (store->root, "layers", NULL);
  lock = g_build_filename (store->root, "lock", NULL);
  if (g_mkdir_with_parents (layers, 0700) < 0)
    return uctr_throw_errno (error, _("Making the image store %s"), store->root), NULL;
  store->dir_fd = open (store->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  store->layers_fd = open (layers, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  store->lock_fd = open (lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (store->dir_fd < 0 || store->layers_fd < 0 || store->lock_fd < 0)
    return uctr_throw_errno (error, _("Opening the image store %s"), store->root), NULL;
  return g_steal_pointer (&store);
}

/* "sha256-HEX": no ':', which overlayfs's lowerdir takes as a separator. */
static char *
layer_name (const char *digest, GError **error)
{
  g_autofree char *hex = NULL;

  if (!uctr_digest_parse (digest, NULL, &hex, error))
    return NULL;
  return g_strdup_printf ("%.*s-%s", (int) (strchr (digest, ':') - digest), digest, hex);
}

char *
uctr_store_layer (UctrStore *store, const char *digest)
{
  g_autofree char *name = layer_name (digest, NULL);
  struct stat st;

  if (name == NULL || fstatat (store->layers_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR (st.st_mode))
    return NULL;
  return g_build_filename (store->root, "layers", name, NULL);
}

/* What unpacks that were killed left (only while the lock is held: no
   unpack runs then). */
static void
remove_temps (UctrStore *store)
{
  int fd = fcntl (store->layers_fd, F_DUPFD_CLOEXEC, 0);
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  struct dirent *de;
  guint i;

  if (d == NULL)
    {
      if (fd >= 0)
        close (fd);
      return;
    }
  while ((de = readdir (d)) != NULL)
    if (g_str_has_prefix (de->d_name, TEMP_PREFIX))
      g_ptr_array_add (names, g_strdup (de->d_name));
  closedir (d);
  for (i = 0; i < names->len; i++)
    (void) uctr_store_remove (store->layers_fd, g_ptr_array_index (names, i), NULL);
}

int
uctr_store_dirfd (const UctrStore *store)
{
  return store->dir_fd;
}

gboolean
uctr_store_lock (UctrStore *store, GError **error)
{
  if (TEMP_FAILURE_RETRY (flock (store->lock_fd, LOCK_EX)) < 0)
    return uctr_throw_errno (error, _("Locking the image store %s"), store->root);
  return TRUE;
}

void
uctr_store_unlock (UctrStore *store)
{
  (void) flock (store->lock_fd, LOCK_UN);
}

static gboolean
unpack_into_place (UctrStore *store, int blob_fd, const char *digest, gint64 size, const char *name,
                   UctrUnpackReport *report, GError **error)
{
  g_autofree char *temp = g_strdup_printf (TEMP_PREFIX "%s-%08x", name, g_random_int ());
  uctr_autofd int dir = -1;

  if (mkdirat (store->layers_fd, temp, 0755) < 0
      || (dir = openat (store->layers_fd, temp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    return uctr_throw_errno (error, _("Making a layer in the image store %s"), store->root);
  if (!uctr_store_unpack (blob_fd, dir, digest, size, report, error))
    {
      (void) uctr_store_remove (store->layers_fd, temp, NULL);
      return FALSE;
    }
  /* On disk before it has its name: a crash leaves a temp, never half a layer. */
  if (syncfs (dir) < 0 || renameat (store->layers_fd, temp, store->layers_fd, name) < 0)
    {
      int errsv = errno;
      (void) uctr_store_remove (store->layers_fd, temp, NULL);
      return uctr_throw_errno_code (error, errsv, _("Putting the layer %s in place"), digest);
    }
  return TRUE;
}

gboolean
uctr_store_add_layer_locked (UctrStore *store, int blob_fd, const char *digest, gint64 size,
                             UctrUnpackReport *report, GError **error)
{
  g_autofree char *name = layer_name (digest, error);
  g_autofree char *have = NULL;

  if (name == NULL)
    return FALSE;
  remove_temps (store);
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

gboolean
uctr_store_remove_layer_locked (UctrStore *store, const char *digest, GError **error)
{
  g_autofree char *name = layer_name (digest, error);

  return name != NULL && uctr_store_remove (store->layers_fd, name, error);
}

gboolean
uctr_store_remove_layer (UctrStore *store, const char *digest, GError **error)
{
  gboolean ok;

  if (!uctr_store_lock (store, error))
    return FALSE;
  ok = uctr_store_remove_layer_locked (store, digest, error);
  uctr_store_unlock (store);
  return ok;
}
