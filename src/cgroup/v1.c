/* uctr: the container's cgroups in cgroup v1 hierarchies (root only).
 *
 * On a v1 or hybrid host the controllers are separate hierarchies, each
 * mounted on its own (/sys/fs/cgroup/memory, /sys/fs/cgroup/cpu,cpuacct).
 * As runc's fs driver does, the container gets a directory in each, at the
 * same relative place, and its limits are the v1 files there; the freezer
 * hierarchy pauses it; there is no cgroup.kill, so a kill of all is a
 * signal to each process while the freezer holds them.
 */
#include "cgroup/v1.h"
#include "cgroup/cgroup.h"
#include "base/util.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#define PROC_CGROUP_MAX (64 * 1024)
#define MOUNTINFO_MAX (4 * 1024 * 1024)
#define FREEZE_TIMEOUT_MS 10000

void
uctr_cgroup_v1_dir_free (UctrCgroupV1Dir *d)
{
  if (d == NULL)
    return;
  g_free (d->controllers);
  g_free (d->path);
  g_free (d);
}

GPtrArray *
uctr_cgroup_v1_dirs_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) uctr_cgroup_v1_dir_free);
}

static void
add_dir (GPtrArray *dirs, const char *controllers, const char *path)
{
  UctrCgroupV1Dir *d = g_new0 (UctrCgroupV1Dir, 1);

  d->controllers = g_strdup (controllers);
  d->path = g_strdup (path);
  g_ptr_array_add (dirs, d);
}

/* Finding the hierarchies */

static GPtrArray *
host_mounts (void)
{
  g_autofree char *text = NULL;

  if (!uctr_read_file_at (AT_FDCWD, "/proc/self/mountinfo", MOUNTINFO_MAX, &text, NULL, NULL))
    return g_ptr_array_new ();
  return uctr_cgroup_find_v1_mounts (text);
}

/* A hierarchy of controllers, not only a name= one for tracking. */
static gboolean
has_controller (const UctrCgroupV1Mount *m)
{
  g_auto(GStrv) names = g_strsplit (m->controllers, ",", -1);
  guint i;

  for (i = 0; names[i] != NULL; i++)
    if (!g_str_has_prefix (names[i], "name="))
      return TRUE;
  return FALSE;
}

gboolean
uctr_cgroup_v1_wanted (void)
{
  g_autoptr(GPtrArray) mounts = NULL;
  guint i;

  if (!uctr_cgroup_as_root ())
    return FALSE;
  mounts = host_mounts ();
  for (i = 0; i < mounts->len; i++)
    if (has_controller (g_ptr_array_index (mounts, i)))
      return TRUE;
  return FALSE;
}

char *
uctr_cgroup_v1_parse_proc (const char *proc_cgroup, const char *controllers)
{
  g_auto(GStrv) lines = g_strsplit (proc_cgroup, "\n", -1);
  guint i;

  /* ID:CONTROLLERS:PATH, the controllers as the hierarchy was mounted. */
  for (i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], ":", 3);

      if (g_strv_length (f) == 3 && strcmp (f[1], controllers) == 0 && f[2][0] == '/')
        return g_strdup (f[2]);
    }
  return NULL;
}

/* OWN (a path of the hierarchy) as a directory under M's mount point, which
   shows the hierarchy from M->root down. */
static char *
host_dir (const UctrCgroupV1Mount *m, const char *own)
{
  size_t len = strlen (m->root);

  if (own == NULL || strcmp (m->root, "/") == 0)
    return g_build_filename (m->point, own, NULL);
  if (strncmp (own, m->root, len) == 0 && (own[len] == '/' || own[len] == '\0'))
    return g_build_filename (m->point, own + len, NULL);
  return g_strdup (m->point); /* above what is mounted here */
}

char *
uctr_cgroup_v1_target (const UctrCgroupV1Mount *m, const char *own, const char *cgroups_path,
                       const char *name)
{
  g_autofree char *rel = NULL;
  g_autofree char *base = NULL;

  if (cgroups_path != NULL && cgroups_path[0] != '\0')
    {
      rel = g_canonicalize_filename (cgroups_path, "/");
      if (g_path_is_absolute (cgroups_path))
        return g_build_filename (m->point, rel, NULL);
    }
  else
    rel = g_strdup (name);
  base = host_dir (m, own);
  return g_build_filename (base, rel[0] == '/' ? rel + 1 : rel, NULL);
}

/* Making the directories */

/* A new cpuset cgroup has no cpus and no mems, and no task may join it
   before it has some: those of its parent, as cgroup.clone_children would. */
static gboolean
inherit_cpuset (const char *dir, GError **error)
{
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
  g_autofree char *parent = g_path_get_dirname (dir);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *mine = uctr_cgroup_read (dir, files[i]);
      g_autofree char *theirs = NULL;
      int e;

      if (mine == NULL || g_strstrip (mine)[0] != '\0')
        continue;
      theirs = uctr_cgroup_read (parent, files[i]);
      if (theirs == NULL || g_strstrip (theirs)[0] == '\0')
        continue;
      if ((e = uctr_cgroup_write_errno (dir, files[i], theirs)) != 0)
        return uctr_throw (error, UCTR_ERROR_FAILED,
                           _("Giving the cgroup %s the %s of its parent (%s): %s"), dir, files[i], theirs,
                              g_strerror (e));
    }
  return TRUE;
}

static gboolean
has_processes (const char *dir)
{
  g_autofree char *procs = uctr_cgroup_read (dir, "cgroup.procs");

  return procs != NULL && g_strstrip (procs)[0] != '\0';
}

/* mkdir TARGET and the directories above it up to the mount point. */
static gboolean
make_path (const UctrCgroupV1Mount *m, const char *target, GPtrArray *made, gboolean *shared, GError **error)
{
  gboolean cpuset = strstr (m->controllers, "cpuset") != NULL;
  g_auto(GStrv) parts = g_strsplit (target + strlen (m->point), "/", -1);
  g_autoptr(GString) dir = g_string_new (m->point);
  guint i;

  for (i = 0; parts[i] != NULL; i++)
    {
      if (parts[i][0] == '\0')
        continue;
      g_string_append_printf (dir, "/%s", parts[i]);
      if (mkdir (dir->str, 0755) == 0)
        g_ptr_array_add (made, g_strdup (dir->str));
      else if (errno != EEXIST)
        return uctr_throw_errno (error, _("Creating the cgroup %s"), dir->str);
      else if (parts[i + 1] == NULL && has_processes (dir->str))
        *shared = TRUE;
      if (cpuset && !inherit_cpuset (dir->str, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
uctr_cgroup_v1_make (const char *cgroups_path, const char *name, GPtrArray *dirs, GPtrArray *made,
                     gboolean *shared, GError **error)
{
  g_autoptr(GPtrArray) mounts = host_mounts ();
  g_autofree char *proc = NULL;
  guint i;

  if (!uctr_read_file_at (AT_FDCWD, "/proc/self/cgroup", PROC_CGROUP_MAX, &proc, NULL, error))
    return FALSE;
  for (i = 0; i < mounts->len; i++)
    {
      const UctrCgroupV1Mount *m = g_ptr_array_index (mounts, i);
      g_autofree char *own = uctr_cgroup_v1_parse_proc (proc, m->controllers);
      g_autofree char *target = uctr_cgroup_v1_target (m, own, cgroups_path, name);

      /* Another name= hierarchy is some other manager's business. */
      if (!has_controller (m) && strcmp (m->controllers, "name=systemd") != 0)
        continue;
      if (!make_path (m, target, made, shared, error))
        return FALSE;
      add_dir (dirs, m->controllers, target);
    }
  return TRUE;
}

gboolean
uctr_cgroup_v1_enter (GPtrArray *dirs, pid_t pid, GError **error)
{
  g_autofree char *text = g_strdup_printf ("%d", (int) pid);
  guint i;

  for (i = 0; i < dirs->len; i++)
    {
      const UctrCgroupV1Dir *d = g_ptr_array_index (dirs, i);
      int e = uctr_cgroup_write_errno (d->path, "cgroup.procs", text);

      if (e != 0)
        return uctr_throw (error, UCTR_ERROR_FAILED,
                           _("Moving the container into its cgroup %s: %s"), d->path, g_strerror (e));
    }
  return TRUE;
}

/* Where systemd put the scope, as a path of the hierarchy: the v2 cgroup
   below the cgroup2 mount. */
static char *
scope_path (const char *v2_dir)
{
  g_autofree char *why = NULL;
  g_autofree char *mount = uctr_cgroup_v2_mount (&why);
  size_t len = mount != NULL ? strlen (mount) : 0;

  if (mount == NULL || strncmp (v2_dir, mount, len) != 0 || v2_dir[len] != '/')
    return NULL;
  return g_strdup (v2_dir + len);
}

/* P->v1 made where REQ says, unless it is already. */
static gboolean
make_for (const UctrCgroupRequest *req, UctrCgroupPlacement *p, GError **error)
{
  g_autofree char *name = p->path != NULL && (req->cgroups_path == NULL || req->cgroups_path[0] == '\0')
                              ? g_path_get_basename (p->path)
                              : g_strdup_printf ("uctr-%s", req->id);
  g_autofree char *scope = p->unit != NULL && p->path != NULL ? scope_path (p->path) : NULL;
  const char *where = p->unit != NULL ? scope : req->cgroups_path;
  g_autoptr(GPtrArray) dirs = uctr_cgroup_v1_dirs_new ();
  gboolean shared = FALSE;

  if (p->v1 != NULL)
    return TRUE;
  if (p->made == NULL)
    p->made = g_ptr_array_new_with_free_func (g_free);
  if (!uctr_cgroup_v1_make (where, name, dirs, p->made, &shared, error))
    return FALSE;
  p->shared = p->shared || shared;
  p->v1 = g_steal_pointer (&dirs);
  return TRUE;
}

gboolean
uctr_cgroup_v1_prepare (const UctrCgroupRequest *req, UctrCgroupPlacement *p, GError **error)
{
  /* A systemd scope's path is known once systemd made it, for a pid. */
  return req->systemd || make_for (req, p, error);
}

gboolean
uctr_cgroup_v1_place (const UctrCgroupRequest *req, pid_t pid, UctrCgroupPlacement *p, GError **error)
{
  return make_for (req, p, error) && uctr_cgroup_v1_enter (p->v1, pid, error);
}

const char *
uctr_cgroup_v1_find (GPtrArray *dirs, const char *controller)
{
  guint i;

  for (i = 0; dirs != NULL && i < dirs->len; i++)
    {
      const UctrCgroupV1Dir *d = g_ptr_array_index (dirs, i);
      g_auto(GStrv) names = g_strsplit (d->controllers, ",", -1);

      if (g_strv_contains ((const char *const *) names, controller))
        return d->path;
    }
  return NULL;
}

/* Resources */

static gint64
read_int (const char *dir, const char *file)
{
  g_autofree char *text = uctr_cgroup_read (dir, file);

  return text != NULL ? g_ascii_strtoll (text, NULL, 10) : -1;
}

static gint
index_of_file (GPtrArray *writes, const char *file)
{
  guint i;

  for (i = 0; i < writes->len; i++)
    if (strcmp (((const UctrCgroupWrite *) g_ptr_array_index (writes, i))->file, file) == 0)
      return (gint) i;
  return -1;
}

/* The order of the writes: as given, except that memory+swap goes before
   the memory limit when it grows past the current limit (runc's rule: at
   each step memsw must stay at least the limit). */
static GArray *
write_order (GPtrArray *dirs, GPtrArray *writes)
{
  GArray *order = g_array_new (FALSE, FALSE, sizeof (guint));
  gint limit = index_of_file (writes, "memory.limit_in_bytes");
  gint swap = index_of_file (writes, "memory.memsw.limit_in_bytes");
  const char *memory = uctr_cgroup_v1_find (dirs, "memory");
  guint i;

  if (limit >= 0 && swap > limit && memory != NULL)
    {
      const UctrCgroupWrite *s = g_ptr_array_index (writes, swap);
      gint64 wanted = g_ascii_strtoll (s->value, NULL, 10);

      if (wanted == -1 || read_int (memory, "memory.limit_in_bytes") < wanted)
        {
          guint first = (guint) swap;
          g_array_append_val (order, first);
        }
    }
  for (i = 0; i < writes->len; i++)
    if (order->len == 0 || i != g_array_index (order, guint, 0))
      g_array_append_val (order, i);
  return order;
}

gboolean
uctr_cgroup_v1_apply (GPtrArray *dirs, GPtrArray *writes, const char *where, GPtrArray *unapplied,
                      GError **error)
{
  g_autoptr(GArray) order = write_order (dirs, writes);
  guint i;

  for (i = 0; i < order->len; i++)
    {
      const UctrCgroupWrite *w = g_ptr_array_index (writes, g_array_index (order, guint, i));
      const char *dir = uctr_cgroup_v1_find (dirs, w->controller);

      if (dir == NULL && unapplied == NULL)
        return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                           _("%s.%s: this host has no cgroup v1 hierarchy with the %s controller"), where,
                              w->what, w->controller);
      if (dir == NULL)
        uctr_cgroup_note_unapplied (unapplied, w->what);
      else if (!uctr_cgroup_write_into (dir, w, where, unapplied, error))
        return FALSE;
    }
  return TRUE;
}

/* The freezer */

static char *
freezer_state (const char *dir)
{
  char *text = uctr_cgroup_read (dir, "freezer.state");

  return text != NULL ? g_strstrip (text) : NULL;
}

gboolean
uctr_cgroup_v1_is_frozen (GPtrArray *dirs)
{
  const char *dir = uctr_cgroup_v1_find (dirs, "freezer");
  g_autofree char *state = dir != NULL ? freezer_state (dir) : NULL;

  return g_strcmp0 (state, "FROZEN") == 0;
}

gboolean
uctr_cgroup_v1_freeze (GPtrArray *dirs, gboolean freeze, GError **error)
{
  const char *dir = uctr_cgroup_v1_find (dirs, "freezer");
  const char *want = freeze ? "FROZEN" : "THAWED";
  gint64 deadline = g_get_monotonic_time () + FREEZE_TIMEOUT_MS * 1000;

  if (dir == NULL)
    return uctr_throw (error, UCTR_ERROR_UNSUPPORTED, _("this host has no cgroup v1 freezer hierarchy"));
  /* FREEZING until every task has stopped; writing again retries those
     that were in the middle of something. */
  for (;;)
    {
      g_autofree char *state = NULL;
      int e = uctr_cgroup_write_errno (dir, "freezer.state", want);

      if (e != 0)
        return uctr_throw (error, UCTR_ERROR_FAILED,
                           _("Writing %s to %s/freezer.state: %s"), want, dir, g_strerror (e));
      state = freezer_state (dir);
      if (g_strcmp0 (state, want) == 0)
        return TRUE;
      if (g_get_monotonic_time () > deadline)
        return uctr_throw (error, UCTR_ERROR_FAILED,
                           _("%s: still %s after %d s"), dir, state != NULL ? state : "?",
                              FREEZE_TIMEOUT_MS / 1000);
      g_usleep (1000);
    }
}

/* Processes */

gboolean
uctr_cgroup_v1_exists (GPtrArray *dirs)
{
  guint i;

  for (i = 0; dirs != NULL && i < dirs->len; i++)
    if (g_file_test (((const UctrCgroupV1Dir *) g_ptr_array_index (dirs, i))->path, G_FILE_TEST_IS_DIR))
      return TRUE;
  return FALSE;
}

GArray *
uctr_cgroup_v1_pids (GPtrArray *dirs)
{
  const char *dir = uctr_cgroup_v1_find (dirs, "pids");

  if (dir == NULL)
    dir = uctr_cgroup_v1_find (dirs, "freezer");
  if (dir == NULL && dirs->len > 0)
    dir = ((const UctrCgroupV1Dir *) g_ptr_array_index (dirs, 0))->path;
  if (dir == NULL)
    return g_array_new (FALSE, FALSE, sizeof (pid_t));
  return uctr_cgroup_pids (dir);
}

gboolean
uctr_cgroup_v1_signal (GPtrArray *dirs, int sig, GError **error)
{
  gboolean frozen_before = uctr_cgroup_v1_is_frozen (dirs);
  gboolean can_freeze = uctr_cgroup_v1_find (dirs, "freezer") != NULL;
  g_autoptr(GArray) pids = NULL;
  g_autoptr(GError) thaw_error = NULL;
  guint i;

  if (can_freeze && !frozen_before && !uctr_cgroup_v1_freeze (dirs, TRUE, error))
    return FALSE;
  pids = uctr_cgroup_v1_pids (dirs);
  for (i = 0; i < pids->len; i++)
    (void) kill (g_array_index (pids, pid_t, i), sig);
  /* A frozen task dies of SIGKILL only once thawed. */
  if (can_freeze && (!frozen_before || sig == SIGKILL) && !uctr_cgroup_v1_freeze (dirs, FALSE, &thaw_error))
    {
      g_propagate_error (error, g_steal_pointer (&thaw_error));
      return FALSE;
    }
  return TRUE;
}

gboolean
uctr_cgroup_v1_remove (GPtrArray *dirs, GError **error)
{
  gboolean ok = TRUE;
  guint i;

  for (i = 0; dirs != NULL && i < dirs->len; i++)
    {
      g_autoptr(GError) local = NULL;

      if (!uctr_cgroup_remove (((const UctrCgroupV1Dir *) g_ptr_array_index (dirs, i))->path, &local) && ok)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          ok = FALSE;
        }
    }
  return ok;
}

/* state.json */

json_object *
uctr_cgroup_v1_to_json (GPtrArray *dirs)
{
  json_object *obj = json_object_new_object ();
  guint i;

  for (i = 0; i < dirs->len; i++)
    {
      const UctrCgroupV1Dir *d = g_ptr_array_index (dirs, i);

      uctr_json_add_string (obj, d->controllers, d->path);
    }
  return obj;
}

GPtrArray *
uctr_cgroup_v1_from_json (json_object *node, GError **error)
{
  g_autoptr(GPtrArray) dirs = uctr_cgroup_v1_dirs_new ();

  if (node == NULL)
    return g_steal_pointer (&dirs);
  if (!json_object_is_type (node, json_type_object))
    return uctr_throw (error, UCTR_ERROR_FAILED, _("\"%s\" has the wrong type"), "cgroup_v1"), NULL;
  json_object_object_foreach (node, name, value)
    {
      if (!json_object_is_type (value, json_type_string)
          || !g_path_is_absolute (json_object_get_string (value)))
        return uctr_throw (error, UCTR_ERROR_FAILED, _("\"%s\" has the wrong type"), "cgroup_v1"), NULL;
      add_dir (dirs, name, json_object_get_string (value));
    }
  return g_steal_pointer (&dirs);
}
