/* uctr: handing a listener fd to the handover supervisor (see
   handoverclient.h). */
#include "net/handoverclient.h"
#include "net/api.h"
#include "net/fdpass.h"
#include "net/portclient.h"
#include "base/util.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#define CLIENT_TIMEOUT_S 10

gboolean
uctr_handover_send (const char *path, int listener, GError **error)
{
  uctr_autofd int sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  uctr_autofd int dir_fd = -1;
  struct timeval tv = { .tv_sec = CLIENT_TIMEOUT_S };
  struct sockaddr_un addr;
  char reply = 0;

  if (sock < 0)
    return uctr_throw_errno (error, _("Creating a socket"));
  if (!uctr_port_api_address (path, &addr, &dir_fd, error))
    return FALSE;
  (void) setsockopt (sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void) setsockopt (sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (TEMP_FAILURE_RETRY (connect (sock, (struct sockaddr *) &addr, sizeof addr)) < 0)
    return uctr_throw_errno (error, _("Connecting to %s (is the container's network helper running?)"),
                                       path);
  if (!uctr_unix_check_peer_is_us (sock, path, error))
    return FALSE;
  if (!uctr_fdpass_send (sock, 'L', &listener, 1))
    return uctr_throw_errno (error, _("Handing the process's connect() filter to %s"), path);
  if (TEMP_FAILURE_RETRY (recv (sock, &reply, 1, 0)) != 1 || reply != 'K')
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("the network helper at %s did not take the process's connect() filter"), path);
  return TRUE;
}
