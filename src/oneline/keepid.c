/* uctr: --userns=keep-id (see keepid.h). */
#include "oneline/keepid.h"
#include "base/resolve.h"
#include "base/util.h"
#include "oci/spec.h"
#include "oneline/extras.h"
#include "oneline/passwd.h"
#include "runtime/container.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#define ETC_FILE_MAX (4 * 1024 * 1024)
#define KEEP_ID_FLAG "--userns=keep-id"

typedef struct
{
  char *name;
  char *group; /* the name of the caller's primary group */
  char *gecos;
  char *home;
  char *shell;
  guint32 uid;
  guint32 gid;
  GArray *others; /* UctrGroupEntry (names owned): the caller's other groups, as the container sees them */
  UctrIdmapPlan ids;
} KeepId;

static void
keep_id_clear (KeepId *k)
{
  g_free (k->name);
  g_free (k->group);
  g_free (k->gecos);
  g_free (k->home);
  g_free (k->shell);
  for (guint i = 0; k->others != NULL && i < k->others->len; i++)
    g_free ((char *) g_array_index (k->others, UctrGroupEntry, i).name);
  g_clear_pointer (&k->others, g_array_unref);
  uctr_idmap_plan_clear (&k->ids);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (KeepId, keep_id_clear)

/* Who the caller is, from the user database. */
static gboolean
look_up_caller (KeepId *k, GError **error)
{
  struct passwd *pw = getpwuid (geteuid ());
  struct group *gr;

  if (pw == NULL)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("%s: your uid %u has no entry in the user database (getpwuid)"), KEEP_ID_FLAG,
                          (guint) geteuid ());
  if (!uctr_oneline_passwd_field_ok (pw->pw_name) || !uctr_oneline_passwd_field_ok (pw->pw_dir))
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("%s: your user name or home directory cannot go into an /etc/passwd line"),
                          KEEP_ID_FLAG);
  k->uid = geteuid ();
  k->gid = getegid ();
  k->name = g_strdup (pw->pw_name);
  k->gecos = g_strdup (pw->pw_gecos);
  k->home = g_strdup (pw->pw_dir);
  k->shell = g_strdup (pw->pw_shell);
  gr = getgrgid (k->gid);
  k->group = g_strdup (gr != NULL && uctr_oneline_passwd_field_ok (gr->gr_name) ? gr->gr_name : k->name);
  return TRUE;
}

/* linux.uidMappings and gidMappings as keep-id plans them; the fallback's warning to EXTRAS. */
static void
set_mappings (json_object *linux_obj, const char *member, const UctrIdMapping *maps, gsize n)
{
  uctr_json_add (linux_obj, member, uctr_spec_id_mappings (maps, n));
}

/* The caller's supplementary groups that the namespace maps, as it maps
   them (where setgroups is allowed at all). */
static void
find_other_groups (KeepId *k, gboolean rootless)
{
  int n = getgroups (0, NULL);
  g_autofree gid_t *groups = n > 0 ? g_new (gid_t, n) : NULL;

  k->others = g_array_new (FALSE, FALSE, sizeof (UctrGroupEntry));
  if (!rootless || k->ids.setgroups_deny || n <= 0 || (n = getgroups (n, groups)) < 0)
    return;
  for (int i = 0; i < n; i++)
    {
      struct group *gr = getgrgid (groups[i]);
      UctrGroupEntry e;

      if (groups[i] == k->gid || gr == NULL || !uctr_oneline_passwd_field_ok (gr->gr_name)
          || !uctr_idmap_to_inside (k->ids.gid, k->ids.n_gid, groups[i], &e.id))
        continue;
      e.name = g_strdup (gr->gr_name);
      g_array_append_val (k->others, e);
    }
}

static gboolean
env_has (json_object *env, const char *key)
{
  g_autofree char *prefix = g_strconcat (key, "=", NULL);
  size_t n = json_object_is_type (env, json_type_array) ? json_object_array_length (env) : 0;

  for (size_t i = 0; i < n; i++)
    {
      json_object *e = json_object_array_get_idx (env, i);

      if (json_object_is_type (e, json_type_string) && g_str_has_prefix (json_object_get_string (e), prefix))
        return TRUE;
    }
  return FALSE;
}

/* The caller as the process's user (unless -u says otherwise), and who
   they are in its environment, where -e did not set it. */
static void
set_process (json_object *process, KeepId *k, const UctrOneLine *o, UctrOneLineExtras *x)
{
  json_object *env = uctr_json_member (process, "env");
  json_object *uid;
  const char *vars[][2] = { { "HOME", k->home }, { "USER", k->name }, { "LOGNAME", k->name } };

  if (o->user == NULL)
    {
      json_object *user = uctr_json_object_member (process, "user");

      uctr_json_add_int (user, "uid", k->uid);
      uctr_json_add_int (user, "gid", k->gid);
      if (k->others->len > 0)
        {
          json_object *gids = json_object_new_array ();

          for (guint i = 0; i < k->others->len; i++)
            json_object_array_add (gids,
                                   json_object_new_int64 (g_array_index (k->others, UctrGroupEntry, i).id));
          uctr_json_add (user, "additionalGids", gids);
        }
      uctr_oneline_flag_set (x, "process.user.uid", KEEP_ID_FLAG);
      uctr_oneline_flag_set (x, "process.user.gid", KEEP_ID_FLAG);
      uctr_oneline_flag_set (x, "process.user.additionalGids", KEEP_ID_FLAG);
    }
  uid = uctr_json_member (uctr_json_member (process, "user"), "uid");
  if (!json_object_is_type (uid, json_type_int) || json_object_get_int64 (uid) != k->uid
      || !json_object_is_type (env, json_type_array))
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (vars); i++)
    if (!env_has (env, vars[i][0]))
      {
        g_autofree char *entry = g_strconcat (vars[i][0], "=", vars[i][1], NULL);

        json_object_array_add (env, json_object_new_string (entry));
      }
}

/* The caller's home, bound in read-write (the host's / included, which is
   read-only otherwise), when there is one. */
static void
bind_home (json_object *mounts, KeepId *k, UctrOneLineExtras *x)
{
  if (strcmp (k->home, "/") == 0 || !g_path_is_absolute (k->home)
      || !g_file_test (k->home, G_FILE_TEST_IS_DIR))
    return;
  uctr_oneline_flag_next_mount (x, mounts, "%s (%s)", KEEP_ID_FLAG, k->home);
  uctr_oneline_add_bind_mount (mounts, k->home, k->home, "rw");
}

/* FILE of the rootfs ROOT as it is there, "" when it has none. */
static char *
read_etc (const char *root, const char *file, GError **error)
{
  g_autoptr(GError) local = NULL;
  char *text = NULL;

  if (uctr_read_file_in_root (root, file, ETC_FILE_MAX, &text, &local))
    return text;
  if (g_error_matches (local, UCTR_ERRNO_ERROR, ENOENT))
    return g_strdup ("");
  g_propagate_error (error, g_steal_pointer (&local));
  return uctr_prefix_error (error, "%s", KEEP_ID_FLAG), NULL;
}

/* The caller's shell where the rootfs has it, or /bin/sh. */
static const char *
shell_in (const char *root, const char *shell)
{
  uctr_autofd int rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  uctr_autofd int fd = -1;

  if (rootfd < 0 || !uctr_oneline_passwd_field_ok (shell) || !g_path_is_absolute (shell))
    return "/bin/sh";
  fd = uctr_resolve_in_root (rootfd, shell, 0);
  return fd >= 0 ? shell : "/bin/sh";
}

/* FILE's copy with CONTENTS in the state dir, bound over FILE read-only. */
static void
bind_etc (json_object *mounts, UctrOneLineExtras *x, const char *file, const char *contents)
{
  g_autofree char *path = uctr_oneline_state_file (x, file + strlen ("/etc/"), contents, 0644);

  if (path == NULL)
    return;
  uctr_oneline_flag_next_mount (x, mounts, "%s (%s)", KEEP_ID_FLAG, file);
  uctr_oneline_add_bind_mount (mounts, path, file, "ro");
}

/* The rootfs's /etc/passwd and /etc/group with the caller's entries. */
static gboolean
bind_etc_files (json_object *config, KeepId *k, UctrOneLineExtras *x, GError **error)
{
  const char *root = NULL;
  json_object *mounts = uctr_json_member (config, "mounts");
  UctrGroupEntry group = { k->group, k->gid };
  g_autofree char *passwd = NULL;
  g_autofree char *groups = NULL;
  g_autofree char *new_passwd = NULL;
  g_autofree char *new_groups = NULL;

  if (!uctr_json_get_string (uctr_json_member (config, "root"), "root", "path", UCTR_JSON_REQUIRED, &root,
                             error)
      || (passwd = read_etc (root, "/etc/passwd", error)) == NULL
      || (groups = read_etc (root, "/etc/group", error)) == NULL)
    return FALSE;
  new_passwd = uctr_oneline_passwd_with (passwd, k->name, k->uid, k->gid, k->gecos, k->home,
                                         shell_in (root, k->shell));
  new_groups = uctr_oneline_group_with (groups, &group, k->name, (const UctrGroupEntry *) k->others->data,
                                        k->others->len);
  if (x->state_dir == NULL)
    g_ptr_array_add (x->warnings,
                     g_strdup_printf (_("%s: the config leaves out the /etc/passwd and /etc/group entries, "
                                        "which a run makes in the container's state directory"),
                                         KEEP_ID_FLAG));
  bind_etc (mounts, x, "/etc/passwd", new_passwd);
  bind_etc (mounts, x, "/etc/group", new_groups);
  return TRUE;
}

gboolean
uctr_oneline_keep_id (json_object *config, const UctrOneLine *o, UctrOneLineExtras *x, GError **error)
{
  g_auto(KeepId) k = { 0 };
  gboolean rootless = geteuid () != 0;

  if (o->userns == NULL)
    return TRUE;
  if (strcmp (o->userns, "keep-id") != 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--userns %s: the one mode is keep-id (you, as yourself, in the container); leave "
                         "--userns out for the default (you as root in the container)"),
                          o->userns);
  if (!look_up_caller (&k, error))
    return FALSE;
  /* root's one-line runs have no user namespace: its ids are the host's already. */
  if (rootless)
    {
      json_object *linux_obj = uctr_json_member (config, "linux");

      if (!uctr_rootless_keep_id (&k.ids, error))
        return uctr_prefix_error (error, "%s", KEEP_ID_FLAG);
      set_mappings (linux_obj, "uidMappings", k.ids.uid, k.ids.n_uid);
      set_mappings (linux_obj, "gidMappings", k.ids.gid, k.ids.n_gid);
      if (k.ids.warning != NULL)
        g_ptr_array_add (x->warnings, g_strdup_printf ("%s: %s", KEEP_ID_FLAG, k.ids.warning));
    }
  find_other_groups (&k, rootless);
  set_process (uctr_json_member (config, "process"), &k, o, x);
  bind_home (uctr_json_member (config, "mounts"), &k, x);
  return bind_etc_files (config, &k, x, error);
}
