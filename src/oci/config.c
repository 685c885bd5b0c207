/* uctr: config.json (OCI runtime-spec v1.x, Linux) parsed into typed structs.
 *
 * Every error is UCTR_ERROR_INVALID_CONFIG and starts with the JSON path of
 * the offending value ("mounts[3].destination: must be an absolute path"), so
 * the user can find it without counting braces.  Unknown members are ignored,
 * as the spec requires, and a JSON null counts as absent, as it does for runc
 * (Go's encoding/json).  Validation stops at what is certainly wrong; whether a
 * capability name or a mount type exists is for the modules that use them.
 */
#include "oci/config.h"
#include "base/json.h"
#include "base/util.h"

#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

/* Indexed by UctrNsType, UctrHookKind and UctrCapSet: the spelling in config.json. */
static const char *const ns_names[UCTR_NS_N] = {
  [UCTR_NS_USER] = "user",       [UCTR_NS_MOUNT] = "mount", [UCTR_NS_PID] = "pid",
  [UCTR_NS_NETWORK] = "network", [UCTR_NS_IPC] = "ipc",     [UCTR_NS_UTS] = "uts",
  [UCTR_NS_CGROUP] = "cgroup",   [UCTR_NS_TIME] = "time",
};

static const char *const hook_names[UCTR_HOOK_N] = {
  [UCTR_HOOK_PRESTART] = "prestart",
  [UCTR_HOOK_CREATE_RUNTIME] = "createRuntime",
  [UCTR_HOOK_CREATE_CONTAINER] = "createContainer",
  [UCTR_HOOK_START_CONTAINER] = "startContainer",
  [UCTR_HOOK_POSTSTART] = "poststart",
  [UCTR_HOOK_POSTSTOP] = "poststop",
};

static const char *const cap_set_names[UCTR_CAP_N] = {
  [UCTR_CAP_BOUNDING] = "bounding",       [UCTR_CAP_EFFECTIVE] = "effective",
  [UCTR_CAP_INHERITABLE] = "inheritable", [UCTR_CAP_PERMITTED] = "permitted",
  [UCTR_CAP_AMBIENT] = "ambient",
};

static const struct
{
  const char *name;
  int resource;
} rlimit_table[] = {
  { "RLIMIT_CPU", RLIMIT_CPU },           { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_DATA", RLIMIT_DATA },         { "RLIMIT_STACK", RLIMIT_STACK },
  { "RLIMIT_CORE", RLIMIT_CORE },         { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_NPROC", RLIMIT_NPROC },       { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },   { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },       { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },     { "RLIMIT_RTTIME", RLIMIT_RTTIME },
};

static const char *const device_types[] = { "c", "b", "u", "p", NULL };

static const char *const propagations[] = {
  "shared", "slave", "private", "unbindable", "rshared", "rslave", "rprivate", "runbindable", NULL,
};

/* Name helpers */

static int
name_lookup (const char *const *names, int n_names, const char *name)
{
  int i;

  for (i = 0; i < n_names; i++)
    if (g_strcmp0 (names[i], name) == 0)
      return i;
  return -1;
}

const char *
uctr_ns_type_name (UctrNsType type)
{
  g_return_val_if_fail ((guint) type < UCTR_NS_N, NULL);
  return ns_names[type];
}

const char *
uctr_hook_kind_name (UctrHookKind kind)
{
  g_return_val_if_fail ((guint) kind < UCTR_HOOK_N, NULL);
  return hook_names[kind];
}

const char *
uctr_cap_set_name (UctrCapSet set)
{
  g_return_val_if_fail ((guint) set < UCTR_CAP_N, NULL);
  return cap_set_names[set];
}

int
uctr_config_rlimit_from_name (const char *name)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (rlimit_table); i++)
    if (g_strcmp0 (rlimit_table[i].name, name) == 0)
      return rlimit_table[i].resource;
  return -1;
}

/* Freeing */

static void
mount_clear (UctrMount *mount)
{
  g_free (mount->destination);
  g_free (mount->type);
  g_free (mount->source);
  g_strfreev (mount->options);
  g_free (mount->uid_mappings);
  g_free (mount->gid_mappings);
}

static void
hook_clear (UctrHook *hook)
{
  g_free (hook->path);
  g_strfreev (hook->args);
  g_strfreev (hook->env);
}

void
uctr_process_free (UctrProcess *process)
{
  gsize i;

  if (process == NULL)
    return;
  g_free (process->additional_gids);
  g_strfreev (process->args);
  g_strfreev (process->env);
  g_free (process->cwd);
  for (i = 0; i < UCTR_CAP_N; i++)
    g_strfreev (process->capabilities[i]);
  for (i = 0; i < process->n_rlimits; i++)
    g_free (process->rlimits[i].type);
  g_free (process->rlimits);
  g_free (process->apparmor_profile);
  g_free (process->selinux_label);
  g_free (process);
}

static void
config_free_linux (UctrConfig *config)
{
  gsize i;

  for (i = 0; i < UCTR_NS_N; i++)
    g_free (config->namespaces[i].path);
  g_free (config->uid_mappings);
  g_free (config->gid_mappings);
  g_clear_pointer (&config->sysctl, g_hash_table_unref);
  for (i = 0; i < config->n_devices; i++)
    {
      g_free (config->devices[i].type);
      g_free (config->devices[i].path);
    }
  g_free (config->devices);
  g_free (config->cgroups_path);
  g_free (config->rootfs_propagation);
  g_strfreev (config->masked_paths);
  g_strfreev (config->readonly_paths);
  g_free (config->mount_label);
  g_clear_pointer (&config->resources, json_object_put);
  g_clear_pointer (&config->seccomp, json_object_put);
}

void
uctr_config_free (UctrConfig *config)
{
  gsize i, j;

  if (config == NULL)
    return;
  g_free (config->oci_version);
  g_free (config->root_path);
  g_free (config->hostname);
  g_free (config->domainname);
  uctr_process_free (config->process);
  for (i = 0; i < config->n_mounts; i++)
    mount_clear (&config->mounts[i]);
  g_free (config->mounts);
  for (i = 0; i < UCTR_HOOK_N; i++)
    {
      for (j = 0; j < config->n_hooks[i]; j++)
        hook_clear (&config->hooks[i][j]);
      g_free (config->hooks[i]);
    }
  g_clear_pointer (&config->annotations, g_hash_table_unref);
  g_strfreev (config->annotation_keys);
  config_free_linux (config);
  g_clear_pointer (&config->root_node, json_object_put);
  g_free (config);
}

/* Typed access to members beyond base/json.h's */

static gboolean
get_u32 (json_object *obj, const char *parent, const char *name, UctrJsonFlags flags, guint32 *out,
         gboolean *present, GError **error)
{
  guint64 value = *out;

  if (!uctr_json_get_uint (obj, parent, name, flags, G_MAXUINT32, &value, present, error))
    return FALSE;
  *out = (guint32) value;
  return TRUE;
}

/* Any uint64, as runc takes it: 18446744073709551615 is RLIM_INFINITY, as Go
   writes it.  A negative number (-1 too) is refused, as runc refuses it. */
static gboolean
get_rlimit_value (json_object *obj, const char *parent, const char *name, guint64 *out, GError **error)
{
  return uctr_json_get_uint (obj, parent, name, UCTR_JSON_REQUIRED, G_MAXUINT64, out, NULL, error);
}

/* Parses one element of an array of objects; ITEM is zeroed storage owned by the config. */
typedef gboolean (*ParseItemFunc) (json_object *obj, const char *path, gpointer item, GError **error);

/* The array is handed to the config (*items, *n_items) before its elements are
   parsed, so that on failure uctr_config_free() frees what was filled in. */
static gboolean
get_object_array (json_object *obj, const char *parent, const char *name, gsize item_size,
                  ParseItemFunc parse_item, gpointer *items, gsize *n_items, GError **error)
{
  g_autofree char *array_path = uctr_json_path (parent, name);
  json_object *array = NULL;
  gsize i, n;

  if (!uctr_json_get_array (obj, parent, name, UCTR_JSON_OPTIONAL, &array, error))
    return FALSE;
  if (array == NULL)
    return TRUE;
  n = json_object_array_length (array);
  *items = g_malloc0_n (n, item_size);
  *n_items = n;
  for (i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s[%" G_GSIZE_FORMAT "]", array_path, i);
      json_object *node = json_object_array_get_idx (array, i);

      if (!json_object_is_type (node, json_type_object))
        return uctr_json_invalid_at (error, path, NULL, _("must be an object"));
      if (!parse_item (node, path, (char *) *items + i * item_size, error))
        return FALSE;
    }
  return TRUE;
}

/* The top level */

static gboolean
parse_version (json_object *root, UctrConfig *config, GError **error)
{
  const char *v;

  if (!uctr_json_dup_string (root, "", "ociVersion", UCTR_JSON_REQUIRED, &config->oci_version, error))
    return FALSE;
  /* SemVer: versions with the same major are compatible, whatever follows. */
  v = config->oci_version;
  if (!g_str_has_prefix (v, "1.") || !g_ascii_isdigit (v[2]))
    return uctr_json_invalid_at (error, "", "ociVersion",
                                 _("unsupported version \"%s\"; uctr supports 1.x"), v);
  return TRUE;
}

static gboolean
parse_root (json_object *root, UctrConfig *config, GError **error)
{
  json_object *obj = NULL;

  if (!uctr_json_get_object (root, "", "root", UCTR_JSON_OPTIONAL, &obj, error))
    return FALSE;
  if (obj == NULL)
    return uctr_json_invalid_at (error, "", "root", _("missing required field"));
  if (!uctr_json_dup_string (obj, "root", "path", UCTR_JSON_REQUIRED, &config->root_path, error)
      || !uctr_json_get_bool (obj, "root", "readonly", UCTR_JSON_OPTIONAL, &config->root_readonly, error))
    return FALSE;
  if (*config->root_path == '\0')
    return uctr_json_invalid_at (error, "root", "path", _("must be a non-empty string"));
  return TRUE;
}

/* "/dev//shm/" -> "/dev/shm"; NULL when a ".." component could climb out. */
static char *
normalize_destination (const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  g_autoptr(GString) out = g_string_new (NULL);
  gsize i;

  for (i = 0; parts[i] != NULL; i++)
    {
      if (*parts[i] == '\0' || strcmp (parts[i], ".") == 0)
        continue;
      if (strcmp (parts[i], "..") == 0)
        return NULL;
      g_string_append_c (out, '/');
      g_string_append (out, parts[i]);
    }
  if (out->len == 0)
    g_string_append_c (out, '/');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
check_mapping_end (const char *path, const char *field, guint32 start, guint32 size, GError **error)
{
  if ((guint64) start + size - 1 > G_MAXUINT32)
    return uctr_json_invalid_at (error, path, NULL,
                                 _("%s %u + size %u goes past the largest id, 4294967295"), field, start,
                                    size);
  return TRUE;
}

static gboolean
parse_mapping (json_object *obj, const char *path, gpointer item, GError **error)
{
  UctrIdMapping *m = item;
  gint64 size = 0;

  if (!get_u32 (obj, path, "containerID", UCTR_JSON_REQUIRED, &m->container_id, NULL, error)
      || !get_u32 (obj, path, "hostID", UCTR_JSON_REQUIRED, &m->host_id, NULL, error)
      || !uctr_json_get_int (obj, path, "size", UCTR_JSON_REQUIRED, 1, G_MAXUINT32, &size, NULL, error))
    return FALSE;
  m->size = (guint32) size;
  return check_mapping_end (path, "containerID", m->container_id, m->size, error)
         && check_mapping_end (path, "hostID", m->host_id, m->size, error);
}

static gboolean
get_mappings (json_object *obj, const char *parent, const char *name, UctrIdMapping **mappings,
              gsize *n_mappings, GError **error)
{
  return get_object_array (obj, parent, name, sizeof (UctrIdMapping), parse_mapping, (gpointer *) mappings,
                           n_mappings, error);
}

static gboolean
parse_mount (json_object *obj, const char *path, gpointer item, GError **error)
{
  UctrMount *mount = item;
  g_autofree char *destination = NULL;

  mount->options = g_new0 (char *, 1);
  if (!uctr_json_dup_string (obj, path, "destination", UCTR_JSON_REQUIRED | UCTR_JSON_ABSOLUTE, &destination,
                             error))
    return FALSE;
  mount->destination = normalize_destination (destination);
  if (mount->destination == NULL)
    return uctr_json_invalid_at (error, path, "destination", _("must not contain \"..\""));
  /* runc refuses it too: the container's root is root.path's. */
  if (strcmp (mount->destination, "/") == 0)
    return uctr_json_invalid_at (error, path, "destination",
                                 _("\"/\" would cover the container's root file system; give the root in "
                                   "root.path (a tmpfs root: make an empty directory and mount below it)"));
  return uctr_json_dup_string (obj, path, "type", UCTR_JSON_OPTIONAL, &mount->type, error)
         && uctr_json_dup_string (obj, path, "source", UCTR_JSON_OPTIONAL, &mount->source, error)
         && uctr_json_get_strv (obj, path, "options", UCTR_JSON_OPTIONAL, &mount->options, error)
         && get_mappings (obj, path, "uidMappings", &mount->uid_mappings, &mount->n_uid_mappings, error)
         && get_mappings (obj, path, "gidMappings", &mount->gid_mappings, &mount->n_gid_mappings, error);
}

static gboolean
parse_hook (json_object *obj, const char *path, gpointer item, GError **error)
{
  UctrHook *hook = item;
  json_object *node = uctr_json_member (obj, "timeout");
  gint64 timeout = 0;

  hook->args = g_new0 (char *, 1);
  if (!uctr_json_dup_string (obj, path, "path", UCTR_JSON_REQUIRED | UCTR_JSON_ABSOLUTE, &hook->path, error)
      || !uctr_json_get_strv (obj, path, "args", UCTR_JSON_OPTIONAL, &hook->args, error)
      || !uctr_json_get_strv (obj, path, "env", UCTR_JSON_OPTIONAL, &hook->env, error))
    return FALSE;
  /* The spec's own words for the common mistake of 0 meaning "no timeout". */
  if (json_object_is_type (node, json_type_int) && json_object_get_int64 (node) <= 0)
    return uctr_json_invalid_at (error, path, "timeout", _("must be greater than zero"));
  if (!uctr_json_get_int (obj, path, "timeout", UCTR_JSON_OPTIONAL, 1, G_MAXINT, &timeout, NULL, error))
    return FALSE;
  hook->timeout = (int) timeout;
  return TRUE;
}

static gboolean
parse_hooks (json_object *root, UctrConfig *config, GError **error)
{
  json_object *obj = NULL;
  int kind;

  if (!uctr_json_get_object (root, "", "hooks", UCTR_JSON_OPTIONAL, &obj, error))
    return FALSE;
  if (obj == NULL)
    return TRUE;
  for (kind = 0; kind < UCTR_HOOK_N; kind++)
    if (!get_object_array (obj, "hooks", hook_names[kind], sizeof (UctrHook), parse_hook,
                           (gpointer *) &config->hooks[kind], &config->n_hooks[kind], error))
      return FALSE;
  return TRUE;
}

/* process */

static gboolean
parse_console_size (json_object *process, UctrProcess *p, GError **error)
{
  json_object *obj = NULL;
  gint64 height = 0, width = 0;

  if (!uctr_json_get_object (process, "process", "consoleSize", UCTR_JSON_OPTIONAL, &obj, error))
    return FALSE;
  if (obj == NULL)
    return TRUE;
  /* TIOCSWINSZ takes unsigned shorts. */
  if (!uctr_json_get_int (obj, "process.consoleSize", "height", UCTR_JSON_REQUIRED, 0, G_MAXUINT16, &height,
                          NULL, error)
      || !uctr_json_get_int (obj, "process.consoleSize", "width", UCTR_JSON_REQUIRED, 0, G_MAXUINT16, &width,
                             NULL, error))
    return FALSE;
  p->console_height = (guint) height;
  p->console_width = (guint) width;
  return TRUE;
}

static gboolean
parse_user (json_object *process, UctrProcess *p, GError **error)
{
  const char *path = "process.user";
  json_object *obj = NULL;
  json_object *gids = NULL;
  gsize i;

  if (!uctr_json_get_object (process, "process", "user", UCTR_JSON_OPTIONAL, &obj, error))
    return FALSE;
  if (obj == NULL)
    return TRUE;
  if (!get_u32 (obj, path, "uid", UCTR_JSON_REQUIRED, &p->uid, NULL, error)
      || !get_u32 (obj, path, "gid", UCTR_JSON_REQUIRED, &p->gid, NULL, error)
      || !get_u32 (obj, path, "umask", UCTR_JSON_OPTIONAL, &p->umask, &p->has_umask, error)
      || !uctr_json_get_array (obj, path, "additionalGids", UCTR_JSON_OPTIONAL, &gids, error))
    return FALSE;
  if (gids == NULL)
    return TRUE;
  p->n_additional_gids = json_object_array_length (gids);
  p->additional_gids = g_new0 (guint32, p->n_additional_gids);
  for (i = 0; i < p->n_additional_gids; i++)
    {
      g_autofree char *item = g_strdup_printf ("additionalGids[%" G_GSIZE_FORMAT "]", i);
      json_object *node = json_object_array_get_idx (gids, i);
      gint64 gid = 0;

      /* A null is no gid (Go would make it 0, the root group). */
      if (node == NULL)
        return uctr_json_invalid_at (error, path, item,
                                     _("must be an integer from 0 to %llu"),
                                        (unsigned long long) G_MAXUINT32);
      if (!uctr_json_node_int (node, path, item, UCTR_JSON_REQUIRED, 0, G_MAXUINT32, &gid, error))
        return FALSE;
      p->additional_gids[i] = (guint32) gid;
    }
  return TRUE;
}

static gboolean
parse_args (json_object *process, UctrProcess *p, GError **error)
{
  json_object *node = uctr_json_member (process, "args");

  /* The spec makes args optional for Windows only. */
  if (!json_object_is_type (node, json_type_array) || json_object_array_length (node) == 0)
    return uctr_json_invalid_at (error, "process", "args", _("must be a non-empty array of strings"));
  if (!uctr_json_get_strv (process, "process", "args", UCTR_JSON_OPTIONAL, &p->args, error))
    return FALSE;
  if (*p->args[0] == '\0')
    return uctr_json_invalid_at (error, "process", "args[0]", _("must not be empty"));
  return TRUE;
}

static gboolean
parse_capabilities (json_object *process, UctrProcess *p, GError **error)
{
  json_object *obj = NULL;
  int set;

  if (!uctr_json_get_object (process, "process", "capabilities", UCTR_JSON_OPTIONAL, &obj, error))
    return FALSE;
  if (obj == NULL)
    return TRUE;
  p->has_capabilities = TRUE;
  for (set = 0; set < UCTR_CAP_N; set++)
    if (!uctr_json_get_strv (obj, "process.capabilities", cap_set_names[set], UCTR_JSON_OPTIONAL,
                             &p->capabilities[set], error))
      return FALSE;
  return TRUE;
}

static gboolean
parse_rlimit (json_object *obj, const char *path, gpointer item, GError **error)
{
  UctrRlimit *rlimit = item;

  if (!uctr_json_dup_string (obj, path, "type", UCTR_JSON_REQUIRED, &rlimit->type, error))
    return FALSE;
  rlimit->resource = uctr_config_rlimit_from_name (rlimit->type);
  if (rlimit->resource < 0)
    return uctr_json_invalid_at (error, path, "type", _("unknown rlimit \"%s\""), rlimit->type);
  /* soft > hard is left to setrlimit(2), as runc does. */
  return get_rlimit_value (obj, path, "soft", &rlimit->soft, error)
         && get_rlimit_value (obj, path, "hard", &rlimit->hard, error);
}

static gboolean
parse_rlimits (json_object *process, UctrProcess *p, GError **error)
{
  gsize i, j;

  if (!get_object_array (process, "process", "rlimits", sizeof (UctrRlimit), parse_rlimit,
                         (gpointer *) &p->rlimits, &p->n_rlimits, error))
    return FALSE;
  for (i = 1; i < p->n_rlimits; i++)
    for (j = 0; j < i; j++)
      if (p->rlimits[i].resource == p->rlimits[j].resource)
        {
          g_autofree char *item = g_strdup_printf ("rlimits[%" G_GSIZE_FORMAT "]", i);
          return uctr_json_invalid_at (error, "process", item,
                                       _("duplicate rlimit \"%s\""), p->rlimits[i].type);
        }
  return TRUE;
}

static gboolean
parse_process_security (json_object *obj, UctrProcess *p, GError **error)
{
  gint64 oom_score_adj = 0;

  if (!parse_capabilities (obj, p, error) || !parse_rlimits (obj, p, error)
      || !uctr_json_get_bool (obj, "process", "noNewPrivileges", UCTR_JSON_OPTIONAL, &p->no_new_privileges,
                              error)
      || !uctr_json_get_int (obj, "process", "oomScoreAdj", UCTR_JSON_OPTIONAL, -1000, 1000, &oom_score_adj,
                             &p->has_oom_score_adj, error)
      || !uctr_json_dup_string (obj, "process", "apparmorProfile", UCTR_JSON_OPTIONAL, &p->apparmor_profile,
                                error)
      || !uctr_json_dup_string (obj, "process", "selinuxLabel", UCTR_JSON_OPTIONAL, &p->selinux_label, error))
    return FALSE;
  p->oom_score_adj = (int) oom_score_adj;
  return TRUE;
}

static gboolean
parse_process (json_object *root, UctrConfig *config, GError **error)
{
  json_object *obj = NULL;
  UctrProcess *p;

  if (!uctr_json_get_object (root, "", "process", UCTR_JSON_OPTIONAL, &obj, error))
    return FALSE;
  if (obj == NULL)
    return TRUE;
  p = config->process = g_new0 (UctrProcess, 1);
  p->env = g_new0 (char *, 1);
  p->cwd = g_strdup ("/");
  return uctr_json_get_bool (obj, "process", "terminal", UCTR_JSON_OPTIONAL, &p->terminal, error)
         && parse_console_size (obj, p, error) && parse_user (obj, p, error) && parse_args (obj, p, error)
         && uctr_json_get_strv (obj, "process", "env", UCTR_JSON_NON_EMPTY, &p->env, error)
         && uctr_json_dup_string (obj, "process", "cwd", UCTR_JSON_OPTIONAL | UCTR_JSON_ABSOLUTE, &p->cwd,
                                  error)
         && parse_process_security (obj, p, error);
}

/* linux */

static gboolean
parse_namespaces (json_object *linux_obj, UctrConfig *config, GError **error)
{
  json_object *array = NULL;
  gsize i, n;

  if (!uctr_json_get_array (linux_obj, "linux", "namespaces", UCTR_JSON_OPTIONAL, &array, error))
    return FALSE;
  if (array == NULL)
    return TRUE;
  n = json_object_array_length (array);
  for (i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("linux.namespaces[%" G_GSIZE_FORMAT "]", i);
      json_object *obj = json_object_array_get_idx (array, i);
      g_autofree char *type = NULL;
      g_autofree char *ns_path = NULL;
      int ns;

      if (!json_object_is_type (obj, json_type_object))
        return uctr_json_invalid_at (error, path, NULL, _("must be an object"));
      if (!uctr_json_dup_string (obj, path, "type", UCTR_JSON_REQUIRED, &type, error)
          || !uctr_json_dup_string (obj, path, "path", UCTR_JSON_OPTIONAL | UCTR_JSON_ABSOLUTE, &ns_path,
                                    error))
        return FALSE;
      ns = name_lookup (ns_names, UCTR_NS_N, type);
      if (ns < 0)
        return uctr_json_invalid_at (error, path, "type", _("unknown namespace type \"%s\""), type);
      if (config->namespaces[ns].enabled)
        return uctr_json_invalid_at (error, path, NULL, _("duplicate namespace \"%s\""), type);
      config->namespaces[ns].enabled = TRUE;
      config->namespaces[ns].path = g_steal_pointer (&ns_path);
      config->namespaces[ns].index = (guint) i;
    }
  return TRUE;
}

static gboolean
parse_device (json_object *obj, const char *path, gpointer item, GError **error)
{
  UctrDevice *dev = item;
  gboolean has_major = FALSE, has_minor = FALSE;

  if (!uctr_json_dup_string (obj, path, "type", UCTR_JSON_REQUIRED, &dev->type, error))
    return FALSE;
  if (!g_strv_contains (device_types, dev->type))
    return uctr_json_invalid_at (error, path, "type",
                                 _("unknown device type \"%s\"; expected c, b, u or p"), dev->type);
  /* int64 in the spec, but makedev(3) takes unsigned ints. */
  if (!uctr_json_dup_string (obj, path, "path", UCTR_JSON_REQUIRED | UCTR_JSON_ABSOLUTE, &dev->path, error)
      || !uctr_json_get_int (obj, path, "major", UCTR_JSON_OPTIONAL, 0, G_MAXUINT32, &dev->major, &has_major,
                             error)
      || !uctr_json_get_int (obj, path, "minor", UCTR_JSON_OPTIONAL, 0, G_MAXUINT32, &dev->minor, &has_minor,
                             error)
      || !get_u32 (obj, path, "fileMode", UCTR_JSON_OPTIONAL, &dev->file_mode, &dev->has_file_mode, error)
      || !get_u32 (obj, path, "uid", UCTR_JSON_OPTIONAL, &dev->uid, &dev->has_uid, error)
      || !get_u32 (obj, path, "gid", UCTR_JSON_OPTIONAL, &dev->gid, &dev->has_gid, error))
    return FALSE;
  if (strcmp (dev->type, "p") != 0 && (!has_major || !has_minor))
    return uctr_json_invalid_at (error, path, has_major ? "minor" : "major",
                                 _("required for device type \"%s\""), dev->type);
  return TRUE;
}

static gboolean
parse_propagation (json_object *linux_obj, UctrConfig *config, GError **error)
{
  const char *value;

  if (!uctr_json_dup_string (linux_obj, "linux", "rootfsPropagation", UCTR_JSON_OPTIONAL,
                             &config->rootfs_propagation, error))
    return FALSE;
  value = config->rootfs_propagation;
  if (value != NULL && !g_strv_contains (propagations, value))
    return uctr_json_invalid_at (error, "linux", "rootfsPropagation",
                                 _("unknown propagation \"%s\"; expected shared, slave, private or unbindable, "
                      "optionally with an \"r\" in front"),
                                    value);
  return TRUE;
}

/* Kept as JSON for the module that interprets it (cgroup.c, seccomp.c): the
   object inside root_node itself, not a copy, with a reference of its own
   that uctr_config_free() drops.  Nothing changes it: it is read only. */
static gboolean
get_opaque_object (json_object *linux_obj, const char *name, json_object **out, GError **error)
{
  json_object *obj = NULL;

  if (!uctr_json_get_object (linux_obj, "linux", name, UCTR_JSON_OPTIONAL, &obj, error))
    return FALSE;
  if (obj != NULL)
    *out = json_object_get (obj);
  return TRUE;
}

static gboolean
parse_linux (json_object *root, UctrConfig *config, GError **error)
{
  json_object *obj = NULL;

  if (!uctr_json_get_object (root, "", "linux", UCTR_JSON_OPTIONAL, &obj, error))
    return FALSE;
  if (obj == NULL)
    return TRUE;
  config->has_linux = TRUE;
  return parse_namespaces (obj, config, error)
         && get_mappings (obj, "linux", "uidMappings", &config->uid_mappings, &config->n_uid_mappings, error)
         && get_mappings (obj, "linux", "gidMappings", &config->gid_mappings, &config->n_gid_mappings, error)
         && uctr_json_get_string_map (obj, "linux", "sysctl", UCTR_JSON_OPTIONAL, config->sysctl, NULL, error)
         && get_object_array (obj, "linux", "devices", sizeof (UctrDevice), parse_device,
                              (gpointer *) &config->devices, &config->n_devices, error)
         && uctr_json_dup_string (obj, "linux", "cgroupsPath", UCTR_JSON_OPTIONAL, &config->cgroups_path,
                                  error)
         && parse_propagation (obj, config, error)
         && uctr_json_get_strv (obj, "linux", "maskedPaths", UCTR_JSON_ABSOLUTE, &config->masked_paths, error)
         && uctr_json_get_strv (obj, "linux", "readonlyPaths", UCTR_JSON_ABSOLUTE, &config->readonly_paths,
                                error)
         && uctr_json_dup_string (obj, "linux", "mountLabel", UCTR_JSON_OPTIONAL, &config->mount_label, error)
         && get_opaque_object (obj, "resources", &config->resources, error)
         && get_opaque_object (obj, "seccomp", &config->seccomp, error);
}

/* What runc refuses too, caught here so the user hears it before anything is set up. */
static gboolean
check_namespaces (UctrConfig *config, GError **error)
{
  const char *need_user = _("requires a user namespace in linux.namespaces");
  const char *need_uts = _("requires a uts namespace in linux.namespaces");

  if (!config->namespaces[UCTR_NS_USER].enabled && config->n_uid_mappings > 0)
    return uctr_json_invalid_at (error, "linux", "uidMappings", "%s", need_user);
  if (!config->namespaces[UCTR_NS_USER].enabled && config->n_gid_mappings > 0)
    return uctr_json_invalid_at (error, "linux", "gidMappings", "%s", need_user);
  /* Without one, sethostname() would rename the host. */
  if (!config->namespaces[UCTR_NS_UTS].enabled && config->hostname != NULL && *config->hostname != '\0')
    return uctr_json_invalid_at (error, "", "hostname", "%s", need_uts);
  if (!config->namespaces[UCTR_NS_UTS].enabled && config->domainname != NULL && *config->domainname != '\0')
    return uctr_json_invalid_at (error, "", "domainname", "%s", need_uts);
  return TRUE;
}

/* The sysctls of the ipc namespace (fs.mqueue.* too). */
static gboolean
is_ipc_sysctl (const char *key)
{
  static const char *const ipc[]
      = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
          "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced" };

  for (gsize i = 0; i < G_N_ELEMENTS (ipc); i++)
    if (strcmp (key, ipc[i]) == 0)
      return TRUE;
  return g_str_has_prefix (key, "fs.mqueue.");
}

/* PATH names the network namespace we are in ourselves. */
static gboolean
is_our_netns (const char *path)
{
  struct stat a, b;

  return path != NULL && stat (path, &a) == 0 && stat ("/proc/self/ns/net", &b) == 0 && a.st_dev == b.st_dev
         && a.st_ino == b.st_ino;
}

/* Why KEY (dotted) may not be set: it belongs to a namespace the container
   does not have of its own, so the write would change the host's, as runc
   checks; NULL when it may. */
static const char *
sysctl_refusal (const UctrConfig *config, const char *key)
{
  const UctrNamespace *ns = config->namespaces;

  if (is_ipc_sysctl (key))
    return ns[UCTR_NS_IPC].enabled
               ? NULL
               : _("needs an ipc namespace: add {\"type\": \"ipc\"} to linux.namespaces");
  if (g_str_has_prefix (key, "net."))
    {
      if (!ns[UCTR_NS_NETWORK].enabled)
        return _("needs a network namespace: add {\"type\": \"network\"} to linux.namespaces");
      return is_our_netns (ns[UCTR_NS_NETWORK].path)
          ? _("the network namespace linux.namespaces joins is the host's own")
          : NULL;
    }
  if (strcmp (key, "kernel.hostname") == 0)
    return _("conflicts with hostname: set the container's host name there");
  if (strcmp (key, "kernel.domainname") == 0 && config->domainname != NULL)
    return _("conflicts with domainname: set the container's domain name there");
  if (strcmp (key, "kernel.domainname") == 0)
    return ns[UCTR_NS_UTS].enabled ? NULL
                                   : _("needs a uts namespace: add {\"type\": \"uts\"} to linux.namespaces");
  return _("is not in a namespace of the container's own: setting it would change the host");
}

static gboolean
check_sysctls (UctrConfig *config, GError **error)
{
  GHashTableIter it;
  gpointer k;

  g_hash_table_iter_init (&it, config->sysctl);
  while (g_hash_table_iter_next (&it, &k, NULL))
    {
      g_autofree char *dotted = g_strdelimit (g_strdup (k), "/", '.');
      const char *why = sysctl_refusal (config, dotted);

      if (why != NULL)
        return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG, "linux.sysctl[\"%s\"]: %s", (const char *) k,
                           why);
    }
  return TRUE;
}

static gboolean
parse_config (json_object *root, UctrConfig *config, GError **error)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);

  if (!parse_version (root, config, error) || !parse_root (root, config, error)
      || !uctr_json_dup_string (root, "", "hostname", UCTR_JSON_OPTIONAL, &config->hostname, error)
      || !uctr_json_dup_string (root, "", "domainname", UCTR_JSON_OPTIONAL, &config->domainname, error)
      || !parse_process (root, config, error)
      || !get_object_array (root, "", "mounts", sizeof (UctrMount), parse_mount, (gpointer *) &config->mounts,
                            &config->n_mounts, error)
      || !parse_hooks (root, config, error)
      || !uctr_json_get_string_map (root, "", "annotations", UCTR_JSON_OPTIONAL, config->annotations, keys,
                                    error)
      || !parse_linux (root, config, error) || !check_namespaces (config, error)
      || !check_sysctls (config, error))
    return FALSE;
  g_ptr_array_add (keys, NULL);
  g_strfreev (config->annotation_keys);
  config->annotation_keys = (char **) g_ptr_array_free (g_steal_pointer (&keys), FALSE);
  return TRUE;
}

static UctrConfig *
config_new (void)
{
  UctrConfig *config = g_new0 (UctrConfig, 1);

  config->annotations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  config->annotation_keys = g_new0 (char *, 1);
  config->sysctl = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  config->masked_paths = g_new0 (char *, 1);
  config->readonly_paths = g_new0 (char *, 1);
  return config;
}

/* Parses JSON (LEN bytes, or up to a NUL when LEN < 0) into *OUT, NULL for
   blank text or the document null; errors name NAME.  A config.json needs a
   handful of levels; Go's encoding/json (runc) stops at 10000. */
static gboolean
load_json (const char *json, gssize len, const char *name, json_object **out, GError **error)
{
  if (!uctr_json_parse (json, len, UCTR_JSON_MAX_DEPTH, out, error))
    return uctr_prefix_error (error, _("%s is not valid JSON"), name);
  return TRUE;
}

/* FILE is NULL for uctr_config_parse(); else errors name it. */
static UctrConfig *
parse_document (const char *json, gssize len, const char *file, GError **error)
{
  const char *name = file != NULL ? file : "config.json";
  g_autoptr(json_object) root = NULL;
  g_autoptr(UctrConfig) config = NULL;

  if (!load_json (json, len, name, &root, error))
    return NULL;
  if (!json_object_is_type (root, json_type_object))
    {
      uctr_throw (error, UCTR_ERROR_INVALID_CONFIG, _("%s: the top level must be a JSON object"), name);
      return NULL;
    }
  config = config_new ();
  config->root_node = g_steal_pointer (&root);
  if (!parse_config (config->root_node, config, error))
    {
      if (file != NULL)
        uctr_prefix_error (error, "%s", file);
      return NULL;
    }
  return g_steal_pointer (&config);
}

static UctrProcess *
parse_process_document (const char *json, gssize len, const char *file, GError **error)
{
  g_autoptr(json_object) node = NULL;
  g_autoptr(json_object) root = NULL;
  g_autoptr(UctrConfig) holder = NULL;

  if (!load_json (json, len, file, &node, error))
    return NULL;
  if (!json_object_is_type (node, json_type_object))
    {
      uctr_throw (error, UCTR_ERROR_INVALID_CONFIG, _("%s: the top level must be a JSON object"), file);
      return NULL;
    }
  root = json_object_new_object ();
  uctr_json_add (root, "process", g_steal_pointer (&node));
  holder = config_new ();
  if (!parse_process (root, holder, error))
    {
      uctr_prefix_error (error, "%s", file);
      return NULL;
    }
  return g_steal_pointer (&holder->process);
}

/* exec --process: a document holding what config.json's "process" holds;
   errors name the file and the member ("process.json: process.args: ..."). */
UctrProcess *
uctr_process_parse (const char *json, gssize len, const char *file, GError **error)
{
  return parse_process_document (json, len, file, error);
}

UctrConfig *
uctr_config_parse (const char *json, gssize len, GError **error)
{
  g_return_val_if_fail (json != NULL, NULL);
  return parse_document (json, len, NULL, error);
}
