/* Unit tests for --socket's lookups: each variable clients read, in
   their order, and every error naming what it looked at. The sockets are
   real, in a temporary directory ("@" in the cases below). */
#include "oneline/sockets.h"
#include "base/util.h"
#include "testutil.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

static char *dir;

typedef struct
{
  UctrSocketKind kind;
  const char *env[4]; /* KEY=VALUE, "@" is the temporary directory */
  const char *path;   /* the socket found; NULL: an error */
  const char *set;    /* an entry it sets for the container; or the error's text */
  const char *set2;   /* another entry, or NULL */
} Case;

static const Case cases[] = {
  /* Wayland: WAYLAND_DISPLAY in XDG_RUNTIME_DIR, wayland-0 by default, or absolute. */
  { UCTR_SOCKET_WAYLAND,
    { "XDG_RUNTIME_DIR=@/run", "WAYLAND_DISPLAY=wl-x" },
    "@/run/wl-x",
    "WAYLAND_DISPLAY=wl-x" },
  { UCTR_SOCKET_WAYLAND, { "XDG_RUNTIME_DIR=@/run" }, "@/run/wayland-0", "WAYLAND_DISPLAY=wayland-0" },
  { UCTR_SOCKET_WAYLAND, { "XDG_RUNTIME_DIR=@/run", "WAYLAND_DISPLAY=" }, "@/run/wayland-0", NULL },
  { UCTR_SOCKET_WAYLAND, { "WAYLAND_DISPLAY=@/run/wl-x" }, "@/run/wl-x", "WAYLAND_DISPLAY=@/run/wl-x" },
  { UCTR_SOCKET_WAYLAND, { "WAYLAND_DISPLAY=wl-x" }, NULL, "XDG_RUNTIME_DIR is not set" },
  { UCTR_SOCKET_WAYLAND,
    { "XDG_RUNTIME_DIR=run", "WAYLAND_DISPLAY=wl-x" },
    NULL,
    "XDG_RUNTIME_DIR is not set" },
  { UCTR_SOCKET_WAYLAND,
    { "XDG_RUNTIME_DIR=@/run", "WAYLAND_DISPLAY=wl-nosuch" },
    NULL,
    "--socket=wayland: @/run/wl-nosuch (from XDG_RUNTIME_DIR, WAYLAND_DISPLAY): No such file or directory" },
  { UCTR_SOCKET_WAYLAND,
    { "XDG_RUNTIME_DIR=@/run", "WAYLAND_DISPLAY=file" },
    NULL,
    "--socket=wayland: @/run/file (from XDG_RUNTIME_DIR, WAYLAND_DISPLAY) is not a socket" },
  /* X11: only local displays; the socket itself is in /tmp/.X11-unix. */
  { UCTR_SOCKET_X11, { NULL }, NULL, "--socket=x11: DISPLAY is not set" },
  { UCTR_SOCKET_X11, { "DISPLAY=localhost:10.0" }, NULL, "DISPLAY=localhost:10.0 is not a local display" },
  { UCTR_SOCKET_X11, { "DISPLAY=:x" }, NULL, "DISPLAY=:x is not a local display" },
  { UCTR_SOCKET_X11, { "DISPLAY=:1.y" }, NULL, "DISPLAY=:1.y is not a local display" },
  { UCTR_SOCKET_X11, { "DISPLAY=::1:0" }, NULL, "DISPLAY=::1:0 is not a local display" },
  { UCTR_SOCKET_X11,
    { "DISPLAY=:2147483600.0" },
    NULL,
    "--socket=x11: /tmp/.X11-unix/X2147483600 (from DISPLAY): No such file or directory" },
  { UCTR_SOCKET_X11,
    { "DISPLAY=unix:2147483601" },
    NULL,
    "--socket=x11: /tmp/.X11-unix/X2147483601 (from DISPLAY): No such file or directory" },
  /* PulseAudio: PULSE_SERVER's first local server, PULSE_RUNTIME_PATH, XDG_RUNTIME_DIR. */
  { UCTR_SOCKET_PULSEAUDIO,
    { "XDG_RUNTIME_DIR=@/run" },
    "@/run/pulse/native",
    "PULSE_SERVER=unix:@/run/pulse/native" },
  { UCTR_SOCKET_PULSEAUDIO,
    { "XDG_RUNTIME_DIR=@/nosuch", "PULSE_RUNTIME_PATH=@/run/pulse" },
    "@/run/pulse/native",
    "PULSE_SERVER=unix:@/run/pulse/native" },
  { UCTR_SOCKET_PULSEAUDIO,
    { "XDG_RUNTIME_DIR=@/nosuch", "PULSE_SERVER=tcp:host:4713 {abc}unix:@/run/wl-x @/run/bus" },
    "@/run/wl-x",
    "PULSE_SERVER=unix:@/run/wl-x" },
  { UCTR_SOCKET_PULSEAUDIO, { "PULSE_SERVER=@/run/bus" }, "@/run/bus", "PULSE_SERVER=unix:@/run/bus" },
  { UCTR_SOCKET_PULSEAUDIO,
    { "PULSE_SERVER=tcp:host:4713 otherhost" },
    NULL,
    "PULSE_SERVER=tcp:host:4713 otherhost names no local socket" },
  { UCTR_SOCKET_PULSEAUDIO,
    { NULL },
    NULL,
    "none of PULSE_SERVER, PULSE_RUNTIME_PATH and XDG_RUNTIME_DIR is set" },
  { UCTR_SOCKET_PULSEAUDIO,
    { "XDG_RUNTIME_DIR=@/nosuch" },
    NULL,
    "--socket=pulseaudio: @/nosuch/pulse/native (from XDG_RUNTIME_DIR): No such file or directory" },
  /* PipeWire: PIPEWIRE_REMOTE in PIPEWIRE_RUNTIME_DIR or XDG_RUNTIME_DIR. */
  { UCTR_SOCKET_PIPEWIRE,
    { "XDG_RUNTIME_DIR=@/run" },
    "@/run/pipewire-0",
    "PIPEWIRE_RUNTIME_DIR=@/run",
    "PIPEWIRE_REMOTE=pipewire-0" },
  { UCTR_SOCKET_PIPEWIRE,
    { "XDG_RUNTIME_DIR=@/nosuch", "PIPEWIRE_RUNTIME_DIR=@/run", "PIPEWIRE_REMOTE=wl-x" },
    "@/run/wl-x",
    "PIPEWIRE_REMOTE=wl-x" },
  { UCTR_SOCKET_PIPEWIRE,
    { "PIPEWIRE_REMOTE=@/run/pulse/native" },
    "@/run/pulse/native",
    "PIPEWIRE_RUNTIME_DIR=@/run/pulse",
    "PIPEWIRE_REMOTE=native" },
  { UCTR_SOCKET_PIPEWIRE, { NULL }, NULL, "neither PIPEWIRE_RUNTIME_DIR nor XDG_RUNTIME_DIR is set" },
  /* D-Bus: the first unix:path= of the list, unescaped; XDG_RUNTIME_DIR/bus. */
  { UCTR_SOCKET_SESSION_BUS,
    { "XDG_RUNTIME_DIR=@/run" },
    "@/run/bus",
    "DBUS_SESSION_BUS_ADDRESS=unix:path=@/run/bus" },
  { UCTR_SOCKET_SESSION_BUS,
    { "DBUS_SESSION_BUS_ADDRESS=unix:path=@/run/bus,guid=0123" },
    "@/run/bus",
    "DBUS_SESSION_BUS_ADDRESS=unix:path=@/run/bus" },
  { UCTR_SOCKET_SESSION_BUS,
    { "DBUS_SESSION_BUS_ADDRESS=tcp:host=x,port=1;unix:abstract=/tmp/a;unix:guid=1,path=@/odd%20d%2cir/"
      "b%3dus" },
    "@/odd d,ir/b=us",
    "DBUS_SESSION_BUS_ADDRESS=unix:path=@/odd%20d%2cir/b%3dus" },
  { UCTR_SOCKET_SESSION_BUS,
    { "DBUS_SESSION_BUS_ADDRESS=unix:abstract=/tmp/dbus-x,guid=1", "XDG_RUNTIME_DIR=@/run" },
    NULL,
    "DBUS_SESSION_BUS_ADDRESS=unix:abstract=/tmp/dbus-x,guid=1 is an abstract socket, which only the host's "
    "network namespace reaches" },
  { UCTR_SOCKET_SESSION_BUS,
    { "DBUS_SESSION_BUS_ADDRESS=unix:path=@/run/bus%" },
    NULL,
    "names no socket on a path (unix:path=)" },
  { UCTR_SOCKET_SESSION_BUS,
    { "DBUS_SESSION_BUS_ADDRESS=unix:path=@/run/bus%00" },
    NULL,
    "names no socket on a path (unix:path=)" },
  { UCTR_SOCKET_SESSION_BUS,
    { "DBUS_SESSION_BUS_ADDRESS=tcp:host=localhost,port=1" },
    NULL,
    "names no socket on a path" },
  { UCTR_SOCKET_SESSION_BUS, { NULL }, NULL, "neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set" },
  { UCTR_SOCKET_SESSION_BUS,
    { "XDG_RUNTIME_DIR=@/nosuch" },
    NULL,
    "--socket=session-bus: @/nosuch/bus (from XDG_RUNTIME_DIR; DBUS_SESSION_BUS_ADDRESS is unset): No such "
    "file" },
};

/* TEXT with each "@" made the temporary directory. */
static char *
at_dir (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, "@", -1);

  return g_strjoinv (dir, parts);
}

static void
make_socket (const char *rel)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_assert_cmpuint (strlen (path), <, sizeof addr.sun_path);
  strcpy (addr.sun_path, path);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  close (fd);
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_auto(GStrv) envp = NULL;
  g_autoptr(GError) error = NULL;
  UctrHostSocket s;
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (c->env) && c->env[i] != NULL; i++)
    {
      g_autofree char *entry = at_dir (c->env[i]);
      g_auto(GStrv) kv = g_strsplit (entry, "=", 2);

      envp = g_environ_setenv (envp, kv[0], kv[1], TRUE);
    }
  if (c->path == NULL)
    {
      g_autofree char *expected = at_dir (c->set);

      g_assert_false (uctr_host_socket_find (c->kind, envp, &s, &error));
      g_assert_nonnull (error);
      if (strstr (error->message, expected) == NULL)
        g_error ("message \"%s\" lacks \"%s\"", error->message, expected);
      g_assert_null (s.path);
      return;
    }
  g_assert_true (uctr_host_socket_find (c->kind, envp, &s, &error));
  g_assert_no_error (error);
  {
    g_autofree char *path = at_dir (c->path);
    g_autofree char *set = c->set != NULL ? at_dir (c->set) : NULL;
    g_autofree char *set2 = c->set2 != NULL ? at_dir (c->set2) : NULL;

    g_assert_cmpstr (s.path, ==, path);
    if (set != NULL)
      g_assert_true (g_strv_contains ((const char *const *) s.env, set));
    if (set2 != NULL)
      g_assert_true (g_strv_contains ((const char *const *) s.env, set2));
  }
  uctr_host_socket_clear (&s);
}

/* XAUTHORITY goes with X11's socket; a missing one is an error. The
   socket must exist: the test makes one in /tmp/.X11-unix when it can. */
static void
test_x11_xauthority (void)
{
  g_autofree char *xauth = g_build_filename (dir, "xauth", NULL);
  g_autofree char *display = NULL;
  g_auto(GStrv) envp = NULL;
  g_autoptr(GError) error = NULL;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  UctrHostSocket s;
  int fd, n = 2000000000 + (int) (g_random_int () % 100000000);

  g_snprintf (addr.sun_path, sizeof addr.sun_path, "/tmp/.X11-unix/X%d", n);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      g_test_skip ("/tmp/.X11-unix is not there or not writable");
      close (fd);
      return;
    }
  close (fd);
  display = g_strdup_printf (":%d", n);
  envp = g_environ_setenv (envp, "DISPLAY", display, TRUE);
  envp = g_environ_setenv (envp, "HOME", "/nonexistent", TRUE);
  g_assert_true (uctr_host_socket_find (UCTR_SOCKET_X11, envp, &s, &error));
  g_assert_cmpstr (s.path, ==, addr.sun_path);
  g_assert_null (s.file);
  uctr_host_socket_clear (&s);

  envp = g_environ_setenv (envp, "XAUTHORITY", xauth, TRUE);
  g_assert_false (uctr_host_socket_find (UCTR_SOCKET_X11, envp, &s, &error));
  g_assert_nonnull (strstr (error->message, "XAUTHORITY="));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (xauth, "", 0, NULL));
  g_assert_true (uctr_host_socket_find (UCTR_SOCKET_X11, envp, &s, &error));
  g_assert_cmpstr (s.file, ==, xauth);
  {
    g_autofree char *want_display = g_strconcat ("DISPLAY=", display, NULL);
    g_autofree char *want_xauth = g_strconcat ("XAUTHORITY=", xauth, NULL);

    g_assert_true (g_strv_contains ((const char *const *) s.env, want_display));
    g_assert_true (g_strv_contains ((const char *const *) s.env, want_xauth));
  }
  uctr_host_socket_clear (&s);
  (void) unlink (addr.sun_path);
}

static void
test_names (void)
{
  UctrSocketKind k;
  int i;

  for (i = 0; i < UCTR_SOCKET_N; i++)
    {
      g_assert_true (uctr_socket_from_name (uctr_socket_name (i), &k));
      g_assert_cmpint (k, ==, i);
    }
  g_assert_false (uctr_socket_from_name ("x11,wayland", &k));
  g_assert_false (uctr_socket_from_name ("system-bus", &k));
  g_assert_true (uctr_socket_checks_uid (UCTR_SOCKET_SESSION_BUS));
  g_assert_false (uctr_socket_checks_uid (UCTR_SOCKET_WAYLAND));
}

int
main (int argc, char **argv)
{
  gsize i;
  int rc;

  g_test_init (&argc, &argv, NULL);
  dir = g_dir_make_tmp ("uctr-sockets-XXXXXX", NULL);
  g_assert_nonnull (dir);
  make_socket ("run/wayland-0");
  make_socket ("run/wl-x");
  make_socket ("run/pulse/native");
  make_socket ("run/pipewire-0");
  make_socket ("run/bus");
  make_socket ("odd d,ir/b=us");
  {
    g_autofree char *file = g_build_filename (dir, "run", "file", NULL);

    g_assert_true (g_file_set_contents (file, "", 0, NULL));
  }
  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name
          = g_strdup_printf ("/sockets/%s/%" G_GSIZE_FORMAT, uctr_socket_name (cases[i].kind), i);

      g_test_add_data_func (name, &cases[i], test_case);
    }
  g_test_add_func ("/sockets/x11-xauthority", test_x11_xauthority);
  g_test_add_func ("/sockets/names", test_names);
  rc = g_test_run ();
  uctr_test_rm_rf (dir);
  g_free (dir);
  return rc;
}
