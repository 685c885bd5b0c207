/* uctr run: create, start, wait; forward signals; the exit status of the process. */
#include "cli/cli.h"
#include "cli/create-options.h"
#include "lib/console.h"
#include "lib/log.h"
#include "lib/notify.h"
#include "lib/spawn.h"

#include <sys/pidfd.h>

int
uctr_cmd_run (UctrGlobal *g, int argc, char **argv, GError **error)
{
  UctrCreateArgs a = { 0 };
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local = NULL;
  UctrCreated created = { .console_fd = -1 };
  g_autoptr(UctrNotify) notify = NULL;
  const char *root;
  const char *id;
  int status = -1;

  if (!uctr_create_args_parse (&a, "run", _("Create and start a container, wait for it, and exit with its status."),
                               TRUE, &argc, &argv, error)
      || !uctr_cli_want_args ("run", "ID", argc, 1, 1, error) || (root = uctr_global_root (g, error)) == NULL)
    goto out;
  a.systemd_cgroup = g->systemd_cgroup;
  id = argv[1];
  if (!uctr_create_args_create (&a, root, id, !a.detach, warnings, &created, error))
    goto out;
  /* Listening before the process runs: it may notify at once. */
  notify = uctr_notify_listen (root, id, error);
  if ((notify == NULL && error != NULL && *error != NULL)
      || !uctr_container_start (root, id, &created.loaded, warnings, error))
    {
      (void) uctr_container_delete (root, id, TRUE, &created.loaded, NULL, NULL);
      goto out;
    }
  if (a.detach)
    {
      status = 0;
      if (notify != NULL)
        {
          uctr_autofd int pidfd = pidfd_open (created.pid, 0);
          uctr_notify_wait_ready (notify, created.pid, pidfd);
        }
    }
  else
    {
      uctr_debug ("started %s; waiting for pid %d", id, (int) created.pid);
      status = uctr_cli_wait_process (created.pid, created.console_fd, notify);
      uctr_debug ("%s exited with status %d", id, status);
      if (!uctr_container_delete (root, id, TRUE, &created.loaded, warnings, &local))
        g_ptr_array_add (warnings, g_strdup (local->message));
    }
out:
  if (created.console_fd >= 0)
    close (created.console_fd);
  uctr_created_clear (&created);
  uctr_cli_print_warnings (warnings);
  uctr_create_args_clear (&a);
  return status;
}
