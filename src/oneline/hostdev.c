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
listed (json_object *devices, const char *path)
{
  size_t i;

  for (i = 0; i < json_object_array_length (devices); i++)
    {
      json_object *p = uctr_json_member (json_object_array_get_idx (devices, i), "path");

      if (json_object_is_type (p, json_type_string) && strcmp (json_object_get_string (p), path) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
add_device (json_object *devices, const char *path, const struct stat *st)
{
  json_object *d = json_object_new_object ();

  uctr_json_add_string (d, "path", path);
  uctr_json_add_string (d, "type", S_ISBLK (st->st_mode) ? "b" : "c");
  uctr_json_add_int (d, "major", major (st->st_rdev));
  uctr_json_add_int (d, "minor", minor (st->st_rdev));
  uctr_json_add_int (d, "fileMode", st->st_mode & 07777);
  uctr_json_add_int (d, "uid", st->st_uid);
  uctr_json_add_int (d, "gid", st->st_gid);
  json_object_array_add (devices, d);
}

/* The devices in DFD, /dev/REL (REL "" for /dev itself). A directory that
   cannot be read is left out: its devices are not the user's either. */
static void
add_dir (json_object *devices, int dfd, const char *rel, int depth)
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
uctr_oneline_host_devices (json_object *linux_obj, GError **error)
{
  int dfd = open ("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  json_object *devices;

  if (dfd < 0)
    return uctr_throw_errno (error, _("--privileged: reading the host's devices in /dev"));
  devices = uctr_json_member (linux_obj, "devices");
  if (!json_object_is_type (devices, json_type_array))
    {
      devices = json_object_new_array ();
      uctr_json_add (linux_obj, "devices", devices);
    }
  add_dir (devices, dfd, "", 0);
  return TRUE;
}
