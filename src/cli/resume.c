/* uctr resume */
#include "cli/cli.h"
#include "base/log.h"
#include "runtime/container.h"

int
uctr_cmd_resume (UctrGlobal *g, int argc, char **argv, GError **error)
{
  GOptionEntry entries[] = { { NULL } };
  const char *root;

  if (!uctr_cli_parse ("resume", "ID", _("Resume the processes of a paused container."), entries, FALSE, &argc,
                       &argv, error)
      || !uctr_cli_want_args ("resume", "ID", argc, 1, 1, error) || (root = uctr_global_root (g, error)) == NULL)
    return -1;
  if (!uctr_container_pause (root, argv[1], FALSE, error))
    return -1;
  uctr_debug ("resumed %s", argv[1]);
  return 0;
}
