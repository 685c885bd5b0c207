/* uctr: what cli/ asks about a container's network helper. */
#include "runtime/network.h"
#include "net/netexit.h"
#include "base/util.h"

char *
uctr_container_net_exit_message (const UctrState *state)
{
  if (state->net_exit == NULL)
    return NULL;
  return uctr_net_exit_message (state->id, state->net_exit);
}

/* FALSE when the container's network helper has ended before it (netexit.h). */
static gboolean
check_helper (int dfd, const char *id, GError **error)
{
  g_autofree char *record = uctr_net_exit_load (dfd);
  g_autofree char *msg = NULL;

  if (record == NULL)
    return TRUE;
  msg = uctr_net_exit_message (id, record);
  return uctr_throw (error, UCTR_ERROR_BAD_STATE,
                     _("%s; the container has no network until it is run again"), msg);
}

char *
uctr_container_port_api (const char *root, const char *id, GError **error)
{
  uctr_autofd int dfd = -1;

  /* Ours, so that nobody else can have bound the socket in it. */
  dfd = uctr_state_open_dir (root, id, error);
  if (dfd < 0 || !check_helper (dfd, id, error))
    return NULL;
  return g_build_filename (root, id, UCTR_PORT_API_SOCKET, NULL);
}
