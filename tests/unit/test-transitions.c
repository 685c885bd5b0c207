/* Unit tests for the table of state.c that says which action may act on a
   container in which status, row by row, with the message each refusal
   gives (the messages the verbs gave before the table, word for word). */
#include "runtime/state.h"
#include "base/util.h"

#include <string.h>

#define N_STATUSES (UCTR_STATUS_STOPPED + 1)

/* One row: for creating, created, running, paused, stopped, NULL when
   allowed, else the whole message for container "c1". */
typedef struct
{
  const char *name;
  UctrAction action;
  const char *refusal[N_STATUSES];
} Row;

static const Row rows[] = {
  { "start",
    UCTR_ACTION_START,
    { "cannot start container c1: it is creating, not created", NULL,
      "cannot start container c1: it is running, not created",
      "cannot start container c1: it is paused, not created", "cannot start a container that has stopped" } },
  { "kill", UCTR_ACTION_KILL, { NULL, NULL, NULL, NULL, "container not running" } },
  { "kill --all", UCTR_ACTION_KILL_ALL, { NULL, NULL, NULL, NULL, NULL } },
  { "delete",
    UCTR_ACTION_DELETE,
    { NULL, NULL, "cannot delete container c1 that is not stopped: running",
      "cannot delete container c1 that is not stopped: paused", NULL } },
  { "delete-force", UCTR_ACTION_DELETE_FORCE, { NULL, NULL, NULL, NULL, NULL } },
  { "pause",
    UCTR_ACTION_PAUSE,
    { "container c1 is not running (it is creating)", NULL, NULL,
      "container c1 is not running (it is paused)", "container c1 is not running (it is stopped)" } },
  { "resume",
    UCTR_ACTION_RESUME,
    { "container c1 is not paused (it is creating)", "container c1 is not paused (it is created)",
      "container c1 is not paused (it is running)", NULL, "container c1 is not paused (it is stopped)" } },
  { "update", UCTR_ACTION_UPDATE, { NULL, NULL, NULL, NULL, "container c1 is not running" } },
  { "exec",
    UCTR_ACTION_EXEC,
    { "container c1 is still being created", NULL, NULL,
      "cannot exec in a paused container c1: resume it first, or pass --ignore-paused",
      "cannot exec in a stopped container c1" } },
  { "exec-ignore-paused",
    UCTR_ACTION_EXEC_IGNORE_PAUSED,
    { "container c1 is still being created", NULL, NULL, NULL, "cannot exec in a stopped container c1" } },
  { "ps", UCTR_ACTION_PS, { NULL, NULL, NULL, NULL, NULL } },
  { "events", UCTR_ACTION_EVENTS, { NULL, NULL, NULL, NULL, "container c1 is not running" } },
};

G_STATIC_ASSERT (G_N_ELEMENTS (rows) == UCTR_N_ACTIONS);

static void
test_row (gconstpointer data)
{
  const Row *row = data;
  UctrStatus status;

  for (status = 0; status < N_STATUSES; status++)
    {
      g_autoptr(GError) error = NULL;
      gboolean allowed = uctr_state_allows (row->action, status, "c1", &error);

      g_test_message ("%s when %s", row->name, uctr_status_name (status));
      if (row->refusal[status] == NULL)
        {
          g_assert_no_error (error);
          g_assert_true (allowed);
          continue;
        }
      g_assert_false (allowed);
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_BAD_STATE);
      g_assert_cmpstr (error->message, ==, row->refusal[status]);
    }
}

/* Without a GError to fill, a refusal is still FALSE. */
static void
test_no_error (void)
{
  g_assert_false (uctr_state_allows (UCTR_ACTION_START, UCTR_STATUS_STOPPED, "c1", NULL));
  g_assert_true (uctr_state_allows (UCTR_ACTION_START, UCTR_STATUS_CREATED, "c1", NULL));
}

int
main (int argc, char **argv)
{
  gsize i;

  g_test_init (&argc, &argv, NULL);
  for (i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/transitions/%s", rows[i].name);
      g_test_add_data_func (path, &rows[i], test_row);
    }
  g_test_add_func ("/transitions/no-error", test_no_error);
  return g_test_run ();
}
