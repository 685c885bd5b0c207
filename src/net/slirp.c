/* uctr: the network helper (its options are in options.c). libslirp is the
   container's only neighbour on tap0: it answers ARP/NDP for the host and
   DNS addresses and turns the container's TCP and UDP flows into ordinary
   sockets of this process, on the host. A GSource hands slirp's sockets and
   the tap fd to the GMainLoop; the loop ends when the container's init does. */
#include "net/slirp.h"
#include "net/agent.h"
#include "net/fdpass.h"
#include "net/handoverclient.h"
#include "net/frames.h"
#include "net/outbound.h"
#include "net/api.h"
#include "net/forward.h"
#include "net/handover.h"
#include "net/ports.h"
#include "net/sandbox.h"
#include "base/util.h"
#include "net/watch.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <libslirp.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>

/* Frames read from tap0 per wake-up, so that a busy container does not
   starve slirp's sockets (and the other way round). */
#define FRAMES_PER_WAKEUP 64

/* --- the helper -------------------------------------------------------- */

typedef struct
{
  Slirp *slirp;
  GMainLoop *loop;
  int status; /* for main() */

  int tap_fd;
  guint8 *frame; /* the one read buffer: a frame of mtu bytes plus its Ethernet header */
  gsize frame_size;
  UctrFrameFilter *filter; /* what of it libslirp may see */

  GSource *engine; /* EngineSource: tap0 and slirp's sockets */
  GPollFD tap_poll;
  GHashTable *polls; /* fd -> Poll: slirp's sockets */
  GPtrArray *asked;  /* Poll, by the index slirp_pollfds_fill was given this time */
  GPtrArray *timers; /* Timer */

  int init_pidfd;
  GSource *init_watch;
  int signal_fd;
  GSource *signal_watch;

  struct sockaddr_in outbound;
  UctrNetAddresses addresses;

  UctrAgent *agent;         /* inside the container, for the two below; or NULL */
  UctrOutbound *proxy;      /* the outbound TCP proxy, or NULL: libslirp carries it */
  UctrForwarder *forwarder; /* published ports, or NULL */
  pid_t handover_pid;       /* the handover supervisor, our child: it leaves when we do */
  int bind_fd;              /* publish_tcp=handover: our end of the supervisor's questions, or -1 */
  GSource *bind_watch;      /* on bind_fd */
  int lock_fd;              /* a share of net.lock until every host socket is closed */
  int devnull;              /* stdio once ready */
} Helper;

static void
quit (Helper *h, int status)
{
  h->status = MAX (h->status, status);
  g_main_loop_quit (h->loop);
}

static void
drop_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* libslirp's timers (in 4.7 only IPv6 router advertisements) as GLib
   timeouts, in the milliseconds of clock_get_ns / 1000000. */
typedef struct
{
  Helper *helper;
  SlirpTimerId id;
  void *cb_opaque;
  GSource *source; /* pending expiry, or NULL */
} Timer;

static void
timer_destroy (gpointer data)
{
  Timer *t = data;

  drop_source (&t->source);
  g_free (t);
}

static gboolean
timer_fire (gpointer data)
{
  Timer *t = data;

  /* Before the handler, which may set the timer again. */
  g_clear_pointer (&t->source, g_source_unref);
  slirp_handle_timer (t->helper->slirp, t->id, t->cb_opaque);
  return G_SOURCE_REMOVE;
}

static void *
cb_timer_new_opaque (SlirpTimerId id, void *cb_opaque, void *opaque)
{
  Helper *h = opaque;
  Timer *t = g_new0 (Timer, 1);

  t->helper = h;
  t->id = id;
  t->cb_opaque = cb_opaque;
  g_ptr_array_add (h->timers, t);
  return t;
}

static void
cb_timer_free (void *timer, void *opaque)
{
  Helper *h = opaque;

  g_ptr_array_remove_fast (h->timers, timer);
}

static void
cb_timer_mod (void *timer, int64_t expire_ms, void *opaque)
{
  Timer *t = timer;
  gint64 now_ms = g_get_monotonic_time () / 1000;

  drop_source (&t->source);
  t->source = g_timeout_source_new (expire_ms > now_ms ? MIN (expire_ms - now_ms, G_MAXUINT) : 0);
  g_source_set_callback (t->source, timer_fire, t, NULL);
  g_source_attach (t->source, NULL);
}

static int64_t
cb_clock_get_ns (void *opaque)
{
  return g_get_monotonic_time () * 1000;
}

static ssize_t
cb_send_packet (const void *buf, size_t len, void *opaque)
{
  Helper *h = opaque;
  ssize_t n = TEMP_FAILURE_RETRY (write (h->tap_fd, buf, len));

  if (n >= 0)
    return n;
  /* The container does not read fast enough: drop, as a link would. */
  if (errno == EAGAIN || errno == ENOBUFS)
    return len;
  /* tap0 is gone: the container deleted it or is going away. */
  n = -errno;
  quit (h, 1);
  return n;
}

static void
cb_guest_error (const char *msg, void *opaque)
{
  g_debug ("network helper: a bad frame from the container: %s", msg);
}

/* The engine polls what slirp_pollfds_fill asks for at every iteration, so
   slirp needs no other notice of its sockets or of new work. */
static void
cb_ignore_fd (int fd, void *opaque)
{
}

static void
cb_notify (void *opaque)
{
}

static void cb_unregister_poll_fd (int fd, void *opaque);

static const SlirpCb slirp_callbacks = {
  .send_packet = cb_send_packet,
  .guest_error = cb_guest_error,
  .clock_get_ns = cb_clock_get_ns,
  .timer_free = cb_timer_free,
  .timer_mod = cb_timer_mod,
  .register_poll_fd = cb_ignore_fd,
  .unregister_poll_fd = cb_unregister_poll_fd,
  .notify = cb_notify,
  .timer_new_opaque = cb_timer_new_opaque,
};

/* --- the engine: one GSource for tap0 and slirp's sockets -------------- */

typedef struct
{
  GSource source;
  Helper *helper;
} EngineSource;

/* A socket of slirp's, polled through the engine source. Registered with
   GLib when slirp asks for it, and kept while slirp leaves it out of its
   set with events 0: registering and unregistering wake the main context
   through its eventfd and cost a loop iteration, and under load slirp
   leaves sockets out of its set and back in all the time. GLib still
   passes an entry with events 0 to poll(), where the kernel reports HUP
   and ERR whatever is asked: such an entry leaves GLib's set (in
   engine_prepare) until slirp asks for it again, or slirp closes it. */
typedef struct
{
  GPollFD pfd; /* first: GLib holds &pfd */
  gboolean registered;
} Poll;

static void
poll_unregister (Helper *h, Poll *p)
{
  if (p->registered && h->engine != NULL)
    g_source_remove_poll (h->engine, &p->pfd);
  p->registered = FALSE;
}

static int
add_poll (int fd, int events, void *opaque)
{
  Helper *h = opaque;
  Poll *p = g_hash_table_lookup (h->polls, GINT_TO_POINTER (fd));

  if (p == NULL)
    {
      p = g_new0 (Poll, 1);
      p->pfd.fd = fd;
      g_hash_table_insert (h->polls, GINT_TO_POINTER (fd), p);
    }
  p->pfd.events = ((events & SLIRP_POLL_IN) ? G_IO_IN : 0) | ((events & SLIRP_POLL_OUT) ? G_IO_OUT : 0)
                  | ((events & SLIRP_POLL_PRI) ? G_IO_PRI : 0) | ((events & SLIRP_POLL_ERR) ? G_IO_ERR : 0)
                  | ((events & SLIRP_POLL_HUP) ? G_IO_HUP : 0);
  if (!p->registered)
    {
      g_source_add_poll (h->engine, &p->pfd);
      p->registered = TRUE;
    }
  g_ptr_array_add (h->asked, p);
  return h->asked->len - 1;
}

static int
get_revents (int idx, void *opaque)
{
  Helper *h = opaque;
  gushort r = ((Poll *) g_ptr_array_index (h->asked, idx))->pfd.revents;

  return ((r & G_IO_IN) ? SLIRP_POLL_IN : 0) | ((r & G_IO_OUT) ? SLIRP_POLL_OUT : 0)
         | ((r & G_IO_PRI) ? SLIRP_POLL_PRI : 0) | ((r & (G_IO_ERR | G_IO_NVAL)) ? SLIRP_POLL_ERR : 0)
         | ((r & G_IO_HUP) ? SLIRP_POLL_HUP : 0);
}

static void
cb_unregister_poll_fd (int fd, void *opaque)
{
  Helper *h = opaque;
  Poll *p = g_hash_table_lookup (h->polls, GINT_TO_POINTER (fd));

  if (p != NULL)
    {
      poll_unregister (h, p);
      g_hash_table_remove (h->polls, GINT_TO_POINTER (fd));
    }
}

static gboolean
engine_prepare (GSource *source, gint *timeout)
{
  Helper *h = ((EngineSource *) source)->helper;
  uint32_t ms = UINT32_MAX;
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init (&it, h->polls);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      Poll *p = v;

      /* Not asked for, and poll() still said something: a socket that
         hung up, which slirp keeps (libslirp's TIME_WAIT lasts 10 s).
         Polled on, it would make every poll() return at once: the loop
         spun a CPU for 10 s after each connection libslirp carried. */
      if (p->registered && p->pfd.events == 0 && p->pfd.revents != 0)
        poll_unregister (h, p);
      /* Cleared for this round: a stale revents would be taken for news. */
      p->pfd.events = 0;
      p->pfd.revents = 0;
    }
  g_ptr_array_set_size (h->asked, 0);
  slirp_pollfds_fill (h->slirp, &ms, add_poll, h);
  *timeout = ms == UINT32_MAX ? -1 : (gint) MIN (ms, (uint32_t) G_MAXINT);
  return FALSE;
}

/* Always: slirp_pollfds_poll also runs slirp's TCP timers, which are due
   when the poll timed out with nothing ready. */
static gboolean
engine_check (GSource *source)
{
  return TRUE;
}

/* Reads what the container sent, a frame per read(). */
static void
read_frames (Helper *h)
{
  int i;

  for (i = 0; i < FRAMES_PER_WAKEUP; i++)
    {
      ssize_t n = TEMP_FAILURE_RETRY (read (h->tap_fd, h->frame, h->frame_size));
      const guint8 *admitted;
      gsize len;

      if (n < 0 && errno == EAGAIN)
        return;
      if (n <= 0)
        {
          if (n < 0)
            g_printerr ("uctr-net: %s: %s\n", _("Reading from tap0"), g_strerror (errno));
          quit (h, 1);
          return;
        }
      /* tun reports the whole length of a frame it had to cut: drop it. */
      if ((gsize) n > h->frame_size)
        continue;
      admitted = uctr_frame_filter_admit (h->filter, h->frame, n, g_get_monotonic_time (), &len);
      if (admitted != NULL)
        slirp_input (h->slirp, admitted, (int) len);
    }
}

static gboolean
engine_dispatch (GSource *source, GSourceFunc callback, gpointer data)
{
  Helper *h = ((EngineSource *) source)->helper;

  if (h->tap_poll.revents != 0)
    read_frames (h);
  slirp_pollfds_poll (h->slirp, 0, get_revents, h);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs engine_funcs = {
  .prepare = engine_prepare,
  .check = engine_check,
  .dispatch = engine_dispatch,
};

static GSource *
engine_new (Helper *h)
{
  GSource *source = g_source_new (&engine_funcs, sizeof (EngineSource));

  ((EngineSource *) source)->helper = h;
  g_source_set_name (source, "uctr slirp");
  /* Otherwise GLib blocks the source while it dispatches: it takes every
     poll of ours out and puts it back, each time waking the context through
     its eventfd, which costs a loop iteration per dispatch. Nothing we
     dispatch runs a nested main loop. */
  g_source_set_can_recurse (source, TRUE);
  h->tap_poll = (GPollFD){ .fd = h->tap_fd, .events = G_IO_IN };
  g_source_add_poll (source, &h->tap_poll);
  g_source_attach (source, NULL);
  return source;
}

/* --- setting up --------------------------------------------------------- */

static void
helper_free (Helper *h)
{
  drop_source (&h->engine);
  drop_source (&h->init_watch);
  drop_source (&h->signal_watch);
  drop_source (&h->bind_watch);
  uctr_close_fdp (&h->bind_fd);
  g_clear_pointer (&h->proxy, uctr_outbound_free);
  g_clear_pointer (&h->forwarder, uctr_forwarder_free);
  /* After those that use it; reaped once the lock is let go. */
  if (h->agent != NULL)
    uctr_agent_stop (h->agent);
  /* Closes its sockets and frees its timers (cb_timer_free); h->timers frees any left. */
  if (h->slirp != NULL)
    slirp_cleanup (h->slirp);
  g_ptr_array_unref (h->timers);
  g_hash_table_unref (h->polls);
  g_ptr_array_unref (h->asked);
  g_free (h->frame);
  uctr_frame_filter_free (h->filter);
  /* delete waits for this, not for our exit: closing tap0 waits for the
     kernel's RCU grace periods, some 20 ms that nobody needs to wait for. */
  uctr_close_fdp (&h->lock_fd);
  g_clear_pointer (&h->agent, uctr_agent_free);
  uctr_close_fdp (&h->tap_fd);
  uctr_close_fdp (&h->init_pidfd);
  uctr_close_fdp (&h->signal_fd);
  uctr_close_fdp (&h->devnull);
  g_main_loop_unref (h->loop);
  g_free (h);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Helper, helper_free)

static Helper *
helper_new (int tap_fd, int init_pidfd)
{
  Helper *h = g_new0 (Helper, 1);

  h->tap_fd = tap_fd;
  h->init_pidfd = init_pidfd;
  h->signal_fd = -1;
  h->lock_fd = -1;
  h->devnull = -1;
  h->bind_fd = -1;
  h->loop = g_main_loop_new (NULL, FALSE);
  h->polls = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  h->asked = g_ptr_array_new ();
  h->timers = g_ptr_array_new_with_free_func (timer_destroy);
  h->filter = uctr_frame_filter_new ();
  return h;
}

static gboolean
set_cloexec (int fd, GError **error)
{
  int flags = fcntl (fd, F_GETFD);

  if (flags < 0 || fcntl (fd, F_SETFD, flags | FD_CLOEXEC) < 0)
    return uctr_throw_errno (error, _("Setting FD_CLOEXEC on fd %d"), fd);
  return TRUE;
}

/* The fd must be a tap device without packet information, or every frame
   would be misread. */
static gboolean
setup_tap (Helper *h, const UctrNetOptions *o, GError **error)
{
  struct ifreq ifr = { 0 };
  int flags;

  if (ioctl (h->tap_fd, TUNGETIFF, &ifr) < 0)
    return uctr_throw_errno (error, _("fd %d is not a tun/tap device"), h->tap_fd);
  if ((ifr.ifr_flags & IFF_TAP) == 0 || (ifr.ifr_flags & IFF_NO_PI) == 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("%s is not a tap device opened with IFF_NO_PI"), ifr.ifr_name);
  flags = fcntl (h->tap_fd, F_GETFL);
  if (flags < 0 || fcntl (h->tap_fd, F_SETFL, flags | O_NONBLOCK) < 0)
    return uctr_throw_errno (error, _("Making %s non-blocking"), ifr.ifr_name);
  h->frame_size = o->mtu + ETH_HLEN;
  h->frame = g_malloc (h->frame_size);
  return TRUE;
}

static gboolean
setup_slirp (Helper *h, const UctrNetOptions *o, GError **error)
{
  UctrNetAddresses a;
  SlirpConfig cfg = { .version = 4 };

  if (!uctr_net_options_addresses (o, &a, error))
    return FALSE;
  h->addresses = a;
  cfg.in_enabled = true;
  cfg.vnetwork = a.network;
  cfg.vnetmask = a.netmask;
  cfg.vhost = a.host;
  cfg.vnameserver = a.dns;
  /* No DHCP: the container's address is set when tap0 is created. The
     start address is still what a port forward with no guest address
     reaches. */
  cfg.disable_dhcp = true;
  cfg.vdhcp_start = a.guest;
  cfg.in6_enabled = o->ipv6;
  cfg.vprefix_addr6 = a.network6;
  cfg.vprefix_len = a.prefix6;
  cfg.vhost6 = a.host6;
  cfg.vnameserver6 = a.dns6;
  cfg.if_mtu = o->mtu;
  cfg.if_mru = o->mtu;
  cfg.disable_host_loopback = !o->allow_host_loopback;
  cfg.disable_dns = !o->dns;
  if (o->outbound_addr != NULL)
    {
      h->outbound.sin_family = AF_INET;
      if (inet_pton (AF_INET, o->outbound_addr, &h->outbound.sin_addr) != 1)
        return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                           _("outbound_addr \"%s\" is not an IPv4 address"), o->outbound_addr);
      cfg.outbound_addr = &h->outbound;
    }
  h->slirp = slirp_new (&cfg, &slirp_callbacks, h);
  if (h->slirp == NULL)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("libslirp %s refused the configuration"), slirp_version_string ());
  return TRUE;
}

static gboolean
on_init_exit (int fd, GIOCondition condition, gpointer data)
{
  quit (data, 0);
  return G_SOURCE_REMOVE;
}

static gboolean
on_signal (int fd, GIOCondition condition, gpointer data)
{
  struct signalfd_siginfo si;

  (void) TEMP_FAILURE_RETRY (read (fd, &si, sizeof si));
  quit (data, 0);
  return G_SOURCE_REMOVE;
}

static GSource *
watch_fd (int fd, GUnixFDSourceFunc func, Helper *h)
{
  GSource *source = g_unix_fd_source_new (fd, G_IO_IN);

  g_source_set_callback (source, G_SOURCE_FUNC (func), h, NULL);
  g_source_attach (source, NULL);
  return source;
}

/* SIGTERM and SIGINT through a signalfd rather than g_unix_signal_add, which
   starts GLib's worker thread: the helper stays single-threaded, so that it
   can still setns() into the container's user namespace. SIGPIPE is
   ignored: a host peer that goes away is an error on one socket, for slirp
   to handle. */
static gboolean
setup_signals (Helper *h, GError **error)
{
  h->signal_fd = uctr_term_signalfd (error);
  if (h->signal_fd < 0)
    return FALSE;
  h->signal_watch = watch_fd (h->signal_fd, on_signal, h);
  return TRUE;
}

static gboolean
setup_agent (Helper *h, const UctrNetOptions *o, GError **error)
{
  const UctrNetAddresses *a = &h->addresses;
  UctrInsideGuest guest = {
    .guest = a->guest,
    .network = a->network,
    .netmask = a->netmask,
    .host = a->host,
    .guest6 = a->guest6,
    .network6 = a->network6,
    .host6 = a->host6,
    .has6 = o->ipv6,
  };

  for (guint i = 0; i < a->prefix6 && i < 128; i++)
    guest.netmask6.s6_addr[i / 8] |= 0x80 >> (i % 8);
  h->agent = uctr_agent_start (h->init_pidfd, &guest, error);
  return h->agent != NULL;
}

/* The outbound proxy, where the kernel lets us redirect; libslirp otherwise.
   Set up before the caller goes on, so before the container's process
   runs: its rules appearing while the container's first connection was
   under way reset about one in fifty of those (a container that talks to
   the host the moment it starts). */
static void
setup_outbound (Helper *h, const UctrNetOptions *o)
{
  g_autoptr(GError) error = NULL;

  if (o->outbound_tcp == UCTR_OUTBOUND_TCP_SLIRP)
    return;
  if (h->agent == NULL && !setup_agent (h, o, &error))
    {
      g_debug ("network helper: outbound TCP through libslirp: %s", error->message);
      return;
    }
  h->proxy = uctr_outbound_new (h->agent, o->allow_host_loopback,
                                o->outbound_addr != NULL ? &h->outbound.sin_addr : NULL, &error);
  if (h->proxy == NULL)
    g_debug ("network helper: outbound TCP through libslirp: %s", error->message);
}

/* The forwarder and the port API, once slirp is up: a spec that cannot be
   published fails the start, so that create fails with nothing left. */
static gboolean
setup_ports (Helper *h, const UctrNetHelperArgs *args, GError **error)
{
  guint i;

  if (args->api_path == NULL && (args->publish == NULL || args->publish->len == 0))
    return TRUE;
  if (h->agent == NULL && !setup_agent (h, args->options, error))
    return uctr_prefix_error (error, _("Starting the port forwarder"));
  h->forwarder = uctr_forwarder_new (h->agent);
  if (args->options->publish_tcp == UCTR_PUBLISH_TCP_HANDOVER)
    uctr_forwarder_set_handover (h->forwarder);
  for (i = 0; args->publish != NULL && i < args->publish->len; i++)
    {
      const UctrPortSpec *spec = g_ptr_array_index (args->publish, i);

      if (!uctr_forwarder_add (h->forwarder, spec, error))
        {
          g_autofree char *text = uctr_port_spec_format (spec);
          return uctr_prefix_error (error, "--publish %s", text);
        }
    }
  if (args->api_path != NULL)
    {
      if (!uctr_port_api_start (args->api_path, h->forwarder, error))
        return uctr_prefix_error (error, _("Starting the port API"));
    }
  return TRUE;
}

/* Shared: the watcher holds a share of its own (watch.h). */
static gboolean
take_lock (Helper *h, const char *path, GError **error)
{
  if (path == NULL)
    return TRUE;
  h->lock_fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (h->lock_fd < 0 || flock (h->lock_fd, LOCK_SH | LOCK_NB) < 0)
    return uctr_throw_errno (error, _("Locking %s"), path);
  return TRUE;
}

static gboolean
helper_setup (Helper *h, const UctrNetOptions *o, GError **error)
{
  if (h->tap_fd < 0 || h->init_pidfd < 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("needs the fd of tap0 and a pidfd of the container init"));
  if (!uctr_net_options_check (o, error))
    return FALSE;
  if (!set_cloexec (h->tap_fd, error) || !set_cloexec (h->init_pidfd, error))
    return FALSE;
  if (!setup_tap (h, o, error) || !setup_slirp (h, o, error) || !setup_signals (h, error))
    return FALSE;
  h->engine = engine_new (h);
  h->init_watch = watch_fd (h->init_pidfd, on_init_exit, h);
  return TRUE;
}

/* Lets go of the working directory it inherited from the caller, and
   opens what replaces its stdio once ready: the sandbox forbids both. */
static gboolean
prepare_detach (Helper *h, GError **error)
{
  (void) chdir ("/");
  h->devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (h->devnull < 0)
    return uctr_throw_errno (error, _("Opening /dev/null"));
  return TRUE;
}

/* Tells the waiting caller that the loop is up, and lets go of the stdio
   it inherited from it. */
static void
signal_ready (Helper *h, int ready_fd)
{
  char c = 'R';

  if (ready_fd < 0)
    return;
  if (TEMP_FAILURE_RETRY (write (ready_fd, &c, 1)) != 1)
    g_debug ("network helper: nobody waits for it: %s", g_strerror (errno));
  (void) close (ready_fd);
  uctr_stdio_to (h->devnull);
}

/* Each forwarded TCP connection holds six fds (two sockets, two pipes): use
   the hard limit rather than the usual soft 1024. */
static void
raise_fd_limit (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      (void) setrlimit (RLIMIT_NOFILE, &rl);
    }
}

/* Where libslirp reads the DNS servers from, when it forwards DNS: it
   reads resolv.conf again whenever it changes, maybe as a new file. */
static char *
resolv_dir (const UctrNetOptions *o)
{
  g_autofree char *real = NULL;

  if (!o->dns || (real = realpath ("/etc/resolv.conf", NULL)) == NULL)
    return NULL;
  return g_path_get_dirname (real);
}

/* publish_tcp=handover: the supervisor asks which socket of the host to
   give a bind() of the container's (handover.h's UctrHandoverBind). */
static gboolean
on_bind_question (int fd, GIOCondition cond, gpointer data)
{
  Helper *h = data;
  UctrHandoverBind q;
  ssize_t n = recv (fd, &q, sizeof q, MSG_DONTWAIT);
  uctr_autofd int sock = -1;

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      /* The supervisor has gone. */
      g_clear_pointer (&h->bind_watch, g_source_unref);
      uctr_close_fdp (&h->bind_fd);
      return G_SOURCE_REMOVE;
    }
  if (n == (ssize_t) sizeof q && h->forwarder != NULL)
    sock = uctr_forwarder_hand_over (h->forwarder, q.v6only != 0, &q.addr);
  if (sock < 0 || !uctr_fdpass_send (fd, 'B', &sock, 1))
    (void) send (fd, "N", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
  return G_SOURCE_CONTINUE;
}

/* The loop's end of the supervisor's questions, watched; *THEIRS the other. */
static gboolean
listen_for_binds (Helper *h, int *theirs, GError **error)
{
  int pair[2];

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
    return uctr_throw_errno (error, _("Creating the handover supervisor's socket"));
  h->bind_fd = pair[0];
  *theirs = pair[1];
  h->bind_watch = g_unix_fd_source_new (h->bind_fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
  g_source_set_callback (h->bind_watch, G_SOURCE_FUNC (on_bind_question), h, NULL);
  g_source_attach (h->bind_watch, NULL);
  return TRUE;
}

/* The handover supervisor (outbound_tcp= or publish_tcp=handover), told
   which network namespace is the container's by a socket the agent makes
   there. */
static gboolean
setup_handover (Helper *h, const UctrNetHelperArgs *args, GError **error)
{
  const UctrNetOptions *o = args->options;
  UctrHandoverConfig cfg
      = { .socket_path = args->handover_path, .host_loopback = o->allow_host_loopback, .loop_fd = -1 };
  UctrInsideRequest req = { .op = UCTR_INSIDE_LISTEN, .proto = IPPROTO_TCP };
  socklen_t len = sizeof cfg.netns_cookie;
  uctr_autofd int probe = -1;
  uctr_autofd int theirs = -1;
  int err;

  if (h->agent == NULL && !setup_agent (h, o, error))
    return FALSE;
  req.client.sa.sa_family = AF_INET;
  err = uctr_agent_call (h->agent, &req, &probe);
  if (err != 0)
    return uctr_throw_errno_code (error, err, _("Joining the container's network namespace"));
  if (getsockopt (probe, SOL_SOCKET, SO_NETNS_COOKIE, &cfg.netns_cookie, &len) < 0)
    return uctr_throw_errno (error, _("Reading the cookie of the container's network namespace "
                                      "(SO_NETNS_COOKIE, Linux 5.14)"));
  cfg.guest = *uctr_agent_guest (h->agent);
  if (o->outbound_addr != NULL)
    cfg.bind4 = h->outbound.sin_addr;
  if (o->outbound_tcp == UCTR_OUTBOUND_TCP_HANDOVER)
    cfg.calls |= UCTR_HANDOVER_SAYS_CONNECT;
  if (o->publish_tcp == UCTR_PUBLISH_TCP_HANDOVER)
    {
      if (!listen_for_binds (h, &theirs, error))
        return FALSE;
      cfg.calls |= UCTR_HANDOVER_SAYS_BIND;
      cfg.loop_fd = theirs;
    }
  h->handover_pid = uctr_handover_start (&cfg, error);
  return h->handover_pid > 0;
}

/* The agent before the sandbox, which forbids fork(): outbound TCP wants
   it (setup_outbound), and it is forked already when there are ports; so
   is the handover supervisor. */
static gboolean
sandbox (Helper *h, const UctrNetHelperArgs *args, GError **error)
{
  const UctrNetOptions *o = args->options;
  g_autoptr(GError) local = NULL;
  g_autofree char *dir = resolv_dir (o);
  int abi;

  if (args->handover_path != NULL && !setup_handover (h, args, error))
    return uctr_prefix_error (error, _("the handover"));
  if (o->outbound_tcp != UCTR_OUTBOUND_TCP_SLIRP && h->agent == NULL && !setup_agent (h, o, &local))
    g_debug ("network helper: outbound TCP through libslirp: %s", local->message);
  /* Loads our translations, which Landlock would keep from us later. */
  (void) gettext ("");
  if (!uctr_net_sandbox_enter (dir, &abi, error))
    return uctr_prefix_error (error, _("Sandboxing the network helper"));
  if (abi == 0)
    g_debug ("network helper: no Landlock here: files stay readable to it");
  return TRUE;
}

/* The agent joins the container's namespaces while the sandbox is set up.
   The port forwarder cannot go without it; outbound TCP alone goes through
   libslirp instead. */
static gboolean
agent_in_place (Helper *h, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (h->agent == NULL || uctr_agent_wait (h->agent, &local))
    return TRUE;
  if (h->forwarder != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return uctr_prefix_error (error, _("Starting the port forwarder"));
    }
  g_debug ("network helper: outbound TCP through libslirp: %s", local->message);
  g_clear_pointer (&h->agent, uctr_agent_free);
  return TRUE;
}

static int
helper_loop (const UctrNetHelperArgs *args)
{
  g_autoptr(Helper) h = NULL;

  raise_fd_limit ();
  h = helper_new (args->tap_fd, args->init_pidfd);
  g_autoptr(GError) error = NULL;
  int ready_fd = args->ready_fd;

  if (!uctr_net_sandbox_harden (&error) || !take_lock (h, args->lock_path, &error)
      || !helper_setup (h, args->options, &error) || !setup_ports (h, args, &error)
      || !prepare_detach (h, &error) || !sandbox (h, args, &error) || !agent_in_place (h, &error))
    {
      g_printerr ("uctr-net: %s\n", error->message);
      /* The agent reaped and every socket closed before the caller, which
         then reports the failure, hears of it. */
      g_clear_pointer (&h, helper_free);
      if (ready_fd >= 0)
        (void) close (ready_fd);
      return 1;
    }
  setup_outbound (h, args->options);
  /* Everything is attached: frames that come before the loop runs wait in tap0's queue. */
  signal_ready (h, ready_fd);
  g_main_loop_run (h->loop);
  return h->status;
}

int
uctr_net_helper_run (const UctrNetHelperArgs *args)
{
  return uctr_net_watch_run (args, helper_loop);
}
