/* Unit tests for a one-line run's capabilities (caps.c: --cap-add and
   --cap-drop as podman reads them) and --security-opt and --privileged
   (security.c, through the config uctr_oneline_config makes). */
#include "oneline/caps.h"
#include "oneline/oneline.h"
#include "base/json.h"
#include "base/util.h"

#include <linux/capability.h>
#include <string.h>

#define BIT(cap) (1ULL << (cap))

static guint64
parse (const char *const *args, gboolean *all, GError **error)
{
  guint64 mask = 0;
  gboolean ok = uctr_oneline_caps_parse ((char **) args, "--cap-add", &mask, all, error);

  g_assert_true (ok == (error == NULL || *error == NULL));
  return mask;
}

static void
test_default (void)
{
  g_auto(GStrv) names = uctr_oneline_caps_names (uctr_oneline_caps_default ());
  g_autofree char *joined = g_strjoinv (",", names);

  g_assert_cmpstr (joined, ==,
                   "CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FOWNER,CAP_FSETID,CAP_KILL,CAP_SETGID,CAP_SETUID,CAP_"
                   "SETPCAP,"
                   "CAP_NET_BIND_SERVICE,CAP_SYS_CHROOT,CAP_SETFCAP");
}

static void
test_parse_spellings (void)
{
  const char *const args[] = { "chown", "CAP_KILL", "Cap_Net_Raw,sys_admin", " mknod ", NULL };
  gboolean all = TRUE;

  g_assert_cmphex (parse (args, &all, NULL), ==,
                   BIT (CAP_CHOWN) | BIT (CAP_KILL) | BIT (CAP_NET_RAW) | BIT (CAP_SYS_ADMIN)
                       | BIT (CAP_MKNOD));
  g_assert_false (all);
}

static void
test_parse_all (void)
{
  const char *const args[] = { "kill", "all", NULL };
  g_auto(GStrv) names = NULL;
  gboolean all = FALSE;
  guint64 mask = parse (args, &all, NULL);

  g_assert_true (all);
  g_assert_cmphex (mask, ==, uctr_oneline_caps_all ());
  names = uctr_oneline_caps_names (mask);
  g_assert_cmpstr (names[0], ==, "CAP_CHOWN");
  g_assert_cmpuint (g_strv_length (names), ==, (guint) __builtin_popcountll (mask));
  g_assert_cmpuint (g_strv_length (names), >, CAP_SYS_ADMIN);
}

static void
test_parse_bad (void)
{
  static const struct
  {
    const char *arg;
    const char *message;
  } cases[] = {
    { "foo", "--cap-add foo: unknown capability CAP_FOO (\"uctr features\" lists" },
    { "chown,nosuch", "--cap-add chown,nosuch: unknown capability CAP_NOSUCH" },
    { "12", "--cap-add 12: unknown capability CAP_12" },
    { "cap_", "--cap-add cap_: unknown capability CAP_" },
    { "net-raw", "--cap-add net-raw: unknown capability CAP_NET-RAW" },
    { "chown,,kill", "--cap-add \"chown,,kill\": expected capability names separated by commas" },
    { "", "--cap-add \"\": expected capability names" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      const char *const args[] = { cases[i].arg, NULL };
      gboolean all;

      parse (args, &all, &error);
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_ARGUMENT);
      if (!g_str_has_prefix (error->message, cases[i].message))
        g_error ("%s: got \"%s\", expected it to start with \"%s\"", cases[i].arg, error->message,
                 cases[i].message);
    }
}

static guint64
merge (const char *const *adds, const char *const *drops, guint64 *added, GError **error)
{
  guint64 set = 0, add = 0;
  gboolean ok = uctr_oneline_caps_merge (uctr_oneline_caps_default (), (char **) adds, (char **) drops, &set,
                                         &add, error);

  g_assert_true (ok == (error == NULL || *error == NULL));
  if (added != NULL)
    *added = add;
  return set;
}

static void
test_merge (void)
{
  const guint64 def = uctr_oneline_caps_default ();
  const char *const raw[] = { "NET_RAW", NULL };
  const char *const chown_[] = { "chown", NULL };
  const char *const all[] = { "ALL", NULL };
  const char *const two[] = { "chown,kill", NULL };
  guint64 added = 0;

  g_assert_cmphex (merge (NULL, NULL, &added, NULL), ==, def);
  g_assert_cmphex (added, ==, 0);
  g_assert_cmphex (merge (raw, chown_, &added, NULL), ==, (def | BIT (CAP_NET_RAW)) & ~BIT (CAP_CHOWN));
  g_assert_cmphex (added, ==, BIT (CAP_NET_RAW));
  /* --cap-drop ALL: what --cap-add names, nothing else. */
  g_assert_cmphex (merge (two, all, NULL, NULL), ==, BIT (CAP_CHOWN) | BIT (CAP_KILL));
  g_assert_cmphex (merge (NULL, all, NULL, NULL), ==, 0);
  /* --cap-add ALL: every one, less what --cap-drop names. */
  g_assert_cmphex (merge (all, chown_, &added, NULL), ==, uctr_oneline_caps_all () & ~BIT (CAP_CHOWN));
  g_assert_cmphex (added, ==, uctr_oneline_caps_all ());
}

static void
test_merge_conflicts (void)
{
  const char *const all[] = { "all", NULL };
  const char *const chown_[] = { "CAP_CHOWN", NULL };
  const char *const two[] = { "kill,chown", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autoptr(GError) error3 = NULL;

  merge (all, all, NULL, &error);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "--cap-add ALL with --cap-drop ALL: choose one");
  merge (chown_, two, NULL, &error2);
  g_assert_error (error2, UCTR_ERROR, UCTR_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error2->message, ==,
                   "CAP_CHOWN: both added (--cap-add) and dropped (--cap-drop); choose one");
  /* The flag is named for a bad name in --cap-drop too. */
  merge (NULL, (const char *const[]){ "bogus", NULL }, NULL, &error3);
  g_assert_true (g_str_has_prefix (error3->message, "--cap-drop bogus: unknown capability CAP_BOGUS"));
}

/* The config of `run --rootfs / ... -- true` with O's security options (a new reference). */
static json_object *
config_of (UctrOneLine *o, GError **error)
{
  char *command[] = { "true", NULL };
  g_autofree char *text = NULL;
  g_autoptr(json_object) config = NULL;
  UctrOneLineExtras extras;

  o->rootfs = "/";
  uctr_oneline_extras_init (&extras, NULL);
  text = uctr_oneline_config (o, "t", command, FALSE, &extras, error);
  uctr_oneline_extras_clear (&extras);
  if (text == NULL)
    return NULL;
  g_assert_true (uctr_json_parse (text, -1, UCTR_JSON_MAX_DEPTH, &config, NULL));
  g_assert_true (json_object_is_type (config, json_type_object));
  return g_steal_pointer (&config);
}

/* Member NAME of OBJ, which must be there with TYPE. */
static json_object *
member (json_object *obj, const char *name, json_type type)
{
  json_object *node = uctr_json_member (obj, name);

  if (!json_object_is_type (node, type))
    g_error ("%s: expected a %s, got %s", name, json_type_to_name (type),
             json_type_to_name (json_object_get_type (node)));
  return node;
}

static char *
caps_of (json_object *config, const char *set)
{
  json_object *caps = member (member (config, "process", json_type_object), "capabilities", json_type_object);
  json_object *a = uctr_json_member (caps, set);
  g_autoptr(GString) s = g_string_new (NULL);
  size_t i;

  for (i = 0; a != NULL && i < json_object_array_length (a); i++)
    {
      json_object *name = json_object_array_get_idx (a, i);

      g_assert_true (json_object_is_type (name, json_type_string));
      g_string_append_printf (s, "%s%s", i > 0 ? "," : "", json_object_get_string (name));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
test_config_default (void)
{
  UctrOneLine o = { 0 };
  g_autoptr(json_object) c = config_of (&o, NULL);
  json_object *linux_obj = member (c, "linux", json_type_object);
  json_object *seccomp = member (linux_obj, "seccomp", json_type_object);
  g_autofree char *eff = caps_of (c, "effective");
  g_autofree char *inh = caps_of (c, "inheritable");

  g_assert_cmpstr (json_object_get_string (member (seccomp, "defaultAction", json_type_string)), ==,
                   "SCMP_ACT_ERRNO");
  g_assert_false (json_object_get_boolean (
      member (member (c, "process", json_type_object), "noNewPrivileges", json_type_boolean)));
  g_assert_nonnull (strstr (eff, "CAP_CHOWN,CAP_DAC_OVERRIDE"));
  g_assert_cmpstr (inh, ==, "");
  g_assert_cmpuint (json_object_array_length (member (linux_obj, "maskedPaths", json_type_array)), >, 0);
}

static void
test_config_user (void)
{
  char *add[] = { "net_raw", NULL };
  UctrOneLine o = { .user = "1000", .cap_add = add };
  g_autoptr(json_object) c = config_of (&o, NULL);
  g_autofree char *bnd = caps_of (c, "bounding");
  g_autofree char *eff = caps_of (c, "effective");
  g_autofree char *amb = caps_of (c, "ambient");

  /* podman's: a user other than root keeps only what --cap-add names. */
  g_assert_nonnull (strstr (bnd, "CAP_NET_RAW"));
  g_assert_nonnull (strstr (bnd, "CAP_CHOWN"));
  g_assert_cmpstr (eff, ==, "CAP_NET_RAW");
  g_assert_cmpstr (amb, ==, "CAP_NET_RAW");
}

static void
test_config_opts (void)
{
  char *opts[] = { "seccomp=unconfined", "no-new-privileges", NULL };
  UctrOneLine o = { .security_opts = opts };
  g_autoptr(json_object) c = config_of (&o, NULL);

  g_assert_false (json_object_object_get_ex (member (c, "linux", json_type_object), "seccomp", NULL));
  g_assert_true (json_object_get_boolean (
      member (member (c, "process", json_type_object), "noNewPrivileges", json_type_boolean)));
}

static void
test_config_privileged (void)
{
  UctrOneLine o = { .privileged = TRUE };
  g_autoptr(json_object) c = config_of (&o, NULL);
  json_object *linux_obj = member (c, "linux", json_type_object);
  g_autofree char *eff = caps_of (c, "effective");
  g_auto(GStrv) all = uctr_oneline_caps_names (uctr_oneline_caps_all ());
  g_autofree char *all_joined = g_strjoinv (",", all);

  g_assert_cmpstr (eff, ==, all_joined);
  g_assert_false (json_object_object_get_ex (linux_obj, "seccomp", NULL));
  g_assert_cmpuint (json_object_array_length (member (linux_obj, "maskedPaths", json_type_array)), ==, 0);
  g_assert_cmpuint (json_object_array_length (member (linux_obj, "readonlyPaths", json_type_array)), ==, 0);
}

static void
test_config_bad_opts (void)
{
  static const struct
  {
    const char *opt;
    const char *message;
  } cases[] = {
    { "label=disable", "--security-opt label=disable: unknown option \"label\"; uctr knows "
                       "seccomp=unconfined, seccomp=PATH and "
                       "no-new-privileges[=true|false]" },
    { "seccomp", "--security-opt seccomp: expected seccomp=unconfined or seccomp=PATH (a JSON file)" },
    { "seccomp=", "--security-opt seccomp=: expected seccomp=unconfined or seccomp=PATH (a JSON file)" },
    { "no-new-privileges=yes",
      "--security-opt no-new-privileges=yes: expected no-new-privileges, no-new-privileges=true or =false" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      char *opts[] = { (char *) cases[i].opt, NULL };
      UctrOneLine o = { .security_opts = opts };
      g_autoptr(GError) error = NULL;
      g_autoptr(json_object) c = config_of (&o, &error);

      g_assert_null (c);
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_ARGUMENT);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/oneline/caps/default", test_default);
  g_test_add_func ("/oneline/caps/parse/spellings", test_parse_spellings);
  g_test_add_func ("/oneline/caps/parse/all", test_parse_all);
  g_test_add_func ("/oneline/caps/parse/bad", test_parse_bad);
  g_test_add_func ("/oneline/caps/merge", test_merge);
  g_test_add_func ("/oneline/caps/merge/conflicts", test_merge_conflicts);
  g_test_add_func ("/oneline/security/default", test_config_default);
  g_test_add_func ("/oneline/security/user", test_config_user);
  g_test_add_func ("/oneline/security/opts", test_config_opts);
  g_test_add_func ("/oneline/security/privileged", test_config_privileged);
  g_test_add_func ("/oneline/security/bad-opts", test_config_bad_opts);

  return g_test_run ();
}
