/* uctr: `uctr __store-helper`, the store's hands in a user namespace.
 *
 * The store starts it with a socket (fd 3, SOCK_SEQPACKET: one message per
 * send); it unshares a user namespace, says "U", and waits for "M" while
 * the store writes its maps with newuidmap and newgidmap (plan/idmap.c, as
 * for a container). Then, as root of that namespace, it serves jobs until
 * the store closes the socket: each job a message "ID\0NAME\0ARG\0..."
 * with its fds, done in a thread of its own, answered "ID K COUNTS" or
 * "ID E MESSAGE". The store's end of the socket closing (it is done, or it
 * was killed) ends the helper, and with it any job still running.
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
#define MESSAGE_MAX 4096
#define JOB_FDS_MAX 2

/* The helper */

typedef struct
{
  guint64 id;
  char **args;
  int fds[JOB_FDS_MAX];
  int n_fds;
  UctrStoreHelperJob extra;
} Job;

static void
job_free (Job *job)
{
  int i;

  for (i = 0; i < job->n_fds; i++)
    close (job->fds[i]);
  g_strfreev (job->args);
  g_free (job);
}

static void
send_message (int fd, const char *text)
{
  (void) TEMP_FAILURE_RETRY (send (fd, text, MIN (strlen (text), MESSAGE_MAX - 1), MSG_NOSIGNAL));
}

static gboolean
enter_userns (GError **error)
{
  char c = 0;

  if (unshare (CLONE_NEWUSER) < 0)
    return uctr_throw_errno (error, _("Making a user namespace for the image store"));
  send_message (CONTROL_FD, "U");
  if (TEMP_FAILURE_RETRY (recv (CONTROL_FD, &c, 1, 0)) != 1 || c != 'M')
    return uctr_throw (error, UCTR_ERROR_FAILED, _("the image store did not map the user namespace"));
  if (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0)
    return uctr_throw_errno (error, _("Becoming root of the image store's user namespace"));
  return TRUE;
}

static gboolean
do_job (Job *job, UctrStoreHelperReport *report, GError **error)
{
  gboolean mine = FALSE, ok;

  if (strcmp (job->args[0], "remove") == 0 && g_strv_length (job->args) == 2 && job->n_fds == 1)
    return uctr_store_remove (job->fds[0], job->args[1], error);
  ok = job->extra != NULL
       && job->extra ((const char *const *) job->args, job->fds, job->n_fds, &mine, report, error);
  if (!ok && !mine)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("__store-helper: unknown job %s"), job->args[0]);
  return ok;
}

static gpointer
job_thread (gpointer data)
{
  Job *job = data;
  UctrStoreHelperReport report = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;

  if (do_job (job, &report, &error))
    answer = g_strdup_printf ("%" G_GUINT64_FORMAT " K%u %u %" G_GUINT64_FORMAT, job->id, report.counts[0],
                              report.counts[1], report.bytes);
  else
    answer = g_strdup_printf ("%" G_GUINT64_FORMAT " E%s", job->id, error->message);
  send_message (CONTROL_FD, answer);
  job_free (job);
  return NULL;
}

/* The fds of MSG (SCM_RIGHTS) into JOB; FALSE (every fd closed) for more
   than a job takes. */
static gboolean
take_fds (struct msghdr *msg, Job *job)
{
  struct cmsghdr *c;
  gboolean ok = TRUE;

  for (c = CMSG_FIRSTHDR (msg); c != NULL; c = CMSG_NXTHDR (msg, c))
    {
      const int *fds = (const int *) CMSG_DATA (c);
      size_t i, n;

      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
        continue;
      n = (c->cmsg_len - CMSG_LEN (0)) / sizeof (int);
      for (i = 0; i < n; i++)
        {
          int fd;

          memcpy (&fd, fds + i, sizeof fd);
          if (job->n_fds < JOB_FDS_MAX)
            job->fds[job->n_fds++] = fd;
          else
            {
              close (fd);
              ok = FALSE;
            }
        }
    }
  return ok && (msg->msg_flags & (MSG_CTRUNC | MSG_TRUNC)) == 0;
}

/* The next job, NULL when the store closed the socket. A malformed one is
   answered at once and skipped. */
static Job *
receive_job (UctrStoreHelperJob extra)
{
  for (;;)
    {
      char buf[MESSAGE_MAX];
      union
      {
        char space[CMSG_SPACE (sizeof (int) * JOB_FDS_MAX)];
        struct cmsghdr align;
      } control;
      struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
      struct msghdr msg
          = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control };
      ssize_t n = TEMP_FAILURE_RETRY (recvmsg (CONTROL_FD, &msg, MSG_CMSG_CLOEXEC));
      Job *job;
      gboolean fds_ok;

      if (n <= 0)
        return NULL;
      job = g_new0 (Job, 1);
      job->extra = extra;
      fds_ok = take_fds (&msg, job);
      /* "ID\0NAME\0ARGS...\0": a split at each NUL of a text that ends with one. */
      if (buf[n - 1] == '\0')
        {
          g_autoptr(GPtrArray) parts = g_ptr_array_new ();
          ssize_t at;

          for (at = 0; at < n; at += (ssize_t) strlen (buf + at) + 1)
            g_ptr_array_add (parts, g_strdup (buf + at));
          g_ptr_array_add (parts, NULL);
          job->args = (char **) g_ptr_array_free (g_steal_pointer (&parts), FALSE);
        }
      if (fds_ok && job->args != NULL && job->args[0] != NULL && job->args[1] != NULL
          && g_ascii_string_to_unsigned (job->args[0], 10, 1, G_MAXUINT64, &job->id, NULL))
        {
          /* ARGS from the job's name on. */
          g_free (job->args[0]);
          memmove (job->args, job->args + 1, g_strv_length (job->args) * sizeof (char *));
          return job;
        }
      send_message (CONTROL_FD, "0 E__store-helper: a malformed job");
      job_free (job);
    }
}

int
uctr_store_helper_main (int argc, char **argv, UctrStoreHelperJob extra)
{
  g_autoptr(GError) error = NULL;
  Job *job;

  if (argc != 2)
    {
      g_printerr ("uctr: %s\n", _("__store-helper takes no arguments: the store sends its jobs"));
      return 1;
    }
  if (!enter_userns (&error))
    {
      g_autofree char *answer = g_strdup_printf ("E%s", error->message);

      send_message (CONTROL_FD, answer);
      return 1;
    }
  while ((job = receive_job (extra)) != NULL)
    {
      GThread *thread = g_thread_try_new ("store-job", job_thread, job, &error);

      if (thread == NULL)
        {
          g_autofree char *answer = g_strdup_printf ("%" G_GUINT64_FORMAT " E%s", job->id, error->message);

          send_message (CONTROL_FD, answer);
          g_clear_error (&error);
          job_free (job);
          continue;
        }
      g_thread_unref (thread);
    }
  return 0;
}

/* The store's side */

struct _UctrStoreHelper
{
  int control;
  GPid pid;
};

static char *
user_name (void)
{
  struct passwd *pw = getpwuid (geteuid ());

  return g_strdup (pw != NULL ? pw->pw_name : "");
}

/* The helper's first message: "U" once it has its user namespace. */
static gboolean
wait_for_userns (int control, GError **error)
{
  struct pollfd p = { .fd = control, .events = POLLIN };
  char buf[MESSAGE_MAX];
  ssize_t n;
  int r;

  do
    r = poll (&p, 1, MAP_TIMEOUT_MS);
  while (r < 0 && errno == EINTR);
  if (r == 0)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("the image store's helper did not answer"));
  n = TEMP_FAILURE_RETRY (recv (control, buf, sizeof buf - 1, 0));
  buf[MAX (n, 0)] = '\0';
  if (n > 1 && buf[0] == 'E')
    return uctr_throw (error, UCTR_ERROR_FAILED, "%s", buf + 1);
  if (n != 1 || buf[0] != 'U')
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("the image store's helper could not make its user namespace"));
  return TRUE;
}

/* Maps the helper's user namespace once it has one. */
static gboolean
map_helper (int control, GPid pid, GError **error)
{
  g_auto(UctrIdmapPlan) plan = { 0 };
  g_autofree char *name = user_name ();
  char c = 'M';

  if (!wait_for_userns (control, error))
    return FALSE;
  if (!uctr_idmap_plan (NULL, 0, NULL, 0, geteuid (), getegid (), name, NULL, NULL,
                        g_getenv ("UCTR_NEWUIDMAP"), g_getenv ("UCTR_NEWGIDMAP"), &plan, error)
      || !uctr_idmap_apply (&plan, pid, g_getenv ("UCTR_NEWUIDMAP"), g_getenv ("UCTR_NEWGIDMAP"), error))
    return uctr_prefix_error (error, _("Mapping the image store's user namespace"));
  if (TEMP_FAILURE_RETRY (send (control, &c, 1, MSG_NOSIGNAL)) != 1)
    return uctr_throw_errno (error, _("Talking to the image store's helper"));
  return TRUE;
}

UctrStoreHelper *
uctr_store_helper_start (GError **error)
{
  const char *argv[] = { "/proc/self/exe", "__store-helper", NULL };
  const int target[] = { CONTROL_FD };
  g_autoptr(UctrStoreHelper) h = g_new0 (UctrStoreHelper, 1);
  int sv[2];
  gboolean ok;

  h->control = -1;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    {
      uctr_throw_errno (error, _("Starting the image store's helper"));
      return NULL;
    }
  h->control = sv[0];
  ok = g_spawn_async_with_pipes_and_fds (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, -1, -1, -1,
                                         &sv[1], target, 1, &h->pid, NULL, NULL, NULL, error);
  close (sv[1]);
  if (!ok)
    {
      uctr_prefix_error (error, _("Starting the image store's helper"));
      return NULL;
    }
  if (!map_helper (h->control, h->pid, error))
    {
      (void) kill (h->pid, SIGKILL);
      return NULL;
    }
  return g_steal_pointer (&h);
}

void
uctr_store_helper_stop (UctrStoreHelper *h)
{
  int status;

  if (h == NULL)
    return;
  if (h->control >= 0)
    close (h->control);
  if (h->pid > 0)
    {
      (void) TEMP_FAILURE_RETRY (waitpid (h->pid, &status, 0));
      g_spawn_close_pid (h->pid);
    }
  g_free (h);
}

int
uctr_store_helper_fd (const UctrStoreHelper *h)
{
  return h->control;
}

gboolean
uctr_store_helper_send (UctrStoreHelper *h, guint64 id, const char *const *args, const int *fds, int n_fds,
                        GError **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  union
  {
    char space[CMSG_SPACE (sizeof (int) * JOB_FDS_MAX)];
    struct cmsghdr align;
  } control = { 0 };
  struct iovec iov;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
  int i;

  g_return_val_if_fail (id != 0 && n_fds <= JOB_FDS_MAX, FALSE);
  g_string_append_printf (text, "%" G_GUINT64_FORMAT, id);
  g_string_append_c (text, '\0');
  for (i = 0; args[i] != NULL; i++)
    g_string_append_len (text, args[i], (gssize) strlen (args[i]) + 1);
  if (text->len > MESSAGE_MAX)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("a job for the image store's helper is too long"));
  iov.iov_base = text->str;
  iov.iov_len = text->len;
  if (n_fds > 0)
    {
      struct cmsghdr *c;

      msg.msg_control = &control;
      msg.msg_controllen = CMSG_SPACE (sizeof (int) * n_fds);
      c = CMSG_FIRSTHDR (&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN (sizeof (int) * n_fds);
      memcpy (CMSG_DATA (c), fds, sizeof (int) * n_fds);
    }
  if (TEMP_FAILURE_RETRY (sendmsg (h->control, &msg, MSG_NOSIGNAL)) < 0)
    return uctr_throw_errno (error, _("Talking to the image store's helper"));
  return TRUE;
}

gboolean
uctr_store_helper_receive (UctrStoreHelper *h, guint64 *id, UctrStoreHelperReport *report, GError **error)
{
  char buf[MESSAGE_MAX];
  char *end = NULL;
  ssize_t n = TEMP_FAILURE_RETRY (recv (h->control, buf, sizeof buf - 1, 0));

  *id = 0;
  if (n <= 0)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("the image store's helper ended without an answer"));
  buf[n] = '\0';
  *id = g_ascii_strtoull (buf, &end, 10);
  if (end == buf || end[0] != ' ' || (end[1] != 'K' && end[1] != 'E'))
    return uctr_throw (error, UCTR_ERROR_FAILED, _("the image store's helper answered \"%s\""), buf);
  if (end[1] == 'E')
    return uctr_throw (error, UCTR_ERROR_FAILED, "%s", end + 2);
  if (report != NULL
      && sscanf (end + 2, "%u %u %" G_GUINT64_FORMAT, &report->counts[0], &report->counts[1], &report->bytes)
             != 3)
    memset (report, 0, sizeof *report);
  return TRUE;
}

gboolean
uctr_store_run_helper (const char *const *args, const int *fds, int n_fds, UctrStoreHelperReport *report,
                       GError **error)
{
  g_autoptr(UctrStoreHelper) h = uctr_store_helper_start (error);
  guint64 id;

  return h != NULL && uctr_store_helper_send (h, 1, args, fds, n_fds, error)
         && uctr_store_helper_receive (h, &id, report, error);
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
