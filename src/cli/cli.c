/* uctr: what every verb does first: its options parsed, its arguments
   counted, the state root resolved; and its warnings printed. */
#include "cli/cli.h"
#include "base/log.h"
#include "runtime/container.h"

const char *
uctr_global_root (UctrGlobal *g, GError **error)
{
  if (g->root == NULL)
    g->root = uctr_state_root (g->root_option, error);
  return g->root;
}

gboolean
uctr_cli_parse (const char *verb, const char *params, const char *summary, GOptionEntry *entries,
                gboolean stop_at_first_arg, int *argc, char ***argv, GError **error)
{
  g_autofree char *usage = g_strdup_printf ("%s %s", verb, params);
  g_autoptr(GOptionContext) ctx = g_option_context_new (usage);

  g_option_context_set_summary (ctx, summary);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_strict_posix (ctx, stop_at_first_arg);
  if (!g_option_context_parse (ctx, argc, argv, error))
    {
      g_prefix_error (error, "%s: ", verb);
      (*error)->domain = UCTR_ERROR;
      (*error)->code = UCTR_ERROR_INVALID_ARGUMENT;
      return FALSE;
    }
  return TRUE;
}

gboolean
uctr_cli_want_args (const char *verb, const char *params, int argc, int min, int max, GError **error)
{
  int n = argc - 1;

  if (n < min || (max >= 0 && n > max))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("usage: uctr %s %s (see uctr %s --help)"), verb, params, verb);
  return TRUE;
}

gboolean
uctr_cli_parse_verb (const UctrCliVerb *verb, GOptionEntry *entries, int *argc, char ***argv, GError **error)
{
  return uctr_cli_parse (verb->name, verb->params, verb->summary, entries, verb->stop_at_first_arg, argc,
                         argv, error)
         && uctr_cli_want_args (verb->name, verb->params, *argc, verb->min_args, verb->max_args, error);
}

const char *
uctr_cli_begin (UctrGlobal *g, const UctrCliVerb *verb, GOptionEntry *entries, int *argc, char ***argv,
                GError **error)
{
  if (!uctr_cli_parse_verb (verb, entries, argc, argv, error))
    return NULL;
  return uctr_global_root (g, error);
}

void
uctr_cli_print_warnings (GPtrArray *warnings)
{
  guint i;

  for (i = 0; warnings != NULL && i < warnings->len; i++)
    uctr_warn (g_ptr_array_index (warnings, i));
}
