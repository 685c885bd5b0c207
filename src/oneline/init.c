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

/* A new reference, the caller's. */
static json_object *
init_mount (const char *source)
{
  static const char *const options[] = { "bind", "ro", "nosuid", "nodev", NULL };
  json_object *m = json_object_new_object ();

  uctr_json_add_string (m, "destination", UCTR_ONELINE_INIT);
  uctr_json_add_string (m, "type", "bind");
  uctr_json_add_string (m, "source", source);
  uctr_json_add_strv (m, "options", options);
  return m;
}

gboolean
uctr_oneline_init_apply (json_object *config, const UctrOneLine *o, GError **error)
{
  g_autofree char *path = NULL;
  json_object *process = uctr_json_member (config, "process");
  json_object *args = uctr_json_member (process, "args");
  json_object *with_init;
  size_t i, n = json_object_is_type (args, json_type_array) ? json_object_array_length (args) : 0;

  if (!o->init && o->init_path == NULL)
    return TRUE;
  path = find_init (o->init_path, error);
  if (path == NULL)
    return FALSE;
  json_object_array_add (uctr_json_member (config, "mounts"), init_mount (path));
  with_init = json_object_new_array ();
  json_object_array_add (with_init, json_object_new_string (UCTR_ONELINE_INIT));
  json_object_array_add (with_init, json_object_new_string ("--"));
  /* The old array's elements move over (it goes right after). */
  for (i = 0; i < n; i++)
    json_object_array_add (with_init, json_object_get (json_object_array_get_idx (args, i)));
  uctr_json_add (process, "args", with_init);
  return TRUE;
}
