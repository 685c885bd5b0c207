/* uctr: a file of an image's root, from its layers (store/rootfile.h). */
#include "store/rootfile.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

typedef enum
{
  LAYER_HAS,     /* the file is in this layer */
  LAYER_HIDES,   /* a whiteout or an opaque directory: no layer below counts */
  LAYER_NOTHING, /* look below */
} LayerVerdict;

static int
open_in (int dirfd, const char *path, int flags)
{
  struct open_how how
      = { .flags = (guint64) flags | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH };

  return (int) syscall (SYS_openat2, dirfd, path, &how, sizeof how);
}

gboolean
uctr_store_dir_is_opaque (int fd)
{
  char v[2];

  return fgetxattr (fd, "user.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y'
             ? TRUE
             : fgetxattr (fd, "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y';
}

/* What LAYER says of PATH: each directory on the way may be opaque, the
   last component a whiteout (0/0 character device). */
static LayerVerdict
look (int layer, const char *path, int *fd)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  g_autofree char *prefix = NULL;
  struct stat st;
  guint i, n = g_strv_length (parts);

  for (i = 0; i + 1 < n; i++)
    {
      g_autofree char *dir = prefix != NULL ? g_build_filename (prefix, parts[i], NULL) : g_strdup (parts[i]);
      uctr_autofd int d = open_in (layer, dir, O_RDONLY | O_DIRECTORY);

      if (d < 0)
        return (errno == ENOENT || errno == ENOTDIR) ? LAYER_NOTHING : LAYER_HIDES;
      if (uctr_store_dir_is_opaque (d))
        {
          g_autofree char *rest = g_strjoinv ("/", parts + i + 1);
          *fd = open_in (d, rest, O_RDONLY | O_NOFOLLOW);
          return *fd >= 0 ? LAYER_HAS : LAYER_HIDES;
        }
      g_free (prefix);
      prefix = g_steal_pointer (&dir);
    }
  if (fstatat (layer, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return LAYER_NOTHING;
  if (S_ISCHR (st.st_mode) && st.st_rdev == makedev (0, 0))
    return LAYER_HIDES;
  *fd = open_in (layer, path, O_RDONLY | O_NOFOLLOW);
  return *fd >= 0 ? LAYER_HAS : LAYER_HIDES;
}

gboolean
uctr_store_read_root_file (UctrStore *store, const UctrImageRecord *image, const char *path, gsize max,
                           char **contents, GError **error)
{
  gint i;

  for (i = (gint) g_strv_length (image->layers) - 1; i >= 0; i--)
    {
      g_autofree char *name = uctr_store_layer_name (image->layers[i], error);
      uctr_autofd int layer = -1;
      uctr_autofd int fd = -1;
      LayerVerdict v;

      if (name == NULL)
        return FALSE;
      layer = openat (uctr_store_layers_fd (store), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (layer < 0)
        return uctr_throw_errno (error, _("Opening the layer %s of %s"), image->layers[i], image->name);
      v = look (layer, path, &fd);
      if (v == LAYER_HAS)
        {
          struct stat st;

          if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
            break;
          return uctr_read_fd (fd, path, max, contents, NULL, error);
        }
      if (v == LAYER_HIDES)
        break;
    }
  return uctr_throw (error, UCTR_ERROR_NOT_FOUND, _("the image %s has no /%s"), image->name, path);
}
