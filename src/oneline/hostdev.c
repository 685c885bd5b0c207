/* uctr: the host's devices for --privileged (see hostdev.h). */
#include "oneline/hostdev.h"
#include "base/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* /dev/a/b/c/d is as deep as device trees go (/dev/bus/usb/001/002). */
#define MAX_DEPTH 6

/* What podman leaves out: the kernel's filesystems mounted under /dev (the
   container has its own), the console and the ttys (the user's terminals:
   the container gets its own pty), ptmx (pts/ptmx in the container). */
static gboolean
skipped (const char *rel, gboolean is_dir)
{
  const char *base = strrchr (rel, '/') != NULL ? strrchr (rel, '/') + 1 : rel;
  static const char *const dirs[] = { "pts", "shm", "mqueue", "fd", NULL };

  if (base[0] == '.')
    return TRUE;
  if (is_dir)
    return g_strv_contains (dirs, rel);
  return strcmp (rel, "console") == 0 || strcmp (rel, "ptmx") == 0 || g_str_has_prefix (rel, "tty");
}

static gboolean
listed (JsonArray *devices, const char *path)
{
  guint i;

  for (i = 0; i < json_array_get_length (devices); i++)
    {
      JsonNode *n = json_array_get_element (devices, i);

      if (JSON_NODE_HOLDS_OBJECT (n)
          && g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (n), "path", NULL),
                        path)
                 == 0)
        return TRUE;
    }
  return FALSE;
}

static void
add_device (JsonArray *devices, const char *path, const struct stat *st)
{
  JsonObject *d = json_object_new ();

  json_object_set_string_member (d, "path", path);
  json_object_set_string_member (d, "type", S_ISBLK (st->st_mode) ? "b" : "c");
  json_object_set_int_member (d, "major", major (st->st_rdev));
  json_object_set_int_member (d, "minor", minor (st->st_rdev));
  json_object_set_int_member (d, "fileMode", st->st_mode & 07777);
  json_object_set_int_member (d, "uid", st->st_uid);
  json_object_set_int_member (d, "gid", st->st_gid);
  json_array_add_object_element (devices, d);
}

/* The devices in DFD, /dev/REL (REL "" for /dev itself). A directory that
   cannot be read is left out: its devices are not the user's either. */
static void
add_dir (JsonArray *devices, int dfd, const char *rel, int depth)
{
  DIR *dir = fdopendir (dfd);
  struct dirent *e;

  if (dir == NULL)
    {
      close (dfd);
      return;
    }
  while ((e = readdir (dir)) != NULL)
    {
      g_autofree char *sub = *rel != '\0' ? g_strconcat (rel, "/", e->d_name, NULL) : g_strdup (e->d_name);
      g_autofree char *path = g_strconcat ("/dev/", sub, NULL);
      struct stat st;
      int fd;

      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0
          || fstatat (dirfd (dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0
          || skipped (sub, S_ISDIR (st.st_mode)))
        continue;
      if ((S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode)) && !listed (devices, path))
        add_device (devices, path, &st);
      else if (S_ISDIR (st.st_mode) && depth < MAX_DEPTH
               && (fd = openat (dirfd (dir), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC))
                      >= 0)
        add_dir (devices, fd, sub, depth + 1);
    }
  closedir (dir);
}

gboolean
uctr_oneline_host_devices (JsonObject *linux_obj, GError **error)
{
  int dfd = open ("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (dfd < 0)
    return uctr_throw_errno (error, _("--privileged: reading the host's devices in /dev"));
  if (!json_object_has_member (linux_obj, "devices")
      || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (linux_obj, "devices")))
    json_object_set_array_member (linux_obj, "devices", json_array_new ());
  add_dir (json_object_get_array_member (linux_obj, "devices"), dfd, "", 0);
  return TRUE;
}
