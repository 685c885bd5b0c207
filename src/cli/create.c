/* uctr create */
#include "cli/cli.h"
#include "cli/create-options.h"
#include "runtime/container.h"

int
uctr_cmd_create (UctrGlobal *g, int argc, char **argv, GError **error)
{
  UctrCreateArgs a = { 0 };
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  UctrCreated created = { 0 };
  const char *root = NULL;
  gboolean ok;

  /* Every way out clears A: parse may have filled some of it before failing. */
  ok = uctr_create_args_parse (&a, "create",
                               _("Create a container from a bundle; \"uctr start\" runs its process."),
                                  FALSE, &argc, &argv, error)
                               && uctr_cli_want_args ("create", "ID", argc, 1, 1, error)
                               && (root = uctr_global_root (g, error)) != NULL;
  a.systemd_cgroup = g->systemd_cgroup;
  if (ok)
    ok = uctr_create_args_create (&a, root, argv[1], FALSE, warnings, &created, error);
  uctr_cli_print_warnings (warnings);
  uctr_create_args_clear (&a);
  uctr_created_clear (&created);
  return ok ? 0 : -1;
}
