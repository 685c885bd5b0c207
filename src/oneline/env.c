/* uctr: -e and --env-file (see env.h). */
#include "oneline/env.h"
#include "base/util.h"

#include <fcntl.h>
#include <string.h>

#define ENV_FILE_MAX (1024 * 1024)

static gboolean
valid_name (const char *name, gsize len)
{
  gsize i;

  if (len == 0)
    return FALSE;
  for (i = 0; i < len; i++)
    if (name[i] == '=' || g_ascii_isspace (name[i]))
      return FALSE;
  return TRUE;
}

/* ENV with KEY=VALUE of every host variable whose name starts with PREFIX. */
static char **
add_host_prefix (char **env, const char *prefix)
{
  g_auto(GStrv) names = g_listenv ();
  char **n;

  for (n = names; *n != NULL; n++)
    if (g_str_has_prefix (*n, prefix))
      {
        g_autofree char *entry = g_strconcat (*n, "=", g_getenv (*n), NULL);

        env = uctr_env_set (env, entry);
      }
  return env;
}

/* One -e value, or one line of an env file: added to *ENV. */
static gboolean
add_entry (char ***env, const char *entry, GError **error)
{
  const char *eq = strchr (entry, '=');
  gsize len = eq != NULL ? (gsize) (eq - entry) : strlen (entry);

  if (eq == NULL && len > 0 && entry[len - 1] == '*')
    {
      g_autofree char *prefix = g_strndup (entry, len - 1);

      *env = add_host_prefix (*env, prefix);
      return TRUE;
    }
  if (!valid_name (entry, len))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("\"%s\": expected KEY=VALUE, KEY or PREFIX*"), entry);
  if (eq != NULL)
    *env = uctr_env_set (*env, entry);
  else if (g_getenv (entry) != NULL)
    {
      g_autofree char *full = g_strconcat (entry, "=", g_getenv (entry), NULL);

      *env = uctr_env_set (*env, full);
    }
  return TRUE;
}

static gboolean
add_file (char ***env, const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint i;

  if (!uctr_read_file_at (AT_FDCWD, path, ENV_FILE_MAX, &text, NULL, error))
    return uctr_prefix_error (error, "--env-file");
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strchug (lines[i]);

      g_strchomp (line);
      if (*line == '\0' || *line == '#')
        continue;
      if (!add_entry (env, line, error))
        return uctr_prefix_error (error, "--env-file %s:%u", path, i + 1);
    }
  return TRUE;
}

char **
uctr_oneline_env_collect (char **files, char **args, GError **error)
{
  g_auto(GStrv) env = g_new0 (char *, 1);

  for (; files != NULL && *files != NULL; files++)
    if (!add_file (&env, *files, error))
      return NULL;
  for (; args != NULL && *args != NULL; args++)
    if (!add_entry (&env, *args, error))
      return uctr_prefix_error (error, "--env"), NULL;
  return g_steal_pointer (&env);
}
