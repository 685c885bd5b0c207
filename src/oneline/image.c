/* uctr: one-line runs of an image (oneline/image.h).
 *
 * The image is read from the store (store/images.h) without libarchive or
 * a network client: when it is missing, `uctr-image pull` (a program of
 * its own, so that every other run does not load them) puts it there. The
 * root is the overlayfs the annotation uctr.rootfs.overlay describes,
 * mounted by the init in the container's namespaces; the container's
 * writable layer goes with it (runtime/imageroot.h).
 */
#include "oneline/image.h"
#include "oneline/extras.h"
#include "store/containers.h"
#include "store/images.h"
#include "store/rootfile.h"
#include "image/convert.h"
#include "image/manifest.h"
#include "base/selfexe.h"
#include "base/util.h"
#include "oci/config.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define PASSWD_MAX (4 * 1024 * 1024)

struct _UctrOneLineImage
{
  UctrStore *store;
  UctrImageRecord *record;
  UctrImageConfig *config;
  char *layer_id; /* the container whose writable layer was made, until it is created */
};

void
uctr_oneline_image_free (UctrOneLineImage *img)
{
  if (img == NULL)
    return;
  g_clear_pointer (&img->store, uctr_store_free);
  g_clear_pointer (&img->record, uctr_image_record_free);
  g_clear_pointer (&img->config, uctr_image_config_free);
  g_free (img->layer_id);
  g_free (img);
}

/* Finding the image */

static gboolean
run_pull (const char *name, GError **error)
{
  g_autofree char *program = uctr_selfexe_sibling ("uctr-image");
  const char *argv[] = { program, "pull", name, NULL };
  posix_spawn_file_actions_t actions;
  pid_t pid;
  int status = 0, r;

  /* posix_spawn, not GSubprocess: no GLib helper thread is left behind (a
     container is forked later, and uctr forks only while it has none).
     The pull's progress and errors go to our stderr; its digest nowhere. */
  posix_spawn_file_actions_init (&actions);
  posix_spawn_file_actions_addopen (&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  r = posix_spawn (&pid, program, &actions, NULL, (char **) argv, environ);
  posix_spawn_file_actions_destroy (&actions);
  if (r != 0)
    return uctr_throw_errno_code (error, r, _("Pulling %s (%s)"), name, program);
  if (TEMP_FAILURE_RETRY (waitpid (pid, &status, 0)) < 0)
    return uctr_throw_errno (error, _("Pulling %s (%s)"), name, program);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("%s is not in the image store and could not be pulled"), name);
  return TRUE;
}

static gboolean
load_config (UctrOneLineImage *img, GError **error)
{
  g_autofree char *text = NULL;
  gsize len;

  text = uctr_store_read_blob (img->store, img->record->config_digest, &len, error);
  if (text == NULL)
    return FALSE;
  img->config = uctr_image_config_parse (text, len, img->record->name, error);
  return img->config != NULL;
}

gboolean
uctr_oneline_image_find (UctrOneLine *o, GError **error)
{
  g_autoptr(GError) local = NULL;
  const char *pull = o->pull != NULL ? o->pull : "missing";
  UctrOneLineImage *img;

  if (strcmp (pull, "missing") != 0 && strcmp (pull, "always") != 0 && strcmp (pull, "never") != 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--pull %s: expected missing, always or never"), pull);
  img = o->image_state = g_new0 (UctrOneLineImage, 1);
  if ((img->store = uctr_store_open (NULL, error)) == NULL)
    return FALSE;
  if (strcmp (pull, "always") == 0 && !run_pull (o->image, error))
    return FALSE;
  img->record = uctr_store_find_image (img->store, o->image, &local);
  if (img->record == NULL && g_error_matches (local, UCTR_ERROR, UCTR_ERROR_NOT_FOUND)
      && strcmp (pull, "missing") == 0)
    {
      g_clear_error (&local);
      if (!run_pull (o->image, error))
        return FALSE;
      img->record = uctr_store_find_image (img->store, o->image, &local);
    }
  if (img->record == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return load_config (img, error);
}

char **
uctr_oneline_image_command (const UctrOneLine *o, char *const *command, GError **error)
{
  const UctrImageConfig *c = o->image_state->config;
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  char **argv;

  if (o->entrypoint != NULL)
    {
      if (o->entrypoint[0] != '\0')
        g_strv_builder_add (b, o->entrypoint);
    }
  else if (c->entrypoint != NULL)
    g_strv_builder_addv (b, (const char **) c->entrypoint);
  if (command != NULL && command[0] != NULL)
    g_strv_builder_addv (b, (const char **) command);
  else if (c->cmd != NULL && o->entrypoint == NULL)
    g_strv_builder_addv (b, (const char **) c->cmd);
  argv = g_strv_builder_end (b);
  if (argv[0] == NULL)
    {
      g_strfreev (argv);
      return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                         _("the image %s has no Entrypoint or Cmd: give the command to run after its name"),
                            o->image),
                         NULL;
    }
  return argv;
}

/* The root */

static char *
overlay_option (UctrOneLineImage *img, const char *dir, GError **error)
{
  g_autoptr(GString) lower = g_string_new ("lowerdir=");
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gint i;

  /* overlayfs lists the topmost layer first; the record, the lowest. */
  for (i = (gint) g_strv_length (img->record->layers) - 1; i >= 0; i--)
    {
      g_autofree char *path = NULL;

      /* A layer the image lists twice (empty layers often are) goes in
         once, where it is topmost: overlayfs refuses a directory twice
         (ELOOP), and the layer applied again decides every path it
         touches, so the lower copy changes nothing. */
      if (!g_hash_table_add (seen, img->record->layers[i]))
        continue;
      path = uctr_store_layer (img->store, img->record->layers[i]);
      if (path == NULL)
        return uctr_throw (error, UCTR_ERROR_FAILED,
                           _("the layer %s of %s is missing from the image store: pull the image again"),
                              img->record->layers[i], img->record->name),
                           NULL;
      if (strpbrk (path, ",:") != NULL)
        return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                           _("the image store %s has a ',' or ':' in its path, which overlayfs cannot take"),
                              uctr_store_root (img->store)),
                           NULL;
      g_string_append_printf (lower, "%s%s", lower->len > strlen ("lowerdir=") ? ":" : "", path);
    }
  if (dir != NULL)
    g_string_append_printf (lower, ",upperdir=%s/upper,workdir=%s/work", dir, dir);
  return g_string_free (g_steal_pointer (&lower), FALSE);
}

static gboolean
set_root (json_object *config, UctrOneLine *o, const char *id, gboolean make_layer, GError **error)
{
  UctrOneLineImage *img = o->image_state;
  json_object *root = uctr_json_object_member (config, "root");
  json_object *annotations = uctr_json_object_member (config, "annotations");
  g_autofree char *dir = NULL;
  g_autofree char *merged = NULL;
  g_autofree char *overlay = NULL;

  if (img->record->layers[0] == NULL)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("the image %s has no layers: nothing to run"), img->record->name);
  if (make_layer)
    {
      if (!uctr_store_make_container (img->store, id, img->record, &dir, error))
        return FALSE;
      img->layer_id = g_strdup (id);
    }
  overlay = overlay_option (img, dir, error);
  if (overlay == NULL)
    return FALSE;
  /* Without a writable layer (spec), the root is mounted on the topmost
     layer's directory, read-only: nothing is made in the store. */
  if (dir != NULL)
    merged = g_build_filename (dir, "merged", NULL);
  else
    merged = uctr_store_layer (img->store, img->record->layers[g_strv_length (img->record->layers) - 1]);
  uctr_json_add_string (root, "path", merged);
  uctr_json_add_bool (root, "readonly", o->read_only || dir == NULL);
  /* overlayfs wants two lower layers when there is no upper one: a
     one-layer image without a writable layer is that layer, bound. */
  if (dir != NULL || img->record->layers[1] != NULL)
    uctr_json_add_string (annotations, UCTR_ANNOTATION_ROOTFS_OVERLAY, overlay);
  /* What goes with the container: only a writable layer made for it. */
  if (dir != NULL)
    uctr_json_add_string (annotations, UCTR_ANNOTATION_IMAGE, img->record->name);
  /* The writable layer takes the mount points the image lacks; a
     read-only root has them made in throwaway layers instead. */
  if (o->read_only)
    uctr_json_add_string (annotations, UCTR_ANNOTATION_MOUNTPOINTS, "tmpfs");
  return TRUE;
}

/* The image's annotations (image/convert.h), before uctr's own; the
   labels left out are said in one warning. */
static void
set_annotations (json_object *config, const UctrImageConfig *c, UctrOneLineExtras *x)
{
  json_object *annotations = uctr_json_object_member (config, "annotations");
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) table = uctr_image_config_annotations (c, skipped);
  g_autofree const char **keys = (const char **) g_hash_table_get_keys_as_array (table, NULL);
  g_autofree char *names = NULL;
  guint i;

  for (i = 0; keys[i] != NULL; i++)
    if (!json_object_object_get_ex (annotations, keys[i], NULL))
      uctr_json_add_string (annotations, keys[i], g_hash_table_lookup (table, keys[i]));
  if (skipped->len == 0)
    return;
  g_ptr_array_add (skipped, NULL);
  names = g_strjoinv (", ", (char **) skipped->pdata);
  g_ptr_array_add (x->warnings, g_strdup_printf (_("the image's labels %s are not applied: uctr acts on annotations under "
                                      "\"%s\", which an image does not choose"),
                                    names, UCTR_ANNOTATION_PREFIX));
}

/* The process */

static void
set_env (json_object *process, const UctrImageConfig *c)
{
  json_object *old = uctr_json_member (process, "env");
  size_t n_old = json_object_is_type (old, json_type_array) ? json_object_array_length (old) : 0;
  g_auto(GStrv) merged = NULL;
  size_t i;

  for (i = 0; i < n_old; i++)
    {
      json_object *e = json_object_array_get_idx (old, i);

      if (json_object_is_type (e, json_type_string))
        merged = uctr_env_set (merged, json_object_get_string (e));
    }
  for (i = 0; c->env != NULL && c->env[i] != NULL; i++)
    merged = uctr_env_set (merged, c->env[i]);
  uctr_json_add_strv (process, "env", (const char *const *) merged);
}

/* NAME's entry in the colon-separated DB (passwd, group): its third
   field, a number; -1 when there is none. */
static gint64
db_id (const char *db, const char *name)
{
  g_auto(GStrv) lines = g_strsplit (db != NULL ? db : "", "\n", -1);
  guint i;

  for (i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], ":", 5);
      guint64 v;

      if (g_strv_length (f) >= 4 && strcmp (f[0], name) == 0
          && g_ascii_string_to_unsigned (f[2], 10, 0, G_MAXUINT32 - 1, &v, NULL))
        return (gint64) v;
    }
  return -1;
}

/* The primary group of the passwd entry of UID (its fourth field), 0 when none. */
static gint64
passwd_gid (const char *passwd, guint64 uid)
{
  g_auto(GStrv) lines = g_strsplit (passwd != NULL ? passwd : "", "\n", -1);
  guint i;

  for (i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], ":", 5);
      guint64 u, g;

      if (g_strv_length (f) >= 4 && g_ascii_string_to_unsigned (f[2], 10, 0, G_MAXUINT32 - 1, &u, NULL)
          && u == uid && g_ascii_string_to_unsigned (f[3], 10, 0, G_MAXUINT32 - 1, &g, NULL))
        return (gint64) g;
    }
  return 0;
}

static gboolean
lookup (const char *db, const char *what, const char *image, const char *name, gint64 *id, GError **error)
{
  guint64 v;

  if (g_ascii_string_to_unsigned (name, 10, 0, G_MAXUINT32 - 1, &v, NULL))
    {
      *id = (gint64) v;
      return TRUE;
    }
  if ((*id = db_id (db, name)) < 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("the image %s runs as %s \"%s\", which its /etc/%s does not have"), image, what,
                          name, strcmp (what, "user") == 0 ? "passwd" : "group");
  return TRUE;
}

/* The image's User: NAME or UID, then :GROUP or :GID; names are looked up
   in the image's own /etc/passwd and /etc/group, as podman does. */
static gboolean
set_user (json_object *process, UctrOneLineImage *img, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (img->config->user, ":", 2);
  g_autofree char *passwd = NULL;
  g_autofree char *group = NULL;
  json_object *u;
  gint64 uid, gid;

  (void) uctr_store_read_root_file (img->store, img->record, "etc/passwd", PASSWD_MAX, &passwd, NULL);
  if (parts[1] != NULL)
    (void) uctr_store_read_root_file (img->store, img->record, "etc/group", PASSWD_MAX, &group, NULL);
  if (!lookup (passwd, "user", img->record->name, parts[0], &uid, error)
      || (parts[1] != NULL && !lookup (group, "group", img->record->name, parts[1], &gid, error)))
    return FALSE;
  if (parts[1] == NULL)
    gid = passwd_gid (passwd, (guint64) uid);
  u = uctr_json_object_member (process, "user");
  uctr_json_add_int (u, "uid", uid);
  uctr_json_add_int (u, "gid", gid);
  return TRUE;
}

/* -P: each exposed port on a host port the kernel says is free now. */
static gboolean
publish_exposed (const UctrImageConfig *c, UctrOneLineExtras *x, GError **error)
{
  guint i;

  for (i = 0; c->exposed_ports != NULL && c->exposed_ports[i] != NULL; i++)
    {
      const char *slash = strchr (c->exposed_ports[i], '/');
      gboolean udp = slash != NULL && strcmp (slash, "/udp") == 0;
      struct sockaddr_in sa = { .sin_family = AF_INET };
      socklen_t len = sizeof sa;
      uctr_autofd int fd = socket (AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);

      if (fd < 0 || bind (fd, (struct sockaddr *) &sa, sizeof sa) < 0
          || getsockname (fd, (struct sockaddr *) &sa, &len) < 0)
        return uctr_throw_errno (error, _("--publish-all: finding a free port for %s"), c->exposed_ports[i]);
      g_ptr_array_add (x->publish,
                       g_strdup_printf ("%u:%.*s/%s", ntohs (sa.sin_port),
                                        (int) (slash != NULL ? slash - c->exposed_ports[i]
                                                             : (int) strlen (c->exposed_ports[i])),
                                        c->exposed_ports[i], udp ? "udp" : "tcp"));
    }
  return TRUE;
}

/* Whether one of the --bind flags of O binds something on DEST. */
static gboolean
bound_by_flag (const UctrOneLine *o, const char *dest)
{
  for (char **b = o->binds; b != NULL && *b != NULL; b++)
    {
      g_auto(GStrv) parts = g_strsplit (*b, ":", 3);
      g_autofree char *src = uctr_absolute_path (parts[0]);
      g_autofree char *want = g_canonicalize_filename (dest, "/");
      g_autofree char *got
          = g_canonicalize_filename (parts[1] != NULL && parts[1][0] != '\0' ? parts[1] : src, "/");

      if (strcmp (want, got) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The image's Volumes: each a directory of the container's in the store,
   with what the image has there copied in when it is mounted (podman's
   anonymous volumes), gone with the container. A --bind on the same path
   takes its place. Not for spec, which makes nothing. */
static gboolean
add_volumes (json_object *config, UctrOneLine *o, const char *id, GError **error)
{
  UctrOneLineImage *img = o->image_state;
  json_object *mounts = uctr_json_member (config, "mounts");
  guint i, n = 0;

  for (i = 0; img->config->volumes != NULL && img->config->volumes[i] != NULL; i++)
    {
      const char *dest = img->config->volumes[i];
      g_autofree char *dir = NULL;
      json_object *options;

      if (!g_path_is_absolute (dest) || bound_by_flag (o, dest))
        continue;
      if (!uctr_store_make_volume (img->store, id, n++, &dir, error))
        return FALSE;
      uctr_oneline_add_bind_mount (mounts, dir, dest, "rw");
      /* The mount just added: its options gain tmpcopyup. */
      options = uctr_json_member (json_object_array_get_idx (mounts, json_object_array_length (mounts) - 1),
                                  "options");
      json_object_array_add (options, json_object_new_string ("tmpcopyup"));
    }
  return TRUE;
}

gboolean
uctr_oneline_image_apply (json_object *config, UctrOneLine *o, const char *id, gboolean make_layer,
                          UctrOneLineExtras *x, GError **error)
{
  UctrOneLineImage *img = o->image_state;
  json_object *process = uctr_json_object_member (config, "process");

  set_annotations (config, img->config, x);
  if (!set_root (config, o, id, make_layer, error) || (make_layer && !add_volumes (config, o, id, error)))
    return FALSE;
  /* The layers' owners are ids of the store's mapping (0 -> you, 1.. ->
     your range); keep-id maps you to yourself, which shifts them. */
  if (o->userns != NULL && geteuid () != 0)
    g_ptr_array_add (x->warnings,
                     g_strdup_printf (_("--userns=%s with an image: the image's files keep the owners of the image "
                                        "store's mapping, so root's files are yours and the image's other users' "
                                        "are not theirs"),
                         o->userns));
  set_env (process, img->config);
  if (o->workdir == NULL && img->config->working_dir != NULL && img->config->working_dir[0] != '\0')
    uctr_json_add_string (process, "cwd", img->config->working_dir);
  if (o->user == NULL && img->config->user != NULL && img->config->user[0] != '\0'
      && !set_user (process, img, error))
    return FALSE;
  return !o->publish_all || publish_exposed (img->config, x, error);
}

void
uctr_oneline_image_abandon (UctrOneLine *o)
{
  UctrOneLineImage *img = o->image_state;

  if (img == NULL || img->layer_id == NULL)
    return;
  (void) uctr_store_remove_container (img->store, img->layer_id, NULL);
  g_clear_pointer (&img->layer_id, g_free);
}
