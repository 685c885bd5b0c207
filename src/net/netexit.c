/* uctr: net.exit, how a container's network helper ended (see netexit.h). */
#include "net/netexit.h"
#include "base/trust.h"
#include "base/util.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#define RECORD_MAX 64

gboolean
uctr_net_exit_save (int dfd, const char *name, int status, GError **error)
{
  g_autofree char *text = NULL;

  if (WIFSIGNALED (status))
    text = g_strdup_printf ("signal %d\n", WTERMSIG (status));
  else
    text = g_strdup_printf ("status %d\n", WEXITSTATUS (status));
  return uctr_write_file_atomic_at (dfd, name, text, strlen (text), 0600, error);
}

/* "signal N" or "status N": *SIGNALLED and *VALUE. */
static gboolean
parse (const char *record, gboolean *signalled, int *value)
{
  char kind[8];
  int n, end = 0;

  if (sscanf (record, "%7s %d%n", kind, &n, &end) != 2 || record[end] != '\0' || n < 0 || n > 255)
    return FALSE;
  *signalled = strcmp (kind, "signal") == 0;
  *value = n;
  return *signalled || strcmp (kind, "status") == 0;
}

char *
uctr_net_exit_load (int dfd)
{
  g_autofree char *text = NULL;
  gboolean signalled;
  int value;

  /* Like every file of the state dir: not through a symlink, and ours. */
  if (!uctr_trust_read_entry (dfd, UCTR_NET_EXIT_FILE, RECORD_MAX, &text, NULL, NULL))
    return NULL;
  g_strchomp (text);
  return parse (text, &signalled, &value) ? g_steal_pointer (&text) : NULL;
}

char *
uctr_net_exit_describe (const char *record, gboolean translate)
{
  gboolean signalled = FALSE;
  int value = 0;
  const char *abbrev;
  const char *fmt;

  (void) parse (record, &signalled, &value);
  if (!signalled)
    {
      fmt = N_ ("exit status %d");
      return g_strdup_printf (translate ? _(fmt) : fmt, value);
    }
  abbrev = sigabbrev_np (value);
  if (abbrev == NULL)
    {
      fmt = N_ ("killed by signal %d");
      return g_strdup_printf (translate ? _(fmt) : fmt, value);
    }
  fmt = N_ ("killed by SIG%s");
  return g_strdup_printf (translate ? _(fmt) : fmt, abbrev);
}

char *
uctr_net_exit_message (const char *id, const char *record)
{
  g_autofree char *how = uctr_net_exit_describe (record, TRUE);

  return g_strdup_printf (_("the network helper of %s exited: %s"), id, how);
}
