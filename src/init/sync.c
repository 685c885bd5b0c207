/* uctr: the container's end of the init pipe (see sync.h), used between
   fork and execve: no allocation, no stdio, no GLib. The parent's end is
   runtime/sync.c. */
#include "init/sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/afterfork.h" /* last: it poisons what comes after */

/* sendmsg for every record, fds or not: once a seccomp filter is loaded,
   that is the one call it must allow for the init to report back. */
int
uctr_init_send_record (int fd, UctrSyncType type, UctrStep step, int index, int err, int64_t value)
{
  UctrSyncMsg m = { .type = type, .step = step, .index = index, .err = err, .value = value };
  struct iovec iov = { &m, sizeof m };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

  return TEMP_FAILURE_RETRY (sendmsg (fd, &mh, MSG_NOSIGNAL)) < 0 ? -1 : 0;
}

void
uctr_init_send (int fd, UctrSyncType type, UctrStep step, int index, int err, int64_t value)
{
  (void) uctr_init_send_record (fd, type, step, index, err, value);
}

int
uctr_init_recv (int fd, UctrSyncMsg *m, char *payload, size_t payload_size, size_t *payload_len, int *fd_out)
{
  struct iovec iov[2] = { { m, sizeof *m }, { payload, payload_size } };
  char cbuf[CMSG_SPACE (sizeof (int))] = { 0 };
  struct msghdr mh = {
    .msg_iov = iov, .msg_iovlen = payload != NULL ? 2 : 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf
  };
  struct cmsghdr *c;
  ssize_t n;

  if (fd_out != NULL)
    *fd_out = -1;
  n = TEMP_FAILURE_RETRY (recvmsg (fd, &mh, MSG_CMSG_CLOEXEC));
  if (n < (ssize_t) sizeof *m)
    {
      errno = n < 0 ? errno : EPIPE;
      return -1;
    }
  for (c = CMSG_FIRSTHDR (&mh); c != NULL; c = CMSG_NXTHDR (&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN (sizeof (int)))
      {
        int got;

        memcpy (&got, CMSG_DATA (c), sizeof got);
        if (fd_out != NULL)
          *fd_out = got;
        else
          close (got);
      }
  if (payload_len != NULL)
    *payload_len = n - sizeof *m;
  return 0;
}

int
uctr_init_send_fd (int sock, UctrSyncType type, int index, int fd)
{
  UctrSyncMsg m = { .type = type, .index = index };
  char cbuf[CMSG_SPACE (sizeof (int))] = { 0 };
  struct iovec iov = { &m, sizeof m };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *c = CMSG_FIRSTHDR (&mh);

  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof fd);
  return TEMP_FAILURE_RETRY (sendmsg (sock, &mh, MSG_NOSIGNAL)) < 0 ? -1 : 0;
}
