/* uctr: the log of a detached one-line run (see logs.h). */
#include "runtime/logs.h"
#include "runtime/state.h"
#include "logs/logger.h"
#include "base/spawn.h"
#include "base/trust.h"
#include "base/util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/pidfd.h>

/* It has only the pipes' last bytes left to write once the container is gone. */
#define LOGGER_GONE_MS 2000

gboolean
uctr_log_pipes_open (UctrLogPipes *p, gboolean terminal, GError **error)
{
  int out[2], err[2];

  *p = (UctrLogPipes){
    .devnull = -1, .out_r = -1, .out_w = -1, .err_r = -1, .err_w = -1, .terminal = terminal
  };
  p->devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (p->devnull < 0)
    return uctr_throw_errno (error, _("Opening /dev/null"));
  p->stdio[0] = p->stdio[1] = p->stdio[2] = p->devnull;
  if (terminal)
    return TRUE;
  if (pipe2 (out, O_CLOEXEC) < 0)
    return uctr_throw_errno (error, _("Creating a pipe for the container's stdout"));
  p->out_r = out[0];
  p->stdio[1] = p->out_w = out[1];
  if (pipe2 (err, O_CLOEXEC) < 0)
    return uctr_throw_errno (error, _("Creating a pipe for the container's stderr"));
  p->err_r = err[0];
  p->stdio[2] = p->err_w = err[1];
  return TRUE;
}

void
uctr_log_pipes_clear (UctrLogPipes *p)
{
  uctr_close_fdp (&p->devnull);
  uctr_close_fdp (&p->out_r);
  uctr_close_fdp (&p->out_w);
  uctr_close_fdp (&p->err_r);
  uctr_close_fdp (&p->err_w);
}

/* The logger: the state directory and what it reads, fd 3 on (logger.h);
   the directory's path only for ps to show. */
static gboolean
spawn_logger (int dfd, UctrLogPipes *p, int source, guint64 max_size, pid_t *pid, GError **error)
{
  g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT, max_size);
  g_autofree char *dir = uctr_trust_fd_path (dfd);
  char *argv[]
      = { "uctr", "__logger", "--state", dir, "--max-size", size, p->terminal ? "--terminal" : NULL, NULL };
  int fds[] = { dfd, source, p->err_r };
  int stdio[] = { p->devnull, p->devnull, p->devnull };

  G_STATIC_ASSERT (UCTR_LOGGER_DIR_FD == 3 && UCTR_LOGGER_STDOUT_FD == 4 && UCTR_LOGGER_STDERR_FD == 5);
  return uctr_spawn_detached (-1, argv, fds, p->terminal ? 2 : 3, stdio, pid, error);
}

gboolean
uctr_log_start (const char *root, const char *id, UctrLogPipes *p, int console_fd, guint64 max_size,
                GError **error)
{
  uctr_autofd int dfd = -1;
  uctr_autofd int log = -1;
  int source = p->terminal ? console_fd : p->out_r;
  pid_t pid;

  /* The container holds them now: the logger sees their end once it ends. */
  uctr_close_fdp (&p->out_w);
  uctr_close_fdp (&p->err_w);
  if (source < 0)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("container %s: no pty to log"), id);
  dfd = uctr_state_open_dir (root, id, error);
  if (dfd < 0)
    return FALSE;
  /* Made here, so that a state directory it cannot be made in fails run. */
  log = uctr_state_open_file (dfd, UCTR_LOG_FILE, O_WRONLY | O_CREAT, error);
  if (log < 0 || !spawn_logger (dfd, p, source, max_size, &pid, error)
      || !uctr_state_save_helper_pid (dfd, UCTR_LOG_PID_FILE, id, pid, error))
    return uctr_prefix_error (error, _("Starting the logger of container %s"), id);
  uctr_close_fdp (&p->out_r);
  uctr_close_fdp (&p->err_r);
  return TRUE;
}

static gboolean
exits_within (int pidfd, int ms)
{
  struct pollfd p = { .fd = pidfd, .events = POLLIN };

  return TEMP_FAILURE_RETRY (poll (&p, 1, ms)) == 1;
}

void
uctr_log_end (int dfd)
{
  uctr_autofd int pidfd = uctr_state_open_helper_pidfd (dfd, UCTR_LOG_PID_FILE);

  if (pidfd < 0 || exits_within (pidfd, LOGGER_GONE_MS))
    return;
  /* Something still holds the container's stdout: the log goes anyway. */
  (void) pidfd_send_signal (pidfd, SIGKILL, NULL, 0);
  (void) exits_within (pidfd, LOGGER_GONE_MS);
}

gboolean
uctr_container_logs (const char *root, const char *id, const UctrLogReadOptions *o, GError **error)
{
  uctr_autofd int dfd = uctr_state_open_dir (root, id, error);
  uctr_autofd int pidfd = -1;
  UctrLogReadOptions mine = *o;

  if (dfd < 0)
    return FALSE;
  if (!uctr_state_has_entry (dfd, UCTR_LOG_PID_FILE))
    return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                       _("container %s keeps no log: only a detached one-line run (uctr run -d --rootfs DIR ... "
                         "-- COMMAND) has one; other containers write where uctr run or create had its "
                         "stdout and stderr"),
                          id);
  /* -1 once it has ended: then the log is complete. */
  pidfd = uctr_state_open_helper_pidfd (dfd, UCTR_LOG_PID_FILE);
  mine.logger_pidfd = pidfd;
  if (!uctr_log_read (dfd, &mine, error))
    return uctr_prefix_error (error, _("container %s"), id);
  return TRUE;
}
