/* uctr: the state directory: <root>/<id>/{state.json,config.json,exec.fifo,lock}. */
#include "runtime/state.h"
#include "net/netexit.h"
#include "runtime/notify.h"
#include "cgroup/cgroup.h"
#include "cgroup/v1.h"
#include "runtime/cgroups.h"
#include "base/json.h"
#include "base/trust.h"
#include "base/util.h"
#include "net/launch.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/pidfd.h>
#include <sys/stat.h>

#define STATE_FILE "state.json"
#define STATE_FILE_MAX (4 * 1024 * 1024)
#define ID_MAX 1024

static const char *const status_names[] = {
  [UCTR_STATUS_CREATING] = "creating", [UCTR_STATUS_CREATED] = "created", [UCTR_STATUS_RUNNING] = "running",
  [UCTR_STATUS_PAUSED] = "paused",     [UCTR_STATUS_STOPPED] = "stopped",
};

const char *
uctr_status_name (UctrStatus status)
{
  if ((guint) status >= G_N_ELEMENTS (status_names))
    return "unknown";
  return status_names[status];
}

/* Why ACTION may not act on a container in a status: a message (NULL when
   it may) and the arguments it takes. */
typedef enum
{
  REFUSE_PLAIN,
  REFUSE_ID,
  REFUSE_ID_STATUS,
} RefusalArgs;

typedef struct
{
  const char *message;
  RefusalArgs args;
} Refusal;

#define ALLOWED                                                                                              \
  {                                                                                                          \
    NULL, REFUSE_PLAIN                                                                                       \
  }
#define START_STOPPED                                                                                        \
  {                                                                                                          \
    N_ ("cannot start a container that has stopped"), REFUSE_PLAIN                                           \
  }
#define START_NOT_CREATED                                                                                    \
  {                                                                                                          \
    N_ ("cannot start container %s: it is %s, not created"), REFUSE_ID_STATUS                                \
  }
#define KILL_STOPPED                                                                                         \
  {                                                                                                          \
    N_ ("container not running"), REFUSE_PLAIN                                                               \
  }
#define DELETE_NOT_STOPPED                                                                                   \
  {                                                                                                          \
    N_ ("cannot delete container %s that is not stopped: %s"), REFUSE_ID_STATUS                              \
  }
#define PAUSE_NOT_RUNNING                                                                                    \
  {                                                                                                          \
    N_ ("container %s is not running (it is %s)"), REFUSE_ID_STATUS                                          \
  }
#define RESUME_NOT_PAUSED                                                                                    \
  {                                                                                                          \
    N_ ("container %s is not paused (it is %s)"), REFUSE_ID_STATUS                                           \
  }
#define NOT_RUNNING                                                                                          \
  {                                                                                                          \
    N_ ("container %s is not running"), REFUSE_ID                                                            \
  }
#define EXEC_CREATING                                                                                        \
  {                                                                                                          \
    N_ ("container %s is still being created"), REFUSE_ID                                                    \
  }
#define EXEC_PAUSED                                                                                          \
  {                                                                                                          \
    N_ ("cannot exec in a paused container %s: resume it first, or pass --ignore-paused"), REFUSE_ID         \
  }
#define EXEC_STOPPED                                                                                         \
  {                                                                                                          \
    N_ ("cannot exec in a stopped container %s"), REFUSE_ID                                                  \
  }

/* Which action may act on a container in which status, the one place that
   says so. A created container may be paused, as runc allows; exec into a
   created one passes here but is refused by the kernel until start, unless
   the caller may ptrace the init (exec.c says so then). delete kills what
   is not stopped, and needs --force for what runs. As in runc, kill --all
   and ps of a stopped container act on what is left in its cgroup (an
   engine's shim runs kill --all on every stop). */
static const Refusal transitions[UCTR_N_ACTIONS][UCTR_STATUS_STOPPED + 1] = {
  /*                              creating            created            running            paused             stopped */
  [UCTR_ACTION_START] = { START_NOT_CREATED, ALLOWED, START_NOT_CREATED, START_NOT_CREATED, START_STOPPED },
  [UCTR_ACTION_KILL] = { ALLOWED, ALLOWED, ALLOWED, ALLOWED, KILL_STOPPED },
  [UCTR_ACTION_KILL_ALL] = { ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED },
  [UCTR_ACTION_DELETE] = { ALLOWED, ALLOWED, DELETE_NOT_STOPPED, DELETE_NOT_STOPPED, ALLOWED },
  [UCTR_ACTION_DELETE_FORCE] = { ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED },
  [UCTR_ACTION_PAUSE] = { PAUSE_NOT_RUNNING, ALLOWED, ALLOWED, PAUSE_NOT_RUNNING, PAUSE_NOT_RUNNING },
  [UCTR_ACTION_RESUME]
  = { RESUME_NOT_PAUSED, RESUME_NOT_PAUSED, RESUME_NOT_PAUSED, ALLOWED, RESUME_NOT_PAUSED },
  [UCTR_ACTION_UPDATE] = { ALLOWED, ALLOWED, ALLOWED, ALLOWED, NOT_RUNNING },
  [UCTR_ACTION_EXEC] = { EXEC_CREATING, ALLOWED, ALLOWED, EXEC_PAUSED, EXEC_STOPPED },
  [UCTR_ACTION_EXEC_IGNORE_PAUSED] = { EXEC_CREATING, ALLOWED, ALLOWED, ALLOWED, EXEC_STOPPED },
  [UCTR_ACTION_PS] = { ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED },
  [UCTR_ACTION_EVENTS] = { ALLOWED, ALLOWED, ALLOWED, ALLOWED, NOT_RUNNING },
};

gboolean
uctr_state_allows (UctrAction action, UctrStatus status, const char *id, GError **error)
{
  const Refusal *r;

  g_return_val_if_fail ((guint) action < UCTR_N_ACTIONS && (guint) status <= UCTR_STATUS_STOPPED, FALSE);
  r = &transitions[action][status];
  if (r->message == NULL)
    return TRUE;
  switch (r->args)
    {
    case REFUSE_ID:
      return uctr_throw (error, UCTR_ERROR_BAD_STATE, _(r->message), id);
    case REFUSE_ID_STATUS:
      return uctr_throw (error, UCTR_ERROR_BAD_STATE, _(r->message), id, uctr_status_name (status));
    case REFUSE_PLAIN:
    default:
      return uctr_throw (error, UCTR_ERROR_BAD_STATE, "%s", _(r->message));
    }
}

void
uctr_state_free (UctrState *state)
{
  if (state == NULL)
    return;
  g_free (state->id);
  g_free (state->bundle);
  g_free (state->rootfs);
  g_free (state->created);
  g_free (state->owner);
  g_clear_pointer (&state->annotations, g_hash_table_unref);
  g_strfreev (state->annotation_keys);
  g_free (state->cgroup_path);
  g_free (state->cgroup_unit);
  g_free (state->cgroup_note);
  g_clear_pointer (&state->cgroup_v1, g_ptr_array_unref);
  g_free (state->net_exit);
  g_free (state);
}

/* The state root. */

char *
uctr_state_root (const char *root_option, GError **error)
{
  const char *xdg = g_getenv ("XDG_RUNTIME_DIR");
  g_autofree char *root = NULL;
  g_autofree char *resolved = NULL;

  if (root_option != NULL && root_option[0] == '\0')
    {
      uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("--root: the path is empty"));
      return NULL;
    }
  /* As runc, real root does not follow XDG_RUNTIME_DIR: sudo may keep it
     from a user, who could then swap root's state under it. */
  if (geteuid () == 0 && !uctr_running_in_userns ())
    xdg = NULL;
  if (root_option != NULL)
    root = uctr_absolute_path (root_option);
  else if (xdg != NULL && xdg[0] != '\0')
    {
      g_autofree char *dir = g_build_filename (xdg, "uctr", NULL);
      root = uctr_absolute_path (dir);
    }
  else if (geteuid () == 0)
    root = g_strdup ("/run/uctr");
  else
    {
      uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                  _("XDG_RUNTIME_DIR is not set; pass --root DIR (for example --root /tmp/uctr-$(id -u))"));
      return NULL;
    }
  if (!uctr_trust_make_root (root, error))
    return NULL;
  /* Resolved once: every later use is of the directory checked here. */
  resolved = realpath (root, NULL);
  if (resolved == NULL)
    {
      uctr_throw_errno (error, _("Resolving the state directory %s"), root);
      return NULL;
    }
  if (!uctr_trust_check_root (resolved, error))
    return NULL;
  return g_steal_pointer (&resolved);
}

/* Container directories. */

static gboolean
id_char_ok (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '+' || c == '-' || c == '.';
}

/* As runc: letters, digits, '_', '+', '-', '.'; not "." or "..". */
gboolean
uctr_state_validate_id (const char *id, GError **error)
{
  gsize len = id != NULL ? strlen (id) : 0;
  gsize i;

  if (len == 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("the container id is empty"));
  if (len > ID_MAX)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("invalid container id: longer than %d bytes"), ID_MAX);
  for (i = 0; i < len; i++)
    if (!id_char_ok (id[i]))
      break;
  if (i < len || strcmp (id, ".") == 0 || strcmp (id, "..") == 0)
    {
      g_autofree char *shown = g_strescape (id, NULL);
      return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                         _("invalid container id \"%s\": use letters, digits, '_', '+', '-' and '.'"),
                            shown);
    }
  return TRUE;
}

/* <root>/<id>, a directory of ours (or an error that says whose it is). */
static int
open_container_dir (int root_fd, const char *id, GError **error)
{
  g_autofree char *path = uctr_trust_entry_path (root_fd, id);
  g_autoptr(GError) local = NULL;
  int fd = uctr_trust_openat (root_fd, id, path, O_RDONLY, S_IFDIR, UCTR_TRUST_PRIVATE, &local);

  if (fd >= 0)
    return fd;
  if (g_error_matches (local, UCTR_ERRNO_ERROR, ENOENT))
    uctr_throw (error, UCTR_ERROR_NOT_FOUND, _("container %s does not exist"), id);
  else
    {
      g_propagate_error (error, g_steal_pointer (&local));
      uctr_prefix_error (error, _("container %s"), id);
    }
  return -1;
}

/* ROOT, checked, for an entry ID that must be a valid id; -1 with ERROR. */
static int
open_root_for (const char *root, const char *id, GError **error)
{
  if (!uctr_state_validate_id (id, error))
    return -1;
  return uctr_trust_open_root (root, error);
}

int
uctr_state_create_dir (const char *root, const char *id, GError **error)
{
  uctr_autofd int root_fd = open_root_for (root, id, error);

  if (root_fd < 0)
    return -1;
  if (mkdirat (root_fd, id, 0700) < 0)
    {
      if (errno == EEXIST)
        uctr_throw (error, UCTR_ERROR_EXISTS, _("container %s already exists"), id);
      else
        uctr_throw_errno (error, _("Creating %s/%s"), root, id);
      return -1;
    }
  return open_container_dir (root_fd, id, error);
}

int
uctr_state_open_dir (const char *root, const char *id, GError **error)
{
  uctr_autofd int root_fd = open_root_for (root, id, error);

  return root_fd < 0 ? -1 : open_container_dir (root_fd, id, error);
}

int
uctr_state_open_file (int dfd, const char *name, int flags, GError **error)
{
  g_autofree char *path = uctr_trust_entry_path (dfd, name);

  return uctr_trust_openat (dfd, name, path, flags, S_IFREG, UCTR_TRUST_PRIVATE, error);
}

/* Writable by the container's other ids by design (see create.c): only its
   owner and kind are checked. */
int
uctr_state_open_exec_fifo (int dfd, GError **error)
{
  g_autofree char *path = uctr_trust_entry_path (dfd, "exec.fifo");

  /* For writing: start writes the byte the init waits for (create.c). */
  return uctr_trust_openat (dfd, "exec.fifo", path, O_WRONLY, S_IFIFO, UCTR_TRUST_SHARED, error);
}

gboolean
uctr_state_read_file (int dfd, const char *name, gsize max, char **contents, gsize *len, GError **error)
{
  return uctr_trust_read_entry (dfd, name, max, contents, len, error);
}

int
uctr_state_lock (int dfd, GError **error)
{
  uctr_autofd int fd = uctr_state_open_file (dfd, "lock", O_RDWR | O_CREAT, error);

  if (fd < 0)
    return -1;
  /* A process-associated lock, not flock: the container init is forked while
     create holds it and must not keep it (fork does not inherit these). */
  struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

  while (fcntl (fd, F_SETLKW, &fl) < 0)
    {
      if (errno == EINTR)
        continue;
      uctr_throw_errno (error, _("Locking the container"));
      return -1;
    }
  return uctr_steal_fd (&fd);
}

static int
unlink_entry (int dfd, const struct dirent *de)
{
  int r = unlinkat (dfd, de->d_name, de->d_type == DT_DIR ? AT_REMOVEDIR : 0);

  /* d_type may be DT_UNKNOWN on some file systems. */
  if (r < 0 && errno == EISDIR)
    r = unlinkat (dfd, de->d_name, AT_REMOVEDIR);
  if (r < 0 && errno == ENOENT)
    r = 0;
  return r;
}

/* Unlinks every entry of DFD (files, the fifo, sockets); a subdirectory only
   when empty: no recursion, so nothing mounted below is ever walked into. */
static gboolean
remove_entries (int dfd, const char *path, GError **error)
{
  int dup_fd = fcntl (dfd, F_DUPFD_CLOEXEC, 3);
  DIR *dir = dup_fd >= 0 ? fdopendir (dup_fd) : NULL;
  struct dirent *de;
  gboolean ok = TRUE;

  if (dir == NULL)
    {
      uctr_close_fdp (&dup_fd);
      return uctr_throw_errno (error, _("Reading %s"), path);
    }
  while (ok && (errno = 0, de = readdir (dir)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (unlink_entry (dfd, de) < 0)
        ok = uctr_throw_errno (error, _("Removing %s/%s"), path, de->d_name);
    }
  if (ok && errno != 0)
    ok = uctr_throw_errno (error, _("Reading %s"), path);
  closedir (dir);
  return ok;
}

gboolean
uctr_state_remove_dir (const char *root, const char *id, GError **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) local = NULL;
  uctr_autofd int root_fd = -1;
  uctr_autofd int dfd = -1;

  if (!uctr_state_validate_id (id, error))
    return FALSE;
  path = g_build_filename (root, id, NULL);
  root_fd = uctr_trust_open_root (root, &local);
  if (root_fd < 0 && g_error_matches (local, UCTR_ERRNO_ERROR, ENOENT))
    return TRUE;
  if (root_fd < 0)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  dfd = open_container_dir (root_fd, id, &local);
  if (g_error_matches (local, UCTR_ERROR, UCTR_ERROR_NOT_FOUND))
    return TRUE;
  if (dfd < 0)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  /* The one subdirectory with something in it (see notify.h). */
  (void) unlinkat (dfd, UCTR_NOTIFY_DIR "/notify.sock", 0);
  if (!remove_entries (dfd, path, error))
    return FALSE;
  if (unlinkat (root_fd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return uctr_throw_errno (error, _("Removing %s"), path);
  return TRUE;
}

/* state.json */

/* The keys of TABLE sorted bytewise, as Go prints a map; free with g_free. */
static const char **
sorted_keys (GHashTable *table, guint *n)
{
  const char **keys;

  *n = 0;
  if (table == NULL)
    return g_new0 (const char *, 1);
  keys = (const char **) g_hash_table_get_keys_as_array (table, n);
  qsort (keys, *n, sizeof (char *), uctr_compare_strs);
  return keys;
}

static void
add_string_member (json_object *obj, const char *name, const char *value)
{
  uctr_json_add_string (obj, name, value != NULL ? value : "");
}

static void
add_annotations (json_object *obj, GHashTable *annotations, const char *const *keys)
{
  g_autofree const char **sorted = NULL;
  json_object *map = json_object_new_object ();
  guint n, i;

  if (keys == NULL)
    keys = sorted = sorted_keys (annotations, &n);
  for (i = 0; keys[i] != NULL; i++)
    {
      const char *value = g_hash_table_lookup (annotations, keys[i]);
      if (value != NULL)
        add_string_member (map, keys[i], value);
    }
  uctr_json_add (obj, "annotations", map);
}

static gboolean
has_annotations (const UctrState *state)
{
  return state->annotations != NULL && g_hash_table_size (state->annotations) > 0;
}

gboolean
uctr_state_save (int dfd, const UctrState *state, GError **error)
{
  g_autoptr(json_object) root = json_object_new_object ();
  g_autoptr(GString) text = g_string_new (NULL);

  add_string_member (root, "id", state->id);
  uctr_json_add_int (root, "pid", state->pid);
  uctr_json_add_uint (root, "pid_start_time", state->pid_start_time);
  add_string_member (root, "bundle", state->bundle);
  add_string_member (root, "rootfs", state->rootfs);
  add_string_member (root, "created", state->created);
  add_string_member (root, "owner", state->owner);
  if (has_annotations (state))
    add_annotations (root, state->annotations, (const char *const *) state->annotation_keys);
  uctr_json_add_bool (root, "creating", state->creating);
  if (state->cgroup_path != NULL)
    add_string_member (root, "cgroup_path", state->cgroup_path);
  if (state->cgroup_unit != NULL)
    add_string_member (root, "cgroup_unit", state->cgroup_unit);
  if (state->cgroup_note != NULL)
    add_string_member (root, "cgroup_note", state->cgroup_note);
  if (state->cgroup_v1 != NULL && state->cgroup_v1->len > 0)
    uctr_json_add (root, "cgroup_v1", uctr_cgroup_v1_to_json (state->cgroup_v1));

  uctr_json_append_go (text, root, TRUE);
  g_string_append_c (text, '\n');
  if (!uctr_write_file_atomic_at (dfd, STATE_FILE, text->str, text->len, 0600, error))
    return uctr_prefix_error (error, _("container %s"), state->id);
  return TRUE;
}

/* init.pid: "PID START-TIME", beside state.json, so that delete --force
   can still stop the init when state.json is damaged. */
#define INIT_PID_FILE "init.pid"
#define NET_PID_FILE "net.pid"
#define NET_HELPER_GONE_MS 2000 /* it leaves within milliseconds of the init */

/* NAME in DFD: "PID START\n" */
static gboolean
save_pid_file (int dfd, const char *name, const char *id, pid_t pid, guint64 start, GError **error)
{
  g_autofree char *text = g_strdup_printf ("%d %" G_GUINT64_FORMAT "\n", (int) pid, start);

  if (!uctr_write_file_atomic_at (dfd, name, text, strlen (text), 0600, error))
    return uctr_prefix_error (error, _("container %s"), id);
  return TRUE;
}

static gboolean
load_pid_file (int dfd, const char *name, pid_t *pid_out, guint64 *start_out)
{
  g_autofree char *text = NULL;
  gint64 pid;
  guint64 start;
  char *end;

  if (!uctr_state_read_file (dfd, name, 64, &text, NULL, NULL))
    return FALSE;
  pid = g_ascii_strtoll (text, &end, 10);
  if (end == text || *end != ' ' || pid <= 0 || pid > G_MAXINT32)
    return FALSE;
  start = g_ascii_strtoull (end + 1, &end, 10);
  if (*end != '\n' || start == 0)
    return FALSE;
  *pid_out = (pid_t) pid;
  *start_out = start;
  return TRUE;
}

gboolean
uctr_state_save_init_pid (int dfd, const UctrState *state, GError **error)
{
  return save_pid_file (dfd, INIT_PID_FILE, state->id, state->pid, state->pid_start_time, error);
}

UctrState *
uctr_state_load_init_pid (int dfd, const char *id)
{
  g_autoptr(UctrState) state = g_new0 (UctrState, 1);

  if (!load_pid_file (dfd, INIT_PID_FILE, &state->pid, &state->pid_start_time))
    return NULL;
  state->id = g_strdup (id);
  return g_steal_pointer (&state);
}

gboolean
uctr_state_save_net_pid (int dfd, const char *id, pid_t pid, GError **error)
{
  guint64 start = uctr_proc_start_time (pid);

  if (start == 0)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("the network helper (pid %d) is gone"), (int) pid);
  return save_pid_file (dfd, NET_PID_FILE, id, pid, start, error);
}

gboolean
uctr_state_save_helper_pid (int dfd, const char *name, const char *id, pid_t pid, GError **error)
{
  guint64 start = uctr_proc_start_time (pid);

  if (start == 0)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("it (pid %d) has exited already"), (int) pid);
  return save_pid_file (dfd, name, id, pid, start, error);
}

gboolean
uctr_state_has_entry (int dfd, const char *name)
{
  struct stat st;

  return fstatat (dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int
uctr_state_open_helper_pidfd (int dfd, const char *name)
{
  UctrState helper = { 0 };

  if (!load_pid_file (dfd, name, &helper.pid, &helper.pid_start_time))
    {
      errno = ENOENT;
      return -1;
    }
  return uctr_state_open_pidfd (&helper);
}

/* Takes the lock of FD, waiting up to MS milliseconds. It looks again after
   0.2 ms, then less and less often, up to every 2 ms: the helper lets go
   within a millisecond of the init's exit, and nothing tells us at once
   (an inotify watch would: closing it costs an SRCU grace period, 15 ms). */
static gboolean
lock_within (int fd, int ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  gulong pause = 200;

  for (;;)
    {
      if (flock (fd, LOCK_EX | LOCK_NB) == 0)
        return TRUE;
      if (errno != EWOULDBLOCK && errno != EINTR)
        return TRUE; /* nothing to wait for that we can see */
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      g_usleep (pause);
      pause = MIN (pause * 3 / 2, 2000);
    }
}

void
uctr_state_end_net_helper (int dfd)
{
  uctr_autofd int lock = uctr_state_open_file (dfd, UCTR_NET_LOCK_FILE, O_RDONLY, NULL);
  uctr_autofd int pidfd = -1;

  if (lock < 0 || lock_within (lock, NET_HELPER_GONE_MS))
    return;
  pidfd = uctr_state_open_helper_pidfd (dfd, NET_PID_FILE);
  if (pidfd >= 0)
    (void) pidfd_send_signal (pidfd, SIGKILL, NULL, 0);
  (void) lock_within (lock, NET_HELPER_GONE_MS);
}

/* The container id for messages: the name of the directory DFD is open on. */
static char *
dir_id (int dfd)
{
  g_autofree char *path = uctr_trust_fd_path (dfd);

  return g_path_get_basename (path);
}

#define OWN_REQUIRED (UCTR_JSON_OWN | UCTR_JSON_REQUIRED)

static gboolean
get_annotations (json_object *obj, UctrState *state, GError **error)
{
  json_object *annotations = NULL;
  g_autoptr(GPtrArray) keys = NULL;

  if (!uctr_json_get_object (obj, "", "annotations", UCTR_JSON_OWN, &annotations, error))
    return FALSE;
  if (annotations == NULL)
    return TRUE;
  state->annotations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  keys = g_ptr_array_new ();
  json_object_object_foreach (annotations, name, value)
    {
      if (!json_object_is_type (value, json_type_string))
        return uctr_throw (error, UCTR_ERROR_FAILED, _("\"annotations.%s\" is not a string"), name);
      if (!g_hash_table_contains (state->annotations, name))
        g_ptr_array_add (keys, g_strdup (name));
      g_hash_table_replace (state->annotations, g_strdup (name), g_strdup (json_object_get_string (value)));
    }
  g_ptr_array_add (keys, NULL);
  state->annotation_keys = (char **) g_ptr_array_free (g_steal_pointer (&keys), FALSE);
  return TRUE;
}

static UctrState *
state_from_json (const char *text, gsize len, GError **error)
{
  g_autoptr(UctrState) state = g_new0 (UctrState, 1);
  g_autoptr(json_object) obj = NULL;
  guint64 pid = 0;

  if (!uctr_json_parse (text, len, UCTR_JSON_MAX_DEPTH, &obj, error))
    return NULL;
  if (!json_object_is_type (obj, json_type_object))
    {
      uctr_throw (error, UCTR_ERROR_FAILED, _("not a JSON object"));
      return NULL;
    }
  /* Absent, these read as "". */
  state->rootfs = g_strdup ("");
  state->created = g_strdup ("");
  state->owner = g_strdup ("");
  if (!uctr_json_dup_string (obj, "", "id", OWN_REQUIRED, &state->id, error)
      || !uctr_json_get_uint (obj, "", "pid", OWN_REQUIRED | UCTR_JSON_DECIMAL, G_MAXINT32, &pid, NULL, error)
      || !uctr_json_get_uint (obj, "", "pid_start_time", UCTR_JSON_OWN | UCTR_JSON_DECIMAL, G_MAXUINT64,
                              &state->pid_start_time, NULL, error)
      || !uctr_json_dup_string (obj, "", "bundle", OWN_REQUIRED, &state->bundle, error)
      || !uctr_json_dup_string (obj, "", "rootfs", UCTR_JSON_OWN, &state->rootfs, error)
      || !uctr_json_dup_string (obj, "", "created", UCTR_JSON_OWN, &state->created, error)
      || !uctr_json_dup_string (obj, "", "owner", UCTR_JSON_OWN, &state->owner, error)
      || !get_annotations (obj, state, error)
      || !uctr_json_dup_string (obj, "", "cgroup_path", UCTR_JSON_OWN, &state->cgroup_path, error)
      || !uctr_json_dup_string (obj, "", "cgroup_unit", UCTR_JSON_OWN, &state->cgroup_unit, error)
      || !uctr_json_dup_string (obj, "", "cgroup_note", UCTR_JSON_OWN, &state->cgroup_note, error)
      || (state->cgroup_v1 = uctr_cgroup_v1_from_json (uctr_json_member (obj, "cgroup_v1"), error)) == NULL
      || !uctr_json_get_bool (obj, "", "creating", UCTR_JSON_OWN, &state->creating, error))
    return NULL;
  if (state->cgroup_v1->len == 0)
    g_clear_pointer (&state->cgroup_v1, g_ptr_array_unref);
  state->pid = (pid_t) pid;
  return g_steal_pointer (&state);
}

UctrState *
uctr_state_load (int dfd, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *id = dir_id (dfd);
  g_autofree char *text = NULL;
  gsize len = 0;
  UctrState *state;

  if (!uctr_state_read_file (dfd, STATE_FILE, STATE_FILE_MAX, &text, &len, &local_error))
    {
      if (g_error_matches (local_error, UCTR_ERRNO_ERROR, ENOENT))
        uctr_throw (error, UCTR_ERROR_FAILED,
                    _("container %s: state.json is missing (a create was interrupted?); "
                      "\"uctr delete --force %s\" removes it"),
                       id, id);
      else
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          uctr_prefix_error (error, _("container %s"), id);
        }
      return NULL;
    }
  state = state_from_json (text, len, &local_error);
  if (state == NULL)
    uctr_throw (error, UCTR_ERROR_FAILED,
                _("container %s: state.json is corrupt: %s; \"uctr delete --force %s\" removes it"), id,
                   local_error->message, id);
  return state;
}

/* The live status. */

UctrStatus
uctr_state_status (int dfd, const UctrState *state)
{
  struct stat st;
  guint64 start_time;
  char proc_state;

  if (state->pid <= 0)
    return state->creating ? UCTR_STATUS_CREATING : UCTR_STATUS_STOPPED;
  start_time = uctr_proc_start_time (state->pid);
  if (start_time == 0 || start_time != state->pid_start_time)
    return UCTR_STATUS_STOPPED;
  proc_state = uctr_proc_state (state->pid);
  if (proc_state == '\0' || proc_state == 'Z' || proc_state == 'X')
    return UCTR_STATUS_STOPPED;
  if (state->creating)
    return UCTR_STATUS_CREATING;
  if (uctr_container_cgroup_frozen (state))
    return UCTR_STATUS_PAUSED;
  if (fstatat (dfd, "exec.fifo", &st, AT_SYMLINK_NOFOLLOW) == 0)
    return UCTR_STATUS_CREATED;
  return UCTR_STATUS_RUNNING;
}

/* The OCI state, as runc prints it. */

json_object *
uctr_state_to_json_node (const UctrState *state, UctrStatus status)
{
  json_object *obj = json_object_new_object ();

  add_string_member (obj, "ociVersion", UCTR_OCI_VERSION);
  add_string_member (obj, "id", state->id);
  uctr_json_add_int (obj, "pid", status == UCTR_STATUS_STOPPED ? 0 : state->pid);
  add_string_member (obj, "status", uctr_status_name (status));
  add_string_member (obj, "bundle", state->bundle);
  add_string_member (obj, "rootfs", state->rootfs);
  add_string_member (obj, "created", state->created);
  /* runc (Go, encoding/json) prints annotations before owner, keys sorted. */
  if (has_annotations (state))
    add_annotations (obj, state->annotations, NULL);
  add_string_member (obj, "owner", state->owner);
  if (state->net_exit != NULL)
    {
      g_autofree char *how = uctr_net_exit_describe (state->net_exit, FALSE);
      g_autofree char *text = g_strconcat ("exited: ", how, NULL);

      add_string_member (obj, "networkHelper", text);
    }
  return obj;
}

char *
uctr_state_to_json (const UctrState *state, UctrStatus status, gboolean pretty)
{
  g_autoptr(json_object) node = uctr_state_to_json_node (state, status);

  return uctr_json_to_string (node, pretty);
}

/* Listing. */

char **
uctr_state_list_ids (const char *root, GError **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local = NULL;
  uctr_autofd int fd = uctr_trust_open_root (root, &local);
  DIR *dir;
  struct dirent *de;

  if (fd < 0 && g_error_matches (local, UCTR_ERRNO_ERROR, ENOENT))
    return g_new0 (char *, 1);
  if (fd < 0)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if ((dir = fdopendir (fd)) == NULL)
    {
      uctr_throw_errno (error, _("Reading the state directory %s"), root);
      return NULL;
    }
  fd = -1; /* the DIR owns it now */
  while ((errno = 0, de = readdir (dir)) != NULL)
    if (uctr_state_validate_id (de->d_name, NULL) && uctr_dirent_is_dir (dirfd (dir), de))
      g_ptr_array_add (ids, g_strdup (de->d_name));
  if (errno != 0)
    {
      uctr_throw_errno (error, _("Reading the state directory %s"), root);
      closedir (dir);
      return NULL;
    }
  closedir (dir);
  g_ptr_array_sort (ids, uctr_compare_strs);
  g_ptr_array_add (ids, NULL);
  g_ptr_array_set_free_func (ids, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&ids), FALSE);
}

int
uctr_state_open_pidfd (const UctrState *state)
{
  uctr_autofd int fd = -1;

  if (state->pid <= 0)
    {
      errno = ESRCH;
      return -1;
    }
  fd = pidfd_open (state->pid, 0);
  if (fd < 0)
    return -1;
  /* Checked after opening: if the pid was reused before the open, the start
     time differs now; once open, the pidfd cannot follow a reuse. */
  if (uctr_proc_start_time (state->pid) != state->pid_start_time)
    {
      errno = ESRCH;
      return -1;
    }
  return uctr_steal_fd (&fd);
}
