/* uctr: pause and resume, through the freezer of the container's cgroup:
   cgroup v2's cgroup.freeze, or (root on a v1 or hybrid host) the v1
   freezer hierarchy; a container without a cgroup of its own cannot pause:
   cgroup v1's freezer is root's alone. */
#include "runtime/pause.h"
#include "runtime/lifecycle.h"
#include "runtime/cgroups.h"
#include "base/util.h"

gboolean
uctr_container_pause (const char *root, const char *id, gboolean pause, GError **error)
{
  uctr_autofd int dfd = -1;
  uctr_autofd int lock = -1;
  g_autoptr(UctrState) state = uctr_container_open_locked (root, id, &dfd, &lock, error);
  UctrStatus status;

  if (state == NULL)
    return FALSE;
  status = uctr_state_status (dfd, state);
  if (!uctr_state_allows (pause ? UCTR_ACTION_PAUSE : UCTR_ACTION_RESUME, status, id, error))
    return FALSE;
  if (state->cgroup_path == NULL && state->cgroup_v1 == NULL)
    return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                       _("pause needs a cgroup v2 the user can write: container %s has no cgroup of its own: %s"),
                          id,
                          state->cgroup_note != NULL ? state->cgroup_note : _("it was created without one"));
  if (!uctr_container_cgroup_freeze (state, pause, error))
    return uctr_prefix_error (error, pause ? _("Pausing container %s") : _("Resuming container %s"), id);
  return TRUE;
}
