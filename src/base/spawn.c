/* uctr: starting a helper that outlives us (see spawn.h). It is forked
   twice so that it is nobody's child but init's (or a subreaper's): the
   caller may exit at once, and never has a zombie to reap. */
#include "base/spawn.h"
#include "base/util.h"

#include <fcntl.h>
#include <sys/wait.h>

/* Above every target fd, so that moving one never clobbers another. */
#define SPAWN_HIGH_FD (3 + UCTR_SPAWN_MAX_FDS + 8)

/* In the grandchild, after fork: system calls only. */
static void G_GNUC_NORETURN
exec_detached (int self, char **argv, const int *fds, int n_fds, const int *stdio)
{
  int high[UCTR_SPAWN_MAX_FDS], std[3] = { -1, -1, -1 };
  int i;

  if ((self = fcntl (self, F_DUPFD_CLOEXEC, SPAWN_HIGH_FD)) < 0)
    _exit (127);
  for (i = 0; stdio != NULL && i < 3; i++)
    if (stdio[i] >= 0 && (std[i] = fcntl (stdio[i], F_DUPFD_CLOEXEC, SPAWN_HIGH_FD)) < 0)
      _exit (127);
  for (i = 0; i < n_fds; i++)
    if ((high[i] = fcntl (fds[i], F_DUPFD_CLOEXEC, SPAWN_HIGH_FD)) < 0)
      _exit (127);
  for (i = 0; i < n_fds; i++)
    if (dup2 (high[i], 3 + i) < 0)
      _exit (127);
  for (i = 0; i < 3; i++)
    if (std[i] >= 0 && dup2 (std[i], i) < 0)
      _exit (127);
  (void) close_range (3 + n_fds, ~0U, CLOSE_RANGE_CLOEXEC);
  (void) setsid ();
  uctr_fexecve (self, argv, environ);
  _exit (127);
}

gboolean
uctr_spawn_detached (char **argv, const int *fds, int n_fds, const int *stdio, pid_t *pid, GError **error)
{
  uctr_autofd int self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  uctr_autofd int pid_r = -1;
  uctr_autofd int pid_w = -1;
  int pipe_fds[2], status = 0;
  pid_t child;

  g_return_val_if_fail (n_fds >= 0 && n_fds <= UCTR_SPAWN_MAX_FDS, FALSE);
  if (self < 0)
    return uctr_throw_errno (error, _("Opening the uctr binary (/proc/self/exe)"));
  /* The grandchild's pid comes back through a pipe: it is not our child. */
  if (pipe2 (pipe_fds, O_CLOEXEC) < 0)
    return uctr_throw_errno (error, _("Creating a pipe"));
  pid_r = pipe_fds[0];
  pid_w = pipe_fds[1];
  child = fork ();
  if (child < 0)
    return uctr_throw_errno (error, _("Forking"));
  if (child == 0)
    {
      pid_t helper = fork ();

      if (helper == 0)
        exec_detached (self, argv, fds, n_fds, stdio);
      (void) !write (pid_w, &helper, sizeof helper);
      _exit (helper < 0 ? 1 : 0);
    }
  uctr_close_fdp (&pid_w);
  (void) TEMP_FAILURE_RETRY (waitpid (child, &status, 0));
  if (TEMP_FAILURE_RETRY (read (pid_r, pid, sizeof *pid)) != sizeof *pid || *pid < 0)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("fork failed"));
  return TRUE;
}
