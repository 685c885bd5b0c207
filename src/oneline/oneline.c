/* uctr: one-line runs (see oneline.h). The config is `uctr spec`'s default
   (with --rootless's user namespace and network for a caller who is not
   root), edited as JSON: the root, the process, the bind mounts. */
#include "oneline/oneline.h"
#include "base/json.h"
#include "base/util.h"
#include "oneline/env.h"
#include "oneline/extras.h"
#include "oneline/gui.h"
#include "oneline/keepid.h"
#include "oneline/security.h"
#include "oneline/init.h"
#include "oneline/image.h"
#include "runtime/container.h"
#include "oci/config.h"
#include "oci/spec.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

GOptionEntry *
uctr_oneline_entries (UctrOneLine *o)
{
  GOptionEntry entries[] = {
    { "rootfs", 0, 0, G_OPTION_ARG_FILENAME, &o->rootfs,
      N_ ("Run COMMAND in DIR as the root, no config.json needed (\"/\": the host's own, read-only)"),
      N_ ("DIR") },
    { "read-only", 0, 0, G_OPTION_ARG_NONE, &o->read_only, N_ ("Mount the root read-only"), NULL },
    { "writable", 0, 0, G_OPTION_ARG_NONE, &o->writable,
      N_ ("With --rootfs /: leave the host's root writable"), NULL },
    { "bind", 'v', 0, G_OPTION_ARG_FILENAME_ARRAY, &o->binds,
      N_ ("Bind a host path into the container (repeatable; DEST defaults to SRC)"), N_ ("SRC[:DEST[:ro]]") },
    { "workdir", 'w', 0, G_OPTION_ARG_FILENAME, &o->workdir, N_ ("Working directory of the command"),
      N_ ("DIR") },
    { "env", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &o->env,
      N_ ("Set an environment variable; KEY alone passes the host's value, PREFIX* every such one "
          "(repeatable)"),
      N_ ("KEY[=VALUE]") },
    { "env-file", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->env_files,
      N_ ("Read KEY=VALUE (or KEY) lines from FILE, before --env (repeatable)"), N_ ("FILE") },
    { "tty", 't', 0, G_OPTION_ARG_NONE, &o->tty,
      N_ ("Give the command a pty (the default when stdin is a terminal)"), NULL },
    { "interactive", 'i', 0, G_OPTION_ARG_NONE, &o->interactive,
      N_ ("Keep stdin attached (what a run in the foreground does anyway; podman's -i)"), NULL },
    { "entrypoint", 0, 0, G_OPTION_ARG_STRING, &o->entrypoint,
      N_ ("With an image: run CMD instead of its Entrypoint (\"\": none)"), N_ ("CMD") },
    { "publish-all", 'P', 0, G_OPTION_ARG_NONE, &o->publish_all,
      N_ ("With an image: publish its exposed ports on free host ports (uctr port lists them)"), NULL },
    { "pull", 0, 0, G_OPTION_ARG_STRING, &o->pull,
      N_ ("With an image: pull it when it is missing (the default), always, or never"), N_ ("POLICY") },
    { "name", 0, 0, G_OPTION_ARG_STRING, &o->name, N_ ("The container's id (default: made from the command)"),
      N_ ("NAME") },
    { "user", 'u', 0, G_OPTION_ARG_STRING, &o->user, N_ ("Run as UID, and GID (numbers, in the container)"),
      N_ ("UID[:GID]") },
    { "hostname", 0, 0, G_OPTION_ARG_STRING, &o->hostname, N_ ("The container's hostname (default: its id)"),
      N_ ("NAME") },
    { "rm", 0, 0, G_OPTION_ARG_NONE, &o->rm,
      N_ ("Delete the container when the command ends (the default without --detach)"), NULL },
    { "userns", 0, 0, G_OPTION_ARG_STRING, &o->userns,
      N_ ("keep-id: run as yourself, your uid and gid the same inside, with your home and an /etc/passwd "
          "entry"),
      N_ ("MODE") },
    { "cap-add", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->cap_add,
      N_ ("Add capabilities to podman's default set (repeatable; names with or without CAP_, or ALL)"),
      N_ ("CAP[,CAP...]") },
    { "cap-drop", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->cap_drop,
      N_ ("Drop capabilities from the set (repeatable; names with or without CAP_, or ALL)"),
      N_ ("CAP[,CAP...]") },
    { "privileged", 0, 0, G_OPTION_ARG_NONE, &o->privileged,
      N_ ("Every capability of the user namespace, no seccomp filter, no masked paths, the host's devices"),
      NULL },
    { "security-opt", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->security_opts,
      N_ ("seccomp=unconfined, seccomp=PATH (a linux.seccomp JSON file) or no-new-privileges (repeatable)"),
      N_ ("OPT") },
    { "device", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->devices,
      N_ ("Bind a host device node, or every node in a directory such as /dev/dri (repeatable)"),
      N_ ("HOST[:DEST][:rw]") },
    { "gpu", 0, 0, G_OPTION_ARG_NONE, &o->gpu, N_ ("Bind the host's GPU nodes: /dev/dri and NVIDIA's"),
      NULL },
    { "socket", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->sockets,
      N_ ("Bind a desktop socket and set the variables that lead to it: "
          "wayland, x11, pulseaudio, pipewire or session-bus (repeatable)"),
      N_ ("NAME") },
    { "gui", 0, 0, G_OPTION_ARG_NONE, &o->gui,
      N_ ("Every --socket and --gpu, those the host has: what a desktop application needs"), NULL },
    { "init", 0, 0, G_OPTION_ARG_NONE, &o->init,
      N_ ("Run an init as PID 1 (catatonit) that forwards signals to COMMAND and reaps zombies"), NULL },
    { "init-path", 0, 0, G_OPTION_ARG_FILENAME, &o->init_path,
      N_ ("The init for --init (default: catatonit, from PATH); implies --init"), N_ ("FILE") },
    { "log-opt", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->log_opts,
      N_ ("With --detach: max-size=SIZE, the most its log of stdout and stderr keeps (default 4m; see uctr "
          "logs)"),
      N_ ("max-size=SIZE") },
    { NULL },
  };

  return g_memdup2 (entries, sizeof entries);
}

/* Whether the option ENTRY points at has been given (is not zero). */
static gboolean
entry_given (const GOptionEntry *e)
{
  switch (e->arg)
    {
    case G_OPTION_ARG_NONE:
    case G_OPTION_ARG_INT:
      return *(int *) e->arg_data != 0;
    case G_OPTION_ARG_STRING:
    case G_OPTION_ARG_FILENAME:
    case G_OPTION_ARG_STRING_ARRAY:
    case G_OPTION_ARG_FILENAME_ARRAY:
      return *(gpointer *) e->arg_data != NULL;
    default:
      g_assert_not_reached ();
    }
}

const char *
uctr_oneline_given (const GOptionEntry *entries)
{
  for (const GOptionEntry *e = entries; e->long_name != NULL; e++)
    if (strcmp (e->long_name, "rootfs") != 0 && entry_given (e))
      return e->long_name;
  return NULL;
}

gboolean
uctr_oneline_has_option (int argc, char **argv, const char *option)
{
  gsize n = strlen (option);

  for (int i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    if (strncmp (argv[i], option, n) == 0 && (argv[i][n] == '\0' || argv[i][n] == '='))
      return TRUE;
  return FALSE;
}

/* --env-file and --env over the default environment (a later KEY replaces
   an earlier one); TERM from the host when the command gets a terminal. */
static gboolean
set_env (json_object *process, const UctrOneLine *o, gboolean terminal, GError **error)
{
  g_auto(GStrv) merged = NULL;
  g_auto(GStrv) asked = uctr_oneline_env_collect (o->env_files, o->env, error);
  json_object *old = uctr_json_member (process, "env");
  size_t n_old = json_object_is_type (old, json_type_array) ? json_object_array_length (old) : 0;
  const char *term = g_getenv ("TERM");
  size_t i;

  if (asked == NULL)
    return FALSE;
  for (i = 0; i < n_old; i++)
    {
      json_object *e = json_object_array_get_idx (old, i);

      if (json_object_is_type (e, json_type_string))
        merged = uctr_env_set (merged, json_object_get_string (e));
    }
  if (terminal && term != NULL && *term != '\0')
    {
      g_autofree char *entry = g_strconcat ("TERM=", term, NULL);

      merged = uctr_env_set (merged, entry);
    }
  for (i = 0; asked[i] != NULL; i++)
    merged = uctr_env_set (merged, asked[i]);
  uctr_json_add_strv (process, "env", (const char *const *) merged);
  return TRUE;
}

static gboolean
set_user (json_object *process, const char *user, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (user, ":", 2);
  json_object *u = uctr_json_object_member (process, "user");
  guint64 uid, gid = 0;

  if (!g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXUINT32 - 1, &uid, NULL)
      || (parts[1] != NULL && !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXUINT32 - 1, &gid, NULL)))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--user %s: expected UID or UID:GID, in numbers"), user);
  uctr_json_add_int (u, "uid", (gint64) uid);
  uctr_json_add_int (u, "gid", (gint64) (parts[1] != NULL ? gid : uid));
  return TRUE;
}

/* SRC[:DEST[:ro|rw]] -> a bind mount; SRC must exist. */
static gboolean
add_bind (json_object *mounts, const char *spec, UctrOneLineExtras *x, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (spec, ":", 3);
  g_autofree char *src = NULL;
  const char *dest, *mode;
  struct stat st;

  if (parts[0][0] == '\0')
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("--bind %s: expected SRC[:DEST[:ro]]"), spec);
  src = uctr_absolute_path (parts[0]);
  dest = parts[1] != NULL && parts[1][0] != '\0' ? parts[1] : src;
  mode = parts[1] != NULL ? parts[2] : NULL;
  if (stat (src, &st) < 0)
    return uctr_throw_errno (error, _("--bind %s: %s"), spec, src);
  if (!g_path_is_absolute (dest))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--bind %s: the destination %s is not an absolute path"), spec, dest);
  if (mode != NULL && strcmp (mode, "ro") != 0 && strcmp (mode, "rw") != 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--bind %s: expected ro or rw after the destination, not %s"), spec, mode);
  uctr_oneline_flag_next_mount (x, mounts, "--bind %s", spec);
  uctr_oneline_add_bind_mount (mounts, src, dest, mode != NULL ? mode : "rw");
  return TRUE;
}

static gboolean
set_root (json_object *config, const UctrOneLine *o, GError **error)
{
  g_autofree char *root = uctr_absolute_path (o->rootfs);
  json_object *r = uctr_json_object_member (config, "root");
  gboolean host = strcmp (root, "/") == 0;

  if (!g_file_test (root, G_FILE_TEST_IS_DIR))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("--rootfs %s: not a directory"), o->rootfs);
  uctr_json_add_string (r, "path", root);
  /* The host's own tree is a sandbox's floor: read-only unless asked. */
  uctr_json_add_bool (r, "readonly", o->read_only || (host && !o->writable));
  /* The root is the user's own directory, or the host's: a mount point it
     lacks is made in a throwaway layer, never in it. */
  uctr_json_add_string (uctr_json_object_member (config, "annotations"), UCTR_ANNOTATION_MOUNTPOINTS,
                        "tmpfs");
  return TRUE;
}

/* The flags that the paths of the config came from, for errors that name a path. */
static void
name_flags (const UctrOneLine *o, UctrOneLineExtras *x)
{
  static const char *const user_paths[]
      = { "process.user.uid", "process.user.gid", "process.user.additionalGids" };

  if (o->image != NULL)
    uctr_oneline_flag_set (x, "root.path", "%s", o->image);
  else
    uctr_oneline_flag_set (x, "root.path", "--rootfs %s", o->rootfs);
  if (o->workdir != NULL)
    uctr_oneline_flag_set (x, "process.cwd", "--workdir %s", o->workdir);
  for (gsize i = 0; o->user != NULL && i < G_N_ELEMENTS (user_paths); i++)
    uctr_oneline_flag_set (x, user_paths[i], "--user %s", o->user);
}

char *
uctr_oneline_config (UctrOneLine *o, const char *id, char *const *command, gboolean terminal,
                     UctrOneLineExtras *x, GError **error)
{
  UctrIdMapping uids[1], gids[1];
  UctrSpecOptions opts;
  g_autofree char *base = NULL;
  g_autoptr(json_object) config = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) image_argv = NULL;
  json_object *process, *mounts;
  char **b;

  if (o->image != NULL && (image_argv = uctr_oneline_image_command (o, command, error)) == NULL)
    return NULL;
  if (o->image == NULL && (command == NULL || command[0] == NULL))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--rootfs: give the command to run after the options (or after --)")),
                       NULL;
  uctr_oneline_gui_imply (o);
  uctr_rootless_spec_options (geteuid () != 0, &opts, uids, gids);
  /* The runtime maps as for any config without mappings, when the run
     starts: the subordinate range, or the caller alone with a warning
     saying what that costs (README's promise, one-line runs included). */
  opts.n_uid_mappings = opts.n_gid_mappings = 0;
  opts.subids = FALSE;
  base = uctr_spec_default_json (&opts);
  if (!uctr_json_parse (base, -1, UCTR_JSON_MAX_DEPTH, &config, error))
    return NULL;
  if (!json_object_is_type (config, json_type_object))
    return uctr_throw (error, UCTR_ERROR_FAILED, _("uctr spec's default config is not a JSON object")), NULL;
  if (o->image == NULL && !set_root (config, o, error))
    return NULL;
  process = uctr_json_object_member (config, "process");
  uctr_json_add_strv (process, "args", (const char *const *) (image_argv != NULL ? image_argv : command));
  uctr_json_add_bool (process, "terminal", terminal);
  if (o->workdir != NULL && !g_path_is_absolute (o->workdir))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--workdir %s: not an absolute path"), o->workdir),
                       NULL;
  uctr_json_add_string (process, "cwd", o->workdir != NULL ? o->workdir : "/");
  /* The image's environment, directory and user under the flags'. */
  if (o->image != NULL && !uctr_oneline_image_apply (config, o, id, x->state_dir != NULL, x, error))
    return NULL;
  if (!set_env (process, o, terminal, error))
    return NULL;
  if (o->user != NULL && !set_user (process, o->user, error))
    return NULL;
  uctr_json_add_string (config, "hostname", o->hostname != NULL ? o->hostname : id);
  name_flags (o, x);
  if (!uctr_oneline_keep_id (config, o, x, error))
    return NULL;
  if (!uctr_oneline_gui (config, o, x, error))
    return NULL;
  mounts = uctr_json_member (config, "mounts");
  for (b = o->binds; b != NULL && *b != NULL; b++)
    if (!add_bind (mounts, *b, x, error))
      return NULL;
  /* Last: the capabilities follow the final process.user. */
  if (!uctr_oneline_security (config, o, error))
    return NULL;
  if (!uctr_oneline_init_apply (config, o, error))
    return NULL;
  text = uctr_json_to_string (config, TRUE);
  return g_strconcat (text, "\n", NULL);
}

/* Container ids allow [A-Za-z0-9_.+-]: the command's name, cleaned up,
   and six random hex digits. */
char *
uctr_oneline_id (const UctrOneLine *o, char *const *command)
{
  g_autofree char *base = NULL;

  if (o->name != NULL)
    return g_strdup (o->name);
  if (command != NULL && command[0] != NULL)
    base = g_path_get_basename (command[0]);
  else if (o->image != NULL)
    base = g_path_get_basename (o->image);
  else
    base = g_strdup ("run");
  g_strcanon (base, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.+-", '-');
  if (!g_ascii_isalnum (base[0]))
    base[0] = 'x';
  return g_strdup_printf ("%.32s-%06x", base, g_random_int () & 0xffffff);
}

void
uctr_oneline_clear (UctrOneLine *o)
{
  g_free (o->rootfs);
  g_free (o->image);
  g_free (o->entrypoint);
  g_free (o->pull);
  g_clear_pointer (&o->image_state, uctr_oneline_image_free);
  g_strfreev (o->binds);
  g_free (o->workdir);
  g_strfreev (o->env);
  g_strfreev (o->env_files);
  g_free (o->name);
  g_free (o->user);
  g_free (o->hostname);
  g_free (o->userns);
  g_strfreev (o->cap_add);
  g_strfreev (o->cap_drop);
  g_strfreev (o->security_opts);
  g_strfreev (o->devices);
  g_strfreev (o->sockets);
  g_free (o->init_path);
  g_strfreev (o->log_opts);
}
