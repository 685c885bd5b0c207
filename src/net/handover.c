/* uctr: the handover supervisor (see handover.h). One epoll loop over its
   socket, the listener fds it was handed and the host sockets of blocking
   connect() calls still under way; bind() calls ask the loop. */
#include "net/handover.h"
#include "net/api.h"
#include "net/destination.h"
#include "net/fdpass.h"
#include "net/handoverclient.h"
#include "net/sandbox.h"
#include "base/util.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* Linux 6.9 */
#endif
#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71 /* Linux 5.14 */
#endif

#define LISTENERS_MAX 4096 /* one per process create or exec started */
#define PENDING_MAX 1024   /* blocking connect() calls waited for at once */
#define HANDOVER_TIMEOUT_S 2

typedef enum
{
  SRC_SOCKET,   /* handover.sock */
  SRC_LISTENER, /* a seccomp listener */
  SRC_PENDING,  /* a host socket connecting for a blocking connect() */
  SRC_PARENT,   /* a pidfd of the loop that started us */
} SrcKind;

typedef struct
{
  SrcKind kind;
  int fd;
} Src;

/* A connect() call answered or about to be: where its fd goes. */
typedef struct
{
  int notify_fd;
  guint64 id;
  int target;         /* the caller's fd number (connect's first argument) */
  guint32 fd_flags;   /* O_CLOEXEC when the caller's fd has it */
  int nonblock;       /* O_NONBLOCK of the caller's file */
  gint64 deadline_us; /* blocking, with SO_SNDTIMEO: when connect() says EINPROGRESS; 0: never */
} Call;

typedef struct
{
  Src src; /* SRC_PENDING: the host socket */
  Call call;
} Pending;

typedef struct
{
  const UctrHandoverConfig *cfg;
  int epfd;
  int proc_fd;
  int loop_fd; /* bind(): the loop's end, or -1 */
  Src socket;
  Src parent;
  GHashTable *listeners; /* Src * (SRC_LISTENER) -> itself */
  GHashTable *pending;   /* Pending * -> itself */
  struct seccomp_notif *req;
  struct seccomp_notif_resp *resp;
  gsize req_size, resp_size;
} Supervisor;

/* --- answering ---------------------------------------------------------- */

/* ERR 0 with CONTINUE: the kernel goes on with the call as made. */
static void
respond (Supervisor *s, int notify_fd, guint64 id, int err, gboolean cont)
{
  memset (s->resp, 0, s->resp_size);
  s->resp->id = id;
  s->resp->error = -err;
  s->resp->flags = cont ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
  /* ENOENT: the caller is gone, or a signal interrupted it. */
  if (ioctl (notify_fd, SECCOMP_IOCTL_NOTIF_SEND, s->resp) < 0 && errno != ENOENT)
    g_debug ("handover: answering a connect(): %s", g_strerror (errno));
}

static gboolean
still_valid (int notify_fd, guint64 id)
{
  return ioctl (notify_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

/* HOST takes the caller's fd number, and connect() returns ERR (0 or
   EINPROGRESS); where that fails, connect() fails as it did. HOST is
   closed here. */
static void
hand_over (Supervisor *s, const Call *c, int host, int err)
{
  struct seccomp_notif_addfd add = {
    .id = c->id,
    .flags = SECCOMP_ADDFD_FLAG_SETFD,
    .srcfd = (guint32) host,
    .newfd = (guint32) c->target,
    .newfd_flags = c->fd_flags,
  };
  int flags = fcntl (host, F_GETFL);

  if (flags < 0 || fcntl (host, F_SETFL, (flags & ~O_NONBLOCK) | c->nonblock) < 0
      || ioctl (c->notify_fd, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0)
    {
      int errsv = errno;

      (void) close (host);
      /* ENOENT: nobody waits for an answer any more. */
      if (errsv != ENOENT)
        respond (s, c->notify_fd, c->id, errsv, FALSE);
      return;
    }
  (void) close (host);
  respond (s, c->notify_fd, c->id, err, FALSE);
}

/* --- what the caller asked -------------------------------------------- */

/* The options a program sets before connect() or listen() that the host's
   socket carries on with, where they differ from a new socket's. Buffer sizes
   are left to the host's autotuning, which a copy would switch off. */
static const struct
{
  int level, name;
} copied_options[] = {
  { SOL_SOCKET, SO_KEEPALIVE },      { SOL_SOCKET, SO_LINGER },
  { SOL_SOCKET, SO_OOBINLINE },      { SOL_SOCKET, SO_PRIORITY },
  { SOL_SOCKET, SO_RCVLOWAT },       { SOL_SOCKET, SO_RCVTIMEO },
  { SOL_SOCKET, SO_SNDTIMEO },       { SOL_SOCKET, SO_REUSEADDR },
  { IPPROTO_TCP, TCP_NODELAY },      { IPPROTO_TCP, TCP_CORK },
  { IPPROTO_TCP, TCP_MAXSEG },       { IPPROTO_TCP, TCP_KEEPIDLE },
  { IPPROTO_TCP, TCP_KEEPINTVL },    { IPPROTO_TCP, TCP_KEEPCNT },
  { IPPROTO_TCP, TCP_SYNCNT },       { IPPROTO_TCP, TCP_USER_TIMEOUT },
  { IPPROTO_TCP, TCP_WINDOW_CLAMP }, { IPPROTO_TCP, TCP_NOTSENT_LOWAT },
  { IPPROTO_TCP, TCP_QUICKACK },     { IPPROTO_TCP, TCP_CONGESTION },
  { IPPROTO_TCP, TCP_LINGER2 },      { IPPROTO_TCP, TCP_FASTOPEN_CONNECT },
  { IPPROTO_TCP, TCP_DEFER_ACCEPT }, { IPPROTO_TCP, TCP_FASTOPEN },
};

static const struct
{
  int family, level, name;
} copied_ip_options[] = {
  { AF_INET, IPPROTO_IP, IP_TOS },
  { AF_INET, IPPROTO_IP, IP_TTL },
  { AF_INET6, IPPROTO_IPV6, IPV6_TCLASS },
  { AF_INET6, IPPROTO_IPV6, IPV6_UNICAST_HOPS },
};

static void
copy_option (int from, int to, int level, int name)
{
  char want[64], have[64];
  socklen_t want_len = sizeof want, have_len = sizeof have;

  if (getsockopt (from, level, name, want, &want_len) < 0
      || getsockopt (to, level, name, have, &have_len) < 0)
    return;
  if (want_len == have_len && memcmp (want, have, want_len) == 0)
    return;
  if (setsockopt (to, level, name, want, want_len) < 0)
    g_debug ("handover: option %d/%d not carried over: %s", level, name, g_strerror (errno));
}

static void
copy_options (int from, int to, int family)
{
  for (gsize i = 0; i < G_N_ELEMENTS (copied_options); i++)
    copy_option (from, to, copied_options[i].level, copied_options[i].name);
  for (gsize i = 0; i < G_N_ELEMENTS (copied_ip_options); i++)
    if (copied_ip_options[i].family == family)
      copy_option (from, to, copied_ip_options[i].level, copied_ip_options[i].name);
}

static int
int_option (int fd, int level, int name)
{
  int v = -1;
  socklen_t len = sizeof v;

  return getsockopt (fd, level, name, &v, &len) < 0 ? -1 : v;
}

static gboolean
is_unspecified (const UctrSockAddr *a)
{
  if (a->sa.sa_family == AF_INET6)
    return IN6_IS_ADDR_UNSPECIFIED (&a->in6.sin6_addr) && a->in6.sin6_port == 0;
  return a->in.sin_addr.s_addr == htonl (INADDR_ANY) && a->in.sin_port == 0;
}

/* SOCK is the caller's: a TCP socket of FAMILY in the container's network
   namespace, neither bound nor connected nor listening. */
static gboolean
is_fresh_tcp (const Supervisor *s, int sock, int family)
{
  UctrSockAddr name = { 0 };
  socklen_t len = sizeof name;
  guint64 cookie = 0;
  socklen_t cookie_len = sizeof cookie;

  if (int_option (sock, SOL_SOCKET, SO_DOMAIN) != family
      || int_option (sock, SOL_SOCKET, SO_TYPE) != SOCK_STREAM
      || int_option (sock, SOL_SOCKET, SO_PROTOCOL) != IPPROTO_TCP
      || int_option (sock, SOL_SOCKET, SO_ACCEPTCONN) != 0)
    return FALSE;
  if (getsockopt (sock, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &cookie_len) < 0
      || cookie != s->cfg->netns_cookie)
    return FALSE;
  if (getsockname (sock, &name.sa, &len) < 0 || !is_unspecified (&name))
    return FALSE;
  len = sizeof name;
  return getpeername (sock, &name.sa, &len) < 0 && errno == ENOTCONN;
}

/* The close-on-exec flag of the caller's fd: only /proc tells it. */
static gboolean
fd_flags_of (const Supervisor *s, pid_t tid, int fd, guint32 *out)
{
  char path[64], buf[512];
  uctr_autofd int f = -1;
  const char *line;
  ssize_t n;

  g_snprintf (path, sizeof path, "%d/fdinfo/%d", (int) tid, fd);
  f = openat (s->proc_fd, path, O_RDONLY | O_CLOEXEC);
  if (f < 0 || (n = TEMP_FAILURE_RETRY (read (f, buf, sizeof buf - 1))) <= 0)
    return FALSE;
  buf[n] = '\0';
  line = strstr (buf, "flags:");
  if (line == NULL)
    return FALSE;
  *out = (g_ascii_strtoull (line + strlen ("flags:"), NULL, 8) & O_CLOEXEC) ? O_CLOEXEC : 0;
  return TRUE;
}

static int
open_pidfd (pid_t tid)
{
  int fd = pidfd_open (tid, PIDFD_THREAD);

  /* Before 6.9 only a thread group's leader has a pidfd. */
  return fd >= 0 || errno != EINVAL ? fd : pidfd_open (tid, 0);
}

/* The address connect() was given, read from the caller's memory; FALSE
   when it is not a whole IPv4 or IPv6 one. */
static gboolean
read_address (const struct seccomp_notif *req, UctrSockAddr *dst)
{
  gsize len = (gsize) req->data.args[2];
  struct iovec local = { .iov_base = dst, .iov_len = len };
  struct iovec remote = { .iov_base = (void *) (uintptr_t) req->data.args[1], .iov_len = len };

  memset (dst, 0, sizeof *dst);
  if (len < sizeof (sa_family_t) || len > sizeof *dst)
    return FALSE;
  if (process_vm_readv (req->pid, &local, 1, &remote, 1, 0) != (ssize_t) len)
    return FALSE;
  if (dst->sa.sa_family == AF_INET)
    return len >= sizeof dst->in;
  /* The kernel takes the RFC 2133 form, without sin6_scope_id. */
  return dst->sa.sa_family == AF_INET6 && len >= offsetof (struct sockaddr_in6, sin6_scope_id);
}

/* Fills C and returns the caller's socket (a copy of its fd) when the call
   is one to hand over; -1 when the kernel should go on with it. ADDR is
   the address the call was given, checked for connect(). */
static int
inspect (Supervisor *s, int notify_fd, const struct seccomp_notif *req, UctrSockAddr *addr, Call *c)
{
  uctr_autofd int pidfd = -1;
  uctr_autofd int sock = -1;
  unsigned calls = req->data.nr == __NR_connect ? UCTR_HANDOVER_SAYS_CONNECT
                   : req->data.nr == __NR_bind  ? UCTR_HANDOVER_SAYS_BIND
                                                : 0;
  int family, fl;

  if ((calls & s->cfg->calls) == 0 || !read_address (req, addr))
    return -1;
  family = addr->sa.sa_family;
  if (calls == UCTR_HANDOVER_SAYS_CONNECT
      && !uctr_outbound_destination (&s->cfg->guest, s->cfg->host_loopback, addr))
    return -1;
  pidfd = open_pidfd (req->pid);
  /* The pidfd is of the caller only if the call still waits. */
  if (pidfd < 0 || !still_valid (notify_fd, req->id))
    return -1;
  sock = pidfd_getfd (pidfd, (int) req->data.args[0], 0);
  if (sock < 0 || !is_fresh_tcp (s, sock, family))
    return -1;
  *c = (Call){ .notify_fd = notify_fd, .id = req->id, .target = (int) req->data.args[0] };
  fl = fcntl (sock, F_GETFL);
  if (fl < 0 || !fd_flags_of (s, req->pid, c->target, &c->fd_flags))
    return -1;
  c->nonblock = fl & O_NONBLOCK;
  return uctr_steal_fd (&sock);
}

/* --- binding ------------------------------------------------------------ */

/* The loop's socket for SOCK's bind() to ADDR, or -1: the kernel goes on
   with the call. A loop that does not answer in time is asked no more, so
   that a late answer is never taken for another call's. */
static int
ask_loop (Supervisor *s, int sock, const UctrSockAddr *addr)
{
  UctrHandoverBind q = { .addr = *addr };
  int fd = -1;

  if (s->loop_fd < 0)
    return -1;
  if (addr->sa.sa_family == AF_INET6)
    q.v6only = int_option (sock, IPPROTO_IPV6, IPV6_V6ONLY) == 1;
  if (send (s->loop_fd, &q, sizeof q, MSG_NOSIGNAL) == (ssize_t) sizeof q
      && uctr_fdpass_recv (s->loop_fd, &fd, 1))
    return fd;
  if (errno != EPROTO)
    {
      g_debug ("handover: the network helper's loop does not answer: %s", g_strerror (errno));
      uctr_close_fdp (&s->loop_fd);
    }
  return -1;
}

static void
handle_bind (Supervisor *s, int notify_fd, const struct seccomp_notif *req)
{
  UctrSockAddr addr;
  Call c;
  uctr_autofd int sock = inspect (s, notify_fd, req, &addr, &c);
  int host = sock < 0 ? -1 : ask_loop (s, sock, &addr);

  if (host < 0)
    {
      respond (s, notify_fd, req->id, 0, TRUE);
      return;
    }
  copy_options (sock, host, addr.sa.sa_family);
  hand_over (s, &c, host, 0);
}

/* --- connecting -------------------------------------------------------- */

static gint64
send_timeout_us (int sock)
{
  struct timeval tv = { 0 };
  socklen_t len = sizeof tv;

  if (getsockopt (sock, SOL_SOCKET, SO_SNDTIMEO, &tv, &len) < 0)
    return 0;
  return (gint64) tv.tv_sec * G_USEC_PER_SEC + tv.tv_usec;
}

/* A socket of the host's, with SOCK's options, connected to DST or
   (*IN_PROGRESS) connecting: -1 and errno when that failed. */
static int
host_connect (const Supervisor *s, int sock, const UctrSockAddr *dst, gboolean *in_progress)
{
  gboolean v6 = dst->sa.sa_family == AF_INET6;
  struct sockaddr_in from = { .sin_family = AF_INET, .sin_addr = s->cfg->bind4 };
  uctr_autofd int fd = socket (dst->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return -1;
  copy_options (sock, fd, dst->sa.sa_family);
  if (!v6 && s->cfg->bind4.s_addr != INADDR_ANY && bind (fd, (struct sockaddr *) &from, sizeof from) < 0)
    return -1;
  *in_progress = connect (fd, &dst->sa, v6 ? sizeof dst->in6 : sizeof dst->in) < 0;
  if (*in_progress && errno != EINPROGRESS)
    return -1;
  return uctr_steal_fd (&fd);
}

/* P out of the loop and freed; its host socket, still open, is returned.
   Out of epoll first: once handed over, the socket's file lives on in the
   container, and epoll would go on reporting it. */
static int
pending_take (Supervisor *s, Pending *p)
{
  int fd = p->src.fd;

  (void) epoll_ctl (s->epfd, EPOLL_CTL_DEL, fd, NULL);
  g_hash_table_remove (s->pending, p);
  g_free (p);
  return fd;
}

/* A blocking connect(): answered when the host's socket is connected. */
static void
wait_for (Supervisor *s, const Call *c, int host, gint64 timeout_us)
{
  Pending *p = g_new0 (Pending, 1);
  struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = p };

  p->src = (Src){ .kind = SRC_PENDING, .fd = host };
  p->call = *c;
  if (timeout_us > 0)
    p->call.deadline_us = g_get_monotonic_time () + timeout_us;
  if (epoll_ctl (s->epfd, EPOLL_CTL_ADD, host, &ev) < 0)
    {
      respond (s, c->notify_fd, c->id, errno, FALSE);
      (void) close (host);
      g_free (p);
      return;
    }
  g_hash_table_add (s->pending, p);
}

static void
on_connected (Supervisor *s, Pending *p)
{
  Call c = p->call;
  int host = pending_take (s, p);
  int err = int_option (host, SOL_SOCKET, SO_ERROR);

  if (err == 0)
    {
      hand_over (s, &c, host, 0);
      return;
    }
  respond (s, c.notify_fd, c.id, err < 0 ? errno : err, FALSE);
  (void) close (host);
}

static void
handle_connect (Supervisor *s, int notify_fd, const struct seccomp_notif *req)
{
  UctrSockAddr dst;
  Call c;
  uctr_autofd int sock = inspect (s, notify_fd, req, &dst, &c);
  gboolean in_progress = FALSE;
  int host;

  if (sock < 0 || g_hash_table_size (s->pending) >= PENDING_MAX)
    {
      respond (s, notify_fd, req->id, 0, TRUE);
      return;
    }
  host = host_connect (s, sock, &dst, &in_progress);
  if (host < 0)
    respond (s, notify_fd, req->id, errno, FALSE);
  else if (!in_progress)
    hand_over (s, &c, host, 0);
  else if (c.nonblock)
    hand_over (s, &c, host, EINPROGRESS);
  else
    wait_for (s, &c, host, send_timeout_us (sock));
}

/* --- the loop ------------------------------------------------------------ */

/* The pending calls of NOTIFY_FD, or all of them (-1): a copy of the
   list, for a caller that takes some out. */
static GPtrArray *
pending_of (Supervisor *s, int notify_fd)
{
  GPtrArray *out = g_ptr_array_new ();
  GHashTableIter it;
  Pending *p;

  g_hash_table_iter_init (&it, s->pending);
  while (g_hash_table_iter_next (&it, (gpointer *) &p, NULL))
    if (notify_fd < 0 || p->call.notify_fd == notify_fd)
      g_ptr_array_add (out, p);
  return out;
}

static void
listener_close (Supervisor *s, Src *l)
{
  g_autoptr(GPtrArray) gone = pending_of (s, l->fd);

  for (guint i = 0; i < gone->len; i++)
    (void) close (pending_take (s, g_ptr_array_index (gone, i)));
  (void) epoll_ctl (s->epfd, EPOLL_CTL_DEL, l->fd, NULL);
  g_hash_table_remove (s->listeners, l);
  uctr_close_fdp (&l->fd);
  g_free (l);
}

static void
on_listener (Supervisor *s, Src *l, guint32 events)
{
  if (events & EPOLLIN)
    {
      memset (s->req, 0, s->req_size);
      if (ioctl (l->fd, SECCOMP_IOCTL_NOTIF_RECV, s->req) < 0)
        {
          if (errno != ENOENT && errno != EINTR)
            g_debug ("handover: receiving a notification: %s", g_strerror (errno));
        }
      else if (s->req->data.nr == __NR_bind)
        handle_bind (s, l->fd, s->req);
      else
        handle_connect (s, l->fd, s->req);
      return;
    }
  /* Every process under the filter has exited. */
  if (events & (EPOLLHUP | EPOLLERR))
    listener_close (s, l);
}

/* The calls we answer (handoverclient.h), then one listener fd on CONN,
   then a byte back once it is watched. A caller that only asked which
   calls closes CONN instead. */
static void
take_listener (Supervisor *s, int conn)
{
  struct timeval tv = { .tv_sec = HANDOVER_TIMEOUT_S };
  struct epoll_event ev = { .events = EPOLLIN };
  char calls = (char) ('0' + s->cfg->calls);
  guint64 none = 0;
  Src *l;
  int fd;

  (void) setsockopt (conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (send (conn, &calls, 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1 || !uctr_fdpass_recv (conn, &fd, 1))
    return;
  /* A seccomp listener, and nothing else, knows no notification 0. */
  if (g_hash_table_size (s->listeners) >= LISTENERS_MAX
      || ioctl (fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &none) == 0 || errno != ENOENT)
    {
      (void) close (fd);
      return;
    }
  l = g_new0 (Src, 1);
  *l = (Src){ .kind = SRC_LISTENER, .fd = fd };
  ev.data.ptr = l;
  if (epoll_ctl (s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
    {
      (void) close (fd);
      g_free (l);
      return;
    }
  g_hash_table_add (s->listeners, l);
  (void) send (conn, "K", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void
on_socket (Supervisor *s)
{
  uctr_autofd int conn = accept4 (s->socket.fd, NULL, NULL, SOCK_CLOEXEC);

  if (conn >= 0)
    take_listener (s, conn);
}

/* Calls nobody waits for any more (a signal interrupted them, or the
   caller died) are dropped with their host sockets, and blocking calls
   past their SO_SNDTIMEO get EINPROGRESS, as the kernel's own connect()
   does; returns epoll_wait's timeout for the next deadline. */
static int
expire (Supervisor *s)
{
  gint64 now = g_get_monotonic_time (), next = G_MAXINT64;
  g_autoptr(GPtrArray) all = pending_of (s, -1);

  for (guint i = 0; i < all->len; i++)
    {
      Pending *p = g_ptr_array_index (all, i);
      Call c = p->call;

      if (!still_valid (c.notify_fd, c.id))
        (void) close (pending_take (s, p));
      else if (c.deadline_us != 0 && c.deadline_us <= now)
        hand_over (s, &c, pending_take (s, p), EINPROGRESS);
      else if (c.deadline_us != 0)
        next = MIN (next, c.deadline_us);
    }
  return next == G_MAXINT64 ? -1 : (int) MIN ((next - now + 999) / 1000, G_MAXINT);
}

static void G_GNUC_NORETURN
run (Supervisor *s)
{
  for (;;)
    {
      struct epoll_event evs[16];
      int n = epoll_wait (s->epfd, evs, G_N_ELEMENTS (evs), expire (s));

      if (n < 0 && errno != EINTR)
        _exit (1);
      for (int i = 0; i < n; i++)
        {
          Src *src = evs[i].data.ptr;

          if (src->kind == SRC_PARENT)
            _exit (0);
          if (src->kind == SRC_SOCKET)
            on_socket (s);
          else if (src->kind == SRC_LISTENER)
            on_listener (s, src, evs[i].events);
          else
            on_connected (s, (Pending *) src);
        }
    }
}

/* --- starting ------------------------------------------------------------ */

static gboolean
listen_on (Supervisor *s, GError **error)
{
  uctr_autofd int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &s->socket };

  if (fd < 0)
    return uctr_throw_errno (error, _("Creating the handover socket"));
  if (!uctr_unix_bind_owner_only (fd, s->cfg->socket_path, error))
    return FALSE;
  if (listen (fd, 16) < 0)
    return uctr_throw_errno (error, _("Listening on %s"), s->cfg->socket_path);
  s->socket = (Src){ .kind = SRC_SOCKET, .fd = uctr_steal_fd (&fd) };
  if (epoll_ctl (s->epfd, EPOLL_CTL_ADD, s->socket.fd, &ev) < 0)
    return uctr_throw_errno (error, _("Watching %s"), s->cfg->socket_path);
  return TRUE;
}

/* The loop's end is ours: PR_SET_PDEATHSIG alone does not do, as the
   loop's Landlock domain keeps its signals from reaching us. */
static gboolean
watch_parent (Supervisor *s, pid_t parent, GError **error)
{
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &s->parent };

  s->parent = (Src){ .kind = SRC_PARENT, .fd = pidfd_open (parent, 0) };
  if (s->parent.fd < 0 || epoll_ctl (s->epfd, EPOLL_CTL_ADD, s->parent.fd, &ev) < 0)
    return uctr_throw_errno (error, _("Watching the network helper"));
  return TRUE;
}

static gboolean
supervisor_setup (Supervisor *s, pid_t parent, GError **error)
{
  struct seccomp_notif_sizes sizes = { 0 };
  sigset_t all;
  int null_fd;

  /* Only what the child opens from here on. */
  (void) sigfillset (&all);
  (void) sigprocmask (SIG_UNBLOCK, &all, NULL);
  null_fd = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd >= 0)
    {
      uctr_stdio_to (null_fd);
      (void) close (null_fd);
    }
  if (syscall (SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
    return uctr_throw_errno (error, _("Asking the kernel for its seccomp notification sizes"));
  s->req_size = MAX (sizes.seccomp_notif, sizeof *s->req);
  s->resp_size = MAX (sizes.seccomp_notif_resp, sizeof *s->resp);
  s->req = g_malloc0 (s->req_size);
  s->resp = g_malloc0 (s->resp_size);
  s->listeners = g_hash_table_new (NULL, NULL);
  s->pending = g_hash_table_new (NULL, NULL);
  s->epfd = epoll_create1 (EPOLL_CLOEXEC);
  s->proc_fd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (s->epfd < 0 || s->proc_fd < 0)
    return uctr_throw_errno (error, _("Setting up the handover supervisor"));
  if (!listen_on (s, error) || !watch_parent (s, parent, error))
    return FALSE;
  return uctr_net_sandbox_enter_handover (s->proc_fd, error);
}

/* STATUS_FD becomes 3 and the loop's socket (if any) 4; nothing else of
   the loop's stays open. */
static gboolean
keep_fds (const UctrHandoverConfig *cfg, int status_fd, int *loop_fd)
{
  int status = fcntl (status_fd, F_DUPFD_CLOEXEC, 5);
  int loop = cfg->loop_fd < 0 ? -1 : fcntl (cfg->loop_fd, F_DUPFD_CLOEXEC, 5);

  if (status < 0 || (cfg->loop_fd >= 0 && loop < 0) || dup3 (status, 3, O_CLOEXEC) < 0
      || (loop >= 0 && dup3 (loop, 4, O_CLOEXEC) < 0))
    return FALSE;
  *loop_fd = loop >= 0 ? 4 : -1;
  return close_range ((unsigned) (loop >= 0 ? 5 : 4), ~0U, 0) == 0;
}

static void G_GNUC_NORETURN
child (const UctrHandoverConfig *cfg, pid_t parent, int status_fd)
{
  Supervisor s = { .cfg = cfg, .epfd = -1, .proc_fd = -1, .socket = { .fd = -1 }, .parent = { .fd = -1 } };
  g_autoptr(GError) error = NULL;
  struct timeval tv = { .tv_sec = HANDOVER_TIMEOUT_S };
  int keep = 3;

  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid () != parent)
    _exit (1);
  if (!keep_fds (cfg, status_fd, &s.loop_fd)
      || (s.loop_fd >= 0 && setsockopt (s.loop_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0))
    _exit (1);
  if (!supervisor_setup (&s, parent, &error))
    {
      (void) uctr_write_all (keep, error->message, strlen (error->message));
      _exit (1);
    }
  (void) uctr_write_all (keep, "", 1);
  (void) close (keep);
  run (&s);
}

pid_t
uctr_handover_start (const UctrHandoverConfig *cfg, GError **error)
{
  int pipefd[2];
  pid_t parent = getpid (), pid;
  g_autofree char *said = NULL;
  gsize len = 0;
  gboolean read_ok;

  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return uctr_throw_errno (error, _("Starting the handover supervisor")), -1;
  pid = fork ();
  if (pid < 0)
    {
      int errsv = errno;

      (void) close (pipefd[0]);
      (void) close (pipefd[1]);
      return uctr_throw_errno_code (error, errsv, _("Starting the handover supervisor")), -1;
    }
  if (pid == 0)
    child (cfg, parent, pipefd[1]);
  (void) close (pipefd[1]);
  read_ok = uctr_read_fd (pipefd[0], "the handover supervisor", 4096, &said, &len, error);
  (void) close (pipefd[0]);
  if (read_ok && len == 1 && said[0] == '\0')
    return pid;
  (void) kill (pid, SIGKILL);
  (void) TEMP_FAILURE_RETRY (waitpid (pid, NULL, 0));
  if (read_ok)
    uctr_throw (error, UCTR_ERROR_FAILED,
                _("the handover supervisor did not start: %s"), len > 0 ? said : _("it exited"));
  return -1;
}
