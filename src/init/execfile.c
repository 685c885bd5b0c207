/* uctr: the process's executable, found and run from inside the container's
   root only. Container side (see base/afterfork.h): no allocation, no
   stdio, no GLib.

   process.args[0] (and each PATH entry tried for it) is resolved with
   openat2 (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), or the by-hand walk
   that follows no magic link either: a symlink in the image to
   /proc/self/fd/N, /proc/PID/root or /proc/self/exe never makes the
   process a file of the host (CVE-2024-21626). */
#include "init/execfile.h"
#include "base/resolve.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/afterfork.h" /* last: it poisons what comes after */

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

/* CANDIDATE as an absolute path in the container: relative ones are taken
   from CWD, which is where execve would start them. */
static int
absolute_in_root (const char *cwd, const char *candidate, char out[PATH_MAX])
{
  size_t clen = strlen (candidate);
  size_t wlen = candidate[0] == '/' ? 0 : strlen (cwd);

  if (wlen + 1 + clen + 1 > PATH_MAX)
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  memcpy (out, cwd, wlen);
  out[wlen] = '/';
  memcpy (out + wlen + 1, candidate, clen + 1);
  return 0;
}

/* execve's own checks, on the fd: a regular file we may execute. */
static int
check_executable (int fd)
{
  struct stat st;

  if (fstat (fd, &st) < 0)
    return -1;
  if (!S_ISREG (st.st_mode))
    {
      errno = EACCES;
      return -1;
    }
  if (faccessat (fd, "", X_OK, AT_EMPTY_PATH | AT_EACCESS) == 0)
    return 0;
  if (errno != EINVAL && errno != ENOSYS && errno != EPERM)
    return -1;
  /* No faccessat2 (before 5.8), or a filter that refuses it: execve
     itself has the last word. */
  if ((st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0)
    {
      errno = EACCES;
      return -1;
    }
  return 0;
}

static int
try_candidate (int rootfd, const char *cwd, const char *candidate, UctrExecFile *f)
{
  char abs[PATH_MAX];
  size_t len = strlen (candidate);
  int fd;

  if (len >= sizeof f->path || absolute_in_root (cwd, candidate, abs) < 0)
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  fd = uctr_resolve_in_root (rootfd, abs, 0);
  if (fd < 0)
    return -1;
  if (check_executable (fd) < 0)
    {
      int errsv = errno;
      close (fd);
      errno = errsv;
      return -1;
    }
  f->fd = fd;
  memcpy (f->path, candidate, len + 1);
  return 0;
}

/* execvp's search: the first PATH entry holding an executable NAME. */
static int
search_path (int rootfd, const char *cwd, const char *name, const char *path_env, UctrExecFile *f)
{
  char candidate[PATH_MAX];
  size_t name_len = strlen (name);
  const char *dir = path_env;
  int err = ENOENT;

  for (;;)
    {
      const char *end = strchrnul (dir, ':');
      size_t dlen = end - dir;

      if (dlen + 2 + name_len < sizeof candidate)
        {
          memcpy (candidate, dir, dlen);
          if (dlen == 0)
            candidate[dlen++] = '.';
          candidate[dlen] = '/';
          memcpy (candidate + dlen + 1, name, name_len + 1);
          if (try_candidate (rootfd, cwd, candidate, f) == 0)
            return 0;
          /* Like execvp: a file found but not executable is what we say
             when nothing better turns up. */
          if (errno == EACCES)
            err = EACCES;
        }
      if (*end == '\0')
        break;
      dir = end + 1;
    }
  errno = err;
  return -1;
}

int
uctr_execfile_lookup (const char *name, const char *path_env, const char *cwd, UctrExecFile *f)
{
  int rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int r, errsv;

  f->fd = -1;
  if (rootfd < 0)
    return -1;
  if (*name == '\0')
    {
      errno = ENOENT;
      r = -1;
    }
  else if (strchr (name, '/') != NULL)
    r = try_candidate (rootfd, cwd, name, f);
  else
    r = search_path (rootfd, cwd, name, path_env, f);
  errsv = errno;
  close (rootfd);
  errno = errsv;
  return r;
}

/* execve by the path found, as runc and crun exec, rather than execveat of
   the fd: the kernel names the process (comm, what ps and pgrep show)
   after that path, and gives a script that path as $0; through the fd it
   would be "5" (before Linux 6.14) or the name of the symlink's target.
   What makes the path safe is what happened before: every fd of the host
   is closed, so no magic link in the container leads out of it, the path
   was resolved without following any, and /proc/self/exe is a sealed copy
   where it could be written (selfexe.c). The file is checked to be the one
   found, last, so that a process already in the container has no time to
   swap it. */
void
uctr_execfile_run (const UctrExecFile *f, char **argv, char **envp, int dmz_fd, char **dmz_argv)
{
  struct stat found, now;

  if (fstat (f->fd, &found) == 0 && stat (f->path, &now) == 0
      && (found.st_dev != now.st_dev || found.st_ino != now.st_ino))
    {
      errno = ESTALE;
      return;
    }
  if (dmz_fd >= 0)
    {
      /* By its fd; a filter around uctr (not linux.seccomp, which create
         checked) may refuse execveat alone: then by the container's /proc. */
      dmz_argv[1] = (char *) f->path;
      uctr_fexecve (dmz_fd, dmz_argv, envp);
      return;
    }
  (void) execve (f->path, argv, envp);
}
