/* uctr pause */
#include "cli/cli.h"
#include "base/log.h"
#include "runtime/container.h"

int
uctr_cmd_pause (UctrGlobal *g, int argc, char **argv, GError **error)
{
  GOptionEntry entries[] = { { NULL } };
  const char *root;

  if (!uctr_cli_parse ("pause", "ID", _("Suspend every process of a container (the cgroup v2 freezer)."), entries,
                       FALSE, &argc, &argv, error)
      || !uctr_cli_want_args ("pause", "ID", argc, 1, 1, error) || (root = uctr_global_root (g, error)) == NULL)
    return -1;
  if (!uctr_container_pause (root, argv[1], TRUE, error))
    return -1;
  uctr_debug ("paused %s", argv[1]);
  return 0;
}
