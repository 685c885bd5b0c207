/* uctr ps: the container's processes, as runc prints them: the host's ps(1)
   filtered to the container's pids, or those pids as a JSON array. */
#include "cli/cli.h"
#include "runtime/container.h"

#include <stdio.h>
#include <string.h>

static gboolean
pid_in (GArray *pids, gint64 pid)
{
  guint i;

  for (i = 0; i < pids->len; i++)
    if (g_array_index (pids, pid_t, i) == pid)
      return TRUE;
  return FALSE;
}

/* The column of ps's header that says PID, or -1. */
static int
pid_column (const char *header)
{
  g_auto(GStrv) words = g_strsplit_set (header, " \t", -1);
  int i, col = 0;

  for (i = 0; words[i] != NULL; i++)
    {
      if (words[i][0] == '\0')
        continue;
      if (strcmp (words[i], "PID") == 0)
        return col;
      col++;
    }
  return -1;
}

static gint64
field_at (const char *line, int col)
{
  g_auto(GStrv) words = g_strsplit_set (line, " \t", -1);
  int i, n = 0;

  for (i = 0; words[i] != NULL; i++)
    {
      if (words[i][0] == '\0')
        continue;
      if (n++ == col)
        return g_ascii_strtoll (words[i], NULL, 10);
    }
  return -1;
}

static gboolean
print_ps (GArray *pids, char **ps_args, GError **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  int status = 0, col, i;

  g_ptr_array_add (argv, (char *) "ps");
  if (ps_args == NULL || ps_args[0] == NULL)
    g_ptr_array_add (argv, (char *) "-ef");
  for (i = 0; ps_args != NULL && ps_args[i] != NULL; i++)
    g_ptr_array_add (argv, ps_args[i]);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, &status,
                     error)
      || !g_spawn_check_wait_status (status, error))
    return uctr_prefix_error (error, _("Running ps"));
  lines = g_strsplit (out, "\n", -1);
  col = lines[0] != NULL ? pid_column (lines[0]) : -1;
  if (col < 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("ps printed no PID column; keep one in its options"));
  printf ("%s\n", lines[0]);
  for (i = 1; lines[i] != NULL; i++)
    if (lines[i][0] != '\0' && pid_in (pids, field_at (lines[i], col)))
      printf ("%s\n", lines[i]);
  return TRUE;
}

static void
print_json (GArray *pids)
{
  g_autoptr(json_object) arr = json_object_new_array ();
  guint i;

  for (i = 0; i < pids->len; i++)
    json_object_array_add (arr, json_object_new_int64 (g_array_index (pids, pid_t, i)));
  uctr_cli_print_json_array (arr);
}

int
uctr_cmd_ps (UctrGlobal *g, int argc, char **argv, GError **error)
{
  g_autofree char *format = NULL;
  GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format,
      N_ ("table (default: ps -ef filtered) or json (the host pids)"), N_ ("FORMAT") },
    { NULL },
  };
  const UctrCliVerb verb
      = { "ps", "ID [-- PS_OPTIONS...]", _("List the processes of a container."), 1, -1, TRUE };
  g_autoptr(UctrState) state = NULL;
  g_autoptr(GArray) pids = NULL;
  const char *root;
  UctrStatus status;

  if (!uctr_cli_parse_verb (&verb, entries, &argc, &argv, error))
    return -1;
  if (format != NULL && strcmp (format, "table") != 0 && strcmp (format, "json") != 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--format: expected table or json, not \"%s\""), format),
                       -1;
  if ((root = uctr_global_root (g, error)) == NULL
      || (state = uctr_container_lookup (root, argv[1], &status, error)) == NULL)
    return -1;
  if (!uctr_state_allows (UCTR_ACTION_PS, status, argv[1], error))
    return -1;
  pids = status == UCTR_STATUS_STOPPED ? uctr_container_leftover_pids (state) : uctr_container_pids (state);
  if (g_strcmp0 (format, "json") == 0)
    {
      print_json (pids);
      return 0;
    }
  /* "uctr ps ID -- -o pid,cmd": what follows "--" goes to ps. */
  if (argc > 2 && strcmp (argv[2], "--") == 0)
    return print_ps (pids, argv + 3, error) ? 0 : -1;
  return print_ps (pids, argv + 2, error) ? 0 : -1;
}
