/* uctr: trusting the state root and what is under it. Another user who can
   write the root (a shared 0777 directory) can rename a container's
   directory and put his own in its place: a state.json with the pid of one
   of the owner's processes, a config.json with a poststop hook. So the root
   must be the caller's and written by nobody else, and what uctr opens
   under it must be what uctr made there as the caller. */
#include "base/trust.h"
#include "base/util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define OTHERS_WRITE (S_IWGRP | S_IWOTH)

/* The uid a user namespace shows for the ids it does not map. */
static uid_t
overflow_uid (void)
{
  g_autofree char *text = NULL;
  guint64 uid;

  if (uctr_read_file_at (AT_FDCWD, "/proc/sys/kernel/overflowuid", 32, &text, NULL, NULL)
      && g_ascii_string_to_unsigned (g_strstrip (text), 10, 0, G_MAXUINT32, &uid, NULL))
    return (uid_t) uid;
  return 65534;
}

/* Who may own a directory above the root: the caller and root; inside a
   user namespace (uctr run by rootless podman as its uid 0) also the
   overflow uid, which is how host root shows there (as does every other
   unmapped id: from inside, they cannot be told apart). */
static gboolean
trusted_parent_owner (uid_t uid)
{
  if (uid == 0 || uid == geteuid ())
    return TRUE;
  return uctr_running_in_userns () && uid == overflow_uid ();
}

static gboolean
check_parent (const char *root, const char *dir, GError **error)
{
  struct stat st;

  if (lstat (dir, &st) < 0)
    return uctr_throw_errno (error, _("Checking %s, above the state directory %s"), dir, root);
  if (!S_ISDIR (st.st_mode))
    return uctr_throw (error, UCTR_ERROR_UNTRUSTED,
                       _("%s, above the state directory %s, is not a directory any more: it changed while uctr "
                         "checked it"),
                          dir, root);
  if (!trusted_parent_owner (st.st_uid))
    return uctr_throw (error, UCTR_ERROR_UNTRUSTED,
                       _("the state directory %s is inside %s, which belongs to uid %u: that user could put "
                         "another directory in its place; pass a --root whose parents belong to you or root "
                         "(such as $XDG_RUNTIME_DIR/uctr)"),
                          root, dir, (guint) st.st_uid);
  /* Sticky (/tmp): others cannot rename or remove what is ours in it. */
  if ((st.st_mode & OTHERS_WRITE) != 0 && (st.st_mode & S_ISVTX) == 0)
    return uctr_throw (error, UCTR_ERROR_UNTRUSTED,
                       _("the state directory %s is inside %s, which others can write (mode %04o): they could "
                         "put another directory in its place; run chmod go-w %s, or pass a --root elsewhere "
                         "(such as $XDG_RUNTIME_DIR/uctr)"),
                          root, dir, (guint) (st.st_mode & 07777), dir);
  return TRUE;
}

/* DIR and every directory above it, up to /: ssh checks as far, and any
   of them that someone else controls could swap the whole subtree. */
static gboolean
check_parents (const char *root, const char *dir, GError **error)
{
  g_autofree char *cur = g_strdup (dir);

  for (;;)
    {
      g_autofree char *up = NULL;

      if (!check_parent (root, cur, error))
        return FALSE;
      up = g_path_get_dirname (cur);
      if (strcmp (up, cur) == 0)
        return TRUE;
      g_free (cur);
      cur = g_steal_pointer (&up);
    }
}

static gboolean
check_root_stat (const char *root, const struct stat *st, GError **error)
{
  if (!S_ISDIR (st->st_mode))
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("the state directory %s is not a directory; pass --root DIR"), root);
  if (st->st_uid != geteuid ())
    return uctr_throw (error, UCTR_ERROR_UNTRUSTED,
                       _("the state directory %s belongs to uid %u, not to you (uid %u); pass --root with a "
                         "directory of your own"),
                          root, (guint) st->st_uid, (guint) geteuid ());
  if ((st->st_mode & OTHERS_WRITE) != 0)
    return uctr_throw (error, UCTR_ERROR_UNTRUSTED,
                       _("the state directory %s can be written by others (mode %04o): another user could put a "
                         "container of their own there; run chmod 700 %s"),
                          root, (guint) (st->st_mode & 07777), root);
  return TRUE;
}

/* O_PATH first: a --root that is a fifo or a device is never opened. */
int
uctr_trust_open_root (const char *root, GError **error)
{
  uctr_autofd int path_fd = open (root, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  int fd;

  if (path_fd < 0 || fstat (path_fd, &st) < 0)
    return uctr_throw_errno (error, _("Opening the state directory %s"), root), -1;
  if (!check_root_stat (root, &st, error))
    return -1;
  fd = openat (path_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    uctr_throw_errno (error, _("Opening the state directory %s"), root);
  return fd;
}

gboolean
uctr_trust_check_root (const char *root, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (root);
  uctr_autofd int fd = -1;

  if (!check_parents (root, parent, error))
    return FALSE;
  fd = uctr_trust_open_root (root, error);
  return fd >= 0;
}

gboolean
uctr_trust_make_root (const char *root, GError **error)
{
  g_autofree char *existing = g_strdup (root);
  g_autofree char *resolved = NULL;
  struct stat st;

  while (stat (existing, &st) < 0 && errno == ENOENT)
    {
      char *up = g_path_get_dirname (existing);
      g_free (existing);
      existing = up;
    }
  if (strcmp (existing, root) == 0)
    return TRUE;
  resolved = realpath (existing, NULL);
  if (resolved == NULL)
    return uctr_throw_errno (error, _("Resolving %s, above the state directory %s"), existing, root);
  if (!check_parents (root, resolved, error))
    return FALSE;
  if (g_mkdir_with_parents (root, 0700) < 0)
    return uctr_throw_errno (error, _("Creating the state directory %s"), root);
  return TRUE;
}

static gboolean
check_made_by_us (int fd, const char *path, mode_t type, UctrTrustMode mode, GError **error)
{
  struct stat st;

  if (fstat (fd, &st) < 0)
    return uctr_throw_errno (error, _("Checking %s"), path);
  if ((st.st_mode & S_IFMT) != type)
    return uctr_throw (error, UCTR_ERROR_UNTRUSTED,
                       _("%s is not of the kind uctr makes there: remove it"), path);
  if (st.st_uid != geteuid ())
    return uctr_throw (error, UCTR_ERROR_UNTRUSTED,
                       _("%s belongs to uid %u, not to you (uid %u): uctr did not make it and does not use it; "
                         "remove it as that user or as root"),
                          path, (guint) st.st_uid, (guint) geteuid ());
  if (mode == UCTR_TRUST_PRIVATE && (st.st_mode & OTHERS_WRITE) != 0)
    return uctr_throw (error, UCTR_ERROR_UNTRUSTED,
                       _("%s can be written by others (mode %04o), so uctr does not use it: remove it, or run "
                         "chmod go-w %s if it is as uctr made it"),
                          path, (guint) (st.st_mode & 07777), path);
  return TRUE;
}

int
uctr_trust_openat (int dfd, const char *name, const char *path, int flags, mode_t type, UctrTrustMode mode,
                   GError **error)
{
  uctr_autofd int fd = openat (dfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600);

  if (fd < 0 && errno == ELOOP)
    return uctr_throw (error, UCTR_ERROR_UNTRUSTED,
                       _("%s is a symbolic link, which uctr never makes there: remove it"), path),
                       -1;
  if (fd < 0)
    return uctr_throw_errno (error, _("Opening %s"), path), -1;
  if (!check_made_by_us (fd, path, type, mode, error))
    return -1;
  return uctr_steal_fd (&fd);
}

char *
uctr_trust_fd_path (int fd)
{
  g_autofree char *link = g_strdup_printf ("/proc/self/fd/%d", fd);
  char *target = g_file_read_link (link, NULL);

  return target != NULL ? target : g_strdup ("?");
}

char *
uctr_trust_entry_path (int dfd, const char *name)
{
  g_autofree char *dir = uctr_trust_fd_path (dfd);

  return g_build_filename (dir, name, NULL);
}

gboolean
uctr_trust_read_entry (int dfd, const char *name, gsize max, char **contents, gsize *len, GError **error)
{
  g_autofree char *path = uctr_trust_entry_path (dfd, name);
  uctr_autofd int fd = uctr_trust_openat (dfd, name, path, O_RDONLY, S_IFREG, UCTR_TRUST_PRIVATE, error);

  return fd >= 0 && uctr_read_fd (fd, name, max, contents, len, error);
}
