/* uctr list */
#include "cli/cli.h"
#include "base/log.h"
#include "runtime/container.h"

#include <stdio.h>
#include <string.h>

typedef struct
{
  UctrState *state;
  UctrStatus status;
} Row;

static void
print_table (GArray *rows)
{
  const char *head[6] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  guint r, c;

  for (c = 0; c < 6; c++)
    g_ptr_array_add (cells, g_strdup (head[c]));
  for (r = 0; r < rows->len; r++)
    {
      Row *row = &g_array_index (rows, Row, r);
      gboolean stopped = row->status == UCTR_STATUS_STOPPED;

      g_ptr_array_add (cells, g_strdup (row->state->id));
      g_ptr_array_add (cells, g_strdup_printf ("%d", stopped ? 0 : (int) row->state->pid));
      g_ptr_array_add (cells, g_strdup (uctr_status_name (row->status)));
      g_ptr_array_add (cells, g_strdup (row->state->bundle));
      g_ptr_array_add (cells, g_strdup (row->state->created));
      g_ptr_array_add (cells, g_strdup (row->state->owner));
    }
  uctr_cli_print_table (cells, 6);
}

static void
print_json (GArray *rows)
{
  g_autoptr(json_object) arr = json_object_new_array ();
  guint r;

  for (r = 0; r < rows->len; r++)
    {
      Row *row = &g_array_index (rows, Row, r);
      json_object_array_add (arr, uctr_state_to_json_node (row->state, row->status));
    }
  uctr_cli_print_json_array (arr);
}

/* The table is runc's: what it has no column for goes to stderr. */
static void
warn_net_exits (GArray *rows)
{
  for (guint r = 0; r < rows->len; r++)
    {
      g_autofree char *msg = uctr_container_net_exit_message (g_array_index (rows, Row, r).state);

      if (msg != NULL)
        uctr_warn (msg);
    }
}

static void
clear_row (gpointer p)
{
  uctr_state_free (((Row *) p)->state);
}

int
uctr_cmd_list (UctrGlobal *g, int argc, char **argv, GError **error)
{
  gboolean quiet = FALSE;
  g_autofree char *format = NULL;
  GOptionEntry entries[] = {
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_ ("Print the ids only"), NULL },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format, N_ ("table (default) or json"), N_ ("FORMAT") },
    { NULL },
  };
  const UctrCliVerb verb = { "list", "", _("List the containers under --root."), 0, 0 };
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (Row));
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) ids = NULL;
  const char *root;
  char **id;

  g_array_set_clear_func (rows, clear_row);
  if (!uctr_cli_parse_verb (&verb, entries, &argc, &argv, error))
    return -1;
  if (format != NULL && strcmp (format, "table") != 0 && strcmp (format, "json") != 0)
    {
      uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                  _("--format: expected table or json, not \"%s\""), format);
      return -1;
    }
  if ((root = uctr_global_root (g, error)) == NULL || (ids = uctr_state_list_ids (root, error)) == NULL)
    return -1;
  for (id = ids; *id != NULL; id++)
    {
      g_autoptr(GError) local = NULL;
      Row row = { 0 };

      /* A container being deleted meanwhile, or a broken one, is not listed;
         one that someone else could have made is not either, with a word. */
      row.state = uctr_container_lookup (root, *id, &row.status, &local);
      if (row.state != NULL)
        g_array_append_val (rows, row);
      else if (g_error_matches (local, UCTR_ERROR, UCTR_ERROR_UNTRUSTED))
        g_ptr_array_add (warnings, g_strdup_printf (_("%s (not listed)"), local->message));
    }
  uctr_cli_print_warnings (warnings);
  if (quiet)
    {
      guint r;
      for (r = 0; r < rows->len; r++)
        printf ("%s\n", g_array_index (rows, Row, r).state->id);
    }
  else if (g_strcmp0 (format, "json") == 0)
    print_json (rows);
  else
    print_table (rows);
  warn_net_exits (rows);
  return 0;
}
