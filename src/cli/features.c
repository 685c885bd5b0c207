/* uctr features: the runtime-spec features document, pretty-printed as runc does. */
#include "cli/cli.h"
#include "runtime/container.h"

#include <stdio.h>

int
uctr_cmd_features (UctrGlobal *g, int argc, char **argv, GError **error)
{
  const UctrCliVerb verb
      = { "features", "", _("Print the OCI features document: what this uctr supports."), 0, 0 };
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(json_object) root = NULL;
  g_autofree char *text = NULL;

  if (!uctr_cli_parse_verb (&verb, entries, &argc, &argv, error))
    return -1;
  root = uctr_features_document ();
  /* runc's encoder indents by four. */
  text = uctr_json_to_string_indent (root, 4);
  printf ("%s\n", text);
  return 0;
}
