/* uctr: handing a listener fd to the handover supervisor (see
   handoverclient.h). */
#include "net/handoverclient.h"
#include "net/fdpass.h"
#include "net/portclient.h"
#include "base/util.h"

#include <string.h>
#include <sys/socket.h>

/* A connection to the supervisor, past the byte that says its calls. */
static int
connect_supervisor (const char *path, unsigned *calls, GError **error)
{
  uctr_autofd int sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  char said = 0;
  int err;

  if (sock < 0)
    return uctr_throw_errno (error, _("Creating a socket")), -1;
  if (!uctr_unix_connect_own (sock, path, &err, error))
    {
      if (err != 0)
        {
          g_clear_error (error);
          uctr_throw_errno_code (error, err,
                                 _("Connecting to %s (is the container's network helper running?)"), path);
        }
      return -1;
    }
  if (TEMP_FAILURE_RETRY (recv (sock, &said, 1, 0)) != 1 || said <= '0'
      || (unsigned) (said - '0') > UCTR_HANDOVER_CALLS_ALL)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("the network helper at %s did not say what it hands over"), path),
                       -1;
  *calls = (unsigned) (said - '0');
  return uctr_steal_fd (&sock);
}

gboolean
uctr_handover_query (const char *path, unsigned *calls, GError **error)
{
  uctr_autofd int sock = connect_supervisor (path, calls, error);

  return sock >= 0;
}

gboolean
uctr_handover_send (const char *path, int listener, GError **error)
{
  unsigned calls = 0;
  uctr_autofd int sock = connect_supervisor (path, &calls, error);
  char reply = 0;

  if (sock < 0)
    return FALSE;
  if (!uctr_fdpass_send (sock, 'L', &listener, 1))
    return uctr_throw_errno (error, _("Handing the process's handover filter to %s"), path);
  if (TEMP_FAILURE_RETRY (recv (sock, &reply, 1, 0)) != 1 || reply != 'K')
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("the network helper at %s did not take the process's handover filter"), path);
  return TRUE;
}
