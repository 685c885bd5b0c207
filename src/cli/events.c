/* uctr events: the container's cgroup statistics as JSON lines, as runc
   prints them, every --interval (or once with --stats), and an "oom" event
   when the kernel's OOM killer strikes in it; ends when the container does. */
#include "cli/cli.h"
#include "runtime/container.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>

/* A Go duration ("5s", "1.5s", "500ms", "1m30s") in microseconds; -1 when malformed. */
static gint64
parse_duration (const char *text)
{
  static const struct
  {
    const char *unit;
    double usec;
  } units[] = { { "ns", 0.001 }, { "us", 1 },   { "µs", 1 },    { "ms", 1000 },
                { "s", 1e6 },    { "m", 60e6 }, { "h", 3600e6 } };
  const char *p = text;
  double total = 0;

  if (*p == '\0')
    return -1;
  while (*p != '\0')
    {
      char *end;
      double v = g_ascii_strtod (p, &end);
      gsize i, best = G_N_ELEMENTS (units), best_len = 0;

      if (end == p || !(g_ascii_isdigit (*p) || *p == '.'))
        return -1;
      for (i = 0; i < G_N_ELEMENTS (units); i++)
        if (g_str_has_prefix (end, units[i].unit) && strlen (units[i].unit) > best_len)
          {
            best = i;
            best_len = strlen (units[i].unit);
          }
      if (best == G_N_ELEMENTS (units))
        return -1;
      total += v * units[best].usec;
      p = end + best_len;
    }
  return total > 9e15 ? -1 : (gint64) total;
}

static void
print_event (const char *type, const char *id, const char *data)
{
  g_autofree char *line = uctr_container_event (type, id, data);

  printf ("%s\n", line);
  fflush (stdout);
}

static gboolean
print_stats (const UctrState *state)
{
  g_autofree char *data = uctr_container_stats_json (state);

  if (data == NULL)
    return FALSE;
  print_event ("stats", state->id, data);
  return TRUE;
}

#define RECHECK_US (2 * G_USEC_PER_SEC)
#define RECHECK_STEP_US (20 * 1000)

static void
check_oom (const UctrState *state, guint64 *seen)
{
  guint64 now = uctr_container_oom_kills (state);

  for (; *seen < now; (*seen)++)
    print_event ("oom", state->id, NULL);
}

static int
watch (const UctrState *state, gint64 interval_us)
{
  uctr_autofd int pidfd = uctr_state_open_pidfd (state);
  uctr_autofd int ino = uctr_container_oom_watch (state);
  guint64 ooms = uctr_container_oom_kills (state);
  gint64 next = g_get_monotonic_time () + interval_us;
  gint64 recheck_until = 0;

  while (pidfd >= 0)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 left = MIN (next - now, recheck_until > now ? RECHECK_STEP_US : G_MAXINT64);
      struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN }, { .fd = ino, .events = POLLIN } };
      char buf[4096];

      if (poll (p, 2, left > 0 ? (int) MIN ((left + 999) / 1000, G_MAXINT) : 0) < 0 && errno != EINTR)
        return 1;
      if (p[0].revents & POLLIN)
        break;
      /* cgroup v1 notifies when the OOM starts, a moment before its kill
         counts: look again for a while. */
      if (p[1].revents & POLLIN)
        {
          while (read (ino, buf, sizeof buf) > 0)
            ;
          recheck_until = g_get_monotonic_time () + RECHECK_US;
        }
      check_oom (state, &ooms);
      if (g_get_monotonic_time () >= next)
        {
          if (!print_stats (state))
            break;
          next += interval_us;
        }
    }
  return 0;
}

int
uctr_cmd_events (UctrGlobal *g, int argc, char **argv, GError **error)
{
  g_autofree char *interval = NULL;
  gboolean stats = FALSE;
  GOptionEntry entries[] = {
    { "interval", 0, 0, G_OPTION_ARG_STRING, &interval, N_ ("How often to print statistics (default 5s)"),
      N_ ("DURATION") },
    { "stats", 0, 0, G_OPTION_ARG_NONE, &stats, N_ ("Print the statistics once and exit"), NULL },
    { NULL },
  };
  const UctrCliVerb verb
      = { "events", "ID", _("Print a container's statistics and OOM events as JSON lines."), 1, 1 };
  g_autoptr(UctrState) state = NULL;
  const char *root;
  UctrStatus status;
  gint64 interval_us = 5 * G_USEC_PER_SEC;

  if (!uctr_cli_parse_verb (&verb, entries, &argc, &argv, error))
    return -1;
  if (interval != NULL && (interval_us = parse_duration (interval)) < 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--interval: \"%s\" is not a duration (5s, 500ms, 1m)"), interval),
                       -1;
  if (interval_us <= 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--interval: the duration must be greater than 0")),
                       -1;
  if ((root = uctr_global_root (g, error)) == NULL
      || (state = uctr_container_lookup (root, argv[1], &status, error)) == NULL)
    return -1;
  if (!uctr_state_allows (UCTR_ACTION_EVENTS, status, argv[1], error))
    return -1;
  if (state->cgroup_path == NULL && state->cgroup_v1 == NULL)
    return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                       _("events needs a cgroup v2 the user can write: container %s has no cgroup of its own: %s"),
                          argv[1],
                          state->cgroup_note != NULL ? state->cgroup_note : _("it was created without one")),
                       -1;
  if (stats)
    return print_stats (state) ? 0 : 1;
  return watch (state, interval_us);
}
