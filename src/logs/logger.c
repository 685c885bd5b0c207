/* uctr: `uctr __logger` (see logger.h). */
#include "logs/logger.h"
#include "logs/files.h"
#include "logs/record.h"
#include "logs/writer.h"
#include "base/util.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

#define LOGGER "__logger"
#define READ_SIZE (64 * 1024)

typedef struct
{
  guint64 max_size;
  gboolean terminal;
} Args;

static gboolean
parse_args (int argc, char **argv, Args *a, GError **error)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new (NULL);
  g_autofree char *max_size = NULL;
  g_autofree char *state = NULL;
  GOptionEntry entries[] = {
    { "state", 0, 0, G_OPTION_ARG_FILENAME, &state, NULL, NULL },
    { "max-size", 0, 0, G_OPTION_ARG_STRING, &max_size, NULL, NULL },
    { "terminal", 0, 0, G_OPTION_ARG_NONE, &a->terminal, NULL, NULL },
    { NULL },
  };

  g_option_context_set_help_enabled (ctx, FALSE);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, error))
    return FALSE;
  if (argc != 2 || max_size == NULL
      || !g_ascii_string_to_unsigned (max_size, 10, UCTR_LOG_MIN_MAX_SIZE, UCTR_LOG_MAX_MAX_SIZE,
                                      &a->max_size, NULL))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("usage: uctr %s [--state DIR] --max-size BYTES [--terminal], with fds 3 to 5 open"),
                          LOGGER);
  return TRUE;
}

/* It parses nothing but newlines, yet it reads what a container writes:
   nothing may trace it or read its memory (the container's root is the
   same user on the host), and it gains no privilege by exec. */
static gboolean
harden (GError **error)
{
  struct rlimit none = { 0, 0 };
  struct sigaction ign = { .sa_handler = SIG_IGN };

  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || setrlimit (RLIMIT_CORE, &none) < 0
      || prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return uctr_throw_errno (error, _("Hardening the logger"));
  /* Our session has no terminal; a pty master's hangup is not ours either. */
  (void) sigaction (SIGHUP, &ign, NULL);
  (void) sigaction (SIGPIPE, &ign, NULL);
  (void) chdir ("/");
  return TRUE;
}

static char *
now_rfc3339 (void)
{
  struct timespec ts;

  (void) clock_gettime (CLOCK_REALTIME, &ts);
  return uctr_time_rfc3339 ((gint64) ts.tv_sec * 1000000000 + ts.tv_nsec);
}

/* DATA (LEN bytes just read from STREAM) as records: a line per F record,
   and the rest as a P record, written at once (conmon does the same): a
   line that comes in pieces is several records, but nothing waits here. */
static void
log_data (UctrLogWriter *w, UctrLogStream stream, const char *data, gsize len)
{
  g_autofree char *time = now_rfc3339 ();
  g_autoptr(GString) record = g_string_new (NULL);

  while (len > 0)
    {
      gsize content_len, taken;
      gboolean partial;

      taken = uctr_log_record_next (data, len, &content_len, &partial);
      g_string_truncate (record, 0);
      uctr_log_record_append (record, time, stream, partial, data, content_len);
      /* Errors are dropped: there is nobody to tell (the log is it). */
      (void) uctr_log_writer_add (w, record->str, record->len, NULL);
      data += taken;
      len -= taken;
    }
  (void) uctr_log_writer_flush (w, NULL);
}

/* Reads what P's fd has; FALSE once it has reached its end: EOF on a pipe,
   EIO on a pty master whose other side every process has closed. */
static gboolean
drain (UctrLogWriter *w, UctrLogStream stream, int fd, char *buf)
{
  ssize_t n = read (fd, buf, READ_SIZE);

  if (n > 0)
    {
      log_data (w, stream, buf, (gsize) n);
      return TRUE;
    }
  return n < 0 && (errno == EINTR || errno == EAGAIN);
}

static int
run (UctrLogWriter *w, gboolean terminal)
{
  struct pollfd p[2] = {
    { .fd = UCTR_LOGGER_STDOUT_FD, .events = POLLIN },
    { .fd = terminal ? -1 : UCTR_LOGGER_STDERR_FD, .events = POLLIN },
  };
  g_autofree char *buf = g_malloc (READ_SIZE);
  int i;

  while (p[0].fd >= 0 || p[1].fd >= 0)
    {
      if (poll (p, 2, -1) < 0 && errno != EINTR)
        return 1;
      for (i = 0; i < 2; i++)
        if (p[i].fd >= 0 && p[i].revents != 0 && !drain (w, (UctrLogStream) i, p[i].fd, buf))
          {
            (void) close (p[i].fd);
            p[i].fd = -1;
          }
    }
  return 0;
}

int
uctr_logger_main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  UctrLogWriter w = { .fd = -1 };
  Args a = { 0 };
  int status;

  if (!parse_args (argc, argv, &a, &error) || !harden (&error)
      || !uctr_log_writer_open (&w, UCTR_LOGGER_DIR_FD, a.max_size, &error))
    {
      /* Our stderr is /dev/null once started by uctr; for a user trying it by hand. */
      g_printerr ("uctr %s: %s\n", LOGGER, error->message);
      uctr_log_writer_clear (&w);
      return 1;
    }
  status = run (&w, a.terminal);
  uctr_log_writer_clear (&w);
  return status;
}
