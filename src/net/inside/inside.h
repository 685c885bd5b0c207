/* uctr: the forwarder's inside agent, a child of the network helper that
   lives in the container's user and network namespaces. The helper asks it
   over a SOCK_SEQPACKET socket, one fixed-size record per request and per
   reply, to route a published port back to us, to open sockets that
   appear to come from a client's address, and to send the container's
   outbound TCP to the outbound proxy. Private to src/net. */
#pragma once

#include <glib.h>
#include <netinet/in.h>

/* The routing table that sends the container's replies to a published
   port's clients back to the agent's transparent sockets ("uctr"). */
#define UCTR_INSIDE_TABLE 0x75637472u
/* The policy rules' priority: before the main table (32766). */
#define UCTR_INSIDE_RULE_PRIORITY 1000u

/* A client's address, IPv4 or IPv6. */
typedef union
{
  struct sockaddr sa;
  struct sockaddr_in in;
  struct sockaddr_in6 in6;
} UctrSockAddr;

typedef enum
{
  UCTR_INSIDE_ROUTE_ADD
  = 1,                   /* rule: from guest (and guest6) ipproto PROTO sport PORT lookup UCTR_INSIDE_TABLE */
  UCTR_INSIDE_ROUTE_DEL, /* the same rule, removed */
  UCTR_INSIDE_SOCKET,    /* a transparent socket bound to CLIENT, connecting to guest:PORT */
  UCTR_INSIDE_LISTEN,    /* a TCP listener on the loopback address of CLIENT's family, port 0 */
  UCTR_INSIDE_INTERCEPT, /* nftables: outbound TCP out of tap0 redirected to PORT (IPv4), PORT6 */
  UCTR_INSIDE_FORGET,    /* CLIENT (the destination) no longer taken by the outbound proxy */
} UctrInsideOp;

/* UCTR_INSIDE_INTERCEPT: also TCP to the host address (the host's loopback) */
#define UCTR_INSIDE_HOST_LOOPBACK 1u

typedef struct
{
  guint32 op;          /* UctrInsideOp */
  guint32 proto;       /* IPPROTO_TCP or IPPROTO_UDP */
  guint16 port;        /* the container's port, host order */
  guint16 port6;       /* UCTR_INSIDE_INTERCEPT: the IPv6 listener's port, or 0 */
  guint32 flags;       /* UCTR_INSIDE_INTERCEPT: UCTR_INSIDE_HOST_LOOPBACK */
  UctrSockAddr client; /* UCTR_INSIDE_SOCKET, _FORGET; UCTR_INSIDE_LISTEN: only its family */
} UctrInsideRequest;

typedef struct
{
  gint32 err; /* 0, or the errno of the step that failed; an fd rides along on success of SOCKET */
} UctrInsideReply;

/* The network behind tap0 and the container's addresses on it; has6
   FALSE when it has no IPv6. */
typedef struct
{
  struct in_addr guest;
  struct in_addr network, netmask, host; /* 10.0.2.0, 255.255.255.0, 10.0.2.2 */
  struct in6_addr guest6;
  struct in6_addr network6, netmask6, host6;
  gboolean has6;
} UctrInsideGuest;

/* The agent's body, in the child after fork(): joins the namespaces of
   INIT_PIDFD, then serves SOCK until the helper closes it. Allocates
   nothing and calls nothing of GLib, so it is safe after fork() even in a
   process that has threads. */
void G_GNUC_NORETURN uctr_inside_agent_run (int sock, int init_pidfd, pid_t parent,
                                            const UctrInsideGuest *guest);
