/* uctr: the container's cgroup as a transient systemd scope: the unit's
 * name from linux.cgroupsPath, and the D-Bus calls, made by a module that
 * is loaded the first time they are needed (uctr-systemd.so,
 * systemd-dbus.c), so that GIO is loaded by the runs that ask systemd
 * alone.
 */
#include "cgroup/systemd.h"
#include "cgroup/systemd-dbus.h"
#include "base/selfexe.h"
#include "base/util.h"

#include <dlfcn.h>
#include <string.h>
#include <unistd.h>

/* Unit names allow [A-Za-z0-9:_.-] and \x escapes; container ids may hold '+'. */
static char *
escape_unit_part (const char *s)
{
  GString *out = g_string_new (NULL);

  for (; *s != '\0'; s++)
    if (g_ascii_isalnum (*s) || strchr (":_.-", *s) != NULL)
      g_string_append_c (out, *s);
    else
      g_string_append_printf (out, "\\x%02x", (guchar) *s);
  return g_string_free (out, FALSE);
}

gboolean
uctr_systemd_parse_path (const char *cgroups_path, const char *id, gboolean as_root, char **slice,
                         char **unit, GError **error)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *name = NULL;
  const char *prefix;

  if (cgroups_path == NULL || cgroups_path[0] == '\0')
    {
      *slice = g_strdup (as_root ? "system.slice" : "user.slice");
      name = escape_unit_part (id);
      *unit = g_strdup_printf ("uctr-%s.scope", name);
      return TRUE;
    }
  parts = g_strsplit (cgroups_path, ":", -1);
  if (g_strv_length (parts) != 3)
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("linux.cgroupsPath: expected \"slice:prefix:name\" with --systemd-cgroup, not \"%s\""),
                          cgroups_path);
  if (parts[0][0] != '\0' && (!g_str_has_suffix (parts[0], ".slice") || strchr (parts[0], '/') != NULL))
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("linux.cgroupsPath: \"%s\" is not a slice unit name (such as user.slice)"),
                          parts[0]);
  if (parts[2][0] == '\0' || g_str_has_suffix (parts[2], ".slice"))
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("linux.cgroupsPath: \"%s\": the name must be a scope's, not empty or a slice"),
                          cgroups_path);
  *slice = g_strdup (parts[0][0] != '\0' ? parts[0] : (as_root ? "system.slice" : "user.slice"));
  prefix = parts[1];
  name = escape_unit_part (parts[2]);
  *unit = prefix[0] != '\0' ? g_strdup_printf ("%s-%s.scope", prefix, name)
                            : g_strdup_printf ("%s.scope", name);
  return TRUE;
}

/* The module beside uctr (a build tree) or in its libexec directory,
   loaded once and never unloaded (GIO's types cannot be). Opened as
   uctr-net is (uctr_selfexe_open_program): where a container could reach
   and write the file, a sealed copy of it is what runs. */
static const UctrSystemdDbus *
load_module (GError **error)
{
  static const UctrSystemdDbus *loaded;
  g_autofree char *path = NULL;
  g_autofree char *fd_path = NULL;
  const UctrSystemdDbus *api;
  void *handle;
  int fd;

  if (loaded != NULL)
    return loaded;
  path = uctr_selfexe_sibling (UCTR_SYSTEMD_MODULE);
  fd = uctr_selfexe_open_program (path, error);
  if (fd < 0)
    return uctr_prefix_error (error, _("Loading uctr's systemd module (is uctr installed whole?)")), NULL;
  fd_path = g_strdup_printf ("/proc/self/fd/%d", fd);
  handle = dlopen (fd_path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  (void) close (fd);
  if (handle == NULL)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("Loading %s: %s"), path, dlerror ()), NULL;
  api = dlsym (handle, "uctr_systemd_dbus");
  if (api == NULL || strcmp (api->abi, UCTR_SYSTEMD_DBUS_ABI) != 0)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("%s is not the systemd module of this uctr (%s); install uctr whole"), path,
                          UCTR_SYSTEMD_DBUS_ABI),
                       NULL;
  loaded = api;
  return api;
}

gboolean
uctr_systemd_start_scope (const char *cgroups_path, const char *id, pid_t pid, gboolean as_root,
                          const GPtrArray *writes, char **unit, GError **error)
{
  g_autofree char *slice = NULL;
  g_autofree char *name = NULL;
  const UctrSystemdDbus *api;

  if (!uctr_systemd_parse_path (cgroups_path, id, as_root, &slice, &name, error))
    return FALSE;
  if ((api = load_module (error)) == NULL || !api->start_scope (slice, name, id, pid, as_root, writes, error))
    return FALSE;
  *unit = g_steal_pointer (&name);
  return TRUE;
}

gboolean
uctr_systemd_stop_unit (const char *unit, gboolean as_root, GError **error)
{
  const UctrSystemdDbus *api = load_module (error);

  return api != NULL && api->stop_unit (unit, as_root, error);
}
