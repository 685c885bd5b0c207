/* uctr: start, kill and delete of an existing container. */
#include "runtime/lifecycle.h"
#include "runtime/hooks.h"
#include "runtime/logs.h"
#include "runtime/imageroot.h"
#include "cgroup/cgroup.h"
#include "runtime/cgroups.h"
#include "net/netexit.h"
#include "cgroup/systemd.h"
#include "base/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>

#define CONFIG_MAX (16 * 1024 * 1024)
/* How long systemd may take to notice a scope has emptied. */
#define SCOPE_GONE_MS 2000

UctrState *
uctr_container_lookup (const char *root, const char *id, UctrStatus *status, GError **error)
{
  uctr_autofd int dfd = -1;
  UctrState *state;

  if (!uctr_state_validate_id (id, error))
    return NULL;
  dfd = uctr_state_open_dir (root, id, error);
  if (dfd < 0)
    return NULL;
  state = uctr_state_load (dfd, error);
  if (state != NULL)
    state->net_exit = uctr_net_exit_load (dfd);
  if (state != NULL && status != NULL)
    *status = uctr_state_status (dfd, state);
  return state;
}

static UctrConfig *
load_saved_config (int dfd, GError **error)
{
  g_autofree char *json = NULL;
  gsize len;

  if (!uctr_state_read_file (dfd, "config.json", CONFIG_MAX, &json, &len, error))
    return NULL;
  return uctr_config_parse (json, len, error);
}

gboolean
uctr_container_load (const char *root, const char *id, UctrLoaded *out, UctrStatus *status, GError **error)
{
  uctr_autofd int dfd = -1;
  g_autoptr(UctrState) state = NULL;

  if (!uctr_state_validate_id (id, error))
    return FALSE;
  dfd = uctr_state_open_dir (root, id, error);
  if (dfd < 0 || (state = uctr_state_load (dfd, error)) == NULL)
    return FALSE;
  out->config = load_saved_config (dfd, error);
  if (out->config == NULL)
    return uctr_prefix_error (error, _("container %s"), id);
  if (status != NULL)
    *status = uctr_state_status (dfd, state);
  out->state = g_steal_pointer (&state);
  return TRUE;
}

static void
warn (GPtrArray *warnings, GError *error)
{
  if (warnings != NULL)
    g_ptr_array_add (warnings, g_strdup (error->message));
}

/* The init blocks reading exec.fifo: one byte written there releases it; it
   runs startContainer hooks and execs, which closes its end, the fifo's
   only reader. An open for writing fails (ENXIO) when nobody reads it. */
static gboolean
release_init (int dfd, const UctrState *state, GError **error)
{
  uctr_autofd int pidfd = uctr_state_open_pidfd (state);
  uctr_autofd int fifo = -1;
  struct pollfd p[2];
  int unread = 0;

  if (pidfd < 0)
    return uctr_throw (error, UCTR_ERROR_BAD_STATE, _("container %s: its init has exited"), state->id);
  fifo = uctr_state_open_exec_fifo (dfd, error);
  /* ENXIO: nobody reads it any more, the init has gone (or is going). */
  p[1] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
  if (fifo < 0 && poll (&p[1], 1, 1000) > 0)
    {
      g_clear_error (error);
      return uctr_throw (error, UCTR_ERROR_BAD_STATE,
                         _("container %s: its init exited before start"), state->id);
    }
  if (fifo < 0)
    return uctr_prefix_error (error, _("container %s"), state->id);
  if (unlinkat (dfd, "exec.fifo", 0) < 0)
    return uctr_throw_errno (error, _("Removing exec.fifo"));
  if (TEMP_FAILURE_RETRY (write (fifo, "0", 1)) != 1)
    return uctr_throw_errno (error, _("Writing to exec.fifo"));
  /* No events asked for: POLLERR comes when the last reader has gone. */
  p[0] = (struct pollfd){ .fd = fifo, .events = 0 };
  p[1] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
  while (!(p[0].revents & (POLLERR | POLLHUP)) && !(p[1].revents & POLLIN))
    if (poll (p, 2, -1) < 0 && errno != EINTR)
      return uctr_throw_errno (error, _("Waiting for the container init"));
  /* Gone without taking the byte: it died before start could release it. */
  if (ioctl (fifo, FIONREAD, &unread) == 0 && unread > 0)
    return uctr_throw (error, UCTR_ERROR_BAD_STATE,
                       _("container %s: its init exited before start"), state->id);
  return TRUE;
}

/* The state dir of ID, locked against other uctr calls on it. */
static gboolean
open_locked (const char *root, const char *id, int *dfd, int *lock, GError **error)
{
  if (!uctr_state_validate_id (id, error))
    return FALSE;
  *dfd = uctr_state_open_dir (root, id, error);
  if (*dfd < 0)
    return FALSE;
  *lock = uctr_state_lock (*dfd, error);
  return *lock >= 0;
}

UctrState *
uctr_container_open_locked (const char *root, const char *id, int *dfd, int *lock, GError **error)
{
  if (!open_locked (root, id, dfd, lock, error))
    return NULL;
  return uctr_state_load (*dfd, error);
}

/* What start and delete act on: the state dir of a container, locked, and
   the state and config that run lends them (UctrLoaded) or that they read. */
typedef struct
{
  int dfd;
  int lock;
  const UctrState *state;
  UctrState *own_state;
  UctrConfig *own_config;
} Locked;

static void
locked_clear (Locked *l)
{
  uctr_close_fdp (&l->lock);
  uctr_close_fdp (&l->dfd);
  g_clear_pointer (&l->own_state, uctr_state_free);
  g_clear_pointer (&l->own_config, uctr_config_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Locked, locked_clear)

/* The preamble of start and delete: opens and locks the state dir of ID
   (L->lock stays -1 when that fails), then takes the state LOADED lends,
   or loads state.json. */
static gboolean
lock_and_load (const char *root, const char *id, const UctrLoaded *loaded, Locked *l, GError **error)
{
  if (!open_locked (root, id, &l->dfd, &l->lock, error))
    return FALSE;
  l->state = loaded != NULL ? loaded->state : (l->own_state = uctr_state_load (l->dfd, error));
  return l->state != NULL;
}

/* The config LOADED lends, or the config.json create saved. */
static const UctrConfig *
locked_config (Locked *l, const UctrLoaded *loaded, GError **error)
{
  if (loaded != NULL)
    return loaded->config;
  l->own_config = load_saved_config (l->dfd, error);
  return l->own_config;
}

static void kill_and_wait (const UctrState *state);

gboolean
uctr_container_start (const char *root, const char *id, const UctrLoaded *loaded, GPtrArray *warnings,
                      GError **error)
{
  g_auto(Locked) l = { .dfd = -1, .lock = -1 };
  g_autofree char *json = NULL;
  const UctrConfig *config;

  if (!lock_and_load (root, id, loaded, &l, error)
      || !uctr_state_allows (UCTR_ACTION_START, uctr_state_status (l.dfd, l.state), id, error))
    return FALSE;
  config = locked_config (&l, loaded, error);
  if (config == NULL || !release_init (l.dfd, l.state, error))
    return FALSE;
  json = uctr_state_to_json (l.state, UCTR_STATUS_RUNNING, FALSE);
  /* As the runtime spec says (and runc 1.2 does): a failing poststart hook
     is an error and stops the container; delete follows, as after any stop. */
  if (!uctr_hooks_run (config, UCTR_HOOK_POSTSTART, json, error))
    {
      kill_and_wait (l.state);
      return FALSE;
    }
  return TRUE;
}

int
uctr_signal_from_name (const char *name)
{
  static const struct
  {
    const char *name;
    int sig;
  } names[] = {
    { "HUP", SIGHUP },       { "INT", SIGINT },   { "QUIT", SIGQUIT },     { "ILL", SIGILL },
    { "TRAP", SIGTRAP },     { "ABRT", SIGABRT }, { "IOT", SIGIOT },       { "BUS", SIGBUS },
    { "FPE", SIGFPE },       { "KILL", SIGKILL }, { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
    { "USR2", SIGUSR2 },     { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },     { "TERM", SIGTERM },
    { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },     { "STOP", SIGSTOP },
    { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },     { "URG", SIGURG },
    { "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
    { "WINCH", SIGWINCH },   { "IO", SIGIO },     { "POLL", SIGPOLL },     { "PWR", SIGPWR },
    { "SYS", SIGSYS },
  };
  const char *n = name;
  char *end;
  gsize i;
  gint64 v;

  if (g_ascii_isdigit (*name))
    {
      v = g_ascii_strtoll (name, &end, 10);
      return (*end == '\0' && v >= 0 && v < _NSIG) ? (int) v : -1;
    }
  if (g_ascii_strncasecmp (n, "SIG", 3) == 0)
    n += 3;
  for (i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (n, names[i].name) == 0)
      return names[i].sig;
  if (g_ascii_strncasecmp (n, "RTMIN+", 6) == 0 || g_ascii_strncasecmp (n, "RTMAX-", 6) == 0)
    {
      v = g_ascii_strtoll (n + 6, &end, 10);
      if (*end == '\0' && v >= 0 && SIGRTMIN + v <= SIGRTMAX)
        return g_ascii_strncasecmp (n, "RTMIN+", 6) == 0 ? SIGRTMIN + (int) v : SIGRTMAX - (int) v;
    }
  if (g_ascii_strcasecmp (n, "RTMIN") == 0)
    return SIGRTMIN;
  if (g_ascii_strcasecmp (n, "RTMAX") == 0)
    return SIGRTMAX;
  return -1;
}

static gboolean
same_pid_ns (pid_t pid, const struct stat *ns)
{
  char path[64];
  struct stat st;

  g_snprintf (path, sizeof path, "/proc/%d/ns/pid", (int) pid);
  return stat (path, &st) == 0 && st.st_ino == ns->st_ino && st.st_dev == ns->st_dev;
}

/* Everything in the pid namespace of the init, when it has one of its own. */
static void
add_namespace_pids (const UctrState *state, GArray *pids)
{
  char path[64];
  struct stat ns, host;
  DIR *d;
  struct dirent *e;

  g_snprintf (path, sizeof path, "/proc/%d/ns/pid", (int) state->pid);
  if (stat (path, &ns) < 0 || stat ("/proc/self/ns/pid", &host) < 0 || ns.st_ino == host.st_ino)
    return;
  d = opendir ("/proc");
  if (d == NULL)
    return;
  while ((e = readdir (d)) != NULL)
    {
      pid_t pid = (pid_t) g_ascii_strtoll (e->d_name, NULL, 10);
      if (pid > 0 && pid != state->pid && same_pid_ns (pid, &ns))
        g_array_append_val (pids, pid);
    }
  closedir (d);
}

static gboolean
has_cgroup (const UctrState *state)
{
  return uctr_container_cgroup_exists (state);
}

GArray *
uctr_container_pids (const UctrState *state)
{
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (pid_t));
  g_autoptr(GArray) in_cgroup = NULL;
  guint i;

  g_array_append_val (pids, state->pid);
  if (!has_cgroup (state))
    {
      add_namespace_pids (state, pids);
      return pids;
    }
  in_cgroup = uctr_container_cgroup_pids (state);
  for (i = 0; i < in_cgroup->len; i++)
    if (g_array_index (in_cgroup, pid_t, i) != state->pid)
      g_array_append_val (pids, g_array_index (in_cgroup, pid_t, i));
  return pids;
}

/* What is left of a stopped container: its init is gone (its pid may be
   another process's by now), and its pid namespace with it; a container
   without one may leave processes in its cgroup. */
GArray *
uctr_container_leftover_pids (const UctrState *state)
{
  return uctr_container_cgroup_pids (state);
}

static gboolean
signal_leftovers (const UctrState *state, int sig)
{
  g_autoptr(GArray) pids = uctr_container_leftover_pids (state);
  guint i;

  for (i = 0; i < pids->len; i++)
    (void) kill (g_array_index (pids, pid_t, i), sig);
  return TRUE;
}

static gboolean
signal_container (const UctrState *state, int sig, gboolean all, GError **error)
{
  uctr_autofd int pidfd = uctr_state_open_pidfd (state);
  g_autoptr(GArray) pids = NULL;
  guint i;

  if (pidfd < 0)
    return uctr_throw (error, UCTR_ERROR_BAD_STATE, _("container not running"));
  /* One write kills the whole tree, with nothing able to fork away meanwhile. */
  if (all && sig == SIGKILL && has_cgroup (state))
    return uctr_container_cgroup_signal (state, SIGKILL, error);
  if (pidfd_send_signal (pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
    return uctr_throw_errno (error, _("Sending signal %d to the container"), sig);
  if (!all)
    return TRUE;
  pids = uctr_container_pids (state);
  for (i = 1; i < pids->len; i++)
    (void) kill (g_array_index (pids, pid_t, i), sig);
  return TRUE;
}

gboolean
uctr_container_kill (const char *root, const char *id, int sig, gboolean all, GError **error)
{
  g_autoptr(UctrState) state = NULL;
  UctrStatus status;

  state = uctr_container_lookup (root, id, &status, error);
  if (state == NULL)
    return FALSE;
  if (!uctr_state_allows (all ? UCTR_ACTION_KILL_ALL : UCTR_ACTION_KILL, status, id, error))
    return FALSE;
  if (status == UCTR_STATUS_STOPPED)
    return signal_leftovers (state, sig);
  return signal_container (state, sig, all, error);
}

/* SIGKILL to everything, then wait until the init is really gone. */
static void
kill_and_wait (const UctrState *state)
{
  uctr_autofd int pidfd = uctr_state_open_pidfd (state);
  g_autoptr(GArray) pids = NULL;
  struct pollfd p;
  guint i;

  if (pidfd < 0)
    return;
  if (has_cgroup (state))
    {
      /* A paused container dies too: thawed after the signal (a task the
         v1 freezer holds dies only then). */
      (void) uctr_container_cgroup_signal (state, SIGKILL, NULL);
      uctr_container_cgroup_thaw (state);
    }
  pids = uctr_container_pids (state);
  (void) pidfd_send_signal (pidfd, SIGKILL, NULL, 0);
  for (i = 1; i < pids->len; i++)
    (void) kill (g_array_index (pids, pid_t, i), SIGKILL);
  p = (struct pollfd){ .fd = pidfd, .events = POLLIN };
  (void) poll (&p, 1, 10000);
  /* Our own child (run) is reaped by the caller; give a zombie a moment. */
}

/* The container's cgroup goes with it; what a container without a pid
   namespace of its own left running there goes first.  A systemd scope's
   cgroup is systemd's to remove: it stops an emptied scope by itself (and
   loses track of one whose cgroup vanishes under it), so delete needs no
   bus in the usual case and asks systemd only when the scope stays. */
static void
remove_cgroup (const UctrState *state, GPtrArray *warnings)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GArray) left = NULL;

  if (!has_cgroup (state))
    return;
  left = uctr_container_cgroup_pids (state);
  if (left->len > 0)
    (void) uctr_container_cgroup_signal (state, SIGKILL, NULL);
  uctr_container_cgroup_thaw (state);
  if (!uctr_container_cgroup_remove_v1 (state, &local))
    warn (warnings, local);
  g_clear_error (&local);
  if (state->cgroup_path == NULL)
    return;
  if (state->cgroup_unit != NULL)
    {
      if (uctr_cgroup_wait_gone (state->cgroup_path, SCOPE_GONE_MS))
        return;
      /* Still there: ask systemd; with none to ask, it is ours to remove. */
      if (uctr_systemd_stop_unit (state->cgroup_unit, uctr_cgroup_as_root (), NULL)
          && uctr_cgroup_wait_gone (state->cgroup_path, SCOPE_GONE_MS))
        return;
    }
  if (!uctr_cgroup_remove (state->cgroup_path, &local))
    warn (warnings, local);
}

/* delete --force of a container whose state.json is unreadable: the init's
   pid, kept apart from state.json for this, says what to kill. */
static gboolean
delete_damaged (const char *root, const char *id, int dfd, GError **error)
{
  g_autoptr(UctrState) init = uctr_state_load_init_pid (dfd, id);

  if (init != NULL && uctr_state_status (dfd, init) != UCTR_STATUS_STOPPED)
    kill_and_wait (init);
  uctr_state_end_net_helper (dfd);
  uctr_log_end (dfd);
  return uctr_state_remove_dir (root, id, error);
}

gboolean
uctr_container_delete (const char *root, const char *id, gboolean force, const UctrLoaded *loaded,
                       GPtrArray *warnings, GError **error)
{
  g_auto(Locked) l = { .dfd = -1, .lock = -1 };
  g_autoptr(GError) local = NULL;
  g_autofree char *json = NULL;
  const UctrConfig *config;
  UctrStatus status;

  if (!lock_and_load (root, id, loaded, &l, &local))
    {
      /* As runc: --force of a container that is not there is done already
         (containerd's shim deletes again after a failed start). */
      if (l.lock < 0 && force && g_error_matches (local, UCTR_ERROR, UCTR_ERROR_NOT_FOUND))
        return TRUE;
      if (l.lock < 0 || !force)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      warn (warnings, local);
      return delete_damaged (root, id, l.dfd, error);
    }
  status = uctr_state_status (l.dfd, l.state);
  if (!uctr_state_allows (force ? UCTR_ACTION_DELETE_FORCE : UCTR_ACTION_DELETE, status, id, error))
    return FALSE;
  if (status != UCTR_STATUS_STOPPED)
    kill_and_wait (l.state);
  config = locked_config (&l, loaded, &local);
  if (config != NULL)
    {
      json = uctr_state_to_json (l.state, UCTR_STATUS_STOPPED, FALSE);
      if (!uctr_hooks_run (config, UCTR_HOOK_POSTSTOP, json, &local))
        warn (warnings, local);
    }
  else if (local != NULL)
    warn (warnings, local);
  remove_cgroup (l.state, warnings);
  uctr_state_end_net_helper (l.dfd);
  uctr_log_end (l.dfd);
  if (config != NULL)
    uctr_image_root_remove (config, id, warnings);
  return uctr_state_remove_dir (root, id, error);
}
