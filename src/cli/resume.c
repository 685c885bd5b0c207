/* uctr resume */
#include "cli/cli.h"
#include "base/log.h"
#include "runtime/container.h"

int
uctr_cmd_resume (UctrGlobal *g, int argc, char **argv, GError **error)
{
  const UctrCliVerb verb = { "resume", "ID", _("Resume the processes of a paused container."), 1, 1 };
  GOptionEntry entries[] = { { NULL } };
  const char *root;

  if ((root = uctr_cli_begin (g, &verb, entries, &argc, &argv, error)) == NULL)
    return -1;
  if (!uctr_container_pause (root, argv[1], FALSE, error))
    return -1;
  uctr_debug ("resumed %s", argv[1]);
  return 0;
}
