/* Unit tests for create.c up to the fork: what it refuses before any
   namespace exists (the id, config.json, the options and annotations that
   must agree with it, linux.resources and cgroupsPath), and that a refused
   create leaves nothing behind: no state directory, no file, no fd. */
#include "runtime/container.h"
#include "base/util.h"
#include "testutil.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct
{
  char *tmp;
  char *root;   /* the state root, --root */
  char *bundle; /* its config.json, when the case has one */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->tmp = g_dir_make_tmp ("uctr-test-create-XXXXXX", &error);
  g_assert_no_error (error);
  f->root = g_build_filename (f->tmp, "root", NULL);
  f->bundle = g_build_filename (f->tmp, "bundle", NULL);
  g_assert_cmpint (g_mkdir (f->root, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (f->bundle, 0755), ==, 0);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  uctr_test_rm_rf (f->tmp);
  g_free (f->tmp);
  g_free (f->root);
  g_free (f->bundle);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The names in DIR, sorted and joined with spaces. */
static char *
entries (const char *dir)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_dir_close (d);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

/* The fds open in this process (one of them the directory read). */
static guint
open_fds (void)
{
  GDir *d = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  g_dir_close (d);
  return n;
}

/* config.json with ' for " (as test-config.c writes them). */
static char *
json (const char *text)
{
  char *s = g_strdup (text);

  g_strdelimit (s, "'", '"');
  return s;
}

#define TOP "'ociVersion':'1.2.0','root':{'path':'rootfs'}"
#define NETNS "'linux':{'namespaces':[{'type':'pid'},{'type':'mount'},{'type':'network'}]}"
#define CONFIG(process, rest) "{" TOP ",'process':{'args':['sh'],'cwd':'/'" process "}," rest "}"
#define PLAIN CONFIG ("", NETNS)

typedef struct
{
  const char *name;
  const char *config;      /* bundle/config.json; NULL: none */
  const char *config_json; /* --config-json style, instead of the bundle's */
  const char *network;
  const char *publish; /* one --publish */
  const char *console_socket;
  gboolean systemd_cgroup;
  int code;            /* in UCTR_ERROR; -1: the file error of a missing file; -2: any */
  const char *message; /* a part of it; "@" stands for BUNDLE/config.json at its start */
} Case;

static const Case cases[] = {
  { "no-config", NULL, NULL, NULL, NULL, NULL, FALSE, -1,
    "No config.json in the bundle (run \"uctr spec\" there to write one)" },
  { "not-json", "{", NULL, NULL, NULL, NULL, FALSE, UCTR_ERROR_INVALID_CONFIG, "@ is not valid JSON" },
  { "invalid", "{" TOP ",'process':{'args':[]}}", NULL, NULL, NULL, NULL, FALSE, UCTR_ERROR_INVALID_CONFIG,
    "@: process.args: must be a non-empty array of strings" },
  /* The config given on the command line, not the bundle's. */
  { "config-json-option", PLAIN, "{" TOP ",'process':{'args':[]}}", NULL, NULL, NULL, FALSE,
    UCTR_ERROR_INVALID_CONFIG, "process.args" },
  { "terminal-without-socket", CONFIG (",'terminal':true", NETNS), NULL, NULL, NULL, NULL, FALSE,
    UCTR_ERROR_INVALID_ARGUMENT, "process.terminal is true: pass --console-socket to receive the terminal" },
  { "socket-without-terminal", PLAIN, NULL, NULL, NULL, "/nonexistent/console.sock", FALSE,
    UCTR_ERROR_INVALID_ARGUMENT,
    "--console-socket: process.terminal is false, so there is no terminal to send" },
  { "network-unknown", PLAIN, NULL, "bridge", NULL, NULL, FALSE, UCTR_ERROR_INVALID_ARGUMENT,
    "--network: expected none or slirp[:OPTIONS], not \"bridge\"" },
  { "network-annotation-unknown", CONFIG ("", NETNS ",'annotations':{'uctr.network':'bridge'}"), NULL, NULL,
    NULL, NULL, FALSE, UCTR_ERROR_INVALID_ARGUMENT,
    "annotations[\"uctr.network\"]: --network: expected none or slirp[:OPTIONS], not \"bridge\"" },
  { "network-without-netns", CONFIG ("", "'linux':{'namespaces':[{'type':'mount'}]}"), NULL, "slirp", NULL,
    NULL, FALSE, UCTR_ERROR_INVALID_ARGUMENT, "--network slirp needs a new network namespace" },
  { "network-joined-netns",
    CONFIG ("", "'linux':{'namespaces':[{'type':'network','path':'/proc/1/ns/net'}]}"), NULL, "slirp", NULL,
    NULL, FALSE, UCTR_ERROR_INVALID_ARGUMENT, "--network slirp needs a new network namespace" },
  { "network-bad-options", PLAIN, NULL, "slirp:mtu=12", NULL, NULL, FALSE, -2,
    "--network slirp: mtu must be between 68 and 65521" },
  { "publish-without-network", PLAIN, NULL, NULL, "8080:80", NULL, FALSE, UCTR_ERROR_INVALID_ARGUMENT,
    "--publish needs --network slirp" },
  { "publish-annotation-without-network", CONFIG ("", NETNS ",'annotations':{'uctr.publish':'8080:80'}"),
    NULL, NULL, NULL, NULL, FALSE, UCTR_ERROR_INVALID_ARGUMENT,
    "annotations[\"uctr.publish\"] needs --network slirp" },
  { "publish-bad", PLAIN, NULL, "slirp", "80", NULL, FALSE, -2,
    "--publish \"80\": expected [HOSTIP:]HOSTPORT:CONTAINERPORT" },
  { "publish-annotation-bad", CONFIG ("", NETNS ",'annotations':{'uctr.publish':'8080:80, x'}"), NULL,
    "slirp", NULL, NULL, FALSE, -2, "annotations[\"uctr.publish\"]: \"x\": expected" },
  { "resources-bad", CONFIG ("", "'linux':{'resources':{'memory':{'limit':'1G'}}}"), NULL, NULL, NULL, NULL,
    FALSE, UCTR_ERROR_INVALID_CONFIG, "linux.resources.memory.limit: must be an integer" },
  { "resources-refused", CONFIG ("", "'linux':{'resources':{'memory':{'swap':1000}}}"), NULL, NULL, NULL,
    NULL, FALSE, UCTR_ERROR_INVALID_CONFIG, "a swap limit needs a memory limit" },
  { "cgroups-path-up", CONFIG ("", "'linux':{'cgroupsPath':'../x'}"), NULL, NULL, NULL, NULL, FALSE,
    UCTR_ERROR_INVALID_CONFIG, "linux.cgroupsPath: \"../x\": \"..\" is not allowed" },
  { "cgroups-path-root", CONFIG ("", "'linux':{'cgroupsPath':'/'}"), NULL, NULL, NULL, NULL, FALSE,
    UCTR_ERROR_INVALID_CONFIG, "names the root cgroup" },
  { "systemd-cgroups-path", CONFIG ("", "'linux':{'cgroupsPath':'a/b'}"), NULL, NULL, NULL, NULL, TRUE,
    UCTR_ERROR_INVALID_CONFIG,
    "linux.cgroupsPath: expected \"slice:prefix:name\" with --systemd-cgroup, not \"a/b\"" },
};

static void
test_refused (Fixture *f, gconstpointer data)
{
  const Case *c = data;
  g_autofree char *config_path = g_build_filename (f->bundle, "config.json", NULL);
  g_autofree char *config = c->config != NULL ? json (c->config) : NULL;
  g_autofree char *config_json = c->config_json != NULL ? json (c->config_json) : NULL;
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *publish_text = g_strdup (c->publish); /* create strips it in place, as argv */
  char *publish[] = { publish_text, NULL };
  UctrCreateOptions opts = { .root = f->root,
                             .id = "box",
                             .bundle = f->bundle,
                             .config_json = config_json,
                             .console_socket = c->console_socket,
                             .network = c->network,
                             .publish = c->publish != NULL ? publish : NULL,
                             .systemd_cgroup = c->systemd_cgroup,
                             .warnings = warnings };
  UctrCreated out = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *left = NULL;
  g_autofree char *bundle_left = NULL;
  guint fds = open_fds ();

  if (config != NULL)
    g_assert_true (g_file_set_contents (config_path, config, -1, NULL));
  g_assert_false (uctr_container_create (&opts, &out, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  if (c->code == -1)
    g_assert_error (error, UCTR_ERRNO_ERROR, ENOENT);
  else if (c->code >= 0)
    g_assert_error (error, UCTR_ERROR, c->code);
  if (c->message[0] == '@')
    {
      g_assert_true (g_str_has_prefix (error->message, config_path));
      g_assert_nonnull (strstr (error->message + strlen (config_path), c->message + 1));
    }
  else
    g_assert_nonnull (strstr (error->message, c->message));

  /* Nothing left: the state root as it was, the bundle untouched, no fd. */
  left = entries (f->root);
  g_assert_cmpstr (left, ==, "");
  bundle_left = entries (f->bundle);
  g_assert_cmpstr (bundle_left, ==, config != NULL ? "config.json" : "");
  g_assert_cmpuint (open_fds (), ==, fds);
}

static void
test_bad_id (Fixture *f, gconstpointer data)
{
  g_autofree char *config_path = g_build_filename (f->bundle, "config.json", NULL);
  g_autofree char *config = json (PLAIN);
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  static const char *const ids[] = { "../box", "", "a/b", ".." };
  g_autofree char *left = NULL;
  gsize i;

  g_assert_true (g_file_set_contents (config_path, config, -1, NULL));
  for (i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      UctrCreateOptions opts = { .root = f->root, .id = ids[i], .bundle = f->bundle, .warnings = warnings };
      UctrCreated out = { 0 };
      g_autoptr(GError) error = NULL;

      g_assert_false (uctr_container_create (&opts, &out, &error));
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_ARGUMENT);
    }
  left = entries (f->tmp);
  g_assert_cmpstr (left, ==, "bundle root");
  g_clear_pointer (&left, g_free);
  left = entries (f->root);
  g_assert_cmpstr (left, ==, "");
}

/* The container that has the id keeps its state: a refused create removes
   only what it made. */
static void
test_exists (Fixture *f, gconstpointer data)
{
  g_autofree char *config_path = g_build_filename (f->bundle, "config.json", NULL);
  g_autofree char *config = json (PLAIN);
  g_autofree char *theirs = g_build_filename (f->root, "box", NULL);
  g_autofree char *state = g_build_filename (theirs, "state.json", NULL);
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  UctrCreateOptions opts = { .root = f->root, .id = "box", .bundle = f->bundle, .warnings = warnings };
  UctrCreated out = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;

  g_assert_true (g_file_set_contents (config_path, config, -1, NULL));
  g_assert_cmpint (g_mkdir (theirs, 0700), ==, 0);
  g_assert_true (g_file_set_contents (state, "theirs", -1, NULL));
  g_assert_false (uctr_container_create (&opts, &out, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "container box already exists"));
  g_assert_true (g_file_get_contents (state, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, "theirs");
}

int
main (int argc, char **argv)
{
  gsize i;

  g_test_init (&argc, &argv, NULL);
  /* What a systemd unit would hand create (see prepare_session) is not the test's. */
  g_unsetenv ("NOTIFY_SOCKET");
  g_unsetenv ("LISTEN_FDS");
  g_unsetenv ("LISTEN_PID");
  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/create/refused/%s", cases[i].name);
      g_test_add (name, Fixture, &cases[i], fixture_setup, test_refused, fixture_teardown);
    }
  g_test_add ("/create/bad-id", Fixture, NULL, fixture_setup, test_bad_id, fixture_teardown);
  g_test_add ("/create/exists", Fixture, NULL, fixture_setup, test_exists, fixture_teardown);
  return g_test_run ();
}
