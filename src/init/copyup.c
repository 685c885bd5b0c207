/* uctr: tmpcopyup, container side (see copyup.h). Runs in the container
   init between fork and execve: no allocation, stack buffers only (see
   base/afterfork.h). Nothing is followed: every entry is opened or made
   O_NOFOLLOW relative to its directory's fd, so a symlink in the image
   is copied as a symlink and never leads out of the tree. */
#include "init/copyup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/afterfork.h" /* last: it poisons what comes after */

/* Deeper than this, the image is taken for hostile (ELOOP). */
#define MAX_DEPTH 128

static int copy_dir (int from, int to, int depth);

/* An owner the user namespace does not map (EINVAL) leaves the copy the
   container root's, as the entry would show as nobody anyway. */
static int
owned (int r)
{
  return r < 0 && errno == EINVAL ? 0 : r;
}

static int
copy_bytes (int in, int out)
{
  char buf[16384];
  ssize_t n;

  for (;;)
    {
      n = TEMP_FAILURE_RETRY (read (in, buf, sizeof buf));
      if (n <= 0)
        return (int) n;
      for (ssize_t done = 0; done < n;)
        {
          ssize_t w = TEMP_FAILURE_RETRY (write (out, buf + done, (size_t) (n - done)));
          if (w < 0)
            return -1;
          done += w;
        }
    }
}

static int
copy_file (int from, int to, const char *name, const struct stat *st)
{
  int in, out, r;

  in = openat (from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0)
    return -1;
  out = openat (to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    {
      close (in);
      return -1;
    }
  r = copy_bytes (in, out);
  /* Owner first: a chown clears the set-id bits the mode then sets. */
  if (r == 0 && (owned (fchown (out, st->st_uid, st->st_gid)) < 0 || fchmod (out, st->st_mode & 07777) < 0))
    r = -1;
  close (in);
  close (out);
  return r;
}

static int
copy_link (int from, int to, const char *name, const struct stat *st)
{
  char target[4096];
  ssize_t n = readlinkat (from, name, target, sizeof target - 1);

  if (n < 0)
    return -1;
  target[n] = '\0';
  if (symlinkat (target, to, name) < 0)
    return -1;
  return owned (fchownat (to, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW));
}

static int
copy_subdir (int from, int to, const char *name, const struct stat *st, int depth)
{
  int sub_from, sub_to, r;

  if (mkdirat (to, name, 0700) < 0)
    return -1;
  sub_from = openat (from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (sub_from < 0)
    return -1;
  sub_to = openat (to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (sub_to < 0)
    {
      close (sub_from);
      return -1;
    }
  r = copy_dir (sub_from, sub_to, depth + 1);
  if (r == 0
      && (owned (fchown (sub_to, st->st_uid, st->st_gid)) < 0 || fchmod (sub_to, st->st_mode & 07777) < 0))
    r = -1;
  close (sub_from);
  close (sub_to);
  return r;
}

static int
copy_entry (int from, int to, const char *name, int depth)
{
  struct stat st;

  if (fstatat (from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return -1;
  switch (st.st_mode & S_IFMT)
    {
    case S_IFDIR:
      return copy_subdir (from, to, name, &st, depth);
    case S_IFREG:
      return copy_file (from, to, name, &st);
    case S_IFLNK:
      return copy_link (from, to, name, &st);
    default:
      /* fifos, sockets and device nodes, made anew. */
      if (mknodat (to, name, st.st_mode, st.st_rdev) < 0)
        return -1;
      return owned (fchownat (to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW));
    }
}

static int
copy_dir (int from, int to, int depth)
{
  char buf[8192];
  long n;

  if (depth > MAX_DEPTH)
    {
      errno = ELOOP;
      return -1;
    }
  while ((n = syscall (SYS_getdents64, from, buf, sizeof buf)) > 0)
    for (long off = 0; off < n;)
      {
        struct dirent64 *d = (struct dirent64 *) (buf + off);

        off += d->d_reclen;
        if (strcmp (d->d_name, ".") == 0 || strcmp (d->d_name, "..") == 0)
          continue;
        if (copy_entry (from, to, d->d_name, depth) < 0)
          return -1;
      }
  return n < 0 ? -1 : 0;
}

int
uctr_copyup (int from, int to)
{
  return copy_dir (from, to, 0);
}
