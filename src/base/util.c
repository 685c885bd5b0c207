/* uctr: errors, fd and file helpers. */
#include "base/util.h"
#include "base/resolve.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

G_DEFINE_QUARK (uctr - error - quark, uctr_error)
G_DEFINE_QUARK (uctr - errno - error - quark, uctr_errno_error)

gboolean
uctr_throw (GError **error, UctrError code, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  if (error != NULL)
    *error = g_error_new_valist (UCTR_ERROR, code, fmt, ap);
  va_end (ap);
  return FALSE;
}

static gboolean
throw_errno_valist (GError **error, int errsv, const char *fmt, va_list ap)
{
  g_autofree char *msg = NULL;

  if (error == NULL)
    return FALSE;
  msg = g_strdup_vprintf (fmt, ap);
  *error = g_error_new (UCTR_ERRNO_ERROR, errsv, "%s: %s", msg, g_strerror (errsv));
  return FALSE;
}

gboolean
uctr_throw_errno (GError **error, const char *fmt, ...)
{
  int errsv = errno;
  va_list ap;

  va_start (ap, fmt);
  throw_errno_valist (error, errsv, fmt, ap);
  va_end (ap);
  errno = errsv;
  return FALSE;
}

gboolean
uctr_throw_errno_code (GError **error, int errsv, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  throw_errno_valist (error, errsv, fmt, ap);
  va_end (ap);
  return FALSE;
}

gboolean
uctr_prefix_error (GError **error, const char *fmt, ...)
{
  g_autofree char *prefix = NULL;
  va_list ap;

  if (error == NULL || *error == NULL)
    return FALSE;
  va_start (ap, fmt);
  prefix = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_prefix_error (error, "%s: ", prefix);
  return FALSE;
}

gboolean
uctr_throw_at_valist (GError **error, UctrError code, const char *where, const char *fmt, va_list ap)
{
  g_autofree char *msg = NULL;

  if (error == NULL)
    return FALSE;
  msg = g_strdup_vprintf (fmt, ap);
  return uctr_throw (error, code, "%s: %s", where, msg);
}

gboolean
uctr_throw_at (GError **error, UctrError code, const char *where, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  uctr_throw_at_valist (error, code, where, fmt, ap);
  va_end (ap);
  return FALSE;
}

gboolean
uctr_read_file_at (int dfd, const char *path, gsize max, char **contents, gsize *len, GError **error)
{
  uctr_autofd int fd = openat (dfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

  if (fd < 0)
    return uctr_throw_errno (error, _("Opening %s"), path);
  return uctr_read_fd (fd, path, max, contents, len, error);
}

gboolean
uctr_read_fd (int fd, const char *path, gsize max, char **contents, gsize *len, GError **error)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  guint8 chunk[8192];

  for (;;)
    {
      ssize_t n = read (fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return uctr_throw_errno (error, _("Reading %s"), path);
      if (n == 0)
        break;
      if (buf->len + (gsize) n > max)
        return uctr_throw (error, UCTR_ERROR_FAILED, _("Reading %s: larger than %zu bytes"), path, max);
      g_byte_array_append (buf, chunk, n);
    }
  if (len != NULL)
    *len = buf->len;
  g_byte_array_append (buf, (const guint8 *) "", 1);
  *contents = (char *) g_byte_array_free (g_steal_pointer (&buf), FALSE);
  return TRUE;
}

gboolean
uctr_read_file_in_root (const char *root, const char *path, gsize max, char **contents, GError **error)
{
  uctr_autofd int rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  uctr_autofd int pathfd = -1;
  uctr_autofd int fd = -1;
  char proc_path[32];
  struct stat st;

  if (rootfd < 0)
    return uctr_throw_errno (error, _("Opening %s"), root);
  pathfd = uctr_resolve_in_root (rootfd, path, 0);
  if (pathfd < 0 || fstat (pathfd, &st) < 0)
    return uctr_throw_errno (error, _("Opening %s in %s"), path, root);
  if (!S_ISREG (st.st_mode))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("%s in %s is not a regular file"), path, root);
  /* The O_PATH fd, reopened: no second lookup of the path. */
  g_snprintf (proc_path, sizeof proc_path, "/proc/self/fd/%d", pathfd);
  fd = open (proc_path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return uctr_throw_errno (error, _("Opening %s in %s"), path, root);
  return uctr_read_fd (fd, path, max, contents, NULL, error);
}

gboolean
uctr_write_all (int fd, const char *data, gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      data += n;
      len -= n;
    }
  return TRUE;
}

gboolean
uctr_write_file_atomic_at (int dfd, const char *name, const char *data, gsize len, mode_t mode,
                           GError **error)
{
  g_autofree char *tmp = g_strdup_printf (".%s.XXXXXX", name);
  uctr_autofd int fd = -1;
  int i;

  /* mkostemp has no *at variant; a random suffix with O_EXCL gives the same. */
  for (i = 0; i < 100 && fd < 0; i++)
    {
      g_free (tmp);
      tmp = g_strdup_printf (".%s.%08x", name, g_random_int ());
      fd = openat (dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
      if (fd < 0 && errno != EEXIST)
        return uctr_throw_errno (error, _("Creating %s"), name);
    }
  if (fd < 0)
    return uctr_throw_errno (error, _("Creating %s"), name);
  /* No fsync: the rename keeps readers from ever seeing a half-written file,
     and runtime state does not outlive a reboot (it lives in XDG_RUNTIME_DIR). */
  if (!uctr_write_all (fd, data, len))
    {
      int errsv = errno;
      (void) unlinkat (dfd, tmp, 0);
      return uctr_throw_errno_code (error, errsv, _("Writing %s"), name);
    }
  if (renameat (dfd, tmp, dfd, name) < 0)
    {
      int errsv = errno;
      (void) unlinkat (dfd, tmp, 0);
      return uctr_throw_errno_code (error, errsv, _("Renaming %s into place"), name);
    }
  return TRUE;
}

void
uctr_fexecve (int fd, char **argv, char **envp)
{
  static const char prefix[] = "/proc/self/fd/";
  char path[sizeof prefix + 12], digits[12];
  char *p = path;
  int n = 0;

  (void) syscall (SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
  if (errno != ENOSYS && errno != EPERM && errno != EACCES)
    return;
  do
    {
      digits[n++] = '0' + fd % 10;
      fd /= 10;
    }
  while (fd > 0 && n < (int) sizeof digits);
  memcpy (p, prefix, sizeof prefix - 1);
  p += sizeof prefix - 1;
  while (n > 0)
    *p++ = digits[--n];
  *p = '\0';
  (void) execve (path, argv, envp);
}

gboolean
uctr_write_file_at (int dfd, const char *path, const char *data, gsize len, GError **error)
{
  uctr_autofd int fd = openat (dfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);

  if (fd < 0)
    return uctr_throw_errno (error, _("Opening %s"), path);
  if (!uctr_write_all (fd, data, len))
    return uctr_throw_errno (error, _("Writing %s"), path);
  return TRUE;
}

/* Fields after the command name, which may itself hold spaces and ')'. */
static const char *
proc_stat_after_comm (pid_t pid, char *buf, gsize size)
{
  char path[64];
  uctr_autofd int fd = -1;
  ssize_t n;
  char *p;

  g_snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  n = read (fd, buf, size - 1);
  if (n <= 0)
    return NULL;
  buf[n] = '\0';
  p = strrchr (buf, ')');
  if (p == NULL || p[1] != ' ')
    return NULL;
  return p + 2;
}

guint64
uctr_proc_start_time (pid_t pid)
{
  char buf[1024];
  const char *p = proc_stat_after_comm (pid, buf, sizeof buf);
  int field;

  if (p == NULL)
    return 0;
  /* p is at field 3 (state); starttime is field 22. */
  for (field = 3; field < 22 && p != NULL; field++)
    {
      p = strchr (p, ' ');
      if (p != NULL)
        p++;
    }
  return p != NULL ? g_ascii_strtoull (p, NULL, 10) : 0;
}

char
uctr_proc_state (pid_t pid)
{
  char buf[1024];
  const char *p = proc_stat_after_comm (pid, buf, sizeof buf);

  return p != NULL ? p[0] : '\0';
}

guint
uctr_thread_count (void)
{
  struct stat st;

  if (stat ("/proc/self/task", &st) < 0)
    return 0;
  return st.st_nlink > 2 ? st.st_nlink - 2 : 1;
}

gboolean
uctr_dirent_is_dir (int dfd, const struct dirent *de)
{
  struct stat st;

  if (de->d_type != DT_UNKNOWN)
    return de->d_type == DT_DIR;
  return fstatat (dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR (st.st_mode);
}

gboolean
uctr_running_in_userns (void)
{
  g_autofree char *map = NULL;
  guint64 inside, outside, count;

  if (!uctr_read_file_at (AT_FDCWD, "/proc/self/uid_map", 4096, &map, NULL, NULL))
    return FALSE;
  /* The initial namespace maps every id to itself, in one line. */
  if (sscanf (map, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &inside, &outside,
              &count)
      != 3)
    return TRUE;
  return !(inside == 0 && outside == 0 && count == 4294967295ULL
           && strchr (map, '\n') == map + strlen (map) - 1);
}

gboolean
uctr_setgroups_allowed (void)
{
  g_autofree char *text = NULL;

  if (!uctr_read_file_at (AT_FDCWD, "/proc/self/setgroups", 64, &text, NULL, NULL))
    return TRUE;
  return !g_str_has_prefix (text, "deny");
}

char *
uctr_time_rfc3339 (gint64 unix_nsec)
{
  time_t secs = unix_nsec / 1000000000;
  struct tm tm;
  char buf[64];

  gmtime_r (&secs, &tm);
  strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return g_strdup_printf ("%s.%09" G_GINT64_FORMAT "Z", buf, unix_nsec % 1000000000);
}

char *
uctr_absolute_path (const char *path)
{
  g_autofree char *cwd = NULL;

  if (g_path_is_absolute (path))
    return g_canonicalize_filename (path, NULL);
  cwd = g_get_current_dir ();
  return g_canonicalize_filename (path, cwd);
}

/* The fds --preserve-fds hands over must be ours to give: fill holes in
   3..3+N-1 with /dev/null so none of our own fds lands there. */
void
uctr_reserve_preserved_fds (int n)
{
  int fd;

  for (fd = 3; fd < 3 + n; fd++)
    if (fcntl (fd, F_GETFD) < 0 && errno == EBADF)
      {
        int nfd = open ("/dev/null", O_RDWR);
        if (nfd >= 0 && nfd != fd)
          {
            (void) dup2 (nfd, fd);
            (void) close (nfd);
          }
      }
}

int
uctr_term_signalfd (GError **error)
{
  struct sigaction ign = { .sa_handler = SIG_IGN };
  sigset_t set;
  int fd;

  if (sigaction (SIGPIPE, &ign, NULL) < 0)
    return uctr_throw_errno (error, _("Ignoring SIGPIPE")), -1;
  sigemptyset (&set);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  if (sigprocmask (SIG_BLOCK, &set, NULL) < 0)
    return uctr_throw_errno (error, _("Blocking SIGTERM and SIGINT")), -1;
  fd = signalfd (-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0)
    return uctr_throw_errno (error, _("Creating a signalfd")), -1;
  return fd;
}

void
uctr_stdio_to (int fd)
{
  if (fd < 0)
    return;
  (void) dup2 (fd, STDIN_FILENO);
  (void) dup2 (fd, STDOUT_FILENO);
  (void) dup2 (fd, STDERR_FILENO);
}

gboolean
uctr_write_pid_file (const char *path, pid_t pid, GError **error)
{
  g_autofree char *abs = uctr_absolute_path (path);
  g_autofree char *dir = g_path_get_dirname (abs);
  g_autofree char *base = g_path_get_basename (abs);
  g_autofree char *text = g_strdup_printf ("%d", (int) pid);
  uctr_autofd int dfd = open (dir, O_DIRECTORY | O_PATH | O_CLOEXEC);

  if (dfd < 0)
    return uctr_throw_errno (error, _("--pid-file: %s"), dir);
  if (!uctr_write_file_atomic_at (dfd, base, text, strlen (text), 0644, error))
    return uctr_prefix_error (error, _("--pid-file %s"), abs);
  return TRUE;
}

int
uctr_compare_strs (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

char **
uctr_env_set (char **env, const char *entry)
{
  gsize klen = strcspn (entry, "=");
  gsize n = env != NULL ? g_strv_length (env) : 0;
  gsize i;

  for (i = 0; i < n; i++)
    if (strncmp (env[i], entry, klen) == 0 && (env[i][klen] == '=' || env[i][klen] == '\0'))
      {
        g_free (env[i]);
        env[i] = g_strdup (entry);
        return env;
      }
  env = g_renew (char *, env, n + 2);
  env[n] = g_strdup (entry);
  env[n + 1] = NULL;
  return env;
}

int
uctr_remove_tree_at (int parent, const char *name)
{
  struct stat st;
  int fd;
  DIR *d;
  struct dirent *de;

  if (fstatat (parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : -1;
  if (!S_ISDIR (st.st_mode))
    return unlinkat (parent, name, 0);
  /* An empty directory goes without being read (overlayfs leaves its
     work/work with mode 0). */
  if (unlinkat (parent, name, AT_REMOVEDIR) == 0)
    return 0;
  fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return -1;
    }
  while ((de = readdir (d)) != NULL)
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0
        && uctr_remove_tree_at (dirfd (d), de->d_name) < 0)
      {
        closedir (d);
        return -1;
      }
  closedir (d);
  return unlinkat (parent, name, AT_REMOVEDIR);
}
