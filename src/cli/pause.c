/* uctr pause */
#include "cli/cli.h"
#include "base/log.h"
#include "runtime/container.h"

int
uctr_cmd_pause (UctrGlobal *g, int argc, char **argv, GError **error)
{
  const UctrCliVerb verb
      = { "pause", "ID", _("Suspend every process of a container (the cgroup v2 freezer)."), 1, 1 };
  GOptionEntry entries[] = { { NULL } };
  const char *root;

  if ((root = uctr_cli_begin (g, &verb, entries, &argc, &argv, error)) == NULL)
    return -1;
  if (!uctr_container_pause (root, argv[1], TRUE, error))
    return -1;
  uctr_debug ("paused %s", argv[1]);
  return 0;
}
