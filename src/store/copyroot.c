/* uctr: an image's root copied from its layers (store/copyroot.h).
 *
 * The layers are merged into the container's own directory from the
 * lowest up, each entry as overlayfs would resolve it: a whiteout (a 0/0
 * character device) removes what is below, an opaque directory replaces
 * the one below, anything else replaces what was there. The layers are
 * the store's, made from someone else's tars: every entry is reached with
 * *at() calls relative to its directory's fd and O_NOFOLLOW, so a symlink
 * in a layer is copied as a symlink and never followed.
 */
#include "store/copyroot.h"
#include "store/rootfile.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define COPY_CHUNK (1024 * 1024 * 1024)

typedef struct
{
  int dest;           /* DEST, the root being made */
  const char *layer;  /* the layer being merged, for errors */
  GString *path;      /* the entry's path below the root ("" for the root) */
  GHashTable *inodes; /* this layer's inode (guint64 *) -> the path its first link got */
} Copy;

static gboolean
copy_failed (Copy *c, GError **error)
{
  return uctr_throw_errno (error, _("Copying the image's layers into the container's root: %s/%s"), c->layer,
                                     c->path->str);
}

/* The xattrs of SRC onto DST, but overlayfs's own (an opaque mark means
   nothing in a copy). What this file system or namespace cannot hold
   (security.* of another LSM, trusted.*) is left out, as a copy-up does. */
static gboolean
copy_xattrs (int src, int dst)
{
  g_autofree char *names = NULL;
  g_autofree char *value = NULL;
  ssize_t len = flistxattr (src, NULL, 0), n;
  const char *name;

  if (len <= 0)
    return len == 0 || errno == ENOTSUP;
  names = g_malloc ((gsize) len);
  if ((len = flistxattr (src, names, (gsize) len)) < 0)
    return FALSE;
  for (name = names; name < names + len; name += strlen (name) + 1)
    {
      if (g_str_has_prefix (name, "user.overlay.") || g_str_has_prefix (name, "trusted.overlay."))
        continue;
      if (value == NULL)
        value = g_malloc (XATTR_SIZE_MAX);
      n = fgetxattr (src, name, value, XATTR_SIZE_MAX);
      if (n < 0)
        return FALSE;
      if (fsetxattr (dst, name, value, (size_t) n, 0) < 0
          && !(errno == ENOTSUP || (errno == EPERM && !g_str_has_prefix (name, "user."))))
        return FALSE;
    }
  return TRUE;
}

/* Owner, then mode (a chown clears setuid), xattrs (file capabilities
   too, which a chown also clears), times last. */
static gboolean
set_attributes (int src, int dst, const struct stat *st)
{
  const struct timespec times[2] = { st->st_atim, st->st_mtim };

  return fchown (dst, st->st_uid, st->st_gid) == 0 && fchmod (dst, st->st_mode & 07777) == 0
         && copy_xattrs (src, dst) && futimens (dst, times) == 0;
}

/* The same for what cannot be opened (a symlink, a device, a fifo). */
static gboolean
set_attributes_at (int dir, const char *name, const struct stat *st)
{
  const struct timespec times[2] = { st->st_atim, st->st_mtim };

  return fchownat (dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) == 0
         && (S_ISLNK (st->st_mode) || fchmodat (dir, name, st->st_mode & 07777, 0) == 0)
         && utimensat (dir, name, times, AT_SYMLINK_NOFOLLOW) == 0;
}

static gboolean
copy_data (int src, int dst)
{
  char buf[65536];
  gboolean copied = FALSE;
  ssize_t n;

  if (ioctl (dst, FICLONE, src) == 0)
    return TRUE;
  while ((n = copy_file_range (src, NULL, dst, NULL, COPY_CHUNK, 0)) != 0)
    {
      if (n > 0)
        {
          copied = TRUE;
          continue;
        }
      if (copied || !(errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP))
        return FALSE;
      /* A file system copy_file_range cannot cross: by hand. */
      while ((n = TEMP_FAILURE_RETRY (read (src, buf, sizeof buf))) > 0)
        if (!uctr_write_all (dst, buf, (gsize) n))
          return FALSE;
      return n == 0;
    }
  return TRUE;
}

static gboolean
copy_file (Copy *c, int sdir, int ddir, const char *name, const struct stat *st)
{
  uctr_autofd int src = -1;
  uctr_autofd int dst = -1;
  const char *first;

  /* A hard link of this layer to a file already copied: linked again. */
  if (st->st_nlink > 1 && (first = g_hash_table_lookup (c->inodes, &st->st_ino)) != NULL)
    return linkat (c->dest, first, ddir, name, 0) == 0;
  src = openat (sdir, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
  if (src < 0)
    return FALSE;
  dst = openat (ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (dst < 0 || !copy_data (src, dst) || !set_attributes (src, dst, st))
    return FALSE;
  if (st->st_nlink > 1)
    g_hash_table_insert (c->inodes, g_memdup2 (&st->st_ino, sizeof st->st_ino), g_strdup (c->path->str + 1));
  return TRUE;
}

static gboolean
copy_symlink (int sdir, int ddir, const char *name, const struct stat *st)
{
  g_autofree char *target = NULL;
  gsize size = (gsize) st->st_size + 1;
  ssize_t n;

  if (size < 2 || size > PATH_MAX)
    size = PATH_MAX;
  target = g_malloc (size);
  n = readlinkat (sdir, name, target, size);
  if (n < 0)
    return FALSE;
  if ((gsize) n >= size)
    {
      errno = ENAMETOOLONG;
      return FALSE;
    }
  target[n] = '\0';
  return symlinkat (target, ddir, name) == 0 && set_attributes_at (ddir, name, st);
}

/* A device, a fifo: a user namespace may not make devices (the unpack
   skipped them too; the container gets /dev from the runtime). */
static gboolean
copy_node (int ddir, const char *name, const struct stat *st)
{
  if (mknodat (ddir, name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0)
    return errno == EPERM && !S_ISFIFO (st->st_mode);
  return set_attributes_at (ddir, name, st);
}

static gboolean merge_dir (Copy *c, int sdir, int ddir, GError **error);

/* A directory of the layer: merged into the one of the root, unless the
   layer's is opaque or the root has something else there. */
static gboolean
merge_subdir (Copy *c, int sdir, int ddir, const char *name, const struct stat *st, GError **error)
{
  uctr_autofd int src = openat (sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  uctr_autofd int dst = -1;
  struct stat there;
  gboolean exists;

  if (src < 0)
    return copy_failed (c, error);
  exists = fstatat (ddir, name, &there, AT_SYMLINK_NOFOLLOW) == 0;
  if (exists && (!S_ISDIR (there.st_mode) || uctr_store_dir_is_opaque (src)))
    {
      if (uctr_remove_tree_at (ddir, name) < 0)
        return copy_failed (c, error);
      exists = FALSE;
    }
  if (!exists && mkdirat (ddir, name, 0700) < 0)
    return copy_failed (c, error);
  dst = openat (ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dst < 0 || !merge_dir (c, src, dst, error))
    return dst < 0 ? copy_failed (c, error) : FALSE;
  return set_attributes (src, dst, st) || copy_failed (c, error);
}

static gboolean
merge_entry (Copy *c, int sdir, int ddir, const char *name, GError **error)
{
  struct stat st;
  gboolean ok;

  if (fstatat (sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return copy_failed (c, error);
  if (S_ISDIR (st.st_mode))
    return merge_subdir (c, sdir, ddir, name, &st, error);
  /* Whatever the root had there goes: replaced, or whited out. */
  if (uctr_remove_tree_at (ddir, name) < 0)
    return copy_failed (c, error);
  if (S_ISCHR (st.st_mode) && st.st_rdev == 0)
    return TRUE;
  if (S_ISREG (st.st_mode))
    ok = copy_file (c, sdir, ddir, name, &st);
  else if (S_ISLNK (st.st_mode))
    ok = copy_symlink (sdir, ddir, name, &st);
  else if (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode) || S_ISFIFO (st.st_mode))
    ok = copy_node (ddir, name, &st);
  else
    ok = TRUE; /* a socket: a layer cannot hold one */
  return ok || copy_failed (c, error);
}

static gboolean
merge_dir (Copy *c, int sdir, int ddir, GError **error)
{
  int fd = fcntl (sdir, F_DUPFD_CLOEXEC, 0);
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *de;
  gboolean ok = TRUE;

  if (d == NULL)
    {
      if (fd >= 0)
        close (fd);
      return copy_failed (c, error);
    }
  while (ok && (errno = 0, de = readdir (d)) != NULL)
    {
      gsize len = c->path->len;

      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      g_string_append_printf (c->path, "/%s", de->d_name);
      ok = merge_entry (c, sdir, ddir, de->d_name, error);
      g_string_truncate (c->path, len);
    }
  if (ok && errno != 0)
    ok = copy_failed (c, error);
  closedir (d);
  return ok;
}

static gboolean
merge_layer (Copy *c, const char *layer, GError **error)
{
  uctr_autofd int src = open (layer, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;

  c->layer = layer;
  g_string_truncate (c->path, 0);
  g_hash_table_remove_all (c->inodes);
  if (src < 0 || fstat (src, &st) < 0)
    return copy_failed (c, error);
  return merge_dir (c, src, c->dest, error) && (set_attributes (src, c->dest, &st) || copy_failed (c, error));
}

gboolean
uctr_store_copy_root (const char *dest, const char *const *lowers, GError **error)
{
  g_autoptr(GString) path = g_string_new (NULL);
  g_autoptr(GHashTable) inodes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  uctr_autofd int fd = open (dest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  Copy c = { .dest = fd, .layer = dest, .path = path, .inodes = inodes };
  guint n = g_strv_length ((char **) lowers);

  G_STATIC_ASSERT (sizeof (ino_t) == sizeof (gint64));
  if (fd < 0)
    return copy_failed (&c, error);
  while (n-- > 0)
    if (!merge_layer (&c, lowers[n], error))
      return FALSE;
  return TRUE;
}

int
uctr_store_copy_root_main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lowers = NULL;

  if (argc != 4)
    {
      fprintf (stderr, "usage: %s __copy-root DEST LOWERDIR[:LOWERDIR...]\n", argv[0]);
      return 1;
    }
  lowers = g_strsplit (argv[3], ":", -1);
  umask (0);
  if (!uctr_store_copy_root (argv[2], (const char *const *) lowers, &error))
    {
      fprintf (stderr, "uctr: %s\n", error->message);
      return 1;
    }
  return 0;
}
