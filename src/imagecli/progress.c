/* uctr-image: download progress on a terminal (imagecli/progress.h). */
#include "imagecli/progress.h"
#include "base/util.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define REDRAW_US (G_USEC_PER_SEC / 10)

typedef struct
{
  char *label;
  gint64 total;
  gint64 done;
  gint64 started;
  char *state;
} Line;

struct _UctrProgress
{
  gboolean on;
  GArray *lines;
  guint drawn; /* lines on the screen, to go back over */
  gint64 last;
};

static void
line_clear (gpointer data)
{
  Line *l = data;

  g_free (l->label);
  g_free (l->state);
}

UctrProgress *
uctr_progress_new (gboolean quiet)
{
  UctrProgress *p = g_new0 (UctrProgress, 1);

  p->on = !quiet && isatty (STDERR_FILENO);
  p->lines = g_array_new (FALSE, TRUE, sizeof (Line));
  g_array_set_clear_func (p->lines, line_clear);
  return p;
}

void
uctr_progress_free (UctrProgress *p)
{
  if (p == NULL)
    return;
  g_array_unref (p->lines);
  g_free (p);
}

static void
draw_line (const Line *l, gint64 now)
{
  g_autofree char *done = g_format_size ((guint64) l->done);
  g_autofree char *total = g_format_size ((guint64) MAX (l->total, 0));
  double secs = (double) (now - l->started) / G_USEC_PER_SEC;
  g_autofree char *rate = g_format_size ((guint64) (secs > 0.05 ? (double) l->done / secs : 0));

  if (l->state != NULL)
    fprintf (stderr, "\033[2K%s  %s\n", l->label, l->state);
  else
    /* TRANSLATORS: bytes done / total, then the rate: "12.3 MB / 30.1 MB  5.2 MB/s" */
    fprintf (stderr, "\033[2K%s  %s / %s  %s/s\n", l->label, done, total, rate);
}

static void
draw (UctrProgress *p)
{
  gint64 now = g_get_monotonic_time ();
  guint i;

  if (p->drawn > 0)
    fprintf (stderr, "\033[%uA", p->drawn);
  for (i = 0; i < p->lines->len; i++)
    draw_line (&g_array_index (p->lines, Line, i), now);
  p->drawn = p->lines->len;
  p->last = now;
  fflush (stderr);
}

guint
uctr_progress_add (UctrProgress *p, const char *digest, gint64 total)
{
  Line l = { .total = total, .started = g_get_monotonic_time () };
  const char *colon = strchr (digest, ':');

  /* TRANSLATORS: a line of a pull's progress; %.12s is the start of the blob's digest */
  l.label = g_strdup_printf (_("Blob %.12s"), colon != NULL ? colon + 1 : digest);
  g_array_append_val (p->lines, l);
  if (p->on)
    draw (p);
  return p->lines->len - 1;
}

void
uctr_progress_update (UctrProgress *p, guint i, gint64 done, const char *state)
{
  Line *l = &g_array_index (p->lines, Line, i);

  l->done = done;
  if (state != NULL)
    {
      g_free (l->state);
      l->state = g_strdup (state);
    }
  if (p->on && (state != NULL || g_get_monotonic_time () - p->last >= REDRAW_US))
    draw (p);
}

void
uctr_progress_flush (UctrProgress *p)
{
  if (p->on)
    draw (p);
}
