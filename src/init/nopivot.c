/* uctr: --no-pivot, container side. Before the chroot, the host's procfs and
   sysfs mounts leave the container's mount namespace, or, where the kernel
   keeps them there (a user namespace's copy of the host's mounts is locked),
   an empty read-only tmpfs covers each. Async-signal-safe code only: it runs
   in the container init between fork and execve (see base/afterfork.h).

   Why: a user namespace may mount a new procfs or sysfs only while one is
   fully visible in its mount namespace (the kernel's mount_too_revealing():
   a mount of the whole file system with no locked mount on anything in it
   but an empty directory). pivot_root detaches the old root; what is left
   is the container's own /proc and /sys, and their masked paths are locked
   mounts in the copy a nested user namespace gets. MS_MOVE and chroot leave
   the host's above the root instead: a container process that creates a
   nested user namespace finds them fully visible there and mounts an
   unmasked procfs. The cover is enough since the nested copy locks it too.
   runc does the same (msMoveRoot). */
#include "init/nopivot.h"
#include "base/resolve.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "base/afterfork.h" /* last: it poisons what comes after */

/* Covered mounts stay in mountinfo: they are remembered so as not to be
   covered again. More than this many procfs and sysfs mounts is an error. */
#define MAX_COVERED 256

typedef struct
{
  int fd;
  size_t start, end;
  char buf[64 * 1024];
} LineReader;

/* mountinfo a line at a time without allocating: 0 at the end, -1 on error
   (ENAMETOOLONG for a line longer than the buffer). */
static int
next_line (LineReader *r, char **line)
{
  for (;;)
    {
      char *nl = memchr (r->buf + r->start, '\n', r->end - r->start);
      ssize_t n;

      if (nl != NULL)
        {
          *nl = '\0';
          *line = r->buf + r->start;
          r->start = nl + 1 - r->buf;
          return 1;
        }
      memmove (r->buf, r->buf + r->start, r->end - r->start);
      r->end -= r->start;
      r->start = 0;
      if (r->end == sizeof r->buf - 1)
        {
          errno = ENAMETOOLONG;
          return -1;
        }
      n = TEMP_FAILURE_RETRY (read (r->fd, r->buf + r->end, sizeof r->buf - 1 - r->end));
      if (n < 0)
        return -1;
      if (n == 0)
        {
          if (r->end == 0)
            return 0;
          r->buf[r->end] = '\0';
          *line = r->buf;
          r->start = r->end;
          return 1;
        }
      r->end += n;
    }
}

typedef struct
{
  int id;
  const char *root;
  char *mount_point;
  const char *fstype;
} MountEntry;

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void
unescape_octal (char *s)
{
  char *out = s;

  while (*s != '\0')
    {
      if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
          && s[3] <= '7')
        {
          *out++ = (char) (((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
          s += 4;
        }
      else
        *out++ = *s++;
    }
  *out = '\0';
}

/* "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw": the id,
   the root, the mount point and the type, in place. */
static int
parse_entry (char *line, MountEntry *e)
{
  char *field[6], *p = line, *end;
  int i;

  for (i = 0; i < 6; i++)
    {
      field[i] = p;
      p = strchr (p, ' ');
      if (p == NULL)
        goto bad;
      *p++ = '\0';
    }
  /* Optional fields (shared:1 ...) end at a lone "-". */
  if (strncmp (p, "- ", 2) != 0)
    {
      p = strstr (p, " - ");
      if (p == NULL)
        goto bad;
      p++;
    }
  e->fstype = p + 2;
  end = strchr (p + 2, ' ');
  if (end != NULL)
    *end = '\0';
  e->id = 0;
  for (p = field[0]; *p >= '0' && *p <= '9'; p++)
    e->id = e->id * 10 + (*p - '0');
  e->root = field[3];
  e->mount_point = field[4];
  unescape_octal (e->mount_point);
  return 0;
bad:
  errno = EINVAL;
  return -1;
}

static int
is_below (const char *path, const char *dir)
{
  size_t n = strlen (dir);

  return strncmp (path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int covered[MAX_COVERED];
static size_t n_covered;
static char candidate[PATH_MAX];

static int
was_covered (int id)
{
  size_t i;

  for (i = 0; i < n_covered; i++)
    if (covered[i] == id)
      return 1;
  return 0;
}

static int
remember_covered (int id)
{
  if (n_covered == MAX_COVERED)
    {
      errno = E2BIG;
      return -1;
    }
  covered[n_covered++] = id;
  return 0;
}

static int
is_host_proc_sys (const MountEntry *e, const char *root_path)
{
  return strcmp (e->root, "/") == 0 && (strcmp (e->fstype, "proc") == 0 || strcmp (e->fstype, "sysfs") == 0)
         && !is_below (e->mount_point, root_path) && !was_covered (e->id);
}

/* The deepest host procfs or sysfs mount left (deepest first, so that
   covering one never hides another still to do): 1 with its path in
   `candidate` and its id in *ID, 0 when there is none, -1 on error. */
static int
find_candidate (int proc_fd, const char *root_path, int *id)
{
  static LineReader r;
  size_t best_len = 0;
  int found = 0, rc;
  char *line;

  r.fd = openat (proc_fd, "self/mountinfo", O_RDONLY | O_CLOEXEC);
  if (r.fd < 0)
    return -1;
  r.start = r.end = 0;
  while ((rc = next_line (&r, &line)) > 0)
    {
      MountEntry e;
      size_t len;

      if (parse_entry (line, &e) < 0)
        {
          rc = -1;
          break;
        }
      if (!is_host_proc_sys (&e, root_path) || (found && strlen (e.mount_point) <= best_len))
        continue;
      len = strlen (e.mount_point);
      if (len >= sizeof candidate)
        {
          errno = ENAMETOOLONG;
          rc = -1;
          break;
        }
      memcpy (candidate, e.mount_point, len + 1);
      best_len = len;
      *id = e.id;
      found = 1;
    }
  close (r.fd);
  return rc < 0 ? -1 : found;
}

/* Detaches the mount on top of PATH, or covers it where the kernel refuses
   (EINVAL: locked into our user namespace). Where another kind of mount is
   on top already, the host's one is covered by it. */
static int
hide_one (int slash_fd, const char *path, int id)
{
  struct statfs sfs;
  char p[32];
  int fd, r;

  fd = uctr_resolve_in_root (slash_fd, path, UCTR_RESOLVE_NO_SYMLINKS);
  if (fd < 0)
    return -1;
  if (fstatfs (fd, &sfs) < 0)
    r = -1;
  else if (sfs.f_type != PROC_SUPER_MAGIC && sfs.f_type != SYSFS_MAGIC)
    r = remember_covered (id);
  else
    {
      uctr_fd_path (p, fd);
      r = umount2 (p, MNT_DETACH);
      if (r < 0 && (errno == EINVAL || errno == EPERM))
        {
          r = mount ("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0");
          if (r == 0)
            r = remember_covered (id);
        }
    }
  close (fd);
  return r;
}

int
uctr_nopivot_hide_host_proc_sys (UctrInitCtx *ctx, int rootfd)
{
  const UctrPlan *plan = ctx->plan;
  char root_path[PATH_MAX], p[32];
  int slash_fd, pass, r = -1;
  ssize_t n;

  ctx->step = UCTR_STEP_HIDE_HOST_PROC_SYS;
  ctx->index = -1;
  /* Where the rootfs is, as mountinfo writes it. */
  uctr_fd_path (p, rootfd);
  n = readlinkat (plan->host_proc_fd, p, root_path, sizeof root_path - 1);
  if (n < 0)
    return -1;
  root_path[n] = '\0';
  /* Mount paths are "self/fd/N" relative to the host's /proc. */
  if (fchdir (plan->host_proc_fd) < 0)
    return -1;
  slash_fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (slash_fd < 0)
    return -1;
  n_covered = 0;
  for (pass = 0; pass < 2 * MAX_COVERED; pass++)
    {
      int id = 0, found = find_candidate (plan->host_proc_fd, root_path, &id);

      if (found <= 0)
        {
          r = found;
          break;
        }
      if (hide_one (slash_fd, candidate, id) < 0)
        break;
    }
  if (pass == 2 * MAX_COVERED)
    errno = E2BIG;
  close (slash_fd);
  return r;
}
