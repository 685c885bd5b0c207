/* uctr: the log file of --log. */
#include "base/log.h"
#include "base/json.h"
#include "base/util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

static int log_fd = -1;
static gboolean log_json;
static gboolean log_debug;

gboolean
uctr_log_setup (const char *path, const char *format, gboolean debug, GError **error)
{
  log_debug = debug;
  if (format != NULL && strcmp (format, "json") != 0 && strcmp (format, "text") != 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--log-format: expected text or json, not \"%s\""), format);
  log_json = g_strcmp0 (format, "json") == 0;
  if (path == NULL || *path == '\0')
    return TRUE;
  log_fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
  if (log_fd < 0)
    return uctr_throw_errno (error, _("--log: opening %s"), path);
  return TRUE;
}

static char *
format_line (const char *level, const char *msg)
{
  g_autofree char *time = uctr_time_rfc3339 (g_get_real_time () * 1000);

  if (log_json)
    {
      /* logrus's JSONFormatter: keys sorted, Go's escaping. */
      GString *line = g_string_new ("{\"level\":");

      uctr_json_append_go_string (line, level);
      g_string_append (line, ",\"msg\":");
      uctr_json_append_go_string (line, msg);
      g_string_append (line, ",\"time\":");
      uctr_json_append_go_string (line, time);
      g_string_append (line, "}\n");
      return g_string_free (line, FALSE);
    }
  else
    {
      g_autofree char *escaped = g_strescape (msg, NULL);
      return g_strdup_printf ("time=\"%s\" level=%s msg=\"%s\"\n", time, level, escaped);
    }
}

void
uctr_log (const char *level, const char *msg)
{
  g_autofree char *line = NULL;

  if (log_fd < 0)
    return;
  line = format_line (level, msg);
  (void) !write (log_fd, line, strlen (line));
}

/* As runc: with --log, warnings and debug lines go to the log only. Under
   an engine our stderr is often the container's own (conmon hands it over),
   where they do not belong. Errors go to both (main.c). */
void
uctr_warn (const char *msg)
{
  if (log_fd < 0)
    g_printerr ("uctr: %s %s\n", _("warning:"), msg);
  uctr_log ("warning", msg);
}

void
uctr_debug (const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;

  if (!log_debug)
    return;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  /* On stderr in runc's shape too (logrus: time= level=debug msg=, or its
     JSON with --log-format json): tools that read runc's debug output parse it. */
  if (log_fd < 0)
    {
      g_autofree char *line = format_line ("debug", msg);
      g_printerr ("%s", line);
    }
  uctr_log ("debug", msg);
}
