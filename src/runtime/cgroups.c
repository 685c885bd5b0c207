/* uctr: a container's cgroups, v2 and v1 together, for the commands. */
#include "runtime/cgroups.h"
#include "cgroup/cgroup.h"
#include "cgroup/v1.h"
#include "base/util.h"

#include <signal.h>

static gboolean
has_v2 (const UctrState *state)
{
  return state->cgroup_path != NULL && g_file_test (state->cgroup_path, G_FILE_TEST_IS_DIR);
}

static gboolean
has_v1 (const UctrState *state)
{
  return state->cgroup_v1 != NULL && uctr_cgroup_v1_exists (state->cgroup_v1);
}

gboolean
uctr_container_cgroup_exists (const UctrState *state)
{
  return has_v2 (state) || has_v1 (state);
}

GArray *
uctr_container_cgroup_pids (const UctrState *state)
{
  if (has_v2 (state))
    return uctr_cgroup_pids (state->cgroup_path);
  if (has_v1 (state))
    return uctr_cgroup_v1_pids (state->cgroup_v1);
  return g_array_new (FALSE, FALSE, sizeof (pid_t));
}

static gboolean
has_cgroup_kill (const UctrState *state)
{
  g_autofree char *file = has_v2 (state) ? g_build_filename (state->cgroup_path, "cgroup.kill", NULL) : NULL;

  return file != NULL && access (file, F_OK) == 0;
}

gboolean
uctr_container_cgroup_signal (const UctrState *state, int sig, GError **error)
{
  /* One write kills the whole tree, with nothing able to fork away meanwhile. */
  if (sig == SIGKILL && has_cgroup_kill (state))
    {
      if (!uctr_cgroup_kill (state->cgroup_path, error))
        return FALSE;
      uctr_container_cgroup_thaw (state);
      return TRUE;
    }
  if (has_v1 (state))
    return uctr_cgroup_v1_signal (state->cgroup_v1, sig, error);
  if (has_v2 (state))
    return sig == SIGKILL ? uctr_cgroup_kill (state->cgroup_path, error)
                          : uctr_cgroup_signal (state->cgroup_path, sig, error);
  return TRUE;
}

static gboolean
v1_freezer (const UctrState *state)
{
  return has_v1 (state) && uctr_cgroup_v1_find (state->cgroup_v1, "freezer") != NULL;
}

gboolean
uctr_container_cgroup_frozen (const UctrState *state)
{
  if (v1_freezer (state) && uctr_cgroup_v1_is_frozen (state->cgroup_v1))
    return TRUE;
  return state->cgroup_path != NULL && uctr_cgroup_is_frozen (state->cgroup_path);
}

gboolean
uctr_container_cgroup_freeze (const UctrState *state, gboolean freeze, GError **error)
{
  if (v1_freezer (state))
    return uctr_cgroup_v1_freeze (state->cgroup_v1, freeze, error);
  if (state->cgroup_path == NULL)
    return uctr_throw (error, UCTR_ERROR_UNSUPPORTED, _("the container has no cgroup with a freezer"));
  return uctr_cgroup_freeze (state->cgroup_path, freeze, error);
}

void
uctr_container_cgroup_thaw (const UctrState *state)
{
  if (v1_freezer (state) && uctr_cgroup_v1_is_frozen (state->cgroup_v1))
    (void) uctr_cgroup_v1_freeze (state->cgroup_v1, FALSE, NULL);
  if (has_v2 (state) && uctr_cgroup_is_frozen (state->cgroup_path))
    (void) uctr_cgroup_freeze (state->cgroup_path, FALSE, NULL);
}

gboolean
uctr_container_cgroup_remove_v1 (const UctrState *state, GError **error)
{
  if (state->cgroup_v1 == NULL)
    return TRUE;
  return uctr_cgroup_v1_remove (state->cgroup_v1, error);
}
