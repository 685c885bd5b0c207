/* uctr: the writable layers of containers run from images (store/containers.h). */
#include "store/containers.h"
#include "store/helper.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONTAINERS "containers"
#define IMAGE_FILE "image"
#define IMAGE_FILE_MAX (1024 * 1024)

/* upper/, work/ and merged/ in the new directory FD. The container's root
   (the caller, mapped to 0) owns them: the root directory of the image is
   the upper directory's once copied up. */
static gboolean
make_parts (int fd, const UctrImageRecord *image, GError **error)
{
  static const char *const parts[] = { "upper", "work", "merged" };
  g_autofree char *layers = g_strjoinv ("\n", image->layers);
  g_autofree char *text = g_strdup_printf ("%s\n%s\n", image->manifest_digest, layers);
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (parts); i++)
    if (mkdirat (fd, parts[i], 0755) < 0)
      return uctr_throw_errno (error, _("Making %s"), parts[i]);
  return uctr_write_file_atomic_at (fd, IMAGE_FILE, text, strlen (text), 0600, error);
}

gboolean
uctr_store_make_container (UctrStore *store, const char *id, const UctrImageRecord *image, char **dir,
                           GError **error)
{
  uctr_autofd int containers = uctr_store_open_dir (store, CONTAINERS, TRUE, error);
  uctr_autofd int fd = -1;

  if (containers < 0)
    return FALSE;
  if (mkdirat (containers, id, 0700) < 0)
    {
      if (errno == EEXIST)
        return uctr_throw (error, UCTR_ERROR_EXISTS,
                           _("the image store has a writable layer for a container \"%s\" already "
                             "(%s/%s/%s): delete that container, or give this one another --name"),
                              id, uctr_store_root (store), CONTAINERS, id);
      return uctr_throw_errno (error, _("Making %s/%s/%s"), uctr_store_root (store), CONTAINERS, id);
    }
  fd = openat (containers, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || !make_parts (fd, image, error))
    {
      if (fd < 0)
        uctr_throw_errno (error, _("Opening %s/%s/%s"), uctr_store_root (store), CONTAINERS, id);
      (void) uctr_remove_tree_at (containers, id);
      return uctr_prefix_error (error, _("The writable layer of %s"), id);
    }
  *dir = g_build_filename (uctr_store_root (store), CONTAINERS, id, NULL);
  return TRUE;
}

gboolean
uctr_store_remove_container (UctrStore *store, const char *id, GError **error)
{
  g_autoptr(GError) local = NULL;
  uctr_autofd int containers = uctr_store_open_dir (store, CONTAINERS, FALSE, &local);

  if (containers < 0)
    {
      if (local == NULL)
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (strchr (id, '/') != NULL || strcmp (id, ".") == 0 || strcmp (id, "..") == 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("\"%s\" is not a container id"), id);
  /* Most writable layers hold only what the container's root (the user)
     wrote: removed as we are, without the helper's user namespace and
     its two setuid programs (the cost of a short run's delete). */
  if (uctr_remove_tree_at (containers, id) == 0)
    return TRUE;
  return uctr_store_remove (containers, id, error);
}

/* containers/ID/image: the image's manifest digest, then its layers, a line each. */
static char **
read_image_file (int containers, const char *id)
{
  uctr_autofd int fd = openat (containers, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  g_autofree char *text = NULL;

  if (fd < 0 || !uctr_read_file_at (fd, IMAGE_FILE, IMAGE_FILE_MAX, &text, NULL, NULL))
    return NULL;
  return g_strsplit (g_strchomp (text), "\n", -1);
}

/* Each container's image file, as ID -> lines. */
static GHashTable *
read_all (UctrStore *store)
{
  GHashTable *all = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  int containers = uctr_store_open_dir (store, CONTAINERS, FALSE, NULL);
  DIR *d = containers >= 0 ? fdopendir (containers) : NULL;
  struct dirent *de;
  char **lines;

  if (d == NULL && containers >= 0)
    close (containers);
  while (d != NULL && (de = readdir (d)) != NULL)
    if (de->d_name[0] != '.' && (lines = read_image_file (dirfd (d), de->d_name)) != NULL)
      g_hash_table_insert (all, g_strdup (de->d_name), lines);
  if (d != NULL)
    closedir (d);
  return all;
}

char **
uctr_store_containers_of (UctrStore *store, const char *image_digest)
{
  g_autoptr(GHashTable) all = read_all (store);
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  GHashTableIter it;
  gpointer id, lines;

  g_hash_table_iter_init (&it, all);
  while (g_hash_table_iter_next (&it, &id, &lines))
    if (((char **) lines)[0] != NULL && strcmp (((char **) lines)[0], image_digest) == 0)
      g_ptr_array_add (ids, g_strdup (id));
  g_ptr_array_add (ids, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&ids), FALSE);
}

GHashTable *
uctr_store_container_layers (UctrStore *store)
{
  g_autoptr(GHashTable) all = read_all (store);
  GHashTable *layers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter it;
  gpointer lines;

  g_hash_table_iter_init (&it, all);
  while (g_hash_table_iter_next (&it, NULL, &lines))
    for (char **l = (char **) lines; *l != NULL; l++)
      if (l != (char **) lines)
        g_hash_table_add (layers, g_strdup (*l));
  return layers;
}

gboolean
uctr_store_make_volume (UctrStore *store, const char *id, guint n, char **dir, GError **error)
{
  g_autofree char *volumes = g_build_filename (uctr_store_root (store), CONTAINERS, id, "volumes", NULL);
  g_autofree char *path = g_strdup_printf ("%s/%u", volumes, n);

  if ((mkdir (volumes, 0700) < 0 && errno != EEXIST) || mkdir (path, 0755) < 0)
    return uctr_throw_errno (error, _("Making the volume %s"), path);
  *dir = g_steal_pointer (&path);
  return TRUE;
}
