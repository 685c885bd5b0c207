/* uctr run: create, start, wait; forward signals; the exit status of the process. */
#include "cli/cli.h"
#include "cli/create-options.h"
#include "lib/console.h"
#include "lib/log.h"
#include "lib/spawn.h"

#include <poll.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP };

static int
block_signals (sigset_t *old)
{
  sigset_t set;
  gsize i;

  sigemptyset (&set);
  for (i = 0; i < G_N_ELEMENTS (forwarded); i++)
    sigaddset (&set, forwarded[i]);
  sigprocmask (SIG_BLOCK, &set, old);
  return signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int
exit_status (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 255;
}

static void
on_signal (int sfd, int pidfd, int console)
{
  struct signalfd_siginfo si;

  while (read (sfd, &si, sizeof si) == sizeof si)
    {
      if (si.ssi_signo == SIGWINCH)
        {
          if (console >= 0)
            uctr_console_resize (console);
          continue;
        }
      (void) pidfd_send_signal (pidfd, si.ssi_signo, NULL, 0);
    }
}

/* Until the container's init exits: forward signals and, with a pty, copy
   between our terminal and it. */
static int
wait_container (pid_t pid, int console)
{
  sigset_t old;
  uctr_autofd int sfd = block_signals (&old);
  uctr_autofd int pidfd = pidfd_open (pid, 0);
  gboolean in_open = console >= 0;
  int status = 0;

  if (console >= 0)
    uctr_console_raw (console);
  for (;;)
    {
      struct pollfd p[4] = {
        { .fd = pidfd, .events = POLLIN },
        { .fd = sfd, .events = POLLIN },
        { .fd = console, .events = POLLIN },
        { .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
      };

      if (poll (p, 4, -1) < 0 && errno != EINTR)
        break;
      if (p[1].revents & POLLIN)
        on_signal (sfd, pidfd, console);
      if (p[2].revents & (POLLIN | POLLHUP) && !uctr_console_pump (console, STDOUT_FILENO))
        console = -1;
      if (p[3].revents & (POLLIN | POLLHUP) && !uctr_console_pump (STDIN_FILENO, console))
        in_open = FALSE;
      if (p[0].revents & POLLIN)
        {
          while (console >= 0 && uctr_console_pump (console, STDOUT_FILENO))
            ;
          break;
        }
    }
  uctr_console_restore ();
  (void) TEMP_FAILURE_RETRY (waitpid (pid, &status, 0));
  sigprocmask (SIG_SETMASK, &old, NULL);
  return exit_status (status);
}

int
uctr_cmd_run (UctrGlobal *g, int argc, char **argv, GError **error)
{
  UctrCreateArgs a = { 0 };
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local = NULL;
  UctrCreated created = { .console_fd = -1 };
  const char *root;
  const char *id;
  int status = -1;

  if (!uctr_create_args_parse (&a, "run", _("Create and start a container, wait for it, and exit with its status."),
                               TRUE, &argc, &argv, error)
      || !uctr_cli_want_args ("run", "ID", argc, 1, 1, error) || (root = uctr_global_root (g, error)) == NULL)
    goto out;
  a.systemd_cgroup = g->systemd_cgroup;
  id = argv[1];
  if (!uctr_create_args_create (&a, root, id, !a.detach, warnings, &created, error))
    goto out;
  if (!uctr_container_start (root, id, &created.loaded, warnings, error))
    {
      (void) uctr_container_delete (root, id, TRUE, &created.loaded, NULL, NULL);
      goto out;
    }
  if (a.detach)
    status = 0;
  else
    {
      uctr_debug ("started %s; waiting for pid %d", id, (int) created.pid);
      status = wait_container (created.pid, created.console_fd);
      uctr_debug ("%s exited with status %d", id, status);
      if (!uctr_container_delete (root, id, TRUE, &created.loaded, warnings, &local))
        g_ptr_array_add (warnings, g_strdup (local->message));
    }
out:
  if (created.console_fd >= 0)
    close (created.console_fd);
  uctr_created_clear (&created);
  uctr_cli_print_warnings (warnings);
  uctr_create_args_clear (&a);
  return status;
}
