/* uctr: the parent's end of the init pipe (see init/sync.h): forks the
   child at its other end, then records in, records out, an fd now and then.
   Here, not in init/, because it runs in the parent before fork and after,
   with GLib; the container's end is init/sync.c, allocation-free. */
#include "runtime/sync.h"
#include "init/init.h"
#include "base/util.h"

#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

gboolean
uctr_sync_recv (int sock, UctrSyncMsg *m, int *fd_out, GError **error)
{
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { m, sizeof *m };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *cm;
  ssize_t n;

  n = TEMP_FAILURE_RETRY (recvmsg (sock, &mh, MSG_CMSG_CLOEXEC));
  if (n < 0)
    return uctr_throw_errno (error, _("Reading from the container init"));
  if (n == 0)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("the container init exited before it was ready"));
  if (n != sizeof *m)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("short message from the container init"));
  for (cm = CMSG_FIRSTHDR (&mh); cm != NULL; cm = CMSG_NXTHDR (&mh, cm))
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS && fd_out != NULL)
      memcpy (fd_out, CMSG_DATA (cm), sizeof (int));
  return TRUE;
}

gboolean
uctr_sync_send (int sock, UctrSyncType type, const char *payload, gsize len, GError **error)
{
  UctrSyncMsg m = { .type = type };
  struct iovec iov[2] = { { &m, sizeof m }, { (void *) payload, payload != NULL ? len : 0 } };
  struct msghdr mh = { .msg_iov = iov, .msg_iovlen = payload != NULL ? 2 : 1 };

  if (payload != NULL && len >= UCTR_SYNC_PAYLOAD_MAX)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("the container state is too large for the init pipe"));
  if (TEMP_FAILURE_RETRY (sendmsg (sock, &mh, MSG_NOSIGNAL)) < 0)
    return uctr_throw_errno (error, _("Writing to the container init"));
  return TRUE;
}

gboolean
uctr_sync_send_fd (int sock, UctrSyncType type, int index, int fd, GError **error)
{
  if (uctr_init_send_fd (sock, type, index, fd) < 0)
    return uctr_throw_errno (error, _("Writing to the container init"));
  return TRUE;
}

/* The init can be cloned straight into its namespaces when each of them is
   new: no order between joining and creating to keep, and none whose set-up
   must come before a process is in it (a time namespace's offsets). */
static gboolean
can_clone_directly (const UctrPlan *plan)
{
  int i;

  if (plan->exec || (plan->unshare_flags & CLONE_NEWTIME) != 0)
    return FALSE;
  for (i = 0; i < UCTR_NS_N; i++)
    if (plan->ns_fds[i] >= 0)
      return FALSE;
  return TRUE;
}

pid_t
uctr_sync_fork_stage1 (UctrPlan *plan, int *sock, gboolean *direct, GError **error)
{
  int sv[2];
  pid_t pid;

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return uctr_throw_errno (error, _("Creating the init pipe")), -1;
  /* The kernel refuses to move a multithreaded process into a user
     namespace, and the child of a threaded parent may not allocate: there
     must be none. */
  if (uctr_thread_count () > 1)
    {
      close (sv[0]);
      close (sv[1]);
      return uctr_throw (error, UCTR_ERROR_FAILED, "internal error: threads exist before fork"), -1;
    }
  if (direct != NULL)
    *direct = can_clone_directly (plan);
  /* One clone for the user namespace, the others and the cgroup, where
     the stage-1 child would fork, unshare twice and clone. */
  if (direct != NULL && *direct)
    pid = uctr_init_clone (plan, (unsigned long) plan->unshare_flags | (plan->new_userns ? CLONE_NEWUSER : 0),
                           TRUE);
  else
    pid = fork ();
  if (pid < 0)
    {
      close (sv[0]);
      close (sv[1]);
      return uctr_throw_errno (error, plan->exec
                               ? _("Forking the process to exec") : _("Forking the container init")),
                               -1;
    }
  if (pid == 0)
    {
      close (sv[0]);
      plan->sync_fd = sv[1];
      if (direct != NULL && *direct)
        uctr_init_direct (plan);
      uctr_init_stage1 (plan);
    }
  close (sv[1]);
  *sock = sv[0];
  return pid;
}
