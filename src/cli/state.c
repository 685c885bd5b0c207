/* uctr state */
#include "cli/cli.h"
#include "runtime/container.h"

#include <stdio.h>

int
uctr_cmd_state (UctrGlobal *g, int argc, char **argv, GError **error)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(UctrState) state = NULL;
  g_autofree char *json = NULL;
  const char *root;
  UctrStatus status;

  if (!uctr_cli_parse ("state", "ID", _("Print the state of a container (OCI state JSON)."), entries, FALSE, &argc,
                       &argv, error)
      || !uctr_cli_want_args ("state", "ID", argc, 1, 1, error) || (root = uctr_global_root (g, error)) == NULL)
    return -1;
  state = uctr_container_lookup (root, argv[1], &status, error);
  if (state == NULL)
    return -1;
  json = uctr_state_to_json (state, status, TRUE);
  printf ("%s\n", json);
  return 0;
}
