/* uctr: the guard of a one-line run (see guard.h). It speaks one byte at a
   time over a pipe: ARM, then DONE; end of file without DONE is our end. */
#include "runtime/guard.h"
#include "base/util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#define GUARD_ARM 'A'
#define GUARD_DONE 'D'

/* After fork: read, then execve or _exit; nothing that allocates. The
   guard leaves our session and process group, so that neither a hangup of
   our terminal nor a signal to our job reaches it, and our cwd, so that it
   pins no directory. */
static void G_GNUC_NORETURN
guard_main (int self, int rfd, int devnull, char **argv)
{
  gboolean armed = FALSE;
  sigset_t none;
  char c;

  (void) prctl (PR_SET_NAME, "uctr-guard");
  (void) setsid ();
  (void) chdir ("/");
  sigemptyset (&none);
  (void) sigprocmask (SIG_SETMASK, &none, NULL);
  /* Nothing of ours held while it waits (a listening socket, a pipe
     someone reads to its end): the pipe on 3, ourselves on 4, stderr. */
  if ((rfd = fcntl (rfd, F_DUPFD_CLOEXEC, 10)) < 0 || (self = fcntl (self, F_DUPFD_CLOEXEC, 10)) < 0
      || dup2 (devnull, STDIN_FILENO) < 0 || dup2 (devnull, STDOUT_FILENO) < 0 || dup3 (rfd, 3, O_CLOEXEC) < 0
      || dup3 (self, 4, O_CLOEXEC) < 0 || close_range (5, ~0U, 0) < 0)
    _exit (127);
  rfd = 3;
  self = 4;
  for (;;)
    {
      ssize_t n = read (rfd, &c, 1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n == 1 && c == GUARD_ARM)
        {
          armed = TRUE;
          continue;
        }
      if (n != 0 || !armed)
        _exit (0);
      break;
    }
  /* A delete whose stderr reader has gone still finishes its work. */
  (void) signal (SIGPIPE, SIG_IGN);
  uctr_fexecve (self, argv, environ);
  _exit (127);
}

gboolean
uctr_guard_start (UctrGuard *g, const char *root, const char *id, GError **error)
{
  /* Built before the fork. */
  char *argv[] = { "uctr", "--root", (char *) root, "delete", "--force", (char *) id, NULL };
  uctr_autofd int self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  uctr_autofd int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  int fds[2];

  if (self < 0)
    return uctr_throw_errno (error, _("Finding the uctr binary for the guard of %s"), id);
  if (devnull < 0)
    return uctr_throw_errno (error, _("Opening /dev/null"));
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return uctr_throw_errno (error, _("Creating a pipe for the guard of %s"), id);
  g->pid = fork ();
  if (g->pid < 0)
    {
      close (fds[0]);
      close (fds[1]);
      return uctr_throw_errno (error, _("Starting the guard of %s"), id);
    }
  if (g->pid == 0)
    {
      close (fds[1]);
      guard_main (self, fds[0], devnull, argv);
    }
  close (fds[0]);
  g->fd = fds[1];
  return TRUE;
}

static void
tell (const UctrGuard *g, char what)
{
  if (g->fd >= 0)
    (void) TEMP_FAILURE_RETRY (write (g->fd, &what, 1));
}

void
uctr_guard_arm (const UctrGuard *g)
{
  tell (g, GUARD_ARM);
}

void
uctr_guard_stop (UctrGuard *g)
{
  tell (g, GUARD_DONE);
  uctr_close_fdp (&g->fd);
  if (g->pid > 0)
    (void) TEMP_FAILURE_RETRY (waitpid (g->pid, NULL, 0));
  g->pid = -1;
}
