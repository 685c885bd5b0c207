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

#define SIZE_PREFIX ".size-"

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
char *
uctr_store_layer_name (const char *digest, GError **error)
{
  g_autofree char *hex = NULL;

  if (!uctr_digest_parse (digest, &hex, error))
    return NULL;
  return g_strdup_printf ("%.*s-%s", (int) (strchr (digest, ':') - digest), digest, hex);
}

char *
uctr_store_layer (UctrStore *store, const char *digest)
{
  g_autofree char *name = uctr_store_layer_name (digest, NULL);
  struct stat st;

  if (name == NULL || fstatat (store->layers_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR (st.st_mode))
    return NULL;
  return g_build_filename (store->root, "layers", name, NULL);
}

void
uctr_store_remove_debris (UctrStore *store)
{
  /* An open of its own: a dup would share (and start at) the offset an
     earlier listing left at the end. */
  int fd = openat (store->layers_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
    if (g_str_has_prefix (de->d_name, UCTR_STORE_TEMP_PREFIX))
      g_ptr_array_add (names, g_strdup (de->d_name));
  closedir (d);
  for (i = 0; i < names->len; i++)
    (void) uctr_store_remove (store->layers_fd, g_ptr_array_index (names, i), NULL);
}

int
uctr_store_open_dir (UctrStore *store, const char *name, gboolean create, GError **error)
{
  int fd;

  if (create && mkdirat (store->dir_fd, name, 0700) < 0 && errno != EEXIST)
    return uctr_throw_errno (error, _("Making %s/%s"), store->root, name), -1;
  fd = openat (store->dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && (create || errno != ENOENT))
    uctr_throw_errno (error, _("Opening %s/%s"), store->root, name);
  return fd;
}

int
uctr_store_layers_fd (const UctrStore *store)
{
  return store->layers_fd;
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

/* layers/.size-NAME: the bytes of its files, written once it is unpacked. */
static char *
size_name (const char *digest)
{
  g_autofree char *name = uctr_store_layer_name (digest, NULL);

  return name != NULL ? g_strconcat (SIZE_PREFIX, name, NULL) : NULL;
}

void
uctr_store_set_layer_size (UctrStore *store, const char *digest, guint64 bytes)
{
  g_autofree char *name = size_name (digest);
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT "\n", bytes);

  if (name != NULL)
    (void) uctr_write_file_atomic_at (store->layers_fd, name, text, strlen (text), 0600, NULL);
}

gint64
uctr_store_layer_size (UctrStore *store, const char *digest)
{
  g_autofree char *name = size_name (digest);
  g_autofree char *text = NULL;
  guint64 bytes;

  if (name == NULL || !uctr_read_file_at (store->layers_fd, name, 64, &text, NULL, NULL)
      || !g_ascii_string_to_unsigned (g_strchomp (text), 10, 0, G_MAXINT64, &bytes, NULL))
    return -1;
  return (gint64) bytes;
}

gboolean
uctr_store_remove_layer_locked (UctrStore *store, const char *digest, GError **error)
{
  g_autofree char *name = uctr_store_layer_name (digest, error);
  g_autofree char *size = size_name (digest);

  if (size != NULL)
    (void) unlinkat (store->layers_fd, size, 0);
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
