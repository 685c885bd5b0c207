/* uctr: update, runc's way: new limits written into the container's cgroup
   (v2, or its v1 hierarchies),
   and kept in the config.json of its state dir, so that the next update
   starts from them (memory+swap and quota/period are computed from both). */
#include "runtime/update.h"
#include "runtime/lifecycle.h"
#include "cgroup/cgroup.h"
#include "cgroup/v1.h"
#include "base/util.h"

#include <fcntl.h>
#include <string.h>

#define CONFIG_MAX (16 * 1024 * 1024)

static json_object *
load_config_json (int dfd, GError **error)
{
  g_autoptr(json_object) root = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *text = NULL;
  gsize len;

  if (!uctr_state_read_file (dfd, "config.json", CONFIG_MAX, &text, &len, error))
    return NULL;
  if (!uctr_json_parse (text, len, UCTR_JSON_MAX_DEPTH, &root, &local))
    {
      uctr_throw (error, UCTR_ERROR_FAILED,
                  _("the saved config.json is not valid JSON: %s"), local->message);
      return NULL;
    }
  if (!json_object_is_type (root, json_type_object))
    {
      uctr_throw (error, UCTR_ERROR_FAILED, _("the saved config.json is not a JSON object"));
      return NULL;
    }
  return g_steal_pointer (&root);
}

/* linux.resources of CONFIG (borrowed), NULL when absent. */
static json_object *
resources_node (json_object *config)
{
  return uctr_json_member (uctr_json_member (config, "linux"), "resources");
}

/* linux.resources of CONFIG gets the members of MERGED; the rest (device
   rules ...) stays as it was. */
static gboolean
save_config_json (int dfd, json_object *config, const UctrResources *merged, GError **error)
{
  g_autoptr(json_object) new_node = uctr_resources_to_json (merged);
  g_autofree char *text = NULL;
  json_object *res = uctr_json_object_member (uctr_json_object_member (config, "linux"), "resources");

  /* Shared with NEW_NODE, which is dropped unchanged. */
  json_object_object_foreach (new_node, name, value)
    {
      uctr_json_add (res, name, json_object_get (value));
    }
  text = uctr_json_to_string (config, FALSE);
  return uctr_write_file_atomic_at (dfd, "config.json", text, strlen (text), 0600, error);
}

/* What UPDATE changes, with the values the writes also need from MERGED:
   memory.swap.max is memory+swap minus memory, cpu.max is quota and period. */
static UctrResources *
effective_update (const UctrResources *update, const UctrResources *merged)
{
  UctrResources *e = uctr_resources_new ();

  uctr_resources_merge (e, update);
  if (update->memory_limit.set || update->memory_swap.set)
    {
      e->memory_limit = merged->memory_limit;
      e->memory_swap = merged->memory_swap;
    }
  if (update->cpu_quota.set || update->cpu_period.set)
    {
      e->cpu_quota = merged->cpu_quota;
      e->cpu_period = merged->cpu_period;
    }
  return e;
}

/* Every write must have its controller before any is made. */
static gboolean
check_controllers (const char *path, GPtrArray *writes, GError **error)
{
  g_auto(GStrv) have = uctr_cgroup_controllers (path);
  g_autofree char *listed = NULL;
  guint i;

  for (i = 0; i < writes->len; i++)
    {
      const UctrCgroupWrite *w = g_ptr_array_index (writes, i);

      if (strcmp (w->controller, "cgroup") == 0
          || g_strv_contains ((const char *const *) have, w->controller))
        continue;
      listed = have[0] != NULL && have[0][0] != '\0' ? g_strjoinv (" ", have) : g_strdup (_("none"));
      return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                         _("%s: the %s controller is not available in the container's cgroup %s (it has: %s)"),
                            w->what, w->controller, path, listed);
    }
  return TRUE;
}

gboolean
uctr_container_update (const char *root, const char *id, const UctrResources *update, GPtrArray *warnings,
                       GError **error)
{
  uctr_autofd int dfd = -1;
  uctr_autofd int lock = -1;
  g_autoptr(UctrState) state = uctr_container_open_locked (root, id, &dfd, &lock, error);
  g_autoptr(json_object) config = NULL;
  g_autoptr(UctrResources) merged = NULL;
  g_autoptr(UctrResources) effective = NULL;
  g_autoptr(GPtrArray) writes = NULL;
  guint i;

  if (state == NULL)
    return FALSE;
  if (!uctr_state_allows (UCTR_ACTION_UPDATE, uctr_state_status (dfd, state), id, error))
    return FALSE;
  if (state->cgroup_path == NULL && state->cgroup_v1 == NULL)
    return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                       _("update needs a cgroup v2 the user can write: container %s has no cgroup of its own: %s"),
                          id,
                          state->cgroup_note != NULL ? state->cgroup_note : _("it was created without one"));
  config = load_config_json (dfd, error);
  if (config != NULL)
    merged = uctr_resources_parse (resources_node (config), "config.json: linux.resources", error);
  if (merged == NULL)
    return uctr_prefix_error (error, _("container %s"), id);
  uctr_resources_merge (merged, update);
  effective = effective_update (update, merged);
  if (state->cgroup_v1 != NULL)
    {
      writes = uctr_resources_writes_v1 (effective, FALSE, _("update"), error);
      if (writes == NULL || !uctr_cgroup_v1_apply (state->cgroup_v1, writes, _("update"), NULL, error))
        return FALSE;
      return save_config_json (dfd, config, merged, error);
    }
  for (i = 0; i < update->unsupported->len; i++)
    g_ptr_array_add (warnings,
                     g_strdup_printf (_("%s: not applied: cgroup v2 has no such setting"),
                                         (const char *) g_ptr_array_index (update->unsupported, i)));
  writes = uctr_resources_writes (effective, _("update"), error);
  if (writes == NULL || !check_controllers (state->cgroup_path, writes, error)
      || !uctr_cgroup_apply (state->cgroup_path, writes, _("update"), NULL, error))
    return FALSE;
  return save_config_json (dfd, config, merged, error);
}
