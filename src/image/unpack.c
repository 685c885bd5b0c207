/* uctr: a layer's tar unpacked into a directory for overlayfs.
 *
 * Every entry is made relative to the layer's directory, through fds: the
 * directory that holds it is looked up with no symlink followed
 * (uctr_resolve_in_root with UCTR_RESOLVE_NO_SYMLINKS, which also makes
 * the directories a tar leaves out), and the entry is made in it with
 * O_NOFOLLOW/O_EXCL or the *at calls that never follow the last
 * component. A hard link's target is looked up the same way and must be an
 * earlier non-directory of this layer. Whiteouts (".wh.NAME") become
 * overlayfs whiteouts, a character device 0/0; an opaque marker
 * (".wh..wh..opq") the overlay.opaque xattr of its directory. Directory
 * modes and times are set last, once nothing more is made in them (a
 * directory the image makes 0555 still takes what the tar puts in it).
 */
#include "image/unpack.h"
#include "image/digest.h"
#include "base/resolve.h"
#include "base/util.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_MARKER ".wh..wh..opq"
#define READ_BLOCK (64 * 1024)

typedef struct
{
  const UctrUnpackOptions *opts;
  UctrUnpackReport *report;
  int dirfd;
  struct archive *a;
  struct archive_entry *e;
  const char *name; /* the entry's path, as the tar has it, for messages */
  GArray *dirs;     /* Dir: directories made, to finish last */
} Unpack;

typedef struct
{
  char *rel;
  mode_t mode;
  struct timespec times[2];
} Dir;

static void
dir_clear (gpointer data)
{
  g_free (((Dir *) data)->rel);
}

char *
uctr_unpack_entry_path (const char *name)
{
  g_auto(GStrv) parts = g_strsplit (name, "/", -1);
  g_autoptr(GString) out = g_string_new (NULL);
  guint i;

  for (i = 0; parts[i] != NULL; i++)
    {
      if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0)
        continue;
      if (strcmp (parts[i], "..") == 0)
        return NULL;
      if (out->len > 0)
        g_string_append_c (out, '/');
      g_string_append (out, parts[i]);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
invalid (Unpack *u, GError **error, const char *what)
{
  return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE, _("layer entry \"%s\": %s"), u->name, what);
}

static gboolean
failed_errno (Unpack *u, GError **error, const char *doing)
{
  int errsv = errno;

  return uctr_throw_errno_code (error, errsv, _("layer entry \"%s\": %s"), u->name, doing);
}

/* The directory that holds REL (with CREATE, made when missing; never
   through a symlink), and REL's last component in *LAST. */
static int
open_parent (Unpack *u, const char *rel, gboolean create, const char **last, GError **error)
{
  const char *slash = strrchr (rel, '/');
  g_autofree char *dir = slash != NULL ? g_strndup (rel, slash - rel) : g_strdup ("");
  int fd;

  *last = slash != NULL ? slash + 1 : rel;
  fd = uctr_resolve_in_root (u->dirfd, dir, (create ? UCTR_RESOLVE_CREATE : 0) | UCTR_RESOLVE_NO_SYMLINKS);
  if (fd >= 0)
    return fd;
  if (errno == ENOENT && !create)
    invalid (u, error, _("a hard link to a file the layer does not have before it"));
  else if (errno == ELOOP)
    invalid (u, error, _("a directory on its path is a symlink in the layer (never followed)"));
  else if (errno == ENOTDIR)
    invalid (u, error, _("a component of its path is not a directory"));
  else
    failed_errno (u, error, _("making the directories on its path"));
  return -1;
}

/* An earlier entry of the same name goes, unless both are directories (a
   directory's entry may come after what it holds). */
static gboolean
make_room (Unpack *u, int parent, const char *name, gboolean is_dir, GError **error)
{
  struct stat st;

  if (fstatat (parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT || failed_errno (u, error, _("looking at what is there"));
  if (is_dir && S_ISDIR (st.st_mode))
    return TRUE;
  if (uctr_remove_tree_at (parent, name) < 0)
    return failed_errno (u, error, _("replacing an earlier entry"));
  return TRUE;
}

/* Owner, mode and xattrs. FD: the entry opened for them (not a symlink),
   or -1 (owner only, by name). */
static gboolean
set_owner (Unpack *u, int parent, const char *name, int fd, GError **error)
{
  uid_t uid = (uid_t) archive_entry_uid (u->e);
  gid_t gid = (gid_t) archive_entry_gid (u->e);
  int r;

  if (!u->opts->chown)
    return TRUE;
  r = fd >= 0 ? fchown (fd, uid, gid) : fchownat (parent, name, uid, gid, AT_SYMLINK_NOFOLLOW);
  if (r == 0)
    return TRUE;
  if (errno == EINVAL)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("layer entry \"%s\": owner %u:%u is not mapped in this user namespace (is the "
                         "subordinate id range in /etc/subuid and /etc/subgid at least 65536 ids?)"),
                          u->name, (guint) uid, (guint) gid);
  return failed_errno (u, error, _("setting its owner"));
}

/* Which xattrs an image may set: those of users, and file capabilities.
   overlayfs's own (whiteouts, opaque, redirects) never: they would change
   what the lower layers show. */
static gboolean
xattr_allowed (const char *name)
{
  if (strstr (name, "overlay.") != NULL)
    return FALSE;
  return g_str_has_prefix (name, "user.") || strcmp (name, "security.capability") == 0;
}

static gboolean
set_xattrs (Unpack *u, int fd, GError **error)
{
  const char *name;
  const void *value;
  size_t size;

  archive_entry_xattr_reset (u->e);
  while (archive_entry_xattr_next (u->e, &name, &value, &size) == ARCHIVE_OK)
    {
      if (!xattr_allowed (name))
        {
          u->report->xattrs_skipped++;
          continue;
        }
      if (fsetxattr (fd, name, value, size, 0) < 0 && errno != ENOTSUP)
        return failed_errno (u, error, _("setting an xattr"));
    }
  return TRUE;
}

static struct timespec
mtime_of (struct archive_entry *e)
{
  return (struct timespec){ .tv_sec = archive_entry_mtime (e), .tv_nsec = archive_entry_mtime_nsec (e) };
}

/* Owner first: chown clears the setuid and setgid bits. */
static gboolean
set_attributes (Unpack *u, int fd, GError **error)
{
  if (!set_owner (u, -1, NULL, fd, error))
    return FALSE;
  if (fchmod (fd, archive_entry_perm (u->e)) < 0)
    return failed_errno (u, error, _("setting its mode"));
  return set_xattrs (u, fd, error);
}

static gboolean
set_dir_attributes (Unpack *u, int fd, GError **error)
{
  Dir d
      = { uctr_unpack_entry_path (u->name), archive_entry_perm (u->e), { mtime_of (u->e), mtime_of (u->e) } };

  g_array_append_val (u->dirs, d);
  return set_owner (u, -1, NULL, fd, error) && set_xattrs (u, fd, error);
}

static gboolean
set_times (Unpack *u, int parent, const char *name, GError **error)
{
  struct timespec t[2] = { mtime_of (u->e), mtime_of (u->e) };

  if (utimensat (parent, name, t, AT_SYMLINK_NOFOLLOW) < 0)
    return failed_errno (u, error, _("setting its times"));
  return TRUE;
}

static gboolean
write_data (Unpack *u, int fd, GError **error)
{
  const void *buf;
  size_t size;
  la_int64_t offset;
  int r;

  while ((r = archive_read_data_block (u->a, &buf, &size, &offset)) == ARCHIVE_OK)
    {
      const char *p = buf;

      while (size > 0)
        {
          ssize_t n = pwrite (fd, p, size, offset);

          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            return failed_errno (u, error, _("writing its data"));
          p += n;
          offset += n;
          size -= (size_t) n;
        }
    }
  if (r != ARCHIVE_EOF)
    return invalid (u, error, archive_error_string (u->a));
  /* A sparse file's hole at the end. */
  if (ftruncate (fd, archive_entry_size (u->e)) < 0)
    return failed_errno (u, error, _("writing its data"));
  return TRUE;
}

static gboolean
make_file (Unpack *u, int parent, const char *name, GError **error)
{
  uctr_autofd int fd = -1;

  if (!make_room (u, parent, name, FALSE, error))
    return FALSE;
  fd = openat (parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return failed_errno (u, error, _("creating it"));
  if (!write_data (u, fd, error))
    return FALSE;
  u->report->bytes += (guint64) MAX (archive_entry_size (u->e), 0);
  return set_attributes (u, fd, error) && set_times (u, parent, name, error);
}

static gboolean
make_dir (Unpack *u, int parent, const char *name, GError **error)
{
  uctr_autofd int fd = -1;

  if (name[0] != '\0')
    {
      if (!make_room (u, parent, name, TRUE, error))
        return FALSE;
      if (mkdirat (parent, name, 0700) < 0 && errno != EEXIST)
        return failed_errno (u, error, _("creating it"));
    }
  fd = openat (parent, name[0] != '\0' ? name : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return failed_errno (u, error, _("opening it"));
  return set_dir_attributes (u, fd, error);
}

static gboolean
make_symlink (Unpack *u, int parent, const char *name, GError **error)
{
  const char *target = archive_entry_symlink (u->e);

  /* Its target is kept as it is, and never followed here: overlayfs
     resolves it in the container's root. */
  if (target == NULL || target[0] == '\0')
    return invalid (u, error, _("a symlink without a target"));
  if (!make_room (u, parent, name, FALSE, error))
    return FALSE;
  if (symlinkat (target, parent, name) < 0)
    return failed_errno (u, error, _("creating it"));
  return set_owner (u, parent, name, -1, error) && set_times (u, parent, name, error);
}

static gboolean
make_node (Unpack *u, int parent, const char *name, mode_t type, GError **error)
{
  dev_t dev = makedev (archive_entry_rdevmajor (u->e), archive_entry_rdevminor (u->e));

  if (!make_room (u, parent, name, FALSE, error))
    return FALSE;
  if (mknodat (parent, name, type | 0600, type == S_IFIFO ? 0 : dev) < 0)
    {
      /* A user namespace may not make devices: the container gets /dev from the runtime. */
      if (errno == EPERM && type != S_IFIFO)
        {
          u->report->devices_skipped++;
          return TRUE;
        }
      return failed_errno (u, error, _("creating it"));
    }
  if (!set_owner (u, parent, name, -1, error))
    return FALSE;
  if (fchmodat (parent, name, archive_entry_perm (u->e), 0) < 0)
    return failed_errno (u, error, _("setting its mode"));
  return set_times (u, parent, name, error);
}

/* A hard link: to an earlier entry of this layer that is no directory. */
static gboolean
make_hardlink (Unpack *u, int parent, const char *name, GError **error)
{
  g_autofree char *rel = uctr_unpack_entry_path (archive_entry_hardlink (u->e));
  g_autofree char *proc = NULL;
  const char *target_name;
  uctr_autofd int target_parent = -1;
  uctr_autofd int target = -1;
  struct stat st;

  if (rel == NULL || rel[0] == '\0')
    return invalid (u, error, _("a hard link out of the layer"));
  target_parent = open_parent (u, rel, FALSE, &target_name, error);
  if (target_parent < 0)
    return FALSE;
  target = openat (target_parent, target_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0 || fstat (target, &st) < 0)
    return invalid (u, error, _("a hard link to a file the layer does not have before it"));
  if (S_ISDIR (st.st_mode))
    return invalid (u, error, _("a hard link to a directory"));
  if (!make_room (u, parent, name, FALSE, error))
    return FALSE;
  proc = g_strdup_printf ("/proc/self/fd/%d", target);
  if (linkat (AT_FDCWD, proc, parent, name, AT_SYMLINK_FOLLOW) < 0)
    return failed_errno (u, error, _("linking it"));
  return TRUE;
}

static gboolean
set_opaque (Unpack *u, int parent, GError **error)
{
  uctr_autofd int fd = openat (parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const char *xattr = u->opts->userxattr ? "user.overlay.opaque" : "trusted.overlay.opaque";

  if (fd < 0 || fsetxattr (fd, xattr, "y", 1, 0) < 0)
    return failed_errno (u, error, _("marking its directory opaque"));
  return TRUE;
}

/* ".wh.NAME": NAME is gone from the layers below; overlayfs says so with
   a character device 0/0, which a user namespace may make. */
static gboolean
make_whiteout (Unpack *u, int parent, const char *name, GError **error)
{
  const char *hidden = name + strlen (WHITEOUT_PREFIX);

  if (strcmp (name, OPAQUE_MARKER) == 0)
    return set_opaque (u, parent, error);
  if (g_str_has_prefix (name, WHITEOUT_PREFIX WHITEOUT_PREFIX))
    return TRUE; /* aufs's own bookkeeping (.wh..wh.plnk ...), no file of the image */
  if (hidden[0] == '\0' || strcmp (hidden, ".") == 0 || strcmp (hidden, "..") == 0)
    return invalid (u, error, _("a whiteout of nothing"));
  if (!make_room (u, parent, hidden, FALSE, error))
    return FALSE;
  if (mknodat (parent, hidden, S_IFCHR | 0000, makedev (0, 0)) < 0)
    return failed_errno (u, error, _("making the whiteout"));
  return TRUE;
}

static gboolean
unpack_entry (Unpack *u, GError **error)
{
  g_autofree char *rel = uctr_unpack_entry_path (u->name);
  mode_t type = archive_entry_filetype (u->e);
  uctr_autofd int parent = -1;
  const char *name;

  if (rel == NULL)
    return invalid (u, error, _("\"..\" in its path would leave the layer"));
  if (rel[0] == '\0')
    return type == AE_IFDIR ? make_dir (u, u->dirfd, "", error)
                            : invalid (u, error, _("the layer's root as a file"));
  parent = open_parent (u, rel, TRUE, &name, error);
  if (parent < 0)
    return FALSE;
  if (g_str_has_prefix (name, WHITEOUT_PREFIX))
    return make_whiteout (u, parent, name, error);
  if (archive_entry_hardlink (u->e) != NULL)
    return make_hardlink (u, parent, name, error);
  switch (type)
    {
    case AE_IFREG:
      return make_file (u, parent, name, error);
    case AE_IFDIR:
      return make_dir (u, parent, name, error);
    case AE_IFLNK:
      return make_symlink (u, parent, name, error);
    case AE_IFCHR:
      return make_node (u, parent, name, S_IFCHR, error);
    case AE_IFBLK:
      return make_node (u, parent, name, S_IFBLK, error);
    case AE_IFIFO:
      return make_node (u, parent, name, S_IFIFO, error);
    default:
      return invalid (u, error, _("a socket or another kind of file a layer cannot hold"));
    }
}

/* Directories' modes and times, the last entry of each first (the tar may
   name one twice) and deepest first: what they hold is made by now. */
static gboolean
finish_dirs (Unpack *u, GError **error)
{
  g_autoptr(GHashTable) done = g_hash_table_new (g_str_hash, g_str_equal);
  guint i;

  for (i = u->dirs->len; i > 0; i--)
    {
      const Dir *d = &g_array_index (u->dirs, Dir, i - 1);
      uctr_autofd int path = -1;
      uctr_autofd int fd = -1;

      if (!g_hash_table_add (done, d->rel))
        continue;
      path = uctr_resolve_in_root (u->dirfd, d->rel, UCTR_RESOLVE_NO_SYMLINKS);
      fd = path >= 0 ? openat (path, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
      if (fd < 0)
        continue; /* replaced by a later entry */
      if (fchmod (fd, d->mode) < 0)
        return uctr_throw_errno (error, _("layer entry \"%s\": setting its mode"), d->rel);
      if (futimens (fd, d->times) < 0)
        return uctr_throw_errno (error, _("layer entry \"%s\": setting its times"), d->rel);
    }
  return TRUE;
}

/* The blob as libarchive reads it, fed to the digester on the way. */
typedef struct
{
  int fd;
  UctrDigester *digester; /* or NULL */
  GError *error;          /* the digester's, when it stopped the read */
  guint8 buf[READ_BLOCK];
} Source;

static la_ssize_t
source_read (struct archive *a, void *data, const void **buf)
{
  Source *s = data;
  ssize_t n;

  do
    n = read (s->fd, s->buf, sizeof s->buf);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      archive_set_error (a, errno, "%s", g_strerror (errno));
      return -1;
    }
  if (s->digester != NULL && !uctr_digester_update (s->digester, s->buf, (gsize) n, &s->error))
    {
      archive_set_error (a, EINVAL, "%s", s->error->message);
      return -1;
    }
  *buf = s->buf;
  return n;
}

/* What follows the tar's end (its zero blocks, gzip's trailer) counts
   too: the digest is of the whole blob. */
static gboolean
source_finish (Source *s, GError **error)
{
  ssize_t n;

  if (s->digester == NULL)
    return TRUE;
  while ((n = read (s->fd, s->buf, sizeof s->buf)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return uctr_throw_errno (error, _("Reading the layer"));
      if (!uctr_digester_update (s->digester, s->buf, (gsize) n, error))
        return FALSE;
    }
  return uctr_digester_finish (s->digester, _("the layer"), error);
}

gboolean
uctr_unpack_layer (int fd, int dirfd, const UctrUnpackOptions *opts, UctrUnpackReport *report, GError **error)
{
  UctrUnpackReport ignored = { 0 };
  Unpack u = { .opts = opts, .report = report != NULL ? report : &ignored, .dirfd = dirfd };
  g_autofree Source *source = g_new0 (Source, 1);
  gboolean ok = TRUE;
  int r;

  source->fd = fd;
  if (opts->digest != NULL
      && (source->digester = uctr_digester_new (opts->digest, opts->size, error)) == NULL)
    return FALSE;

  u.a = archive_read_new ();
  u.dirs = g_array_new (FALSE, FALSE, sizeof (Dir));
  g_array_set_clear_func (u.dirs, dir_clear);
  archive_read_support_filter_gzip (u.a);
  archive_read_support_filter_zstd (u.a);
  archive_read_support_filter_none (u.a);
  archive_read_support_format_tar (u.a);
  if (archive_read_open (u.a, source, NULL, source_read, NULL) != ARCHIVE_OK)
    ok = uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                     _("the layer is no tar: %s"), archive_error_string (u.a));
  while (ok && (r = archive_read_next_header (u.a, &u.e)) != ARCHIVE_EOF)
    {
      if (r < ARCHIVE_WARN)
        {
          ok = uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                           _("the layer's tar is damaged: %s"), archive_error_string (u.a));
          break;
        }
      u.name = archive_entry_pathname (u.e);
      if (u.name == NULL)
        ok = uctr_throw (error, UCTR_ERROR_INVALID_IMAGE, _("the layer has an entry without a path"));
      else
        ok = unpack_entry (&u, error);
    }
  /* A digest that stopped the read says so rather than a damaged tar. */
  if (source->error != NULL)
    {
      g_clear_error (error);
      g_propagate_error (error, g_steal_pointer (&source->error));
      ok = FALSE;
    }
  if (ok)
    ok = finish_dirs (&u, error) && source_finish (source, error);
  archive_read_free (u.a);
  g_array_unref (u.dirs);
  uctr_digester_free (source->digester);
  g_clear_error (&source->error);
  return ok;
}
