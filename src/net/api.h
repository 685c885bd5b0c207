/* uctr: the port API's server (api.c), through which `uctr port`
   (portclient.h) asks the network helper to publish, unpublish and list
   ports. A unix socket (0600) in the container's state dir; one request per
   connection (the client then shuts down its write side) and one reply,
   each a GVariant in GLib's serialized form (as D-Bus carries it, native
   byte order: both ends are on this machine), so that the helper needs no
   JSON library:
     request (ss): op ("add", "remove", "list"), spec ("127.0.0.1:8080:80/tcp"; "" for list)
     reply (bsas): ok, why not ("" when ok), the published ports (list)
   A bad request gets an error reply; the helper never dies of one. */
#pragma once

#include <glib.h>
#include <sys/un.h>

/* The socket's name in the state directory. */
#define UCTR_PORT_API_SOCKET "port.sock"
#define UCTR_PORT_API_REQUEST "(ss)"
#define UCTR_PORT_API_REPLY "(bsas)"

typedef struct _UctrForwarder UctrForwarder;

/* Serves the API on PATH for F (forward.h), on the thread-default
   GMainContext, for as long as the helper lives. */
gboolean uctr_port_api_start (const char *path, UctrForwarder *f, GError **error);

/* The address of the socket PATH, for bind and connect. A PATH longer than
   sun_path (a state dir under a long --root) is named through
   /proc/self/fd/N of its directory, which *DIR_FD then holds open until
   the caller closes it (-1 otherwise). */
gboolean uctr_port_api_address (const char *path, struct sockaddr_un *addr, int *dir_fd, GError **error);

/* Binds the unix socket FD to PATH (replacing a stale socket there),
   readable and writable by its owner only from the start. */
gboolean uctr_unix_bind_owner_only (int fd, const char *path, GError **error);
