/* uctr: the host's desktop sockets for --socket (flatpak's names): found
   from the environment the way their clients find them, and what a client
   in the container needs in its own environment to reach the same socket,
   bound there at the same path. */
#pragma once

#include <glib.h>

typedef enum
{
  UCTR_SOCKET_WAYLAND,
  UCTR_SOCKET_X11,
  UCTR_SOCKET_PULSEAUDIO,
  UCTR_SOCKET_PIPEWIRE,
  UCTR_SOCKET_SESSION_BUS,
  UCTR_SOCKET_N,
} UctrSocketKind;

typedef struct
{
  char *path; /* the socket on the host, bound at the same path */
  char *file; /* a file bound read-only beside it (X11's XAUTHORITY), or NULL */
  char **env; /* KEY=VALUE entries that lead a client there */
} UctrHostSocket;

/* "wayland", "x11", "pulseaudio", "pipewire", "session-bus". */
const char *uctr_socket_name (UctrSocketKind kind);

/* KIND from its name; FALSE for another name. */
gboolean uctr_socket_from_name (const char *name, UctrSocketKind *kind);

/* Whether KIND's servers want their client to have their own uid (D-Bus's
   EXTERNAL authentication compares the uid the client claims with the one
   the kernel gives; PulseAudio and PipeWire trust a peer with their uid). */
gboolean uctr_socket_checks_uid (UctrSocketKind kind);

/* KIND's socket on this host, found from ENVP (g_get_environ's shape) as
   its clients would: OUT gets the path, checked to be a socket, and the
   entries a client in the container needs. The error names the variables
   it looked at and what to change. */
gboolean uctr_host_socket_find (UctrSocketKind kind, char **envp, UctrHostSocket *out, GError **error);

void uctr_host_socket_clear (UctrHostSocket *s);
