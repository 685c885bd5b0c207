/* uctr: NOTIFY_SOCKET forwarding (see notify.h). */
#include "runtime/notify.h"
#include "base/log.h"
#include "runtime/state.h"
#include "base/util.h"

#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* sd_notify messages are small; systemd itself reads at most a page or so. */
#define NOTIFY_MAX 4096

struct _UctrNotify
{
  int fd;
  char *target; /* $NOTIFY_SOCKET: a path, or "@name" for the abstract namespace */
  gboolean ready_sent;
};

static const char *
host_socket (void)
{
  const char *s = g_getenv ("NOTIFY_SOCKET");

  return s != NULL && *s != '\0' ? s : NULL;
}

gboolean
uctr_notify_prepare (int state_dfd, const char *state_path, char **host_dir, GError **error)
{
  *host_dir = NULL;
  if (host_socket () == NULL)
    return TRUE;
  /* The container's processes may run as any of its ids: the directory is
     searchable and the socket (made by start) writable by all of them. */
  if (mkdirat (state_dfd, UCTR_NOTIFY_DIR, 0755) < 0 || fchmodat (state_dfd, UCTR_NOTIFY_DIR, 0755, 0) < 0)
    return uctr_throw_errno (error, _("NOTIFY_SOCKET: creating %s/%s"), state_path, UCTR_NOTIFY_DIR);
  *host_dir = g_build_filename (state_path, UCTR_NOTIFY_DIR, NULL);
  return TRUE;
}

static gboolean
fill_address (struct sockaddr_un *addr, socklen_t *len, const char *path)
{
  gsize n = strlen (path);

  if (n == 0 || n >= sizeof addr->sun_path)
    return FALSE;
  memset (addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  memcpy (addr->sun_path, path, n);
  if (path[0] == '@')
    addr->sun_path[0] = '\0';
  *len = offsetof (struct sockaddr_un, sun_path) + n + (path[0] == '@' ? 0 : 1);
  return TRUE;
}

static gboolean
bind_socket (UctrNotify *n, const char *path, GError **error)
{
  struct sockaddr_un addr;
  socklen_t len;

  n->fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (n->fd < 0)
    return uctr_throw_errno (error, _("NOTIFY_SOCKET: creating a socket"));
  if (!fill_address (&addr, &len, path))
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("NOTIFY_SOCKET: the path %s is too long for a socket"), path);
  (void) unlink (path);
  if (bind (n->fd, (struct sockaddr *) &addr, len) < 0)
    return uctr_throw_errno (error, _("NOTIFY_SOCKET: binding %s"), path);
  if (chmod (path, 0777) < 0)
    return uctr_throw_errno (error, _("NOTIFY_SOCKET: making %s writable for the container"), path);
  return TRUE;
}

UctrNotify *
uctr_notify_listen (const char *root, const char *id, GError **error)
{
  g_autofree char *dir = g_build_filename (root, id, UCTR_NOTIFY_DIR, NULL);
  g_autofree char *path = g_build_filename (dir, "notify.sock", NULL);
  g_autoptr(UctrNotify) n = NULL;
  uctr_autofd int dfd = -1;
  struct stat st;

  if (host_socket () == NULL)
    return NULL;
  /* Only in a state directory of ours (the bind goes by path). */
  dfd = uctr_state_open_dir (root, id, error);
  if (dfd < 0 || fstatat (dfd, UCTR_NOTIFY_DIR, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR (st.st_mode))
    return NULL;
  n = g_new0 (UctrNotify, 1);
  n->fd = -1;
  n->target = g_strdup (host_socket ());
  if (!bind_socket (n, path, error))
    return NULL;
  return g_steal_pointer (&n);
}

int
uctr_notify_fd (const UctrNotify *n)
{
  return n != NULL ? n->fd : -1;
}

/* The container's message without its MAINPID= (a pid of its own
   namespace), and MAINPID=our view of its init after READY=1. */
static char *
rewrite (const char *msg, gsize len, pid_t mainpid, gboolean *ready)
{
  g_autofree char *text = g_strndup (msg, len);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_new (NULL);
  char **l;

  *ready = FALSE;
  for (l = lines; *l != NULL; l++)
    {
      if (**l == '\0' || g_str_has_prefix (*l, "MAINPID="))
        continue;
      if (strcmp (*l, "READY=1") == 0)
        *ready = TRUE;
      g_string_append_printf (out, "%s\n", *l);
    }
  if (*ready)
    g_string_append_printf (out, "MAINPID=%d\n", (int) mainpid);
  return g_string_free (out, FALSE);
}

/* MSG to the socket TARGET names; FALSE with errno set (EINVAL: not a
   socket path) when it cannot go. */
static gboolean
send_to (const char *target, const char *msg)
{
  uctr_autofd int fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr;
  socklen_t len;

  if (!fill_address (&addr, &len, target))
    {
      errno = EINVAL;
      return FALSE;
    }
  return fd >= 0
         && TEMP_FAILURE_RETRY (sendto (fd, msg, strlen (msg), MSG_NOSIGNAL, (struct sockaddr *) &addr, len))
                >= 0;
}

static void
send_to_host (UctrNotify *n, const char *msg)
{
  g_autofree char *warning = NULL;

  if (send_to (n->target, msg))
    return;
  if (errno == EINVAL)
    warning = g_strdup_printf (_("NOTIFY_SOCKET=%s: not a usable socket path"), n->target);
  else
    warning = g_strdup_printf (_("NOTIFY_SOCKET=%s: forwarding the container's notification: %s"), n->target,
                                  g_strerror (errno));
  uctr_warn (warning);
}

gboolean
uctr_notify_forward (UctrNotify *n, pid_t mainpid)
{
  char buf[NOTIFY_MAX];
  ssize_t got;

  while ((got = TEMP_FAILURE_RETRY (recv (n->fd, buf, sizeof buf, 0))) > 0)
    {
      gboolean ready;
      g_autofree char *msg = rewrite (buf, got, mainpid, &ready);

      uctr_debug ("notify: %s", msg);
      if (*msg != '\0')
        send_to_host (n, msg);
      n->ready_sent |= ready;
    }
  return n->ready_sent;
}

void
uctr_notify_wait_ready (UctrNotify *n, pid_t mainpid, int pidfd)
{
  while (!uctr_notify_forward (n, mainpid))
    {
      struct pollfd p[2] = { { .fd = n->fd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };

      if (poll (p, 2, -1) < 0 && errno != EINTR)
        return;
      if (p[1].revents != 0)
        {
          (void) uctr_notify_forward (n, mainpid);
          return;
        }
    }
}

void
uctr_notify_free (UctrNotify *n)
{
  if (n == NULL)
    return;
  if (n->fd >= 0)
    close (n->fd);
  g_free (n->target);
  g_free (n);
}

gboolean
uctr_sdnotify_parse (const char *text, UctrSdNotify *mode, GError **error)
{
  static const char *const names[] = { [UCTR_SDNOTIFY_CONTAINER] = "container",
                                       [UCTR_SDNOTIFY_CONMON] = "conmon",
                                       [UCTR_SDNOTIFY_IGNORE] = "ignore" };
  guint i;

  for (i = 0; text != NULL && i < G_N_ELEMENTS (names); i++)
    if (strcmp (text, names[i]) == 0)
      {
        *mode = (UctrSdNotify) i;
        return TRUE;
      }
  *mode = UCTR_SDNOTIFY_CONTAINER;
  return text == NULL
         || uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                        _("--sdnotify: expected container, conmon or ignore, not \"%s\""), text);
}

char *
uctr_sdnotify_take (UctrSdNotify mode)
{
  g_autofree char *target = g_strdup (host_socket ());

  if (mode == UCTR_SDNOTIFY_CONTAINER)
    return NULL;
  g_unsetenv ("NOTIFY_SOCKET");
  return mode == UCTR_SDNOTIFY_CONMON ? g_steal_pointer (&target) : NULL;
}

void
uctr_sdnotify_ready (const char *target, pid_t mainpid)
{
  g_autofree char *msg = NULL;

  if (target == NULL)
    return;
  msg = g_strdup_printf ("READY=1\nMAINPID=%d\n", (int) mainpid);
  uctr_debug ("notify: %s", msg);
  if (!send_to (target, msg))
    {
      g_autofree char *warning
          = g_strdup_printf (_("NOTIFY_SOCKET=%s: sending READY=1: %s"), target, g_strerror (errno));
      uctr_warn (warning);
    }
}
