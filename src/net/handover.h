/* uctr: outbound_tcp=handover and publish_tcp=handover, the network
   helper's side (handover.c): a process of its own, the supervisor, that
   answers the container's connect() and bind() calls (plan/handover.h
   sends them) with sockets of the host's.

   For each one it reads the address from the caller's memory, and when the
   socket is an unbound, unconnected TCP socket of the container's network
   namespace and the destination one the outbound proxy would connect to
   (destination.h), it makes a socket on the host with the caller's
   options, connects it to its own copy of the address (what the caller
   changes afterwards does not matter), puts it in place of the caller's
   fd (SECCOMP_IOCTL_NOTIF_ADDFD) and returns connect()'s result.

   For a bind() of such a socket it asks the loop (forward.h,
   uctr_forwarder_hand_over) for a socket of the host bound to the port
   that publishes the address's port, gives it the caller's options and
   puts it in place: the server then listens on the host itself, and its
   clients reach it as they would a server of the host's.

   Every other call goes on in the container's kernel as if nobody had
   looked, where the container's network decides.

   The supervisor is not under Landlock: Landlock forbids reading another
   process's memory outside its domain, and that is the job. Its seccomp
   filter allows only what the job takes, and no file but /proc's fdinfo. */
#pragma once

#include "net/inside/inside.h"

#include <glib.h>
#include <netinet/in.h>
#include <sys/types.h>

typedef struct
{
  unsigned calls;          /* UCTR_HANDOVER_CALLS_ALL's bits: connect() 1, bind() 2 */
  int loop_fd;             /* bind(): a SOCK_SEQPACKET socket to the loop, which answers UctrHandoverBind */
  const char *socket_path; /* where create and exec hand over listener fds (handoverclient.h) */
  UctrInsideGuest guest;   /* the container's network, for destination.h */
  gboolean host_loopback;  /* allow_host_loopback */
  struct in_addr bind4;    /* outbound_addr; INADDR_ANY: none */
  guint64 netns_cookie;    /* SO_NETNS_COOKIE of the container's network namespace */
} UctrHandoverConfig;

/* The supervisor's question to the loop, for a bind() of a fresh TCP socket
   (of ADDR's family, IPV6_V6ONLY as V6ONLY says) to ADDR. The loop answers
   with uctr_fdpass's 'B' and the socket to hand over, or with the one byte
   'N'. */
typedef struct
{
  gint32 v6only;
  UctrSockAddr addr;
} UctrHandoverBind;

/* Forks the supervisor, which binds CFG->socket_path, sandboxes itself and
   runs until the caller (its parent) exits. Returns its pid once it
   listens, or -1 with why not. The caller must be single-threaded. */
pid_t uctr_handover_start (const UctrHandoverConfig *cfg, GError **error);
