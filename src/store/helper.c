/* uctr: `uctr __store-helper`, the store's hands in a user namespace.
 *
 * The store starts it with a socket (fd 3) and the fds of its job (4, 5);
 * it unshares a user namespace, says 'U', and waits for 'M' while the store
 * writes its maps with newuidmap and newgidmap (plan/idmap.c, as for a
 * container); then, as root of that namespace, it does its job and answers
 * "K" and the counts of what it left out, or "E" and the error.
 */
#include "store/helper.h"
#include "plan/idmap.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONTROL_FD 3
#define MAP_TIMEOUT_MS 30000
#define ANSWER_MAX 4096

/* The helper */

static gboolean
enter_userns (GError **error)
{
  char c = 'U';

  if (unshare (CLONE_NEWUSER) < 0)
    return uctr_throw_errno (error, _("Making a user namespace for the image store"));
  if (write (CONTROL_FD, &c, 1) != 1 || read (CONTROL_FD, &c, 1) != 1 || c != 'M')
    return uctr_throw (error, UCTR_ERROR_FAILED, _("the image store did not map the user namespace"));
  if (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0)
    return uctr_throw_errno (error, _("Becoming root of the image store's user namespace"));
  return TRUE;
}

static gboolean
run_job (int argc, char **argv, UctrStoreHelperJob extra, UctrStoreHelperReport *report, GError **error)
{
  gboolean mine = FALSE, ok;

  if (argc == 4 && strcmp (argv[2], "remove") == 0)
    return uctr_store_remove (UCTR_STORE_JOB_FD_1, argv[3], error);
  ok = extra != NULL && extra (argc, argv, &mine, report, error);
  if (!ok && !mine)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("__store-helper: unknown job"));
  return ok;
}

int
uctr_store_helper_main (int argc, char **argv, UctrStoreHelperJob extra)
{
  UctrStoreHelperReport report = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;
  gboolean ok;

  ok = enter_userns (&error) && run_job (argc, argv, extra, &report, &error);
  answer
      = ok ? g_strdup_printf ("K%u %u %" G_GUINT64_FORMAT, report.counts[0], report.counts[1], report.bytes)
           : g_strdup_printf ("E%s", error->message);
  if (write (CONTROL_FD, answer, MIN (strlen (answer), ANSWER_MAX - 1)) < 0)
    return 1;
  return ok ? 0 : 1;
}

/* The store's side */

static char *
user_name (void)
{
  struct passwd *pw = getpwuid (geteuid ());

  return g_strdup (pw != NULL ? pw->pw_name : "");
}

static gboolean
wait_for (int fd, GError **error)
{
  struct pollfd p = { .fd = fd, .events = POLLIN };
  int r;

  do
    r = poll (&p, 1, MAP_TIMEOUT_MS);
  while (r < 0 && errno == EINTR);
  if (r == 0)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("the image store's helper did not answer"));
  return TRUE;
}

/* Maps the helper's user namespace once it has one. */
static gboolean
map_helper (int control, GPid pid, GError **error)
{
  g_auto(UctrIdmapPlan) plan = { 0 };
  g_autofree char *name = user_name ();
  char c = 0;

  if (!wait_for (control, error))
    return FALSE;
  if (read (control, &c, 1) != 1 || c != 'U')
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("the image store's helper could not make its user namespace"));
  if (!uctr_idmap_plan (NULL, 0, NULL, 0, geteuid (), getegid (), name, NULL, NULL,
                        g_getenv ("UCTR_NEWUIDMAP"), g_getenv ("UCTR_NEWGIDMAP"), &plan, error)
      || !uctr_idmap_apply (&plan, pid, g_getenv ("UCTR_NEWUIDMAP"), g_getenv ("UCTR_NEWGIDMAP"), error))
    return uctr_prefix_error (error, _("Mapping the image store's user namespace"));
  c = 'M';
  if (write (control, &c, 1) != 1)
    return uctr_throw_errno (error, _("Talking to the image store's helper"));
  return TRUE;
}

static gboolean
read_answer (int control, UctrStoreHelperReport *report, GError **error)
{
  char buf[ANSWER_MAX];
  gsize len = 0;
  ssize_t n;

  while (len < sizeof buf - 1 && wait_for (control, error)
         && (n = read (control, buf + len, sizeof buf - 1 - len)) > 0)
    len += (gsize) n;
  buf[len] = '\0';
  if (buf[0] == 'K')
    {
      if (report != NULL
          && sscanf (buf + 1, "%u %u %" G_GUINT64_FORMAT, &report->counts[0], &report->counts[1],
                     &report->bytes)
                 != 3)
        memset (report, 0, sizeof *report);
      return TRUE;
    }
  if (error != NULL && *error != NULL)
    return FALSE;
  if (buf[0] == 'E')
    return uctr_throw (error, UCTR_ERROR_FAILED, "%s", buf + 1);
  return uctr_throw (error, UCTR_ERROR_FAILED, _("the image store's helper ended without an answer"));
}

gboolean
uctr_store_run_helper (const char *const *args, const int *fds, int n_fds, UctrStoreHelperReport *report,
                       GError **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  int sv[2];
  int source[3], target[3] = { CONTROL_FD, UCTR_STORE_JOB_FD_1, UCTR_STORE_JOB_FD_2 };
  GPid pid = 0;
  gboolean ok;
  int status = 0, i;

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return uctr_throw_errno (error, _("Starting the image store's helper"));
  g_ptr_array_add (argv, (gpointer) "/proc/self/exe");
  g_ptr_array_add (argv, (gpointer) "__store-helper");
  for (i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  source[0] = sv[1];
  for (i = 0; i < n_fds; i++)
    source[i + 1] = fds[i];
  ok = g_spawn_async_with_pipes_and_fds (NULL, (const char *const *) argv->pdata, NULL,
                                         G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, -1, -1, -1, source, target,
                                         (gsize) n_fds + 1, &pid, NULL, NULL, NULL, error);
  close (sv[1]);
  if (!ok)
    {
      close (sv[0]);
      return uctr_prefix_error (error, _("Starting the image store's helper"));
    }
  ok = map_helper (sv[0], pid, error) && read_answer (sv[0], report, error);
  close (sv[0]);
  if (!ok)
    (void) kill (pid, SIGKILL);
  (void) TEMP_FAILURE_RETRY (waitpid (pid, &status, 0));
  g_spawn_close_pid (pid);
  return ok;
}

gboolean
uctr_store_in_place (void)
{
  return geteuid () == 0 || uctr_running_in_userns ();
}

gboolean
uctr_store_remove (int parent_fd, const char *name, GError **error)
{
  if (uctr_store_in_place ())
    {
      if (uctr_remove_tree_at (parent_fd, name) < 0)
        return uctr_throw_errno (error, _("Removing %s from the image store"), name);
      return TRUE;
    }
  {
    const char *args[] = { "remove", name, NULL };
    const int fds[] = { parent_fd };

    return uctr_store_run_helper (args, fds, 1, NULL, error);
  }
}
