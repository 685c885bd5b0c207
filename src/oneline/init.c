/* uctr: --init (see init.h). */
#include "oneline/init.h"
#include "base/util.h"

#include <sys/stat.h>
#include <unistd.h>

/* --init-path FILE, or catatonit from PATH (Debian's is static, so it runs
   in any root, even one without a libc). */
static char *
find_init (const char *given, GError **error)
{
  g_autofree char *path = NULL;
  struct stat st;

  if (given == NULL)
    {
      path = g_find_program_in_path ("catatonit");
      if (path == NULL)
        uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                    _("--init: catatonit, the init it runs, is not installed: apt-get install catatonit "
                      "(or name another init with --init-path)"));
      return g_steal_pointer (&path);
    }
  path = uctr_absolute_path (given);
  if (stat (path, &st) < 0)
    return uctr_throw_errno (error, _("--init-path %s"), given), NULL;
  if (!S_ISREG (st.st_mode) || access (path, X_OK) < 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--init-path %s: not an executable file"), given),
                       NULL;
  return g_steal_pointer (&path);
}

static JsonObject *
init_mount (const char *source)
{
  JsonObject *m = json_object_new ();
  JsonArray *options = json_array_new ();
  const char *const names[] = { "bind", "ro", "nosuid", "nodev" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    json_array_add_string_element (options, names[i]);
  json_object_set_string_member (m, "destination", UCTR_ONELINE_INIT);
  json_object_set_string_member (m, "type", "bind");
  json_object_set_string_member (m, "source", source);
  json_object_set_array_member (m, "options", options);
  return m;
}

gboolean
uctr_oneline_init_apply (JsonObject *config, const UctrOneLine *o, GError **error)
{
  g_autofree char *path = NULL;
  JsonObject *process = json_object_get_object_member (config, "process");
  JsonArray *args = json_object_get_array_member (process, "args");
  JsonArray *with_init;
  guint i;

  if (!o->init && o->init_path == NULL)
    return TRUE;
  path = find_init (o->init_path, error);
  if (path == NULL)
    return FALSE;
  json_array_add_object_element (json_object_get_array_member (config, "mounts"), init_mount (path));
  with_init = json_array_new ();
  json_array_add_string_element (with_init, UCTR_ONELINE_INIT);
  json_array_add_string_element (with_init, "--");
  for (i = 0; i < json_array_get_length (args); i++)
    json_array_add_string_element (with_init, json_array_get_string_element (args, i));
  json_object_set_array_member (process, "args", with_init);
  return TRUE;
}
