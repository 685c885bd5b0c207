/* uctr delete */
#include "cli/cli.h"
#include "base/log.h"
#include "runtime/container.h"

int
uctr_cmd_delete (UctrGlobal *g, int argc, char **argv, GError **error)
{
  gboolean force = FALSE;
  GOptionEntry entries[] = {
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, N_ ("Kill the container first if it is still running"),
      NULL },
    { NULL },
  };
  const UctrCliVerb verb
      = { "delete", "ID", _("Delete a container: its state, and with --force its processes."), 1, 1 };
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  const char *root;
  gboolean ok;

  if ((root = uctr_cli_begin (g, &verb, entries, &argc, &argv, error)) == NULL)
    return -1;
  ok = uctr_container_delete (root, argv[1], force, NULL, warnings, error);
  if (ok)
    uctr_debug ("deleted %s", argv[1]);
  uctr_cli_print_warnings (warnings);
  return ok ? 0 : -1;
}
