/* Unit tests for --device: podman's HOST[:DEST][:PERMS] forms, the bind
   each makes, the device cgroup rules of a config for root, and every
   error. */
#include "oneline/devices.h"
#include "base/util.h"
#include "testutil.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

typedef struct
{
  const char *spec;
  const char *source;      /* the bind's source; NULL: an error */
  const char *destination; /* or the error's text */
} Case;

static const Case cases[] = {
  { "/dev/null", "/dev/null", "/dev/null" },
  { "/dev/null:/dev/nothing", "/dev/null", "/dev/nothing" },
  { "/dev/null:rw", "/dev/null", "/dev/null" },
  { "/dev/null:rwm", "/dev/null", "/dev/null" },
  { "/dev/null:/dev/nothing:mwr", "/dev/null", "/dev/nothing" },
  { "/dev/../dev/null", "/dev/null", "/dev/null" },
  { "", NULL, "--device : expected HOST[:DEST][:PERMS]" },
  { ":/dev/x", NULL, "expected HOST[:DEST][:PERMS]" },
  { "/dev/null:/a:rw:x", NULL, "expected HOST[:DEST][:PERMS]" },
  { "/dev/null:dev/x", NULL, "--device /dev/null:dev/x: the destination dev/x is not an absolute path" },
  { "/dev/null:/dev/x:rwx", NULL, "expected permissions made of r, w and m, not rwx" },
  { "/dev/null:/dev/x:rr", NULL, "expected permissions made of r, w and m, not rr" },
  { "/dev/null:r", NULL, "--device /dev/null:r: uctr cannot limit a device to r (it sets no device cgroup)" },
  { "/dev/null:/dev/x:wm", NULL, "cannot limit a device to wm" },
  { "/dev/nosuch", NULL, "--device /dev/nosuch: No such file or directory" },
  { "/etc/hostname", NULL,
    "--device /etc/hostname: /etc/hostname is not a device node, nor a directory holding some" },
};

static json_object *
config_new (gboolean with_cgroup)
{
  g_autoptr(GError) error = NULL;
  json_object *config = NULL;
  const char *text = with_cgroup
                         ? "{\"mounts\": [], \"linux\": {\"resources\": {\"devices\": [{\"allow\": false}]}}}"
                         : "{\"mounts\": [], \"linux\": {}}";

  g_assert_true (uctr_json_parse (text, -1, UCTR_JSON_MAX_DEPTH, &config, &error));
  g_assert_no_error (error);
  g_assert_true (json_object_is_type (config, json_type_object));
  return config;
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(json_object) config = config_new (FALSE);
  g_autoptr(GError) error = NULL;
  json_object *mounts = uctr_json_member (config, "mounts");
  json_object *m;

  if (c->source == NULL)
    {
      g_assert_false (uctr_oneline_add_device (config, c->spec, &error));
      if (strstr (error->message, c->destination) == NULL)
        g_error ("message \"%s\" lacks \"%s\"", error->message, c->destination);
      g_assert_cmpuint (json_object_array_length (mounts), ==, 0);
      return;
    }
  g_assert_true (uctr_oneline_add_device (config, c->spec, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (json_object_array_length (mounts), ==, 1);
  m = json_object_array_get_idx (mounts, 0);
  g_assert_cmpstr (uctr_test_json_string (m, "source"), ==, c->source);
  g_assert_cmpstr (uctr_test_json_string (m, "destination"), ==, c->destination);
  g_assert_cmpstr (uctr_test_json_string (m, "type"), ==, "bind");
}

/* A directory: every node in it, subdirectories too, and not one that a
   symlink points at; one with none is refused. */
static void
test_directory (void)
{
  g_autofree char *dir = g_dir_make_tmp ("uctr-devices-XXXXXX", NULL);
  g_autofree char *sub = g_build_filename (dir, "by-path", NULL);
  g_autofree char *link = g_build_filename (sub, "null-link", NULL);
  g_autoptr(json_object) config = config_new (TRUE);
  g_autoptr(GError) error = NULL;
  gboolean null_allowed = FALSE;
  json_object *rules, *r;

  g_assert_cmpint (g_mkdir_with_parents (sub, 0700), ==, 0);
  g_assert_cmpint (symlink ("/dev/null", link), ==, 0);
  g_assert_false (uctr_oneline_add_device (config, dir, &error));
  g_assert_nonnull (strstr (error->message, "is not a device node, nor a directory holding some"));
  g_clear_error (&error);

  /* /dev holds /dev/null (1:3), allowed in a config for root. */
  g_assert_true (uctr_oneline_add_device (config, "/dev:/hostdev", &error));
  g_assert_no_error (error);
  rules = uctr_json_member (uctr_json_member (uctr_json_member (config, "linux"), "resources"), "devices");
  g_assert_true (json_object_is_type (rules, json_type_array));
  g_assert_cmpuint (json_object_array_length (rules), >, 1);
  for (size_t i = 1; i < json_object_array_length (rules); i++)
    {
      json_object *allow;

      r = json_object_array_get_idx (rules, i);
      allow = uctr_json_member (r, "allow");
      g_assert_true (json_object_is_type (allow, json_type_boolean) && json_object_get_boolean (allow));
      g_assert_cmpstr (uctr_test_json_string (r, "access"), ==, "rwm");
      if (uctr_test_json_int (r, "major") == 1 && uctr_test_json_int (r, "minor") == 3)
        null_allowed = g_strcmp0 (uctr_test_json_string (r, "type"), "c") == 0;
    }
  g_assert_true (null_allowed);
  uctr_test_rm_rf (dir);
}

/* --gpu binds what the host has, and only that. */
static void
test_gpu_nodes (void)
{
  g_auto(GStrv) nodes = uctr_oneline_gpu_nodes ();
  char **n;

  for (n = nodes; *n != NULL; n++)
    {
      g_assert_true (g_str_has_prefix (*n, "/dev/dri") || g_str_has_prefix (*n, "/dev/nvidia"));
      g_assert_true (g_file_test (*n, G_FILE_TEST_EXISTS));
    }
  g_assert_cmpint (g_file_test ("/dev/dri", G_FILE_TEST_EXISTS), ==,
                   g_strv_contains ((const char *const *) nodes, "/dev/dri"));
}

int
main (int argc, char **argv)
{
  gsize i;

  g_test_init (&argc, &argv, NULL);
  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/devices/spec/%" G_GSIZE_FORMAT, i);

      g_test_add_data_func (name, &cases[i], test_case);
    }
  g_test_add_func ("/devices/directory", test_directory);
  g_test_add_func ("/devices/gpu-nodes", test_gpu_nodes);
  return g_test_run ();
}
