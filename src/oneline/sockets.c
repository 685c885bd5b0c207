/* uctr: where --socket's sockets are (see sockets.h). Each lookup follows
   the clients' own: libwayland-client, libxcb and libXau, libpulse,
   libpipewire, libdbus and GDBus. */
#include "oneline/sockets.h"
#include "base/util.h"

#include <string.h>
#include <sys/stat.h>

static const char *const socket_names[UCTR_SOCKET_N] = {
  "wayland", "x11", "pulseaudio", "pipewire", "session-bus",
};

const char *
uctr_socket_name (UctrSocketKind kind)
{
  return socket_names[kind];
}

gboolean
uctr_socket_from_name (const char *name, UctrSocketKind *kind)
{
  int i;

  for (i = 0; i < UCTR_SOCKET_N; i++)
    if (strcmp (name, socket_names[i]) == 0)
      {
        *kind = (UctrSocketKind) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
uctr_socket_checks_uid (UctrSocketKind kind)
{
  return kind == UCTR_SOCKET_PULSEAUDIO || kind == UCTR_SOCKET_PIPEWIRE || kind == UCTR_SOCKET_SESSION_BUS;
}

/* NAME's value in ENVP; NULL when it is unset or empty, which clients
   treat alike. */
static const char *
env_get (char **envp, const char *name)
{
  const char *v = g_environ_getenv (envp, name);

  return v != NULL && *v != '\0' ? v : NULL;
}

/* XDG_RUNTIME_DIR when it is an absolute path (clients ignore it otherwise). */
static const char *
runtime_dir (char **envp)
{
  const char *dir = env_get (envp, "XDG_RUNTIME_DIR");

  return dir != NULL && g_path_is_absolute (dir) ? dir : NULL;
}

/* PATH, found from FROM (the variables, as the user would check them),
   must be a socket. */
static gboolean
check_socket (UctrSocketKind kind, const char *path, const char *from, GError **error)
{
  struct stat st;

  if (stat (path, &st) < 0)
    return uctr_throw_errno (error, _("--socket=%s: %s (from %s)"), socket_names[kind], path, from);
  if (!S_ISSOCK (st.st_mode))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--socket=%s: %s (from %s) is not a socket"), socket_names[kind], path, from);
  return TRUE;
}

static void
set_env (UctrHostSocket *out, const char *name, const char *value)
{
  out->env = g_environ_setenv (out->env, name, value, TRUE);
}

/* WAYLAND_DISPLAY (default wayland-0) in XDG_RUNTIME_DIR, or absolute. */
static gboolean
find_wayland (char **envp, UctrHostSocket *out, GError **error)
{
  const char *display = env_get (envp, "WAYLAND_DISPLAY");
  const char *runtime = runtime_dir (envp);
  const char *name = display != NULL ? display : "wayland-0";
  const char *from;

  if (g_path_is_absolute (name))
    {
      out->path = g_strdup (name);
      from = "WAYLAND_DISPLAY";
    }
  else if (runtime == NULL)
    return uctr_throw (error, UCTR_ERROR_NOT_FOUND,
                       _("--socket=wayland: XDG_RUNTIME_DIR is not set (or not an absolute path); the socket %s "
                         "(WAYLAND_DISPLAY) is a name in it"),
                          name);
  else
    {
      out->path = g_build_filename (runtime, name, NULL);
      from = display != NULL ? "XDG_RUNTIME_DIR, WAYLAND_DISPLAY"
                             : _("XDG_RUNTIME_DIR; WAYLAND_DISPLAY is unset");
    }
  set_env (out, "WAYLAND_DISPLAY", name);
  return check_socket (UCTR_SOCKET_WAYLAND, out->path, from, error);
}

/* The number N of a local X display (":N", ":N.S", "unix:N[.S]"); -1 for
   another form (a display over TCP: "host:N"). */
static gint64
x11_display_number (const char *display)
{
  const char *colon = strrchr (display, ':');
  g_autofree char *digits = NULL;
  const char *screen;
  guint64 n;

  if (colon == NULL || !(colon == display || (colon - display == 4 && g_str_has_prefix (display, "unix"))))
    return -1;
  screen = strchr (colon + 1, '.');
  digits = screen != NULL ? g_strndup (colon + 1, (gsize) (screen - colon - 1)) : g_strdup (colon + 1);
  if (!g_ascii_string_to_unsigned (digits, 10, 0, G_MAXINT32, &n, NULL)
      || (screen != NULL && !g_ascii_string_to_unsigned (screen + 1, 10, 0, G_MAXINT32, NULL, NULL)))
    return -1;
  return (gint64) n;
}

/* The cookies X clients read: XAUTHORITY, or ~/.Xauthority when that
   exists; none is fine (the server may check the peer's uid instead). */
static gboolean
find_xauthority (char **envp, UctrHostSocket *out, GError **error)
{
  const char *xauth = env_get (envp, "XAUTHORITY");
  const char *home = env_get (envp, "HOME");
  g_autofree char *fallback = NULL;
  struct stat st;

  if (xauth != NULL)
    {
      if (stat (xauth, &st) < 0)
        return uctr_throw_errno (error, _("--socket=x11: XAUTHORITY=%s"), xauth);
    }
  else if (home != NULL && stat ((fallback = g_build_filename (home, ".Xauthority", NULL)), &st) == 0)
    xauth = fallback;
  else
    return TRUE;
  if (!S_ISREG (st.st_mode))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--socket=x11: XAUTHORITY %s is not a file"), xauth);
  out->file = g_strdup (xauth);
  set_env (out, "XAUTHORITY", xauth);
  return TRUE;
}

/* /tmp/.X11-unix/XN for DISPLAY=:N, and the cookies. */
static gboolean
find_x11 (char **envp, UctrHostSocket *out, GError **error)
{
  const char *display = env_get (envp, "DISPLAY");
  gint64 n;

  if (display == NULL)
    return uctr_throw (error, UCTR_ERROR_NOT_FOUND,
                       _("--socket=x11: DISPLAY is not set; is an X server (or Xwayland) running?"));
  n = x11_display_number (display);
  if (n < 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--socket=x11: DISPLAY=%s is not a local display (:N); the container's own network does "
                         "not reach an X server over TCP"),
                          display);
  out->path = g_strdup_printf ("/tmp/.X11-unix/X%" G_GINT64_FORMAT, n);
  set_env (out, "DISPLAY", display);
  return check_socket (UCTR_SOCKET_X11, out->path, "DISPLAY", error) && find_xauthority (envp, out, error);
}

/* The first local socket in PULSE_SERVER's list of servers: "unix:PATH"
   or "PATH", each maybe after "{machine-id}". */
static char *
pulse_server_path (const char *servers)
{
  g_auto(GStrv) words = g_strsplit_set (servers, " \t\n", -1);
  char **w;

  for (w = words; *w != NULL; w++)
    {
      const char *s = *w;

      if (*s == '{')
        {
          s = strchr (s, '}');
          if (s == NULL)
            continue;
          s++;
        }
      if (g_str_has_prefix (s, "unix:"))
        s += strlen ("unix:");
      if (g_path_is_absolute (s))
        return g_strdup (s);
    }
  return NULL;
}

/* PULSE_SERVER, or native in PULSE_RUNTIME_PATH, or pulse/native in
   XDG_RUNTIME_DIR (also where pipewire-pulse listens). */
static gboolean
find_pulseaudio (char **envp, UctrHostSocket *out, GError **error)
{
  const char *servers = env_get (envp, "PULSE_SERVER");
  const char *pulse_runtime = env_get (envp, "PULSE_RUNTIME_PATH");
  const char *runtime = runtime_dir (envp);
  g_autofree char *value = NULL;
  const char *from;

  if (servers != NULL)
    {
      out->path = pulse_server_path (servers);
      if (out->path == NULL)
        return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                           _("--socket=pulseaudio: PULSE_SERVER=%s names no local socket (unix:PATH); the "
                             "container's own network does not reach a server over TCP"),
                              servers);
      from = "PULSE_SERVER";
    }
  else if (pulse_runtime != NULL)
    {
      out->path = g_build_filename (pulse_runtime, "native", NULL);
      from = "PULSE_RUNTIME_PATH";
    }
  else if (runtime != NULL)
    {
      out->path = g_build_filename (runtime, "pulse", "native", NULL);
      from = "XDG_RUNTIME_DIR";
    }
  else
    return uctr_throw (error, UCTR_ERROR_NOT_FOUND,
                       _("--socket=pulseaudio: none of PULSE_SERVER, PULSE_RUNTIME_PATH and XDG_RUNTIME_DIR is set"));
  value = g_strconcat ("unix:", out->path, NULL);
  set_env (out, "PULSE_SERVER", value);
  return check_socket (UCTR_SOCKET_PULSEAUDIO, out->path, from, error);
}

/* PIPEWIRE_REMOTE (default pipewire-0) in PIPEWIRE_RUNTIME_DIR or
   XDG_RUNTIME_DIR, or absolute. */
static gboolean
find_pipewire (char **envp, UctrHostSocket *out, GError **error)
{
  const char *remote = env_get (envp, "PIPEWIRE_REMOTE");
  const char *pw_runtime = env_get (envp, "PIPEWIRE_RUNTIME_DIR");
  const char *runtime = runtime_dir (envp);
  const char *name = remote != NULL ? remote : "pipewire-0";
  g_autofree char *dir = NULL, *base = NULL;
  const char *from;

  if (g_path_is_absolute (name))
    {
      out->path = g_strdup (name);
      from = "PIPEWIRE_REMOTE";
    }
  else if (pw_runtime != NULL || runtime != NULL)
    {
      out->path = g_build_filename (pw_runtime != NULL ? pw_runtime : runtime, name, NULL);
      from = pw_runtime != NULL ? "PIPEWIRE_RUNTIME_DIR" : "XDG_RUNTIME_DIR";
    }
  else
    return uctr_throw (error, UCTR_ERROR_NOT_FOUND,
                       _("--socket=pipewire: neither PIPEWIRE_RUNTIME_DIR nor XDG_RUNTIME_DIR is set"));
  dir = g_path_get_dirname (out->path);
  base = g_path_get_basename (out->path);
  set_env (out, "PIPEWIRE_RUNTIME_DIR", dir);
  set_env (out, "PIPEWIRE_REMOTE", base);
  return check_socket (UCTR_SOCKET_PIPEWIRE, out->path, from, error);
}

/* A D-Bus address value with its %XX escapes undone; NULL when one is
   malformed or makes a NUL. */
static char *
dbus_unescape (const char *value)
{
  g_autoptr(GString) s = g_string_new (NULL);
  const char *p;

  for (p = value; *p != '\0'; p++)
    {
      int hi, lo;

      if (*p != '%')
        {
          g_string_append_c (s, *p);
          continue;
        }
      hi = g_ascii_xdigit_value (p[1]);
      lo = hi < 0 ? -1 : g_ascii_xdigit_value (p[2]);
      if (lo < 0 || (hi | lo) == 0)
        return NULL;
      g_string_append_c (s, (char) (hi << 4 | lo));
      p += 2;
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* PATH as a D-Bus address value: bytes other than [-0-9A-Za-z_/.\*] as %XX. */
static char *
dbus_escape (const char *path)
{
  GString *s = g_string_new (NULL);
  const char *p;

  for (p = path; *p != '\0'; p++)
    if (g_ascii_isalnum (*p) || strchr ("-_/.\\*", *p) != NULL)
      g_string_append_c (s, *p);
    else
      g_string_append_printf (s, "%%%02x", (guchar) *p);
  return g_string_free (s, FALSE);
}

/* The path of the first unix:path= address in ADDRESSES (a ';'-separated
   list of TRANSPORT:KEY=VALUE,...); NULL when there is none, with
   *ABSTRACT set when a unix:abstract= one was seen. */
static char *
dbus_address_path (const char *addresses, gboolean *abstract)
{
  g_auto(GStrv) list = g_strsplit (addresses, ";", -1);
  char **a, **kv;

  *abstract = FALSE;
  for (a = list; *a != NULL; a++)
    {
      g_auto(GStrv) pairs = NULL;

      if (!g_str_has_prefix (*a, "unix:"))
        continue;
      pairs = g_strsplit (*a + strlen ("unix:"), ",", -1);
      for (kv = pairs; *kv != NULL; kv++)
        if (g_str_has_prefix (*kv, "path="))
          {
            char *path = dbus_unescape (*kv + strlen ("path="));

            if (path != NULL && g_path_is_absolute (path))
              return path;
            g_free (path);
          }
        else if (g_str_has_prefix (*kv, "abstract="))
          *abstract = TRUE;
    }
  return NULL;
}

/* DBUS_SESSION_BUS_ADDRESS's unix:path=, or XDG_RUNTIME_DIR/bus (where
   libdbus, GDBus and sd-bus look when it is unset). */
static gboolean
find_session_bus (char **envp, UctrHostSocket *out, GError **error)
{
  const char *address = env_get (envp, "DBUS_SESSION_BUS_ADDRESS");
  const char *runtime = runtime_dir (envp);
  g_autofree char *escaped = NULL, *value = NULL;
  gboolean abstract;
  const char *from;

  if (address != NULL)
    {
      out->path = dbus_address_path (address, &abstract);
      if (out->path == NULL && abstract)
        return uctr_throw (
            error, UCTR_ERROR_UNSUPPORTED,
            _("--socket=session-bus: DBUS_SESSION_BUS_ADDRESS=%s is an abstract socket, which only "
                             "the host's network namespace reaches, and the container has its own; start the bus "
                             "on a path (unix:path=, as systemd's user bus in $XDG_RUNTIME_DIR/bus)"),
               address);
      if (out->path == NULL)
        return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                           _("--socket=session-bus: DBUS_SESSION_BUS_ADDRESS=%s names no socket on a path "
                             "(unix:path=)"),
                              address);
      from = "DBUS_SESSION_BUS_ADDRESS";
    }
  else if (runtime != NULL)
    {
      out->path = g_build_filename (runtime, "bus", NULL);
      from = _("XDG_RUNTIME_DIR; DBUS_SESSION_BUS_ADDRESS is unset");
    }
  else
    return uctr_throw (error, UCTR_ERROR_NOT_FOUND,
                       _("--socket=session-bus: neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set"));
  escaped = dbus_escape (out->path);
  value = g_strconcat ("unix:path=", escaped, NULL);
  set_env (out, "DBUS_SESSION_BUS_ADDRESS", value);
  return check_socket (UCTR_SOCKET_SESSION_BUS, out->path, from, error);
}

gboolean
uctr_host_socket_find (UctrSocketKind kind, char **envp, UctrHostSocket *out, GError **error)
{
  static gboolean (*const find[UCTR_SOCKET_N]) (char **, UctrHostSocket *, GError **) = {
    find_wayland, find_x11, find_pulseaudio, find_pipewire, find_session_bus,
  };

  *out = (UctrHostSocket){ 0 };
  if (find[kind](envp, out, error))
    return TRUE;
  uctr_host_socket_clear (out);
  return FALSE;
}

void
uctr_host_socket_clear (UctrHostSocket *s)
{
  g_clear_pointer (&s->path, g_free);
  g_clear_pointer (&s->file, g_free);
  g_clear_pointer (&s->env, g_strfreev);
}
