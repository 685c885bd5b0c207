/* uctr start */
#include "cli/cli.h"
#include "lib/log.h"
#include "lib/spawn.h"

int
uctr_cmd_start (UctrGlobal *g, int argc, char **argv, GError **error)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  const char *root;
  gboolean ok;

  if (!uctr_cli_parse ("start", "ID", _("Start a created container: its process runs."), entries, FALSE, &argc,
                       &argv, error)
      || !uctr_cli_want_args ("start", "ID", argc, 1, 1, error) || (root = uctr_global_root (g, error)) == NULL)
    return -1;
  ok = uctr_container_start (root, argv[1], NULL, warnings, error);
  if (ok)
    uctr_debug ("started %s", argv[1]);
  uctr_cli_print_warnings (warnings);
  return ok ? 0 : -1;
}
