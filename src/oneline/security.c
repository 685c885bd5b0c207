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

#include "oneline/oneline-resources.h"

#define PROFILE_MAX (4 * 1024 * 1024)
#define PROFILE_MAX_DEPTH 64
#define DEFAULT_PROFILE "/org/uctr/oneline/seccomp.json"

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

static JsonNode *
parse_profile (const char *text, gsize len, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!uctr_json_check (text, len, PROFILE_MAX_DEPTH, error)
      || !json_parser_load_from_data (parser, text, len, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("expected a JSON object (linux.seccomp)")),
                       NULL;
  return json_node_copy (root);
}

/* The built-in profile: data/seccomp.json as it was at build time. */
static JsonNode *
default_profile (GError **error)
{
  g_autoptr(GBytes) bytes = g_resource_lookup_data (uctr_oneline_resources_get_resource (), DEFAULT_PROFILE,
                                                     G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  const char *text;
  gsize len;

  if (bytes == NULL)
    return NULL;
  text = g_bytes_get_data (bytes, &len);
  return parse_profile (text, len, error);
}

/* podman's and docker's own format picks rules by the container's
   capabilities and architecture; read as linux.seccomp, those rules would
   all apply, and allow what they were meant to allow only to some. */
static gboolean
check_not_podman_format (JsonObject *profile, GError **error)
{
  JsonNode *syscalls = uctr_json_member (profile, "syscalls");
  guint i;

  if (uctr_json_member (profile, "archMap") != NULL)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("archMap: this is podman's (or docker's) profile format; uctr takes a linux.seccomp "
                         "object, as uctr's own seccomp.json is"));
  for (i = 0; syscalls != NULL && JSON_NODE_HOLDS_ARRAY (syscalls)
              && i < json_array_get_length (json_node_get_array (syscalls));
       i++)
    {
      JsonNode *rule = json_array_get_element (json_node_get_array (syscalls), i);

      if (JSON_NODE_HOLDS_OBJECT (rule)
          && (uctr_json_member (json_node_get_object (rule), "includes") != NULL
              || uctr_json_member (json_node_get_object (rule), "excludes") != NULL))
        return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                           _("syscalls[%u]: includes and excludes are podman's (or docker's) profile format; "
                             "uctr takes a linux.seccomp object, as uctr's own seccomp.json is"),
                              i);
    }
  return TRUE;
}

/* seccomp=PATH: a linux.seccomp object that compiles here. */
static JsonNode *
file_profile (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) profile = NULL;
  gsize len;

  if (!uctr_read_file_at (AT_FDCWD, path, PROFILE_MAX, &text, &len, error)
      || (profile = parse_profile (text, len, error)) == NULL
      || !check_not_podman_format (json_node_get_object (profile), error)
      || !uctr_seccomp_profile_check (profile, error))
    return uctr_prefix_error (error, "--security-opt seccomp=%s", path), NULL;
  return g_steal_pointer (&profile);
}

static void
set_cap_set (JsonObject *caps, const char *name, guint64 mask)
{
  g_auto(GStrv) names = uctr_oneline_caps_names (mask);
  JsonArray *a = json_array_new ();
  char **n;

  for (n = names; *n != NULL; n++)
    json_array_add_string_element (a, *n);
  json_object_set_array_member (caps, name, a);
}

/* podman's rule: root gets the whole set; any other user gets it as its
   bounding set only, and keeps (as ambient capabilities) just what
   --cap-add named. */
static gboolean
set_caps (JsonObject *process, const UctrOneLine *o, GError **error)
{
  JsonObject *user = json_object_get_object_member (process, "user");
  gint64 uid = user != NULL ? json_object_get_int_member_with_default (user, "uid", 0) : 0;
  guint64 base = o->privileged ? uctr_oneline_caps_all () : uctr_oneline_caps_default ();
  guint64 set, added;
  JsonObject *caps;

  if (!uctr_oneline_caps_merge (base, o->cap_add, o->cap_drop, &set, &added, error))
    return FALSE;
  caps = json_object_new ();
  set_cap_set (caps, "bounding", set);
  set_cap_set (caps, "effective", uid == 0 ? set : added & set);
  set_cap_set (caps, "permitted", uid == 0 ? set : added & set);
  if (uid != 0 && (added & set) != 0)
    {
      set_cap_set (caps, "inheritable", added & set);
      set_cap_set (caps, "ambient", added & set);
    }
  json_object_set_object_member (process, "capabilities", caps);
  return TRUE;
}

static void
replace_option (JsonObject *mount, const char *option, const char *instead)
{
  JsonArray *options = json_object_get_array_member (mount, "options");
  guint i;

  for (i = 0; options != NULL && i < json_array_get_length (options); i++)
    if (g_strcmp0 (json_array_get_string_element (options, i), option) == 0)
      {
        json_array_remove_element (options, i);
        json_array_add_string_element (options, instead);
        return;
      }
}

/* As podman's --privileged: no masked or read-only paths, /sys and its
   cgroup writable (as far as the user namespace may write them), the
   host's devices. */
static gboolean
set_privileged (JsonObject *config, GError **error)
{
  JsonObject *linux_obj = json_object_get_object_member (config, "linux");
  JsonArray *mounts = json_object_get_array_member (config, "mounts");
  guint i;

  json_object_set_array_member (linux_obj, "maskedPaths", json_array_new ());
  json_object_set_array_member (linux_obj, "readonlyPaths", json_array_new ());
  for (i = 0; mounts != NULL && i < json_array_get_length (mounts); i++)
    {
      JsonObject *m = json_array_get_object_element (mounts, i);
      const char *dest = m != NULL ? json_object_get_string_member_with_default (m, "destination", "") : "";

      if (strcmp (dest, "/sys") == 0 || strcmp (dest, "/sys/fs/cgroup") == 0)
        replace_option (m, "ro", "rw");
    }
  return uctr_oneline_host_devices (linux_obj, error);
}

static gboolean
set_seccomp (JsonObject *config, const UctrOneLine *o, const SecurityOpts *s, GError **error)
{
  JsonObject *linux_obj = json_object_get_object_member (config, "linux");
  JsonNode *profile = NULL;

  if (s->profile != NULL && (profile = file_profile (s->profile, error)) == NULL)
    return FALSE;
  if (profile == NULL && !s->unconfined && !o->privileged && (profile = default_profile (error)) == NULL)
    return uctr_prefix_error (error, _("The built-in seccomp profile"));
  if (profile != NULL)
    json_object_set_member (linux_obj, "seccomp", profile);
  else
    json_object_remove_member (linux_obj, "seccomp");
  return TRUE;
}

gboolean
uctr_oneline_security (JsonObject *config, const UctrOneLine *o, GError **error)
{
  JsonObject *process = json_object_get_object_member (config, "process");
  SecurityOpts s = { 0 };
  char **opt;

  for (opt = o->security_opts; opt != NULL && *opt != NULL; opt++)
    if (!parse_opt (*opt, &s, error))
      return FALSE;
  if (!set_caps (process, o, error) || !set_seccomp (config, o, &s, error))
    return FALSE;
  json_object_set_boolean_member (process, "noNewPrivileges", s.nnp);
  return !o->privileged || set_privileged (config, error);
}
