/* uctr: TCP connections relayed between two sockets with splice() through
   a pipe per direction, so bytes are never copied to userspace, and the
   listeners that feed them. Used by published ports (forward.c) and by
   the outbound proxy (outbound.c). */
#include "net/relay.h"
#include "base/util.h"

#include <fcntl.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#define ACCEPT_BATCH 64     /* connections accepted per wake-up */
#define PIPE_SIZE (1 << 20) /* fs.pipe-max-size's default; smaller is fine */
#define PUMP_ROUNDS 16      /* splice rounds per direction per wake-up */
#define PAUSE_MS 100        /* a listener rests this long when fds run out */

/* One direction of a connection: from fd[i] through the pipe to fd[1 - i]. */
typedef struct
{
  int rd, wr;
  gsize queued;  /* bytes in the pipe */
  gsize cap;     /* the pipe's size */
  gboolean full; /* splice in said EAGAIN with bytes queued: wait for a drain */
  gboolean eof;
  gboolean shut; /* EOF passed on with shutdown (SHUT_WR) */
} Pipe;

struct UctrRelaySet
{
  GHashTable *relays;
  /* Empty pipes of connections that ended cleanly, for the next ones: a
     new pipe pair is two pipe2, four fcntl and four close, a third of
     what a short connection costs the relay. */
  Pipe spare[UCTR_RELAY_SPARE_PIPES];
  guint n_spare;
};

typedef struct
{
  GSource source;
  UctrRelaySet *set; /* the set that owns us */
  int fd[2];
  gpointer tag[2];
  GIOCondition watching[2]; /* what tag[i] polls for */
  Pipe dir[2];
  gboolean connecting; /* fd[1] is still connecting */
  UctrRelayFailFunc failed;
  gpointer data;
  GDestroyNotify destroy;
} Relay;

/* --- one direction ------------------------------------------------------ */

static gboolean
pipe_open (UctrRelaySet *set, Pipe *p)
{
  int fds[2];
  int size;

  if (set->n_spare > 0)
    {
      *p = set->spare[--set->n_spare];
      return TRUE;
    }
  if (pipe2 (fds, O_NONBLOCK | O_CLOEXEC) < 0)
    return FALSE;
  p->rd = fds[0];
  p->wr = fds[1];
  /* Refused past fs.pipe-max-size or the user's pipe pages: keep the default. */
  (void) fcntl (p->wr, F_SETPIPE_SZ, PIPE_SIZE);
  size = fcntl (p->wr, F_GETPIPE_SZ);
  p->cap = size > 0 ? (gsize) size : 65536;
  return TRUE;
}

static void
pipe_close (Pipe *p)
{
  uctr_close_fdp (&p->rd);
  uctr_close_fdp (&p->wr);
}

/* An empty pipe goes back to SET, while it has room. */
static void
pipe_release (UctrRelaySet *set, Pipe *p)
{
  if (p->rd >= 0 && p->queued == 0 && set->n_spare < UCTR_RELAY_SPARE_PIPES)
    {
      set->spare[set->n_spare++] = (Pipe){ .rd = p->rd, .wr = p->wr, .cap = p->cap };
      p->rd = p->wr = -1;
    }
  pipe_close (p);
}

static gboolean
pipe_wants_input (const Pipe *p)
{
  return !p->eof && !p->full && p->queued < p->cap;
}

/* Moves what can move from SRC to DST without blocking; FALSE on an error
   that ends the connection. A read shorter than asked for emptied SRC, as
   a rule: SRC is not read again until the poll says so (it polls level-
   triggered), which spares a request and its answer a splice each way. */
static gboolean
pipe_pump (Pipe *p, int src, int dst)
{
  const guint flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;
  gboolean progress = TRUE;
  gboolean may_read = TRUE;
  ssize_t n;

  for (int round = 0; progress && round < PUMP_ROUNDS; round++)
    {
      progress = FALSE;
      if (may_read && pipe_wants_input (p))
        {
          gsize want = p->cap - p->queued;

          n = splice (src, NULL, p->wr, NULL, want, flags);
          if (n > 0)
            {
              p->queued += n;
              may_read = (gsize) n == want;
            }
          else if (n == 0)
            p->eof = TRUE;
          else if (errno == EAGAIN && p->queued > 0)
            p->full = TRUE; /* or nothing to read: either way the drain decides */
          else if (errno != EAGAIN && errno != EINTR)
            return FALSE;
          progress = n >= 0;
        }
      if (p->queued > 0)
        {
          n = splice (p->rd, NULL, dst, NULL, p->queued, flags);
          if (n > 0)
            {
              p->queued -= n;
              p->full = FALSE;
              progress = TRUE;
            }
          else if (n < 0 && errno != EAGAIN && errno != EINTR)
            return FALSE;
        }
    }
  if (p->eof && p->queued == 0 && !p->shut)
    {
      (void) shutdown (dst, SHUT_WR);
      p->shut = TRUE;
    }
  return TRUE;
}

/* --- a connection ------------------------------------------------------- */

/* Polls FD for COND only: an fd we want nothing from is not polled, or its
   HUP would wake us in a loop. Nothing is asked of GLib when COND is what
   is polled already: every change wakes the context through its eventfd
   (a write, then a poll that returns at once and a read). */
static void
relay_watch (Relay *r, int i, GIOCondition cond)
{
  if (cond == r->watching[i])
    return;
  r->watching[i] = cond;
  if (cond == 0 && r->tag[i] != NULL)
    {
      g_source_remove_unix_fd (&r->source, r->tag[i]);
      r->tag[i] = NULL;
    }
  else if (cond != 0 && r->tag[i] == NULL)
    r->tag[i] = g_source_add_unix_fd (&r->source, r->fd[i], cond);
  else if (cond != 0)
    g_source_modify_unix_fd (&r->source, r->tag[i], cond);
}

static void
relay_update_watches (Relay *r)
{
  for (int i = 0; i < 2; i++)
    {
      GIOCondition cond = 0;

      if (r->connecting)
        cond = i == 1 ? G_IO_OUT : 0;
      else
        {
          if (pipe_wants_input (&r->dir[i]))
            cond |= G_IO_IN;
          if (r->dir[1 - i].queued > 0)
            cond |= G_IO_OUT;
        }
      relay_watch (r, i, cond);
    }
}

static int
socket_error (int fd)
{
  int err = 0;
  socklen_t len = sizeof err;

  if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
    return errno;
  return err;
}

typedef enum
{
  RELAY_GOING,
  RELAY_DONE,   /* both directions ended cleanly */
  RELAY_FAILED, /* an error on either socket */
} RelayState;

/* B's connect has ended, one way or the other. */
static RelayState
relay_connected (Relay *r)
{
  int err = socket_error (r->fd[1]);

  if (err != 0)
    {
      if (r->failed != NULL)
        r->failed (err, r->data);
      return RELAY_FAILED;
    }
  r->connecting = FALSE;
  return RELAY_GOING;
}

static GIOCondition
relay_events (Relay *r, int i)
{
  return r->tag[i] != NULL ? g_source_query_unix_fd (&r->source, r->tag[i]) : 0;
}

/* Direction I (fd[I] to fd[1 - I]) has something to do when fd[I] can be
   read or its pipe drained into fd[1 - I]; the other is left alone, which
   spares a request an EAGAIN from the quiet side. Both are pumped once B
   has connected: A was not polled until then. */
static gboolean
relay_direction_ready (const GIOCondition events[2], int i)
{
  const GIOCondition end = G_IO_HUP | G_IO_ERR;

  return (events[i] & (G_IO_IN | end)) != 0 || (events[1 - i] & (G_IO_OUT | end)) != 0;
}

static RelayState
relay_step (Relay *r)
{
  GIOCondition events[2] = { relay_events (r, 0), relay_events (r, 1) };
  gboolean all = FALSE;

  if (r->connecting)
    {
      if (events[1] == 0)
        return RELAY_GOING;
      if (relay_connected (r) == RELAY_FAILED)
        return RELAY_FAILED;
      all = TRUE;
    }
  for (int i = 0; i < 2; i++)
    if ((events[i] & G_IO_ERR) && socket_error (r->fd[i]) != 0)
      return RELAY_FAILED;
  for (int i = 0; i < 2; i++)
    if ((all || relay_direction_ready (events, i)) && !pipe_pump (&r->dir[i], r->fd[i], r->fd[1 - i]))
      return RELAY_FAILED;
  return r->dir[0].shut && r->dir[1].shut ? RELAY_DONE : RELAY_GOING;
}

/* Closing with no linger sends RST rather than FIN. */
static void
reset (int fd)
{
  struct linger now = { .l_onoff = 1, .l_linger = 0 };

  if (fd >= 0)
    (void) setsockopt (fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
}

void
uctr_socket_reset (int fd)
{
  reset (fd);
  (void) close (fd);
}

static gboolean
relay_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  Relay *r = (Relay *) source;
  RelayState state = relay_step (r);

  if (state != RELAY_GOING)
    {
      if (state == RELAY_FAILED)
        {
          reset (r->fd[0]);
          reset (r->fd[1]);
        }
      /* Destroys the source; it is finalized once this dispatch returns. */
      g_hash_table_remove (r->set->relays, r);
      return G_SOURCE_REMOVE;
    }
  relay_update_watches (r);
  return G_SOURCE_CONTINUE;
}

/* Closes the sockets and gives the pipes back to the set: when the set
   removes the relay, which may be before GLib finalizes it (after the
   dispatch it is in, and the set gone by then). */
static void
relay_close (Relay *r)
{
  for (int i = 0; i < 2; i++)
    {
      uctr_close_fdp (&r->fd[i]);
      pipe_release (r->set, &r->dir[i]);
    }
}

static void
relay_finalize (GSource *source)
{
  Relay *r = (Relay *) source;

  relay_close (r);
  if (r->destroy != NULL)
    r->destroy (r->data);
}

static GSourceFuncs relay_funcs = {
  .dispatch = relay_dispatch,
  .finalize = relay_finalize,
};

static void
relay_destroy (gpointer data)
{
  GSource *source = data;

  g_source_destroy (source);
  relay_close ((Relay *) source);
  g_source_unref (source);
}

UctrRelaySet *
uctr_relay_set_new (void)
{
  UctrRelaySet *set = g_new0 (UctrRelaySet, 1);

  set->relays = g_hash_table_new_full (NULL, NULL, relay_destroy, NULL);
  return set;
}

void
uctr_relay_set_free (UctrRelaySet *set)
{
  /* The relays first: they give their pipes back. */
  g_hash_table_unref (set->relays);
  while (set->n_spare > 0)
    pipe_close (&set->spare[--set->n_spare]);
  g_free (set);
}

gboolean
uctr_relay_start (UctrRelaySet *set, int a, int b, gboolean b_connecting, GMainContext *context,
                  UctrRelayFailFunc failed, gpointer data, GDestroyNotify destroy)
{
  Relay *r = (Relay *) g_source_new (&relay_funcs, sizeof (Relay));

  /* The endpoints' own stacks already decided when to send: the relay
     passes each piece on as it comes. With Nagle here a reply written in
     two pieces by a server with TCP_NODELAY had its second piece held
     for the client's delayed ACK, about 40 ms, one round trip in fifty. */
  (void) setsockopt (a, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof (int));
  (void) setsockopt (b, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof (int));
  r->set = set;
  r->failed = failed;
  r->data = data;
  r->destroy = destroy;
  r->fd[0] = a;
  r->fd[1] = b;
  r->dir[0].rd = r->dir[0].wr = r->dir[1].rd = r->dir[1].wr = -1;
  r->connecting = b_connecting;
  if (!pipe_open (set, &r->dir[0]) || !pipe_open (set, &r->dir[1]))
    {
      g_source_unref (&r->source);
      return FALSE;
    }
  g_source_set_static_name (&r->source, "uctr relayed connection");
  /* See uctr_watch_in: no blocking around each dispatch. */
  g_source_set_can_recurse (&r->source, TRUE);
  relay_update_watches (r);
  g_source_attach (&r->source, context);
  g_hash_table_add (set->relays, r);
  return TRUE;
}

/* --- listeners ---------------------------------------------------------- */

/* GLib blocks a source while it dispatches by taking its polls out and
   putting them back, which wakes the context through its eventfd every
   time: an extra loop iteration per event. Our callbacks never run a
   nested main loop, so they need no blocking. */
GSource *
uctr_watch_in (int fd, GSourceFunc func, gpointer data, GMainContext *context)
{
  GSource *source = g_unix_fd_source_new (fd, G_IO_IN);

  g_source_set_callback (source, func, data, NULL);
  g_source_set_can_recurse (source, TRUE);
  g_source_attach (source, context);
  return source;
}

static void acceptor_listen (UctrAcceptor *a);

static gboolean
acceptor_resume (gpointer data)
{
  UctrAcceptor *a = data;

  g_clear_pointer (&a->pause, g_source_unref);
  acceptor_listen (a);
  return G_SOURCE_REMOVE;
}

/* Out of fds: the pending connection stays in the backlog, and polling the
   listener now would only spin. */
static void
acceptor_rest (UctrAcceptor *a)
{
  g_source_destroy (a->watch);
  g_clear_pointer (&a->watch, g_source_unref);
  a->pause = g_timeout_source_new (PAUSE_MS);
  g_source_set_callback (a->pause, acceptor_resume, a, NULL);
  g_source_attach (a->pause, a->context);
}

static gboolean
acceptor_ready (int fd, GIOCondition cond, gpointer data)
{
  UctrAcceptor *a = data;

  for (int i = 0; i < ACCEPT_BATCH; i++)
    {
      UctrSockAddr peer;
      socklen_t len = sizeof peer;
      int client = accept4 (fd, &peer.sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

      if (client >= 0 && peer.sa.sa_family != a->family)
        (void) close (client);
      else if (client >= 0)
        a->func (client, &peer, a->data);
      else if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
        {
          acceptor_rest (a);
          return G_SOURCE_REMOVE;
        }
      else if (errno != EINTR && errno != ECONNABORTED)
        break;
    }
  return G_SOURCE_CONTINUE;
}

static void
acceptor_listen (UctrAcceptor *a)
{
  a->watch = uctr_watch_in (a->fd, G_SOURCE_FUNC (acceptor_ready), a, a->context);
}

void
uctr_acceptor_watch (UctrAcceptor *a, int fd, int family, GSourceFunc func, gpointer data,
                     GMainContext *context)
{
  *a = (UctrAcceptor){ .fd = fd, .family = family, .context = context, .data = data };
  a->watch = uctr_watch_in (fd, func, data, context);
}

void
uctr_acceptor_start (UctrAcceptor *a, int fd, int family, UctrAcceptFunc func, gpointer data,
                     GMainContext *context)
{
  *a = (UctrAcceptor){ .fd = fd, .family = family, .context = context, .func = func, .data = data };
  acceptor_listen (a);
}

void
uctr_acceptor_clear (UctrAcceptor *a)
{
  if (a->watch != NULL)
    g_source_destroy (a->watch);
  g_clear_pointer (&a->watch, g_source_unref);
  if (a->pause != NULL)
    g_source_destroy (a->pause);
  g_clear_pointer (&a->pause, g_source_unref);
  uctr_close_fdp (&a->fd);
}
