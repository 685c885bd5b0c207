/* uctr: process.args[0] found inside the container's root, never through a
   magic link, and run if it is still the file found (execfile.c). Runs in
   the container init: no allocation, no stdio, no GLib. */
#pragma once

#include <limits.h>

typedef struct
{
  int fd;              /* O_PATH, close-on-exec */
  char path[PATH_MAX]; /* as execvp would have run it */
} UctrExecFile;

/* NAME as execvp finds it (PATH_ENV searched when it has no '/', a
   relative path taken from CWD, which must be absolute). 0, or -1 with
   errno (ENOENT, EACCES, ELOOP ...). */
int uctr_execfile_lookup (const char *name, const char *path_env, const char *cwd, UctrExecFile *f);
/* Returns only when the exec failed, with errno set (ESTALE: the path no
   longer leads to the file found). With DMZ_FD (not -1), through that
   exec trampoline (base/selfexe.h): DMZ_ARGV is its argv, whose slot 1
   gets the path; it execs the file itself, and says so if it fails. */
void uctr_execfile_run (const UctrExecFile *f, char **argv, char **envp, int dmz_fd, char **dmz_argv);
