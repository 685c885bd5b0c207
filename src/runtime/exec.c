/* uctr: exec, the parent side. A child joins the container's namespaces
   (user first) and clones the process-to-be into its pid namespace, as our
   child (CLONE_PARENT); see init.c for that side. We hand the process the
   go-ahead, collect its pty, and return once it has reached execve. */
#include "runtime/exec.h"
#include "cgroup/cgroup.h"
#include "cgroup/v1.h"
#include "runtime/console.h"
#include "init/init.h"
#include "runtime/sync.h"
#include "plan/plan.h"
#include "runtime/describe.h"
#include "plan/seccomp.h"
#include "base/util.h"
#include "net/handoverclient.h"

#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct
{
  const UctrLoaded *loaded;
  const UctrExecOptions *opts;
  UctrPlan *plan;
  int sock;
  pid_t stage1;
  pid_t pid;
  int console_fd;
} Exec;

static gboolean
check_status (const UctrLoaded *loaded, UctrStatus status, const UctrExecOptions *opts, GError **error)
{
  return uctr_state_allows (opts->ignore_paused ? UCTR_ACTION_EXEC_IGNORE_PAUSED : UCTR_ACTION_EXEC, status,
                            loaded->state->id, error);
}

/* Until start, the init is uctr itself, holding fds of the host: it stays
   closed (not dumpable), its namespaces included, to everyone but a caller
   with CAP_SYS_PTRACE on the host (root, as runc's tests exec before start). */
static gboolean
created_refusal (const UctrLoaded *loaded, UctrStatus status, GError **error)
{
  if (status != UCTR_STATUS_CREATED
      || !(g_error_matches (*error, UCTR_ERRNO_ERROR, EACCES)
           || g_error_matches (*error, UCTR_ERRNO_ERROR, EPERM)))
    return FALSE;
  g_clear_error (error);
  return uctr_throw (error, UCTR_ERROR_BAD_STATE,
                     _("cannot exec in container %s before it is started: run uctr start %s first"),
                        loaded->state->id, loaded->state->id);
}

static gboolean
fork_stage1 (Exec *e, GError **error)
{
  e->stage1 = uctr_sync_fork_stage1 (e->plan, &e->sock, NULL, error);
  return e->stage1 > 0;
}

/* SCMP_ACT_NOTIFY: the new process's listener goes to the seccomp agent, as
   the init's did, with the container's state. */
static gboolean
send_listener (Exec *e, int fd, GError **error)
{
  g_autofree char *state = uctr_state_to_json (e->loaded->state, UCTR_STATUS_RUNNING, FALSE);
  gboolean ok;

  if (fd < 0)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("linux.seccomp: the process sent no listener fd"));
  ok = uctr_seccomp_send_listener (e->plan->seccomp, fd, e->pid, state, error);
  close (fd);
  return ok;
}

/* The container's helper runs a handover supervisor (outbound_tcp= or
   publish_tcp=handover): the new process's calls go to it too. */
static char *
handover_socket (Exec *e)
{
  g_autofree char *path = g_build_filename (e->opts->root, e->loaded->state->id, UCTR_HANDOVER_SOCKET, NULL);
  struct stat st;

  return lstat (path, &st) == 0 && S_ISSOCK (st.st_mode) ? g_steal_pointer (&path) : NULL;
}

G_STATIC_ASSERT (UCTR_HANDOVER_SAYS_CONNECT == UCTR_HANDOVER_CONNECT);
G_STATIC_ASSERT (UCTR_HANDOVER_SAYS_BIND == UCTR_HANDOVER_BIND);

static gboolean
plan_handover (Exec *e, GError **error)
{
  g_autofree char *path = handover_socket (e);
  unsigned calls = 0;

  if (path == NULL)
    return TRUE;
  if (!uctr_handover_query (path, &calls, error))
    return uctr_prefix_error (error, _("--network slirp: the handover"));
  e->plan->net_handover = g_new0 (UctrHandoverFilter, 1);
  uctr_handover_filter_build (e->plan->net_handover, seccomp_arch_native (), calls);
  return TRUE;
}

static gboolean
send_handover (Exec *e, int fd, GError **error)
{
  g_autofree char *path = handover_socket (e);
  gboolean ok;

  if (path == NULL)
    ok = uctr_throw (error, UCTR_ERROR_BAD_STATE, _("the container's network helper has stopped"));
  else
    ok = uctr_handover_send (path, fd, error);
  close (fd);
  if (!ok)
    return uctr_prefix_error (error, _("--network slirp: the handover"));
  return TRUE;
}

/* Records until WANT; an error record becomes the error, naming the step. */
static gboolean
expect (Exec *e, UctrSyncType want, UctrSyncMsg *out, GError **error)
{
  for (;;)
    {
      UctrSyncMsg m;
      int fd = -1;

      if (!uctr_sync_recv (e->sock, &m, &fd, error))
        return uctr_prefix_error (error, "exec");
      if (m.type == UCTR_SYNC_ERROR)
        return uctr_init_error_describe (e->loaded->config, e->plan, &m, error);
      if (m.type == UCTR_SYNC_WARNING)
        g_ptr_array_add (e->opts->warnings, uctr_init_warning_describe (e->loaded->config, e->plan, &m));
      else if (m.type == UCTR_SYNC_CONSOLE)
        e->console_fd = fd;
      else if (m.type == UCTR_SYNC_SECCOMP)
        {
          if (!send_listener (e, fd, error))
            return FALSE;
        }
      else if (m.type == UCTR_SYNC_HANDOVER)
        {
          if (!send_handover (e, fd, error))
            return FALSE;
        }
      else if (m.type == want)
        {
          if (out != NULL)
            *out = m;
          return TRUE;
        }
      else if (fd >= 0)
        close (fd);
    }
}

static gboolean
get_pid (Exec *e, GError **error)
{
  UctrSyncMsg m;

  if (!expect (e, UCTR_SYNC_PID, &m, error))
    return FALSE;
  (void) TEMP_FAILURE_RETRY (waitpid (e->stage1, NULL, 0));
  e->stage1 = 0;
  e->pid = (pid_t) m.value;
  return TRUE;
}

/* The cgroup the process goes to: the container's, or --cgroup's below it,
   which must exist (runc's rule: exec does not create cgroups). */
static char *
target_cgroup (const UctrState *state, const char *sub, GError **error)
{
  g_autofree char *path = NULL;

  if (sub == NULL)
    return g_strdup (state->cgroup_path);
  if (state->cgroup_path == NULL)
    return uctr_throw (error, UCTR_ERROR_BAD_STATE,
                       _("--cgroup: container %s has no cgroup of its own%s%s"), state->id,
                          state->cgroup_note != NULL ? ": " : "",
                          state->cgroup_note != NULL ? state->cgroup_note : ""),
                       NULL;
  path = g_build_filename (state->cgroup_path, sub, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return uctr_throw (error, UCTR_ERROR_NOT_FOUND,
                       _("--cgroup: %s does not exist below the container's cgroup %s (exec creates none)"),
                          sub, state->cgroup_path),
                       NULL;
  return g_steal_pointer (&path);
}

static gboolean
in_cgroup (const char *path, pid_t pid)
{
  g_autofree char *why = NULL;
  g_autofree char *mount = uctr_cgroup_v2_mount (&why);
  g_autofree char *dir = mount != NULL ? uctr_cgroup_dir_of (mount, pid) : NULL;

  return dir != NULL && g_strcmp0 (dir, path) == 0;
}

/* Where the kernel could not clone it into the container's cgroup (before
   5.7), move it there, before it runs anything of its own. A cgroup we may
   not write is not fatal, as with rootless runc: a warning. */
static void
join_cgroup (Exec *e, const char *path)
{
  g_autofree char *procs = NULL;
  g_autofree char *pid = NULL;
  g_autoptr(GError) local = NULL;

  if (path == NULL || in_cgroup (path, e->pid))
    return;
  procs = g_build_filename (path, "cgroup.procs", NULL);
  pid = g_strdup_printf ("%d", (int) e->pid);
  if (!uctr_write_file_at (AT_FDCWD, procs, pid, strlen (pid), &local))
    g_ptr_array_add (e->opts->warnings,
                     g_strdup_printf (_("the process stays out of the container's cgroup: %s"),
                                         local->message));
}

static gboolean
hand_over_console (Exec *e, GError **error)
{
  gboolean ok;

  if (e->console_fd < 0 || e->opts->console_socket == NULL)
    return TRUE;
  ok = uctr_console_send (e->opts->console_socket, e->console_fd, error);
  close (e->console_fd);
  e->console_fd = -1;
  return ok;
}

static gboolean
run_exec (Exec *e, int init_pidfd, GError **error)
{
  const UctrState *state = e->loaded->state;
  g_autofree char *cgroup = target_cgroup (state, e->opts->sub_cgroup, error);

  if (cgroup == NULL && e->opts->sub_cgroup != NULL)
    return FALSE;
  e->plan = uctr_plan_new_exec (e->loaded->config, e->opts->process, state->pid, init_pidfd, cgroup,
                                e->opts->preserve_fds, e->opts->root, e->opts->warnings, error);
  if (e->plan == NULL)
    return FALSE;
  if (!plan_handover (e, error))
    return FALSE;
  if (!fork_stage1 (e, error) || !get_pid (e, error))
    return FALSE;
  join_cgroup (e, cgroup);
  if (state->cgroup_v1 != NULL && !uctr_cgroup_v1_enter (state->cgroup_v1, e->pid, error))
    return FALSE;
  return uctr_sync_send (e->sock, UCTR_SYNC_GO, NULL, 0, error) && expect (e, UCTR_SYNC_READY, NULL, error)
         && (e->opts->pid_file == NULL || uctr_write_pid_file (e->opts->pid_file, e->pid, error))
         && hand_over_console (e, error);
}

static void
abandon (Exec *e)
{
  if (e->stage1 > 0)
    {
      (void) kill (e->stage1, SIGKILL);
      (void) TEMP_FAILURE_RETRY (waitpid (e->stage1, NULL, 0));
    }
  if (e->pid > 0)
    {
      (void) kill (e->pid, SIGKILL);
      (void) TEMP_FAILURE_RETRY (waitpid (e->pid, NULL, 0));
    }
  if (e->console_fd >= 0)
    close (e->console_fd);
}

gboolean
uctr_container_exec (const UctrLoaded *loaded, UctrStatus status, const UctrExecOptions *opts,
                     UctrExecuted *out, GError **error)
{
  Exec e = { .loaded = loaded, .opts = opts, .sock = -1, .console_fd = -1 };
  uctr_autofd int init_pidfd = -1;
  gboolean ok;

  if (!check_status (loaded, status, opts, error))
    return FALSE;
  /* Before we open anything. */
  uctr_reserve_preserved_fds (opts->preserve_fds);
  init_pidfd = uctr_state_open_pidfd (loaded->state);
  if (init_pidfd < 0)
    return uctr_throw (error, UCTR_ERROR_BAD_STATE,
                       _("cannot exec in a stopped container %s"), loaded->state->id);
  ok = run_exec (&e, init_pidfd, error);
  if (!ok && e.plan == NULL)
    (void) created_refusal (loaded, status, error);
  if (ok)
    {
      out->pid = e.pid;
      out->console_fd = e.console_fd;
    }
  else
    abandon (&e);
  if (e.sock >= 0)
    close (e.sock);
  uctr_plan_free (e.plan);
  return ok;
}
