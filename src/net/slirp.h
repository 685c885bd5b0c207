/* uctr: the network helper, libslirp on a GMainLoop behind a container's tap0. */
#pragma once

#include <glib.h>
#include <netinet/in.h>

#define UCTR_NET_DEFAULT_MTU 65520
#define UCTR_NET_DEFAULT_CIDR "10.0.2.0/24"

/* --network slirp:OPTIONS */
typedef struct
{
  guint mtu;                    /* 68..65521; 65520 */
  char *cidr;                   /* "10.0.2.0/24": host (gateway) .2, DNS .3, the container .100 */
  gboolean ipv6;                /* TRUE: fd00::/64, host fd00::2, DNS fd00::3, the container fd00::100 */
  gboolean allow_host_loopback; /* FALSE: the host address does not reach the host's 127.0.0.1 and ::1 */
  gboolean dns;                 /* TRUE: slirp answers DNS at .3 with the host's resolv.conf servers */
  char *outbound_addr;          /* NULL, or the IPv4 address outbound connections are bound to */
  gboolean splice_tcp;          /* outbound_tcp=splice (TRUE): outbound TCP through the proxy, not libslirp */
} UctrNetOptions;

void uctr_net_options_init (UctrNetOptions *o);
void uctr_net_options_clear (UctrNetOptions *o);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (UctrNetOptions, uctr_net_options_clear)

/* Applies "mtu=65520,cidr=10.0.2.0/24,ipv6=false,..." (what follows "slirp:"
   in --network; "" keeps O as it is) on top of O, so a later text overrides
   an earlier one. On error O may be half applied. */
gboolean uctr_net_options_parse (UctrNetOptions *o, const char *text, GError **error);

/* The checks that span options (an mtu IPv6 can use ...), also for options
   that were not parsed from text. */
gboolean uctr_net_options_check (const UctrNetOptions *o, GError **error);

/* What the two ends of tap0 are, as plain data for the container side. */
typedef struct
{
  struct in_addr network;   /* 10.0.2.0 */
  struct in_addr netmask;   /* 255.255.255.0 */
  guint prefix;             /* 24 */
  struct in_addr guest;     /* 10.0.2.100: the container's tap0 */
  struct in_addr host;      /* 10.0.2.2: slirp, the container's default gateway */
  struct in_addr dns;       /* 10.0.2.3 */
  struct in6_addr network6; /* fd00:: */
  guint prefix6;            /* 64 */
  struct in6_addr guest6;   /* fd00::100 */
  struct in6_addr host6;    /* fd00::2 */
  struct in6_addr dns6;     /* fd00::3 */
} UctrNetAddresses;

/* Derives the addresses from O->cidr (the IPv6 ones are fixed). */
gboolean uctr_net_options_addresses (const UctrNetOptions *o, UctrNetAddresses *out, GError **error);

typedef struct
{
  int tap_fd;
  int init_pidfd;
  int ready_fd;
  const UctrNetOptions *options;
  GPtrArray *publish;   /* UctrPortSpec *: published before READY_FD says ready; NULL: none */
  const char *api_path; /* the port API's socket (port.sock in the state dir); NULL: none */
  const char *lock_path; /* locked (flock) until the helper has let go of its ports; NULL: none */
  const char *exit_path; /* how the helper ended, when the container still ran (net.exit); NULL: nowhere */
} UctrNetHelperArgs;

/* Runs the helper until the container init exits (INIT_PIDFD becomes
   readable) or SIGTERM or SIGINT arrives; it owns the fds it is given and
   the process: signals, cwd, and, once a caller waits on READY_FD, stdio.
   The helper is two processes: this one watches (watch.h), and its child
   runs libslirp's loop; the watcher records how the loop ended in
   EXIT_PATH when that was before the container's.

   TAP_FD:     a tap device opened with IFF_TAP | IFF_NO_PI, read and written
               a frame at a time; its MTU must not exceed O->mtu.
   INIT_PIDFD: a pidfd (pidfd_open) of the container's init.
   READY_FD:   -1, or the write end of a pipe: one byte once the loop is up,
               then closed; closed without a byte when setting up failed
               (the message is on stderr). Once ready, stdin, stdout and
               stderr point to /dev/null, so the helper does not hold open
               the pipes of the command that started it.

   PUBLISH, API_PATH: with either, a port forwarder (ports.h) runs in the
               loop; every spec of PUBLISH is bound before the helper is
               ready, and one that cannot be is a startup failure. The
               API's socket is removed when the container's init exits,
               or the loop does.
   LOCK_PATH:  the watcher and the loop each hold a share (LOCK_SH) until
               they have let go of what delete waits for.

   Returns the exit status for main(): 0 when the container or a signal
   ended it, 1 when it could not start or the tap device failed, 128 + N
   when the loop died of signal N. */
int uctr_net_helper_run (const UctrNetHelperArgs *args);
