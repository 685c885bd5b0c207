/* uctr: fds over a unix socket (see fdpass.h). */
#include "net/fdpass.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef union
{
  char space[CMSG_SPACE (sizeof (int) * UCTR_FDPASS_MAX)];
  struct cmsghdr align;
} Control;

gboolean
uctr_fdpass_send (int sock, char byte, const int *fds, guint n)
{
  Control control = { 0 };
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  struct msghdr msg = {
    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = CMSG_SPACE (sizeof (int) * n)
  };
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);

  g_return_val_if_fail (n >= 1 && n <= UCTR_FDPASS_MAX, FALSE);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int) * n);
  memcpy (CMSG_DATA (c), fds, sizeof (int) * n);
  return TEMP_FAILURE_RETRY (sendmsg (sock, &msg, MSG_NOSIGNAL)) == 1;
}

gboolean
uctr_fdpass_recv (int sock, int *fds, guint n)
{
  Control control;
  char byte;
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control.space };
  struct cmsghdr *c;
  int got[UCTR_FDPASS_MAX];
  guint n_got = 0;
  ssize_t r;

  g_return_val_if_fail (n >= 1 && n <= UCTR_FDPASS_MAX, FALSE);
  r = TEMP_FAILURE_RETRY (recvmsg (sock, &msg, MSG_CMSG_CLOEXEC));
  if (r != 1)
    {
      if (r == 0)
        errno = EPIPE;
      return FALSE;
    }
  c = CMSG_FIRSTHDR (&msg);
  if (c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
    {
      n_got = MIN ((c->cmsg_len - CMSG_LEN (0)) / sizeof (int), UCTR_FDPASS_MAX);
      memcpy (got, CMSG_DATA (c), sizeof (int) * n_got);
    }
  if (n_got == n && (msg.msg_flags & MSG_CTRUNC) == 0)
    {
      memcpy (fds, got, sizeof (int) * n);
      return TRUE;
    }
  for (guint i = 0; i < n_got; i++)
    (void) close (got[i]);
  errno = EPROTO;
  return FALSE;
}
