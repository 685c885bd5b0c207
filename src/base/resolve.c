/* uctr: path lookup confined to a root (see resolve.h). */
#include "base/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/afterfork.h" /* last: it poisons what comes after */

/* Set when openat2 is missing (or UCTR_TEST_NO_OPENAT2 asks for the walk). */
int uctr_resolve_no_openat2;

void
uctr_fd_path (char buf[32], int fd)
{
  char digits[12];
  int n = 0, i = 0;

  memcpy (buf, "self/fd/", 8);
  do
    {
      digits[n++] = '0' + fd % 10;
      fd /= 10;
    }
  while (fd > 0);
  while (n > 0)
    buf[8 + i++] = digits[--n];
  buf[8 + i] = '\0';
}

#define MAX_SYMLINKS 40

/* Replaces BUF (which holds "...<component>/REST") by "TARGET/REST". */
static int
splice_link (char *buf, size_t size, const char *target, const char *rest)
{
  char tmp[PATH_MAX];
  size_t tlen = strlen (target), rlen = strlen (rest);

  if (tlen + 1 + rlen + 1 > sizeof tmp || tlen + 1 + rlen + 1 > size)
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  memcpy (tmp, target, tlen);
  tmp[tlen] = '/';
  memcpy (tmp + tlen + 1, rest, rlen + 1);
  memcpy (buf, tmp, tlen + 1 + rlen + 1);
  return 0;
}

/* openat2's RESOLVE_IN_ROOT by hand: where openat2 is missing (before
   Linux 5.6, or refused by a seccomp filter), and to create what is missing
   in the directory actually reached. A component at a time with O_NOFOLLOW,
   and never anything but a plain name opened below the directory reached so
   far, so that no rename can take the walk above the root. A symlink is read
   and spliced into the path (an absolute one restarts from the root); ".."
   drops the last component walked and starts again from the root on what
   is left. Magic links are never followed since nothing is opened through
   them. */
typedef struct
{
  int rootfd, cur, resolve_flags, create, links;
  char *missing;       /* uctr_resolve_upto: where the name of what is missing goes */
  int *missing_last;   /* and whether it is the last component */
  char path[PATH_MAX]; /* what is left to walk */
  size_t given;        /* how much of its tail is the caller's path, not a symlink's target */
  char done[PATH_MAX]; /* what was walked, from the root */
  size_t done_len;
} Walk;

/* PATH becomes HEAD/REST, walked from the root (HEAD absolute or ".." done)
   or from where the walk is (a relative symlink). */
static int
walk_splice (Walk *w, const char *head, const char *rest, int from_root)
{
  size_t rest_len = strlen (rest);

  if (splice_link (w->path, sizeof w->path, head, rest) < 0)
    return -1;
  if (w->given > rest_len)
    w->given = rest_len;
  if (from_root)
    {
      close (w->cur);
      w->cur = fcntl (w->rootfd, F_DUPFD_CLOEXEC, 0);
      w->done[0] = '\0';
      w->done_len = 0;
    }
  return w->cur < 0 ? -1 : 1;
}

static int
walk_dotdot (Walk *w, const char *rest)
{
  char parent[PATH_MAX];
  char *slash = strrchr (w->done, '/');
  size_t len = slash != NULL ? (size_t) (slash - w->done) : 0;

  memcpy (parent, w->done, len);
  parent[len] = '\0';
  return walk_splice (w, parent, rest, 1);
}

static int
walk_symlink (Walk *w, int linkfd, const char *rest)
{
  char target[PATH_MAX];
  ssize_t n = readlinkat (linkfd, "", target, sizeof target - 1);

  if ((w->resolve_flags & RESOLVE_NO_SYMLINKS) || ++w->links > MAX_SYMLINKS)
    {
      errno = ELOOP;
      return -1;
    }
  if (n < 0)
    return -1;
  target[n] = '\0';
  return walk_splice (w, target, rest, target[0] == '/');
}

/* NAME created in the directory reached (the last one as a file with
   UCTR_RESOLVE_AS_FILE) when it is missing, whether it comes from the
   caller's path or from a symlink's target: the walk never leaves the root
   (an absolute target starts again at it, ".." stops there), so what a
   dangling symlink names is made inside the root, as runc makes it.
   TAIL: its length to the end of the path, for uctr_resolve_upto, which
   reports only what the caller's own path lacks. */
static int
walk_create (Walk *w, const char *name, const char *rest, size_t tail)
{
  int r;

  if (w->missing != NULL && tail <= w->given)
    {
      /* The walk stops here: errno 0 tells walk_in_root to return where it is. */
      if (strlen (name) > NAME_MAX)
        {
          errno = ENAMETOOLONG;
          return -1;
        }
      memcpy (w->missing, name, strlen (name) + 1);
      *w->missing_last = *rest == '\0';
      errno = 0;
      return -1;
    }
  if (!(w->create & UCTR_RESOLVE_CREATE))
    {
      errno = ENOENT;
      return -1;
    }
  if (*rest == '\0' && (w->create & UCTR_RESOLVE_AS_FILE))
    {
      r = openat (w->cur, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (r >= 0)
        close (r);
    }
  else
    r = mkdirat (w->cur, name, 0755);
  if (r < 0 && errno != EEXIST)
    return -1;
  return openat (w->cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

/* Into NEXT, the directory (or file) NAME of the one reached. */
static int
walk_descend (Walk *w, const char *name, int next)
{
  size_t len = strlen (name);

  if (w->done_len + 1 + len >= sizeof w->done)
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  if (w->done_len > 0)
    w->done[w->done_len++] = '/';
  memcpy (w->done + w->done_len, name, len + 1);
  w->done_len += len;
  close (w->cur);
  w->cur = next;
  return 0;
}

/* One component, NAME, cut out of the path; REST is what follows it.
   Returns 0 when the walk went down into it, 1 when the path was rewritten
   (a symlink, ".."), -1 on error. */
static int
walk_step (Walk *w, const char *name, const char *rest)
{
  struct stat st;
  int next, r, errsv;

  if (strcmp (name, "..") == 0)
    return walk_dotdot (w, rest);
  next = openat (w->cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (next < 0 && errno == ENOENT)
    next = walk_create (w, name, rest, (size_t) (rest - name) + strlen (rest));
  if (next < 0)
    return -1;
  if (fstat (next, &st) < 0)
    r = -1;
  else if (S_ISLNK (st.st_mode))
    r = walk_symlink (w, next, rest);
  else if (walk_descend (w, name, next) == 0)
    return 0;
  else
    r = -1;
  errsv = errno;
  close (next);
  errno = errsv;
  return r;
}

/* MISSING: see uctr_resolve_upto; NULL otherwise. */
static int
walk_in_root (int rootfd, const char *rel, int resolve_flags, int create, char *missing, int *missing_last)
{
  Walk w = { .rootfd = rootfd,
             .resolve_flags = resolve_flags,
             .create = create,
             .missing = missing,
             .missing_last = missing_last };
  size_t len = strlen (rel);
  char *p = w.path;

  if (len >= sizeof w.path)
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  memcpy (w.path, rel, len + 1);
  w.given = len;
  w.cur = fcntl (rootfd, F_DUPFD_CLOEXEC, 0);
  while (w.cur >= 0)
    {
      char *end, *rest;
      int r;

      while (*p == '/')
        p++;
      if (*p == '\0')
        return w.cur;
      end = strchrnul (p, '/');
      rest = *end != '\0' ? end + 1 : end;
      *end = '\0';
      r = strcmp (p, ".") == 0 ? 0 : walk_step (&w, p, rest);
      if (r < 0 && errno == 0 && w.missing != NULL && w.missing[0] != '\0')
        return w.cur;
      if (r < 0)
        break;
      p = r == 0 ? rest : w.path;
    }
  if (w.cur >= 0)
    {
      int errsv = errno;
      close (w.cur);
      errno = errsv;
    }
  return -1;
}

static int
open_in_root (int rootfd, const char *rel, int resolve_flags)
{
  struct open_how how = {
    .flags = O_PATH | O_CLOEXEC,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve_flags,
  };
  int fd, tries = 0;

  if (!uctr_resolve_no_openat2)
    {
      /* EAGAIN: a rename or a mount somewhere while ".." was walked, which
         the kernel will not vouch for; the lookup may be tried again.
         EPERM: a seccomp filter without openat2 (the process's lookup of
         its executable may run under linux.seccomp). */
      do
        fd = syscall (SYS_openat2, rootfd, *rel != '\0' ? rel : ".", &how, sizeof how);
      while (fd < 0 && errno == EAGAIN && ++tries < 32);
      if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
        return fd;
      uctr_resolve_no_openat2 = 1;
    }
  return walk_in_root (rootfd, rel, resolve_flags, 0, NULL, NULL);
}

int
uctr_resolve_in_root (int rootfd, const char *path, int flags)
{
  int resolve_flags = (flags & UCTR_RESOLVE_NO_SYMLINKS) ? RESOLVE_NO_SYMLINKS : 0;
  int fd;

  while (*path == '/')
    path++;
  fd = open_in_root (rootfd, path, resolve_flags);
  if (fd >= 0 || errno != ENOENT || !(flags & UCTR_RESOLVE_CREATE))
    return fd;
  /* Something is missing: created in the directory the walk has reached,
     never through a second lookup of a path that may have changed since. */
  return walk_in_root (rootfd, path, resolve_flags, flags & (UCTR_RESOLVE_CREATE | UCTR_RESOLVE_AS_FILE),
                       NULL, NULL);
}

int
uctr_resolve_upto (int rootfd, const char *path, int flags, char missing[NAME_MAX + 1], int *last)
{
  int resolve_flags = (flags & UCTR_RESOLVE_NO_SYMLINKS) ? RESOLVE_NO_SYMLINKS : 0;
  int fd;

  missing[0] = '\0';
  *last = 0;
  while (*path == '/')
    path++;
  fd = open_in_root (rootfd, path, resolve_flags);
  if (fd >= 0 || errno != ENOENT)
    return fd;
  return walk_in_root (rootfd, path, resolve_flags, 0, missing, last);
}
