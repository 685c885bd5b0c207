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
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  if (!uctr_cli_parse_verb (&verb, entries, &argc, &argv, error))
    return -1;
  root = uctr_features_document ();
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 4);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
  return 0;
}
