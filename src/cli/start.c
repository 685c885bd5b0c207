/* uctr start */
#include "cli/cli.h"
#include "base/log.h"
#include "runtime/container.h"

/* With NOTIFY_SOCKET, as runc: start returns once the container said READY=1
   (forwarded with its init as MAINPID), or exited. */
static void
wait_ready (const char *root, const char *id, UctrNotify *notify)
{
  g_autoptr(UctrState) state = uctr_container_lookup (root, id, NULL, NULL);
  uctr_autofd int pidfd = state != NULL ? uctr_state_open_pidfd (state) : -1;

  if (pidfd >= 0)
    uctr_notify_wait_ready (notify, state->pid, pidfd);
}

int
uctr_cmd_start (UctrGlobal *g, int argc, char **argv, GError **error)
{
  const UctrCliVerb verb = { "start", "ID", _("Start a created container: its process runs."), 1, 1 };
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(UctrNotify) notify = NULL;
  g_autoptr(GError) local = NULL;
  const char *root;
  gboolean ok;

  if ((root = uctr_cli_begin (g, &verb, entries, &argc, &argv, error)) == NULL)
    return -1;
  /* Listening before the process runs: it may notify at once. */
  notify = uctr_notify_listen (root, argv[1], &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return -1;
    }
  ok = uctr_container_start (root, argv[1], NULL, warnings, error);
  if (ok)
    uctr_debug ("started %s", argv[1]);
  if (ok && notify != NULL)
    wait_ready (root, argv[1], notify);
  uctr_cli_print_warnings (warnings);
  return ok ? 0 : -1;
}
