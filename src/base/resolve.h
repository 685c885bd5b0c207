/* uctr: looking a path up inside a root directory without ever leaving it.
   Async-signal-safe (no allocation, no stdio, no GLib): the container init
   uses it between fork and execve, and the parent before fork. */
#pragma once

#include <limits.h>

/* Opens PATH inside ROOTFD as O_PATH without ever leaving it (openat2
   RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, or a walk by hand), creating
   missing directories, and the last component as a file when AS_FILE.
   Returns the fd, or -1 with errno set. */
#define UCTR_RESOLVE_CREATE 1
#define UCTR_RESOLVE_AS_FILE 2
#define UCTR_RESOLVE_NO_SYMLINKS 4
int uctr_resolve_in_root (int rootfd, const char *path, int flags);

/* The same lookup, creating nothing: when a component of PATH itself (not
   of a symlink's target) is missing, returns the directory the walk has
   reached instead, with that component's name in MISSING and *LAST set
   when it is PATH's last one. MISSING is "" when PATH was found: the fd is
   PATH's. Only the flag UCTR_RESOLVE_NO_SYMLINKS counts. */
int uctr_resolve_upto (int rootfd, const char *path, int flags, char missing[NAME_MAX + 1], int *last);

/* Non-zero: resolve by hand, not with openat2 (missing before Linux 5.6).
   Set in the parent from UCTR_TEST_NO_OPENAT2 so the tests cover the walk. */
extern int uctr_resolve_no_openat2;

/* "self/fd/N", relative to the host's /proc (the cwd while mounting). */
void uctr_fd_path (char buf[32], int fd);
