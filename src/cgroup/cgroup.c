/* uctr: the container's cgroup, cgroup v2 only.
 *
 * A user gets a cgroup of their own for the container when the cgroup they
 * run in is theirs to write: systemd's Delegate=yes (user@UID.service and
 * the scopes below it) hands such a subtree to each user.  Elsewhere (a
 * session scope owned by root, a cgroup v1-only host) the container runs in
 * the caller's cgroup, and what needed a cgroup of its own (limits, pause)
 * says so.  cgroup v2 lets a cgroup with processes have children but not
 * controllers for them: below the caller's own cgroup, which holds the
 * caller, a container gets its own freezer and kill switch but no limits.
 */
#include "cgroup/cgroup.h"
#include "cgroup/mountinfo.h"
#include "cgroup/resources.h"
#include "cgroup/systemd.h"
#include "base/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#define PROC_CGROUP_MAX (64 * 1024)
/* cgroup.procs of a cgroup with thousands of processes is more than 64 KiB. */
#define CGROUP_FILE_MAX (1024 * 1024)
#define MOUNTINFO_MAX (4 * 1024 * 1024)
#define FREEZE_TIMEOUT_MS 10000
#define REMOVE_TIMEOUT_MS 2000

/* Finding cgroup v2 */

gboolean
uctr_cgroup_as_root (void)
{
  return geteuid () == 0 && !uctr_running_in_userns ();
}

char *
uctr_cgroup_parse_proc (const char *proc_cgroup)
{
  g_auto(GStrv) lines = g_strsplit (proc_cgroup, "\n", -1);
  guint i;

  for (i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "0::/"))
      return g_strdup (lines[i] + 3);
  return NULL;
}

char *
uctr_cgroup_v2_mount (char **why)
{
  g_autofree char *text = NULL;
  char *mount;

  if (!uctr_read_file_at (AT_FDCWD, "/proc/self/mountinfo", MOUNTINFO_MAX, &text, NULL, NULL))
    {
      *why = g_strdup (_("/proc/self/mountinfo cannot be read"));
      return NULL;
    }
  mount = uctr_cgroup_find_v2_mount (text);
  if (mount == NULL)
    *why = g_strdup (
        _("this host has no cgroup v2 mounted (cgroup v1 only), and uctr speaks cgroup v2 only"));
  return mount;
}

char *
uctr_cgroup_dir_of (const char *mount, pid_t pid)
{
  g_autofree char *file
      = pid > 0 ? g_strdup_printf ("/proc/%d/cgroup", (int) pid) : g_strdup ("/proc/self/cgroup");
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;

  if (!uctr_read_file_at (AT_FDCWD, file, PROC_CGROUP_MAX, &text, NULL, NULL)
      || (path = uctr_cgroup_parse_proc (text)) == NULL)
    return NULL;
  return strcmp (path, "/") == 0 ? g_strdup (mount) : g_build_filename (mount, path, NULL);
}

gboolean
uctr_cgroup_check_path (const char *cgroups_path, GError **error)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *rel = NULL;
  guint i;

  if (cgroups_path == NULL || cgroups_path[0] == '\0')
    return TRUE;
  parts = g_strsplit (cgroups_path, "/", -1);
  for (i = 0; parts[i] != NULL; i++)
    if (strcmp (parts[i], "..") == 0)
      return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                         _("linux.cgroupsPath: \"%s\": \"..\" is not allowed in a cgroup path"),
                            cgroups_path);
  /* POSIX keeps exactly two leading slashes: "//" canonicalizes to itself. */
  rel = g_canonicalize_filename (cgroups_path, "/");
  if (rel[strspn (rel, "/")] == '\0')
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("linux.cgroupsPath: \"%s\" names the root cgroup; give the container one of its own"),
                          cgroups_path);
  return TRUE;
}

char *
uctr_cgroup_target (const char *mount, const char *own, const char *cgroups_path, const char *id,
                    gboolean as_root, char **base, GError **error)
{
  g_autofree char *rel = NULL;

  if (cgroups_path == NULL || cgroups_path[0] == '\0')
    {
      *base = g_strdup (as_root ? mount : own);
      return g_strdup_printf ("%s/uctr-%s", *base, id);
    }
  if (!uctr_cgroup_check_path (cgroups_path, error))
    return NULL;
  rel = g_canonicalize_filename (cgroups_path, "/");
  *base = g_strdup (g_path_is_absolute (cgroups_path) ? mount : own);
  return g_strconcat (*base, rel, NULL);
}

/* Reading and writing cgroup files */

char *
uctr_cgroup_read (const char *dir, const char *file)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  char *text = NULL;

  if (!uctr_read_file_at (AT_FDCWD, path, CGROUP_FILE_MAX, &text, NULL, NULL))
    return NULL;
  return text;
}

static gboolean
write_text (const char *dir, const char *file, const char *value, GError **error)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);

  return uctr_write_file_at (AT_FDCWD, path, value, strlen (value), error);
}

int
uctr_cgroup_write_errno (const char *dir, const char *file, const char *value)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  uctr_autofd int fd = open (path, O_WRONLY | O_CLOEXEC);
  ssize_t n;

  if (fd < 0)
    return errno;
  n = write (fd, value, strlen (value));
  return n < 0 ? errno : 0;
}

/* The value of KEY in a flat-keyed file ("populated 1"), or -1. */
static gint64
keyed_value (const char *text, const char *key)
{
  g_auto(GStrv) lines = text != NULL ? g_strsplit (text, "\n", -1) : NULL;
  gsize klen = strlen (key);
  guint i;

  for (i = 0; lines != NULL && lines[i] != NULL; i++)
    if (strncmp (lines[i], key, klen) == 0 && lines[i][klen] == ' ')
      return g_ascii_strtoll (lines[i] + klen + 1, NULL, 10);
  return -1;
}

char **
uctr_cgroup_controllers (const char *path)
{
  g_autofree char *text = uctr_cgroup_read (path, "cgroup.controllers");

  if (text == NULL)
    return g_new0 (char *, 1);
  return g_strsplit_set (g_strstrip (text), " \n", -1);
}

static gboolean
has_word (const char *text, const char *word)
{
  g_auto(GStrv) words = g_strsplit_set (text != NULL ? text : "", " \n", -1);

  return g_strv_contains ((const char *const *) words, word);
}

gboolean
uctr_cgroup_populated (const char *path)
{
  g_autofree char *events = uctr_cgroup_read (path, "cgroup.events");

  return keyed_value (events, "populated") == 1;
}

/* Placement */

void
uctr_cgroup_placement_clear (UctrCgroupPlacement *p)
{
  g_clear_pointer (&p->path, g_free);
  g_clear_pointer (&p->unit, g_free);
  g_clear_pointer (&p->why_none, g_free);
  g_clear_pointer (&p->why_no_controllers, g_free);
  g_clear_pointer (&p->why_not_enabled, g_free);
  g_clear_pointer (&p->notes, g_ptr_array_unref);
  g_clear_pointer (&p->made, g_ptr_array_unref);
  g_clear_pointer (&p->v1, g_ptr_array_unref);
}

static gboolean
permission_errno (int e)
{
  return e == EACCES || e == EPERM || e == EROFS;
}

static void
remove_made (GPtrArray *made)
{
  guint i;

  for (i = made->len; i > 0; i--)
    (void) rmdir (g_ptr_array_index (made, i - 1));
  g_ptr_array_set_size (made, 0);
}

static char *
not_delegated (const char *dir, int errsv)
{
  const char *hint = _("\"systemd-run --user --scope -p Delegate=yes uctr ...\" runs uctr in one that is");

  return g_strdup_printf (_("the cgroup it would go under, %s, is not delegated to you (uid %u: %s); %s"),
                             dir, (guint) geteuid (), g_strerror (errsv), hint);
}

/* mkdir each component of TARGET below BASE; MADE gets those created. The
   last one may exist (a cgroup made beforehand); *SHARED says that it has
   processes of its own already. */
static gboolean
make_dirs (const char *base, const char *target, GPtrArray *made, gboolean *shared, char **why,
           GError **error)
{
  g_auto(GStrv) parts = g_strsplit (target + strlen (base), "/", -1);
  g_autoptr(GString) dir = g_string_new (base);
  guint i, n = g_strv_length (parts);

  for (i = 0; i < n; i++)
    {
      if (parts[i][0] == '\0')
        continue;
      g_string_append_printf (dir, "/%s", parts[i]);
      if (mkdir (dir->str, 0755) == 0)
        {
          g_ptr_array_add (made, g_strdup (dir->str));
          continue;
        }
      if (errno == EEXIST && i + 1 < n)
        continue;
      if (errno == EEXIST)
        {
          *shared = uctr_cgroup_populated (dir->str);
          continue;
        }
      if (permission_errno (errno))
        {
          g_autofree char *parent = g_path_get_dirname (dir->str);
          *why = not_delegated (parent, errno);
          return TRUE;
        }
      return uctr_throw_errno (error, _("Creating the cgroup %s"), dir->str);
    }
  return TRUE;
}

/* cgroup v2 hands a controller to a child only when the parent lists it in
   cgroup.subtree_control, which it may only do while it holds no process
   itself (the root excepted): enable what is wanted where that is allowed. */
static void
enable_controllers (const char *base, const char *target, const char *const *wanted, char **why)
{
  g_autofree char *parent_of_target = g_path_get_dirname (target);
  g_autoptr(GString) dir = g_string_new (base);
  g_auto(GStrv) parts = g_strsplit (parent_of_target + strlen (base), "/", -1);
  guint i = 0;

  for (;;)
    {
      g_auto(GStrv) available = uctr_cgroup_controllers (dir->str);
      g_autofree char *enabled = uctr_cgroup_read (dir->str, "cgroup.subtree_control");
      const char *const *c;

      for (c = wanted; c != NULL && *c != NULL; c++)
        {
          g_autofree char *plus = g_strconcat ("+", *c, NULL);
          int e;

          if (!g_strv_contains ((const char *const *) available, *c) || has_word (enabled, *c))
            continue;
          if ((e = uctr_cgroup_write_errno (dir->str, "cgroup.subtree_control", plus)) == 0 || *why != NULL)
            continue;
          if (e == EBUSY)
            *why = g_strdup_printf (_("%s holds processes, and cgroup v2 hands controllers only to the children of a "
                                      "cgroup without processes (--systemd-cgroup gives the container a scope "
                                      "with them)"),
                dir->str);
          else
            *why = g_strdup_printf (_("enabling controllers in %s/cgroup.subtree_control: %s"), dir->str,
                                       g_strerror (e));
        }
      while (parts[i] != NULL && parts[i][0] == '\0')
        i++;
      if (parts[i] == NULL)
        break;
      g_string_append_printf (dir, "/%s", parts[i++]);
    }
}

/* Why the controllers in WANTED that PATH lacks are missing. */
static char *
explain_missing (const char *mount, const char *path, const char *const *wanted, const char *enable_why)
{
  g_auto(GStrv) have = uctr_cgroup_controllers (path);
  g_auto(GStrv) root = uctr_cgroup_controllers (mount);
  g_autoptr(GPtrArray) missing = g_ptr_array_new ();
  g_autoptr(GPtrArray) absent = g_ptr_array_new ();
  g_autofree char *names = NULL;
  g_autofree char *listed = NULL;
  const char *const *c;

  for (c = wanted; c != NULL && *c != NULL; c++)
    if (!g_strv_contains ((const char *const *) have, *c))
      g_ptr_array_add (g_strv_contains ((const char *const *) root, *c) ? missing : absent, (gpointer) *c);
  if (absent->len > 0)
    {
      g_ptr_array_add (absent, NULL);
      names = g_strjoinv (", ", (char **) absent->pdata);
      listed = root[0] != NULL && root[0][0] != '\0' ? g_strjoinv (" ", root) : g_strdup (_("none"));
      return g_strdup_printf (_("cgroup v2 on this host has no %s controller (%s/cgroup.controllers lists %s)"), names, mount,
          listed);
    }
  if (missing->len == 0)
    return NULL;
  if (enable_why != NULL)
    return g_strdup (enable_why);
  g_ptr_array_add (missing, NULL);
  names = g_strjoinv (", ", (char **) missing->pdata);
  return g_strdup_printf (_("the %s controller is not delegated to %s"), names, path);
}

/* uctr-ID is unique in a state root, not on the host: another container of
   that name (another --root) may hold it, or be making it this very moment
   (and kill it on delete). The default is a directory this create makes
   itself: uctr-ID, else uctr-ID-2 ..., never one that exists. MADE gets it. */
static char *
free_default (char *target, GPtrArray *made)
{
  g_autofree char *first = target;
  int n;

  for (n = 1; n < 1000; n++)
    {
      g_autofree char *candidate = n == 1 ? g_strdup (first) : g_strdup_printf ("%s-%d", first, n);

      if (mkdir (candidate, 0755) == 0)
        {
          g_ptr_array_add (made, g_strdup (candidate));
          return g_steal_pointer (&candidate);
        }
      if (errno != EEXIST)
        break; /* make_dirs says why (not delegated ...) */
    }
  return g_strdup (first);
}

/* Makes the container's cgroup and enables the controllers on the way:
   P->path when it worked, P->why_none when the caller may not. */
static gboolean
make_plain (const UctrCgroupRequest *req, const char *cgroups_path, const char *mount, UctrCgroupPlacement *p,
            GError **error)
{
  g_autofree char *own = uctr_cgroup_dir_of (mount, 0);
  g_autofree char *base = NULL;
  g_autofree char *target = NULL;

  if (own == NULL)
    {
      p->why_none = g_strdup (_("/proc/self/cgroup has no cgroup v2 entry"));
      return TRUE;
    }
  target = uctr_cgroup_target (mount, own, cgroups_path, req->id, uctr_cgroup_as_root (), &base, error);
  if (target != NULL && (cgroups_path == NULL || cgroups_path[0] == '\0'))
    target = free_default (target, p->made);
  if (target == NULL || !make_dirs (base, target, p->made, &p->shared, &p->why_none, error))
    {
      remove_made (p->made);
      return FALSE;
    }
  if (p->why_none != NULL)
    {
      remove_made (p->made);
      return TRUE;
    }
  /* As runc: a cgroup other processes are in is joined, with a warning; it
     is not the container's to kill, freeze or remove. */
  if (p->shared)
    g_ptr_array_add (p->notes,
                     g_strdup_printf (_("the cgroup %s has processes already: the container joins "
                                                  "them there, but kill --all, pause and delete do not act on "
                                                  "that cgroup (is another container using linux.cgroupsPath?)"),
                                         target));
  enable_controllers (base, target, req->controllers, &p->why_not_enabled);
  p->path = g_steal_pointer (&target);
  return TRUE;
}

/* PID into P->path, unless clone3 put it there already (CLONE_INTO_CGROUP). */
static gboolean
move_into (const char *mount, pid_t pid, const char *const *controllers, UctrCgroupPlacement *p,
           GError **error)
{
  g_autofree char *now = uctr_cgroup_dir_of (mount, pid);
  g_autofree char *pid_text = g_strdup_printf ("%d", (int) pid);
  g_autoptr(GError) local = NULL;

  if (g_strcmp0 (now, p->path) != 0 && !write_text (p->path, "cgroup.procs", pid_text, &local))
    {
      uctr_cgroup_placement_undo (p);
      if (g_error_matches (local, UCTR_ERRNO_ERROR, EACCES)
          || g_error_matches (local, UCTR_ERRNO_ERROR, EPERM))
        {
          p->why_none = not_delegated (now != NULL ? now : mount, EACCES);
          return TRUE;
        }
      g_propagate_prefixed_error (error, g_steal_pointer (&local),
                                  _("Moving the container into its cgroup: "));
      return FALSE;
    }
  p->why_no_controllers = explain_missing (mount, p->path, controllers, p->why_not_enabled);
  return TRUE;
}

/* systemd's scope, or (no systemd to ask) a note and the plain placement. */
static gboolean
place_systemd (const UctrCgroupRequest *req, const char *mount, pid_t pid, UctrCgroupPlacement *p,
               gboolean *fall_back, GError **error)
{
  g_autoptr(GError) local = NULL;

  *fall_back = FALSE;
  if (!uctr_systemd_start_scope (req->cgroups_path, req->id, pid, uctr_cgroup_as_root (), req->writes,
                                 &p->unit, &local))
    {
      if (!g_error_matches (local, UCTR_ERROR, UCTR_ERROR_UNSUPPORTED))
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local), "--systemd-cgroup: ");
          return FALSE;
        }
      g_ptr_array_add (p->notes,
                       g_strdup_printf (_("--systemd-cgroup: %s; placing the container without systemd"),
                                           local->message));
      *fall_back = TRUE;
      return TRUE;
    }
  p->path = uctr_cgroup_dir_of (mount, pid);
  if (p->path == NULL)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("--systemd-cgroup: the cgroup of %s cannot be read"), p->unit);
  p->why_no_controllers = explain_missing (mount, p->path, req->controllers, NULL);
  return TRUE;
}

static void
placement_init (UctrCgroupPlacement *p)
{
  if (p->notes == NULL)
    p->notes = g_ptr_array_new_with_free_func (g_free);
  if (p->made == NULL)
    p->made = g_ptr_array_new_with_free_func (g_free);
}

int
uctr_cgroup_prepare (const UctrCgroupRequest *req, UctrCgroupPlacement *p, GError **error)
{
  g_autofree char *mount = NULL;
  int fd;

  placement_init (p);
  /* A systemd scope is made for a pid: after the fork. */
  if (req->systemd || (mount = uctr_cgroup_v2_mount (&p->why_none)) == NULL)
    return -1;
  if (!make_plain (req, req->cgroups_path, mount, p, error))
    return -2;
  if (p->path == NULL || (fd = open (p->path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
    return -1;
  return fd;
}

gboolean
uctr_cgroup_place (const UctrCgroupRequest *req, pid_t pid, UctrCgroupPlacement *p, GError **error)
{
  g_autofree char *mount = NULL;
  gboolean fall_back = FALSE;

  placement_init (p);
  if (p->why_none != NULL)
    return TRUE;
  mount = uctr_cgroup_v2_mount (&p->why_none);
  if (mount == NULL)
    return TRUE;
  if (req->systemd)
    {
      if (!place_systemd (req, mount, pid, p, &fall_back, error))
        return FALSE;
      if (!fall_back)
        return TRUE;
      /* Without systemd, "slice:prefix:name" is no path: the default serves. */
      if (!make_plain (req, NULL, mount, p, error))
        return FALSE;
      if (p->path == NULL)
        return TRUE;
    }
  return move_into (mount, pid, req->controllers, p, error);
}

void
uctr_cgroup_placement_undo (UctrCgroupPlacement *p)
{
  /* A scope is systemd's to remove: it collects it once empty; a shared
     cgroup is not ours. */
  if (p->path != NULL && p->unit == NULL && !p->shared)
    (void) uctr_cgroup_remove (p->path, NULL);
  if (p->made != NULL)
    remove_made (p->made);
  g_clear_pointer (&p->path, g_free);
}

/* Resources */

gboolean
uctr_cgroup_write_into (const char *dir, const UctrCgroupWrite *w, const char *where, GPtrArray *unapplied,
                        GError **error)
{
  g_autofree char *alt = w->alt_file != NULL ? g_build_filename (dir, w->alt_file, NULL) : NULL;
  gboolean use_alt = alt != NULL && access (alt, F_OK) == 0;
  const char *file = use_alt ? w->alt_file : w->file;
  const char *value = use_alt ? w->alt_value : w->value;
  int e = uctr_cgroup_write_errno (dir, file, value);

  /* The controller is there, the file is not (memory.swap.max without
     swap accounting): not applied, as a missing controller. A unified
     key names its file itself: a typo there is an error. */
  if (e == ENOENT && unapplied != NULL && !g_str_has_prefix (w->what, "unified."))
    {
      g_ptr_array_add (unapplied, g_strdup_printf (_("%s (this kernel has no %s)"), w->what, file));
      return TRUE;
    }
  if (e != 0)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("%s.%s: writing \"%s\" to %s: %s"), where, w->what, value, file, g_strerror (e));
  return TRUE;
}

void
uctr_cgroup_note_unapplied (GPtrArray *unapplied, const char *what)
{
  if (unapplied != NULL && !g_ptr_array_find_with_equal_func (unapplied, what, g_str_equal, NULL))
    g_ptr_array_add (unapplied, g_strdup (what));
}

gboolean
uctr_cgroup_apply (const char *path, GPtrArray *writes, const char *where, GPtrArray *unapplied,
                   GError **error)
{
  g_auto(GStrv) have = uctr_cgroup_controllers (path);
  guint i;

  for (i = 0; i < writes->len; i++)
    {
      const UctrCgroupWrite *w = g_ptr_array_index (writes, i);

      if (strcmp (w->controller, "cgroup") != 0
          && !g_strv_contains ((const char *const *) have, w->controller))
        uctr_cgroup_note_unapplied (unapplied, w->what);
      else if (!uctr_cgroup_write_into (path, w, where, unapplied, error))
        return FALSE;
    }
  return TRUE;
}

/* Freezing */

gboolean
uctr_cgroup_is_frozen (const char *path)
{
  g_autofree char *text = uctr_cgroup_read (path, "cgroup.freeze");

  return text != NULL && text[0] == '1';
}

/* Until cgroup.events says "frozen WANT": it changes with a POLLPRI. */
static gboolean
wait_frozen (const char *path, gboolean want, GError **error)
{
  g_autofree char *file = g_build_filename (path, "cgroup.events", NULL);
  uctr_autofd int fd = open (file, O_RDONLY | O_CLOEXEC);
  gint64 deadline = g_get_monotonic_time () + FREEZE_TIMEOUT_MS * 1000;

  if (fd < 0)
    return uctr_throw_errno (error, _("Opening %s"), file);
  for (;;)
    {
      char buf[256];
      ssize_t n = pread (fd, buf, sizeof buf - 1, 0);
      struct pollfd pfd = { .fd = fd, .events = POLLPRI };
      gint64 left;

      if (n < 0)
        return uctr_throw_errno (error, _("Reading %s"), file);
      buf[n] = '\0';
      if (keyed_value (buf, "frozen") == (want ? 1 : 0))
        return TRUE;
      left = (deadline - g_get_monotonic_time ()) / 1000;
      if (left <= 0)
        return uctr_throw (error, UCTR_ERROR_FAILED,
                           _("%s: still not %s after %d s"), path,
                              want ? _("frozen") : _("thawed"), FREEZE_TIMEOUT_MS / 1000);
      /* Poll briefly too: an event may come between the read and the poll. */
      (void) poll (&pfd, 1, MIN (left, 100));
    }
}

gboolean
uctr_cgroup_freeze (const char *path, gboolean freeze, GError **error)
{
  if (!write_text (path, "cgroup.freeze", freeze ? "1" : "0", error))
    return FALSE;
  return wait_frozen (path, freeze, error);
}

/* The cgroups below PATH, as paths, from the types its directory entries
   give: a cgroup has tens of files and, as a rule, no child, and a stat of
   each was most of what a walk cost. None past MAX_DEPTH. */
#define MAX_DEPTH 64

static GPtrArray *
child_cgroups (const char *path, guint depth)
{
  GPtrArray *children = g_ptr_array_new_with_free_func (g_free);
  DIR *dir = depth < MAX_DEPTH ? opendir (path) : NULL;
  struct dirent *e;

  while (dir != NULL && (e = readdir (dir)) != NULL)
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0 && uctr_dirent_is_dir (dirfd (dir), e))
      g_ptr_array_add (children, g_build_filename (path, e->d_name, NULL));
  if (dir != NULL)
    closedir (dir);
  return children;
}

/* Processes */

static void
collect_pids (const char *path, GArray *pids, guint depth)
{
  g_autofree char *procs = uctr_cgroup_read (path, "cgroup.procs");
  g_auto(GStrv) lines = procs != NULL ? g_strsplit (procs, "\n", -1) : NULL;
  g_autoptr(GPtrArray) children = child_cgroups (path, depth);
  guint i;

  for (i = 0; lines != NULL && lines[i] != NULL; i++)
    {
      pid_t pid = (pid_t) g_ascii_strtoll (lines[i], NULL, 10);
      if (pid > 0)
        g_array_append_val (pids, pid);
    }
  for (i = 0; i < children->len; i++)
    collect_pids (g_ptr_array_index (children, i), pids, depth + 1);
}

GArray *
uctr_cgroup_pids (const char *path)
{
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (pid_t));

  collect_pids (path, pids, 0);
  return pids;
}

gboolean
uctr_cgroup_signal (const char *path, int sig, GError **error)
{
  g_autoptr(GArray) pids = uctr_cgroup_pids (path);
  guint i;

  for (i = 0; i < pids->len; i++)
    if (kill (g_array_index (pids, pid_t, i), sig) < 0 && errno != ESRCH)
      return uctr_throw_errno (error, _("Sending signal %d to process %d"), sig,
                                         (int) g_array_index (pids, pid_t, i));
  return TRUE;
}

gboolean
uctr_cgroup_kill (const char *path, GError **error)
{
  g_autofree char *file = g_build_filename (path, "cgroup.kill", NULL);

  if (access (file, F_OK) == 0)
    return write_text (path, "cgroup.kill", "1", error);
  return uctr_cgroup_signal (path, SIGKILL, error);
}

/* Removal */

/* PATH and the cgroups below it; errno from the last rmdir. The children
   are looked for only when PATH has some (EBUSY, as for processes). */
static gboolean
remove_tree (const char *path, guint depth)
{
  g_autoptr(GPtrArray) children = NULL;

  if (rmdir (path) == 0 || errno == ENOENT)
    return TRUE;
  if (errno != EBUSY && errno != ENOTEMPTY)
    return FALSE;
  children = child_cgroups (path, depth);
  for (guint i = 0; i < children->len; i++)
    (void) remove_tree (g_ptr_array_index (children, i), depth + 1);
  return rmdir (path) == 0 || errno == ENOENT;
}

gboolean
uctr_cgroup_wait_gone (const char *path, int timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (access (path, F_OK) == 0)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (10000);
    }
  return TRUE;
}

gboolean
uctr_cgroup_remove (const char *path, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + REMOVE_TIMEOUT_MS * 1000;

  /* The last processes take a moment to leave once killed. */
  while (!remove_tree (path, 0))
    {
      if (errno != EBUSY || g_get_monotonic_time () > deadline)
        return uctr_throw_errno (error, _("Removing the cgroup %s"), path);
      g_usleep (5000);
    }
  return TRUE;
}
