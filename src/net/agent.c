/* uctr: starting and asking the inside agent, from the network helper. */
#include "net/agent.h"
#include "base/util.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct _UctrAgent
{
  UctrInsideGuest guest;
  int sock; /* our end of the agent's socket */
  pid_t pid;
  gboolean joined; /* its first answer (in the namespaces, or why not) is read */
  int join_err;    /* that answer */
};

static int
agent_receive (UctrAgent *a, int *fd_out)
{
  UctrInsideReply r;
  struct iovec iov = { .iov_base = &r, .iov_len = sizeof r };
  union
  {
    struct cmsghdr align;
    char buf[CMSG_SPACE (sizeof (int))];
  } control;
  struct msghdr msg = {
    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf
  };
  struct cmsghdr *c;
  ssize_t n;
  int fd = -1;

  n = TEMP_FAILURE_RETRY (recvmsg (a->sock, &msg, MSG_CMSG_CLOEXEC));
  if (n < 0)
    return errno;
  if (n == 0)
    return EPIPE;
  for (c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN (sizeof fd))
      memcpy (&fd, CMSG_DATA (c), sizeof fd);
  if (n != sizeof r || (r.err == 0 && fd_out != NULL && fd < 0))
    r.err = EPROTO;
  if (r.err != 0 || fd_out == NULL)
    {
      if (fd >= 0)
        (void) close (fd);
      return r.err;
    }
  *fd_out = fd;
  return 0;
}

/* The agent's first answer, read once: 0 when it is in the container's
   namespaces, else why not. */
static int
agent_joined (UctrAgent *a)
{
  if (!a->joined && a->sock >= 0)
    {
      a->join_err = agent_receive (a, NULL);
      a->joined = TRUE;
    }
  return a->joined ? a->join_err : EPIPE;
}

int
uctr_agent_call (UctrAgent *a, const UctrInsideRequest *req, int *fd_out)
{
  int err = agent_joined (a);

  if (err != 0)
    return err;
  if (a->sock < 0)
    return EPIPE;
  if (TEMP_FAILURE_RETRY (send (a->sock, req, sizeof *req, MSG_NOSIGNAL)) < 0)
    return errno;
  return agent_receive (a, fd_out);
}

const UctrInsideGuest *
uctr_agent_guest (const UctrAgent *a)
{
  return &a->guest;
}

UctrAgent *
uctr_agent_start (int init_pidfd, const UctrInsideGuest *guest, GError **error)
{
  g_autoptr(UctrAgent) a = g_new0 (UctrAgent, 1);
  uctr_autofd int theirs = -1;
  uctr_autofd int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  int sv[2];
  pid_t parent = getpid ();

  a->guest = *guest;
  a->sock = -1;
  if (devnull < 0)
    return uctr_throw_errno (error, _("Opening /dev/null")), NULL;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return uctr_throw_errno (error, _("Creating the socket to the network helper's agent")), NULL;
  a->sock = sv[0];
  theirs = sv[1];
  a->pid = fork ();
  if (a->pid < 0)
    return uctr_throw_errno (error, _("Starting the network helper's agent")), NULL;
  if (a->pid == 0)
    {
      (void) close (a->sock);
      /* Forked before the helper lets go of the stdio it was started with
         (the caller of uctr create, which may read it to the end): the
         agent lives as long as the container, and must not hold it. */
      uctr_stdio_to (devnull);
      uctr_inside_agent_run (theirs, init_pidfd, parent, &a->guest);
    }
  return g_steal_pointer (&a);
}

gboolean
uctr_agent_wait (UctrAgent *a, GError **error)
{
  int err = agent_joined (a);

  if (err != 0)
    return uctr_throw_errno_code (error, err, _("Joining the container's user and network namespaces"));
  return TRUE;
}

void
uctr_agent_stop (UctrAgent *a)
{
  uctr_close_fdp (&a->sock);
}

void
uctr_agent_free (UctrAgent *a)
{
  if (a == NULL)
    return;
  uctr_agent_stop (a);
  if (a->pid > 0)
    (void) TEMP_FAILURE_RETRY (waitpid (a->pid, NULL, 0));
  g_free (a);
}
