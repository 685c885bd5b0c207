/* uctr: a one-line run's capabilities, seccomp profile, no_new_privs and
   --privileged (see security.h), as podman sets them. */
#include "oneline/security.h"
#include "base/json.h"
#include "base/util.h"
#include "oneline/caps.h"
#include "oneline/hostdev.h"
#include "runtime/container.h"

#include <fcntl.h>
#include <string.h>

#define PROFILE_MAX (4 * 1024 * 1024)
#define PROFILE_MAX_DEPTH 64

/* data/seccomp.json as it was at build time (profile-blob.S). */
extern const char uctr_oneline_profile_json[];
extern const char uctr_oneline_profile_json_end[];

typedef struct
{
  gboolean unconfined; /* seccomp=unconfined */
  const char *profile; /* seccomp=PATH */
  gboolean nnp;        /* no-new-privileges[=true|false] */
} SecurityOpts;

/* --security-opt KEY[=VALUE], podman's spelling. */
static gboolean
parse_opt (const char *opt, SecurityOpts *s, GError **error)
{
  const char *eq = strchr (opt, '=');
  g_autofree char *key = eq != NULL ? g_strndup (opt, eq - opt) : g_strdup (opt);
  const char *value = eq != NULL ? eq + 1 : NULL;

  if (strcmp (key, "seccomp") == 0)
    {
      if (value == NULL || *value == '\0')
        return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                           _("--security-opt %s: expected seccomp=unconfined or seccomp=PATH (a JSON file)"),
                              opt);
      s->unconfined = strcmp (value, "unconfined") == 0;
      s->profile = s->unconfined ? NULL : value;
      return TRUE;
    }
  if (strcmp (key, "no-new-privileges") == 0)
    {
      if (value != NULL && strcmp (value, "true") != 0 && strcmp (value, "false") != 0)
        return uctr_throw (
            error, UCTR_ERROR_INVALID_ARGUMENT,
            _("--security-opt %s: expected no-new-privileges, no-new-privileges=true or =false"), opt);
      s->nnp = value == NULL || strcmp (value, "true") == 0;
      return TRUE;
    }
  return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                     _("--security-opt %s: unknown option \"%s\"; uctr knows seccomp=unconfined, seccomp=PATH "
                       "and no-new-privileges[=true|false]"),
                        opt, key);
}

/* The profile in TEXT (LEN bytes), a new reference. */
static json_object *
parse_profile (const char *text, gsize len, GError **error)
{
  g_autoptr(json_object) root = NULL;

  if (!uctr_json_parse (text, (gssize) len, PROFILE_MAX_DEPTH, &root, error))
    return NULL;
  if (!json_object_is_type (root, json_type_object))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("expected a JSON object (linux.seccomp)")),
                       NULL;
  return g_steal_pointer (&root);
}

/* The built-in profile: data/seccomp.json as it was at build time. */
static json_object *
default_profile (GError **error)
{
  return parse_profile (uctr_oneline_profile_json, uctr_oneline_profile_json_end - uctr_oneline_profile_json,
                        error);
}

/* podman's and docker's own format picks rules by the container's
   capabilities and architecture; read as linux.seccomp, those rules would
   all apply, and allow what they were meant to allow only to some. */
static gboolean
check_not_podman_format (json_object *profile, GError **error)
{
  json_object *syscalls = uctr_json_member (profile, "syscalls");
  size_t n = json_object_is_type (syscalls, json_type_array) ? json_object_array_length (syscalls) : 0;
  size_t i;

  if (uctr_json_member (profile, "archMap") != NULL)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("archMap: this is podman's (or docker's) profile format; uctr takes a linux.seccomp "
                         "object, as uctr's own seccomp.json is"));
  for (i = 0; i < n; i++)
    {
      json_object *rule = json_object_array_get_idx (syscalls, i);

      if (uctr_json_member (rule, "includes") != NULL || uctr_json_member (rule, "excludes") != NULL)
        return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                           _("syscalls[%u]: includes and excludes are podman's (or docker's) profile format; "
                             "uctr takes a linux.seccomp object, as uctr's own seccomp.json is"),
                              (guint) i);
    }
  return TRUE;
}

/* seccomp=PATH: a linux.seccomp object that compiles here (a new reference). */
static json_object *
file_profile (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(json_object) profile = NULL;
  gsize len;

  if (!uctr_read_file_at (AT_FDCWD, path, PROFILE_MAX, &text, &len, error)
      || (profile = parse_profile (text, len, error)) == NULL || !check_not_podman_format (profile, error)
      || !uctr_seccomp_profile_check (profile, error))
    return uctr_prefix_error (error, "--security-opt seccomp=%s", path), NULL;
  return g_steal_pointer (&profile);
}

static void
set_cap_set (json_object *caps, const char *name, guint64 mask)
{
  g_auto(GStrv) names = uctr_oneline_caps_names (mask);

  uctr_json_add_strv (caps, name, (const char *const *) names);
}

/* podman's rule: root gets the whole set; any other user gets it as its
   bounding set only, and keeps (as ambient capabilities) just what
   --cap-add named. */
static gboolean
set_caps (json_object *process, const UctrOneLine *o, GError **error)
{
  json_object *uid_node = uctr_json_member (uctr_json_member (process, "user"), "uid");
  gint64 uid = json_object_is_type (uid_node, json_type_int) ? json_object_get_int64 (uid_node) : 0;
  guint64 base = o->privileged ? uctr_oneline_caps_all () : uctr_oneline_caps_default ();
  guint64 set, added;
  json_object *caps;

  if (!uctr_oneline_caps_merge (base, o->cap_add, o->cap_drop, &set, &added, error))
    return FALSE;
  caps = json_object_new_object ();
  set_cap_set (caps, "bounding", set);
  set_cap_set (caps, "effective", uid == 0 ? set : added & set);
  set_cap_set (caps, "permitted", uid == 0 ? set : added & set);
  if (uid != 0 && (added & set) != 0)
    {
      set_cap_set (caps, "inheritable", added & set);
      set_cap_set (caps, "ambient", added & set);
    }
  uctr_json_add (process, "capabilities", caps);
  return TRUE;
}

static void
replace_option (json_object *mount, const char *option, const char *instead)
{
  json_object *options = uctr_json_member (mount, "options");
  size_t n = json_object_is_type (options, json_type_array) ? json_object_array_length (options) : 0;
  size_t i;

  for (i = 0; i < n; i++)
    {
      json_object *opt = json_object_array_get_idx (options, i);

      if (json_object_is_type (opt, json_type_string) && strcmp (json_object_get_string (opt), option) == 0)
        {
          json_object_array_del_idx (options, i, 1);
          json_object_array_add (options, json_object_new_string (instead));
          return;
        }
    }
}

/* As podman's --privileged: no masked or read-only paths, /sys and its
   cgroup writable (as far as the user namespace may write them), the
   host's devices. */
static gboolean
set_privileged (json_object *config, GError **error)
{
  json_object *linux_obj = uctr_json_member (config, "linux");
  json_object *mounts = uctr_json_member (config, "mounts");
  size_t n = json_object_is_type (mounts, json_type_array) ? json_object_array_length (mounts) : 0;
  size_t i;

  uctr_json_add (linux_obj, "maskedPaths", json_object_new_array ());
  uctr_json_add (linux_obj, "readonlyPaths", json_object_new_array ());
  for (i = 0; i < n; i++)
    {
      json_object *m = json_object_array_get_idx (mounts, i);
      json_object *dest_node = uctr_json_member (m, "destination");
      const char *dest
          = json_object_is_type (dest_node, json_type_string) ? json_object_get_string (dest_node) : "";

      if (strcmp (dest, "/sys") == 0 || strcmp (dest, "/sys/fs/cgroup") == 0)
        replace_option (m, "ro", "rw");
    }
  return uctr_oneline_host_devices (linux_obj, error);
}

static gboolean
set_seccomp (json_object *config, const UctrOneLine *o, const SecurityOpts *s, GError **error)
{
  json_object *linux_obj = uctr_json_member (config, "linux");
  json_object *profile = NULL;

  if (s->profile != NULL && (profile = file_profile (s->profile, error)) == NULL)
    return FALSE;
  if (profile == NULL && !s->unconfined && !o->privileged && (profile = default_profile (error)) == NULL)
    return uctr_prefix_error (error, _("The built-in seccomp profile"));
  if (profile != NULL)
    uctr_json_add (linux_obj, "seccomp", profile);
  else
    json_object_object_del (linux_obj, "seccomp");
  return TRUE;
}

gboolean
uctr_oneline_security (json_object *config, const UctrOneLine *o, GError **error)
{
  json_object *process = uctr_json_member (config, "process");
  SecurityOpts s = { 0 };
  char **opt;

  for (opt = o->security_opts; opt != NULL && *opt != NULL; opt++)
    if (!parse_opt (*opt, &s, error))
      return FALSE;
  if (!set_caps (process, o, error) || !set_seccomp (config, o, &s, error))
    return FALSE;
  uctr_json_add_bool (process, "noNewPrivileges", s.nnp);
  return !o->privileged || set_privileged (config, error);
}
