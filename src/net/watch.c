/* uctr: the network helper's watcher (see watch.h). libslirp parses what
   the container sends, so the helper's loop may die of it however well it
   is guarded; then the container runs on without a network, and someone
   has to be there to say so and to tidy up. That is this process: it
   parses nothing and holds nothing of the container's traffic, it waits
   on two pidfds and a signalfd. */
#include "net/watch.h"
#include "net/netexit.h"
#include "base/util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

/* When the loop ends with an error while the init still runs, the init
   may be on its way out (tap0 goes with its network namespace): how long
   to give it before the loop's end is taken for its own. */
#define INIT_EXIT_GRACE_MS 500

typedef struct
{
  const UctrNetHelperArgs *args;
  pid_t loop;
  int loop_pidfd;
  int signal_fd;
  int lock_fd;  /* our share of net.lock */
  int exit_dfd; /* the directory of args->exit_path */
  char *exit_name;
  gboolean let_go; /* the socket and the lock are let go of */
} Watch;

static void
watch_clear (Watch *w)
{
  uctr_close_fdp (&w->loop_pidfd);
  uctr_close_fdp (&w->signal_fd);
  uctr_close_fdp (&w->lock_fd);
  uctr_close_fdp (&w->exit_dfd);
  g_clear_pointer (&w->exit_name, g_free);
}

/* What the watcher needs, opened before the loop is forked: a loop that
   cannot start must find the lock held. */
static gboolean
watch_setup (Watch *w, const UctrNetHelperArgs *args, GError **error)
{
  w->args = args;
  if (args->lock_path != NULL)
    {
      w->lock_fd = open (args->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (w->lock_fd < 0 || flock (w->lock_fd, LOCK_SH | LOCK_NB) < 0)
        return uctr_throw_errno (error, _("Locking %s"), args->lock_path);
    }
  if (args->exit_path != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (args->exit_path);

      w->exit_dfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (w->exit_dfd < 0)
        return uctr_throw_errno (error, _("Opening %s"), dir);
      w->exit_name = g_path_get_basename (args->exit_path);
    }
  /* SIGPIPE ignored too: the ready byte goes to a caller that may be gone. */
  w->signal_fd = uctr_term_signalfd (error);
  return w->signal_fd >= 0;
}

/* In the child: it goes when the watcher does, and keeps nothing of it. */
static int
run_loop (Watch *w, pid_t watcher, int ready_w, UctrNetLoopFunc loop)
{
  UctrNetHelperArgs args = *w->args;

  if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid () != watcher)
    _exit (1);
  watch_clear (w);
  if (args.ready_fd >= 0)
    (void) close (args.ready_fd);
  args.ready_fd = ready_w;
  return loop (&args);
}

/* The loop's ready byte, passed on; FALSE when it ended without one. */
static gboolean
relay_ready (int ready_r, int ready_fd)
{
  char c;

  if (TEMP_FAILURE_RETRY (read (ready_r, &c, 1)) != 1)
    return FALSE;
  if (ready_fd >= 0 && TEMP_FAILURE_RETRY (write (ready_fd, &c, 1)) != 1)
    g_debug ("network helper: nobody waits for it: %s", g_strerror (errno));
  return TRUE;
}

/* Lets go of what the caller waits for or reads: the port API's socket
   (nobody answers there any more) and our share of the lock. Once: with
   our share gone, delete may remove the state directory, and a new
   container of the same id make its own socket at the same path, which is
   not ours to remove. */
static void
let_go (Watch *w)
{
  if (w->let_go)
    return;
  w->let_go = TRUE;
  if (w->args->api_path != NULL)
    (void) unlink (w->args->api_path);
  if (w->args->handover_path != NULL)
    (void) unlink (w->args->handover_path);
  uctr_close_fdp (&w->lock_fd);
}

static gboolean
init_exits_within (int init_pidfd, int ms)
{
  struct pollfd p = { .fd = init_pidfd, .events = POLLIN };

  return TEMP_FAILURE_RETRY (poll (&p, 1, ms)) == 1;
}

static void
record (Watch *w, int status)
{
  g_autoptr(GError) error = NULL;

  if (w->exit_dfd >= 0 && !uctr_net_exit_save (w->exit_dfd, w->exit_name, status, &error))
    g_debug ("network helper: %s", error->message);
}

static void
forward_signal (Watch *w)
{
  struct signalfd_siginfo si;

  if (TEMP_FAILURE_RETRY (read (w->signal_fd, &si, sizeof si)) == sizeof si)
    (void) pidfd_send_signal (w->loop_pidfd, (int) si.ssi_signo, NULL, 0);
}

/* Until the loop has ended; returns its wait status. */
static int
watch (Watch *w)
{
  struct pollfd p[3] = {
    { .fd = w->loop_pidfd, .events = POLLIN },
    { .fd = w->signal_fd, .events = POLLIN },
    { .fd = w->args->init_pidfd, .events = POLLIN },
  };
  gboolean init_gone = FALSE;
  int status = 0;

  for (;;)
    {
      if (TEMP_FAILURE_RETRY (poll (p, init_gone ? 2 : 3, -1)) < 0)
        break; /* cannot happen with valid fds; reap below */
      if (p[1].revents != 0)
        forward_signal (w);
      if (!init_gone && p[2].revents != 0)
        {
          init_gone = TRUE;
          let_go (w);
        }
      if (p[0].revents != 0)
        break;
    }
  (void) TEMP_FAILURE_RETRY (waitpid (w->loop, &status, 0));
  if (!init_gone && !init_exits_within (w->args->init_pidfd, INIT_EXIT_GRACE_MS))
    record (w, status);
  let_go (w);
  return status;
}

static int
exit_code (int status)
{
  return WIFSIGNALED (status) ? 128 + WTERMSIG (status) : WEXITSTATUS (status);
}

/* The watcher's own stdio and working directory, once the caller has gone on. */
static void
quiet (void)
{
  uctr_autofd int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);

  (void) chdir ("/");
  uctr_stdio_to (devnull);
}

int
uctr_net_watch_run (const UctrNetHelperArgs *args, UctrNetLoopFunc loop)
{
  Watch w = { .loop_pidfd = -1, .signal_fd = -1, .lock_fd = -1, .exit_dfd = -1 };
  g_autoptr(GError) error = NULL;
  uctr_autofd int ready_r = -1;
  uctr_autofd int ready_w = -1;
  pid_t watcher = getpid ();
  int fds[2], status;

  if (!watch_setup (&w, args, &error) || pipe2 (fds, O_CLOEXEC) < 0)
    {
      g_printerr ("uctr-net: %s\n", error != NULL ? error->message : g_strerror (errno));
      watch_clear (&w);
      return 1;
    }
  ready_r = fds[0];
  ready_w = fds[1];
  w.loop = fork ();
  if (w.loop == 0)
    {
      uctr_close_fdp (&ready_r);
      return run_loop (&w, watcher, uctr_steal_fd (&ready_w), loop);
    }
  uctr_close_fdp (&ready_w);
  if (w.loop > 0)
    w.loop_pidfd = pidfd_open (w.loop, 0);
  if (w.loop < 0 || w.loop_pidfd < 0)
    {
      g_printerr ("uctr-net: %s: %s\n", _("Starting the network helper"), g_strerror (errno));
      watch_clear (&w);
      return 1;
    }
  /* The loop holds tap0; a dead loop must leave it to nobody. */
  if (args->tap_fd >= 0)
    (void) close (args->tap_fd);
  if (relay_ready (ready_r, args->ready_fd))
    {
      if (args->ready_fd >= 0)
        (void) close (args->ready_fd);
      quiet ();
      status = watch (&w);
    }
  else
    {
      /* Its message is on our stderr; the caller hears of it once the
         loop's sockets are closed. */
      (void) TEMP_FAILURE_RETRY (waitpid (w.loop, &status, 0));
      let_go (&w);
      if (args->ready_fd >= 0)
        (void) close (args->ready_fd);
    }
  watch_clear (&w);
  return exit_code (status);
}
