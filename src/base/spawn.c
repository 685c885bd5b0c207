/* uctr: starting a helper that outlives us (see spawn.h). It is cloned
   twice so that it is nobody's child but init's (or a subreaper's): the
   caller may exit at once, and never has a zombie to reap. */
#include "base/spawn.h"
#include "base/util.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

/* The clones run on a stack of ours from the heap, which AddressSanitizer
   (the sanitized build of the suite) takes for a stack switch it cannot
   follow: it would warn at each call of a function that does not return.
   There is nothing for it to check in these few system calls. */
#define NO_ASAN __attribute__ ((no_sanitize_address))

/* Above every target fd, so that moving one never clobbers another. */
#define SPAWN_HIGH_FD (3 + UCTR_SPAWN_MAX_FDS + 8)

/* In the grandchild, in our memory until the exec: system calls only. */
NO_ASAN static void G_GNUC_NORETURN
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

/* What the two clones share with us (CLONE_VM): they run on stacks of
   their own and write nothing of it but errno. The grandchild's pid comes
   back through a pipe, which holds where CLONE_VM is not honoured (valgrind
   runs such a clone as a fork). */
typedef struct
{
  int self;
  char **argv;
  const int *fds;
  int n_fds;
  const int *stdio;
  const sigset_t *mask; /* ours, restored in the helper before its exec */
  guint8 *stack;        /* the grandchild's */
  int pid_w;            /* the grandchild's pid goes here */
} Spawn;

#define SPAWN_STACK_SIZE (64 * 1024)

/* Handlers are our code, in memory we share until the exec: the defaults
   until then, as posix_spawn does. Then the signals we had blocked. */
NO_ASAN static void
reset_signals (const sigset_t *mask)
{
  for (int sig = 1; sig < NSIG; sig++)
    {
      struct sigaction old;

      if (sig != SIGKILL && sig != SIGSTOP && sigaction (sig, NULL, &old) == 0 && old.sa_handler != SIG_DFL
          && old.sa_handler != SIG_IGN)
        (void) sigaction (sig, &(struct sigaction){ .sa_handler = SIG_DFL }, NULL);
    }
  (void) sigprocmask (SIG_SETMASK, mask, NULL);
}

NO_ASAN static int
grandchild_main (void *data)
{
  Spawn *s = data;

  reset_signals (s->mask);
  exec_detached (s->self, s->argv, s->fds, s->n_fds, s->stdio);
}

/* Suspended (CLONE_VFORK) until the helper has exec'd or failed to. */
NO_ASAN static int
child_main (void *data)
{
  Spawn *s = data;

  pid_t helper = clone (grandchild_main, s->stack + SPAWN_STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD, s);

  (void) !write (s->pid_w, &helper, sizeof helper);
  _exit (helper < 0 ? 1 : 0);
}

/* Both clones share our memory and we wait (CLONE_VFORK) until each has
   exec'd or exited, as posix_spawn's: no page tables copied, none torn
   down, which fork() twice of a process that had GLib and json-glib
   loaded took 3.5 to 5 ms for here, in the middle of create. */
gboolean
uctr_spawn_detached (int program_fd, char **argv, const int *fds, int n_fds, const int *stdio, pid_t *pid,
                     GError **error)
{
  uctr_autofd int self = program_fd >= 0 ? fcntl (program_fd, F_DUPFD_CLOEXEC, 3)
                                         : open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  uctr_autofd int pid_r = -1;
  uctr_autofd int pid_w = -1;
  g_autofree guint8 *stacks = NULL;
  sigset_t all, mask;
  Spawn s = { .argv = argv, .fds = fds, .n_fds = n_fds, .stdio = stdio, .mask = &mask };
  int pipe_fds[2], status = 0, errsv;
  pid_t child;

  g_return_val_if_fail (n_fds >= 0 && n_fds <= UCTR_SPAWN_MAX_FDS, FALSE);
  if (self < 0)
    return uctr_throw_errno (error, _("Opening the uctr binary (/proc/self/exe)"));
  if (pipe2 (pipe_fds, O_CLOEXEC) < 0)
    return uctr_throw_errno (error, _("Creating a pipe"));
  pid_r = pipe_fds[0];
  pid_w = pipe_fds[1];
  s.self = self;
  s.pid_w = pid_w;
  stacks = g_malloc (2 * SPAWN_STACK_SIZE);
  s.stack = stacks + SPAWN_STACK_SIZE;
  sigfillset (&all);
  (void) sigprocmask (SIG_SETMASK, &all, &mask);
  child = clone (child_main, stacks + SPAWN_STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD, &s);
  errsv = errno;
  (void) sigprocmask (SIG_SETMASK, &mask, NULL);
  if (child < 0)
    return uctr_throw_errno_code (error, errsv, _("Forking"));
  uctr_close_fdp (&pid_w);
  (void) TEMP_FAILURE_RETRY (waitpid (child, &status, 0));
  if (TEMP_FAILURE_RETRY (read (pid_r, pid, sizeof *pid)) != sizeof *pid || *pid < 0)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("fork failed"));
  return TRUE;
}
