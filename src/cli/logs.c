/* uctr logs: what a detached one-line container wrote (runtime/logs.h). */
#include "cli/cli.h"
#include "runtime/container.h"

#include <unistd.h>

int
uctr_cmd_logs (UctrGlobal *g, int argc, char **argv, GError **error)
{
  UctrLogReadOptions o = { .tail = -1, .logger_pidfd = -1, .out_fd = STDOUT_FILENO, .err_fd = STDERR_FILENO };
  gint tail = -1;
  GOptionEntry entries[] = {
    { "follow", 'f', 0, G_OPTION_ARG_NONE, &o.follow,
      N_ ("Print what comes next too, until the container has ended and all it wrote is printed"), NULL },
    { "tail", 0, 0, G_OPTION_ARG_INT, &tail, N_ ("Only the last N lines (-1: all, the default)"), "N" },
    { "timestamps", 't', 0, G_OPTION_ARG_NONE, &o.timestamps,
      N_ ("Print each line after the time it was written (RFC 3339, in nanoseconds)"), NULL },
    { NULL },
  };
  const UctrCliVerb verb = {
    "logs",
    "ID",
    _("Print the log of a container started by \"uctr run -d --rootfs ...\": its stdout on stdout, its "
      "stderr on stderr."),
       1, 1,
    };
  const char *root;

  if ((root = uctr_cli_begin (g, &verb, entries, &argc, &argv, error)) == NULL)
    return -1;
  if (tail < -1)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--tail %d: expected a number of lines, or -1 for all"), tail),
                       -1;
  o.tail = tail;
  return uctr_container_logs (root, argv[1], &o, error) ? 0 : -1;
}
