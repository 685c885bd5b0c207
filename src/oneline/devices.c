/* uctr: --device and --gpu (see devices.h). */
#include "oneline/devices.h"
#include "base/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* How deep a --device directory is searched for nodes (/dev/dri/by-path
   is one level down). */
#define DEVICE_DIR_DEPTH 4

typedef struct
{
  mode_t type; /* S_IFCHR or S_IFBLK */
  dev_t rdev;
} DeviceNode;

/* The device nodes under the directory DFD (closed here), symlinks not
   followed, added to NODES. */
static void
collect_nodes (int dfd, int depth, GArray *nodes)
{
  DIR *d = fdopendir (dfd);
  struct dirent *e;

  if (d == NULL)
    {
      (void) close (dfd);
      return;
    }
  while ((e = readdir (d)) != NULL)
    {
      struct stat st;
      int sub;

      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0
          || fstatat (dirfd (d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      if (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode))
        {
          DeviceNode n = { st.st_mode & S_IFMT, st.st_rdev };

          g_array_append_val (nodes, n);
        }
      else if (S_ISDIR (st.st_mode) && depth > 0
               && (sub = openat (dirfd (d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0)
        collect_nodes (sub, depth - 1, nodes);
    }
  (void) closedir (d);
}

/* A new reference, the caller's (json_object_array_add takes it). */
json_object *
uctr_oneline_mount_new (const char *destination, const char *type, const char *source,
                        const char *const *options)
{
  json_object *m = json_object_new_object ();

  uctr_json_add_string (m, "destination", destination);
  uctr_json_add_string (m, "type", type);
  uctr_json_add_string (m, "source", source);
  uctr_json_add_strv (m, "options", options);
  return m;
}

/* A config for root has a device cgroup that denies every device (runc's
   default): the bound nodes are allowed in it (uctr as root enforces it
   as runc does: the v1 devices cgroup or the v2 device filter). */
static void
allow_nodes (json_object *config, GArray *nodes)
{
  json_object *rules
      = uctr_json_member (uctr_json_member (uctr_json_member (config, "linux"), "resources"), "devices");
  guint i;

  if (!json_object_is_type (rules, json_type_array))
    return;
  for (i = 0; i < nodes->len; i++)
    {
      const DeviceNode *n = &g_array_index (nodes, DeviceNode, i);
      json_object *r = json_object_new_object ();

      uctr_json_add_bool (r, "allow", TRUE);
      uctr_json_add_string (r, "type", n->type == S_IFBLK ? "b" : "c");
      uctr_json_add_int (r, "major", major (n->rdev));
      uctr_json_add_int (r, "minor", minor (n->rdev));
      uctr_json_add_string (r, "access", "rwm");
      json_object_array_add (rules, r);
    }
}

/* HOST (a node, or a directory of nodes) bound at DEST; WHERE starts the
   errors ("--device SPEC"). */
static gboolean
add_node (json_object *config, const char *host, const char *dest, const char *where, GError **error)
{
  static const char *const options[] = { "rbind", "nosuid", "noexec", NULL };
  g_autoptr(GArray) nodes = g_array_new (FALSE, FALSE, sizeof (DeviceNode));
  struct stat st;
  int dfd;

  if (stat (host, &st) < 0)
    return uctr_throw_errno (error, "%s", where);
  if (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode))
    {
      DeviceNode n = { st.st_mode & S_IFMT, st.st_rdev };

      g_array_append_val (nodes, n);
    }
  else if (S_ISDIR (st.st_mode) && (dfd = open (host, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
    collect_nodes (dfd, DEVICE_DIR_DEPTH, nodes);
  if (nodes->len == 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("%s: %s is not a device node, nor a directory holding some (such as /dev/dri)"),
                          where, host);
  json_object_array_add (uctr_json_member (config, "mounts"),
                         uctr_oneline_mount_new (dest, "bind", host, options));
  allow_nodes (config, nodes);
  return TRUE;
}

/* podman's PERMS: some of r, w and m, each once. */
static gboolean
valid_perms (const char *s)
{
  const char *p;

  if (*s == '\0' || strlen (s) > 3)
    return FALSE;
  for (p = s; *p != '\0'; p++)
    if (strchr ("rwm", *p) == NULL || strchr (p + 1, *p) != NULL)
      return FALSE;
  return TRUE;
}

gboolean
uctr_oneline_add_device (json_object *config, const char *spec, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (spec, ":", -1);
  g_autofree char *where = g_strconcat ("--device ", spec, NULL);
  g_autofree char *host = NULL;
  const char *dest = NULL, *perms = NULL;
  guint n = g_strv_length (parts);

  if (n == 0 || n > 3 || parts[0][0] == '\0')
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("%s: expected HOST[:DEST][:PERMS]"), where);
  if (n == 2 && valid_perms (parts[1]))
    perms = parts[1];
  else if (n >= 2)
    {
      dest = parts[1];
      perms = parts[2];
    }
  if (dest != NULL && !g_path_is_absolute (dest))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("%s: the destination %s is not an absolute path (nor r, w and m, the permissions)"),
                          where, dest);
  if (perms != NULL && !valid_perms (perms))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("%s: expected permissions made of r, w and m, not %s"), where, perms);
  /* Read-only would need a device cgroup (cgroup v2: a BPF program, which
     a user cannot attach; one-line runs are a user's): a bind mount's ro
     does not stop writes to a device. */
  if (perms != NULL && (strchr (perms, 'r') == NULL || strchr (perms, 'w') == NULL))
    return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                       _("%s: uctr cannot limit a device to %s (it sets no device cgroup); the node's own owner "
                         "and mode apply: leave the permissions out, or give rw"),
                          where, perms);
  host = uctr_absolute_path (parts[0]);
  return add_node (config, host, dest != NULL ? dest : host, where, error);
}

gboolean
uctr_oneline_add_device_paths (json_object *config, char *const *paths, const char *what, GError **error)
{
  for (; *paths != NULL; paths++)
    {
      g_autofree char *where = g_strconcat (what, ": ", *paths, NULL);

      if (!add_node (config, *paths, *paths, where, error))
        return FALSE;
    }
  return TRUE;
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* /dev/nvidiaN, one per NVIDIA GPU, sorted (for the same config each time). */
static void
add_nvidia_gpus (GPtrArray *found)
{
  g_autoptr(GDir) dev = g_dir_open ("/dev", 0, NULL);
  g_autoptr(GPtrArray) gpus = g_ptr_array_new ();
  const char *name;
  guint i;

  while (dev != NULL && (name = g_dir_read_name (dev)) != NULL)
    if (g_str_has_prefix (name, "nvidia")
        && g_ascii_string_to_unsigned (name + strlen ("nvidia"), 10, 0, G_MAXUINT16, NULL, NULL))
      g_ptr_array_add (gpus, g_strconcat ("/dev/", name, NULL));
  g_ptr_array_sort (gpus, compare_paths);
  for (i = 0; i < gpus->len; i++)
    g_ptr_array_add (found, gpus->pdata[i]);
}

char **
uctr_oneline_gpu_nodes (void)
{
  static const char *const paths[] = {
    "/dev/dri",        "/dev/nvidiactl",        "/dev/nvidia-modeset",
    "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-caps",
  };
  GPtrArray *found = g_ptr_array_new ();
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (paths); i++)
    if (g_file_test (paths[i], G_FILE_TEST_EXISTS))
      g_ptr_array_add (found, g_strdup (paths[i]));
  add_nvidia_gpus (found);
  g_ptr_array_add (found, NULL);
  return (char **) g_ptr_array_free (found, FALSE);
}
