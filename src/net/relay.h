/* uctr: what the port forwarder and the outbound proxy share: TCP
   connections relayed with splice() between two sockets, and listeners
   that accept in batches and rest while fds run out. Private to src/net. */
#pragma once

#include "net/inside/inside.h"

#include <glib.h>

/* A set of relayed connections: freeing the set ends them. It keeps up to
   UCTR_RELAY_SPARE_PIPES empty pipes (two fds each) of connections that
   ended, for the next ones. */
typedef struct UctrRelaySet UctrRelaySet;

#define UCTR_RELAY_SPARE_PIPES 16

UctrRelaySet *uctr_relay_set_new (void);
void uctr_relay_set_free (UctrRelaySet *set);

/* B's connect failed with ERR. */
typedef void (*UctrRelayFailFunc) (int err, gpointer data);

/* Relays bytes both ways between the connected sockets A and B (B may still
   be connecting: nothing moves until it has; if it fails, FAILED is called
   with DATA). Takes both fds, and closes both at once when this fails. A
   connection that ends in an error is reset on both sides, so that neither
   peer takes it for a clean end. DESTROY frees DATA when the relay ends. */
gboolean uctr_relay_start (UctrRelaySet *set, int a, int b, gboolean b_connecting, GMainContext *context,
                           UctrRelayFailFunc failed, gpointer data, GDestroyNotify destroy);

/* Closes the TCP socket FD with a reset (RST) rather than a FIN: what a
   peer whose connection could not be made should see. */
void uctr_socket_reset (int fd);

/* An fd watch for G_IO_IN that GLib does not block while it dispatches
   (see relay.c). */
GSource *uctr_watch_in (int fd, GSourceFunc func, gpointer data, GMainContext *context);

/* A new connection; CLIENT (nonblocking, close-on-exec) is the callee's. */
typedef void (*UctrAcceptFunc) (int client, const UctrSockAddr *peer, gpointer data);

/* A host or container socket we receive on: a TCP listener that accepts
   into FUNC, or (with uctr_acceptor_watch) any socket with a callback of
   its own. */
typedef struct
{
  int fd;
  int family; /* AF_INET or AF_INET6: peers of another family are refused */
  GSource *watch;
  GSource *pause; /* a listener rests while fds run out */
  GMainContext *context;
  UctrAcceptFunc func;
  gpointer data;
} UctrAcceptor;

/* Takes the listening socket FD and accepts from it into FUNC. */
void uctr_acceptor_start (UctrAcceptor *a, int fd, int family, UctrAcceptFunc func, gpointer data,
                          GMainContext *context);
/* Takes FD and calls FUNC with DATA when it has input. */
void uctr_acceptor_watch (UctrAcceptor *a, int fd, int family, GSourceFunc func, gpointer data,
                          GMainContext *context);
/* Stops watching and closes the socket. */
void uctr_acceptor_clear (UctrAcceptor *a);
