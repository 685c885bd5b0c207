/* uctr: handing a listener fd to the handover supervisor (see
   handoverclient.h). */
#include "net/handoverclient.h"
#include "net/fdpass.h"
#include "net/portclient.h"
#include "base/util.h"

#include <string.h>
#include <sys/socket.h>

gboolean
uctr_handover_send (const char *path, int listener, GError **error)
{
  uctr_autofd int sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  char reply = 0;
  int err;

  if (sock < 0)
    return uctr_throw_errno (error, _("Creating a socket"));
  if (!uctr_unix_connect_own (sock, path, &err, error))
    {
      if (err != 0)
        {
          g_clear_error (error);
          return uctr_throw_errno_code (error, err,
                                        _("Connecting to %s (is the container's network helper running?)"),
                                           path);
        }
      return FALSE;
    }
  if (!uctr_fdpass_send (sock, 'L', &listener, 1))
    return uctr_throw_errno (error, _("Handing the process's connect() filter to %s"), path);
  if (TEMP_FAILURE_RETRY (recv (sock, &reply, 1, 0)) != 1 || reply != 'K')
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("the network helper at %s did not take the process's connect() filter"), path);
  return TRUE;
}
