/* uctr state */
#include "cli/cli.h"
#include "runtime/container.h"

#include <stdio.h>

int
uctr_cmd_state (UctrGlobal *g, int argc, char **argv, GError **error)
{
  const UctrCliVerb verb = { "state", "ID", _("Print the state of a container (OCI state JSON)."), 1, 1 };
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(UctrState) state = NULL;
  g_autofree char *json = NULL;
  const char *root;
  UctrStatus status;

  if ((root = uctr_cli_begin (g, &verb, entries, &argc, &argv, error)) == NULL)
    return -1;
  state = uctr_container_lookup (root, argv[1], &status, error);
  if (state == NULL)
    return -1;
  json = uctr_state_to_json (state, status, TRUE);
  printf ("%s\n", json);
  return 0;
}
