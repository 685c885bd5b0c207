/* uctr: small helpers shared by every module: errors, fds, files. */
#pragma once

#include <glib.h>
#include <glib/gi18n.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/types.h>
#include <unistd.h>

#define UCTR_ERROR (uctr_error_quark ())

typedef enum
{
  UCTR_ERROR_FAILED,
  UCTR_ERROR_INVALID_CONFIG,   /* config.json does not say something we can run */
  UCTR_ERROR_INVALID_ARGUMENT, /* the command line is wrong */
  UCTR_ERROR_NOT_FOUND,        /* no such container */
  UCTR_ERROR_EXISTS,           /* a container with that id exists */
  UCTR_ERROR_BAD_STATE,        /* the container is not in a state for this */
  UCTR_ERROR_UNSUPPORTED,      /* valid, but this host or build cannot do it */
  UCTR_ERROR_UNTRUSTED,        /* state another user could have made or changed: not used */
  UCTR_ERROR_INVALID_IMAGE,    /* an image (a layer, a manifest) that is malformed or hostile */
} UctrError;

GQuark uctr_error_quark (void);

/* Errors of a system call: the code is the errno value itself (ENOENT,
   EBUSY, ESRCH ...), so that callers can tell every one of them apart,
   where G_FILE_ERROR and G_IO_ERROR fold many into FAILED. */
#define UCTR_ERRNO_ERROR (uctr_errno_error_quark ())

GQuark uctr_errno_error_quark (void);

/* All return FALSE so callers can write "return uctr_throw (...)". */
gboolean uctr_throw (GError **error, UctrError code, const char *fmt, ...) G_GNUC_PRINTF (3, 4);
/* UCTR_ERRNO_ERROR with errno as the code, "MESSAGE: strerror"; errno is kept. */
gboolean uctr_throw_errno (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
gboolean uctr_throw_errno_code (GError **error, int errsv, const char *fmt, ...) G_GNUC_PRINTF (3, 4);
gboolean uctr_prefix_error (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* CODE, "WHERE: MESSAGE": what is wrong after where (a JSON path, an option,
   the text that was parsed). */
gboolean
uctr_throw_at (GError **error, UctrError code, const char *where, const char *fmt, ...) G_GNUC_PRINTF (4, 5);
gboolean uctr_throw_at_valist (GError **error, UctrError code, const char *where, const char *fmt, va_list ap)
    G_GNUC_PRINTF (4, 0);

static inline void
uctr_close_fdp (int *fdp)
{
  int errsv = errno;
  if (*fdp >= 0)
    (void) close (*fdp);
  *fdp = -1;
  errno = errsv;
}

#define uctr_autofd __attribute__ ((cleanup (uctr_close_fdp)))

static inline int
uctr_steal_fd (int *fdp)
{
  int fd = *fdp;
  *fdp = -1;
  return fd;
}

/* Reads a whole file (at most max bytes) relative to dfd (AT_FDCWD ok). */
gboolean
uctr_read_file_at (int dfd, const char *path, gsize max, char **contents, gsize *len, GError **error);
/* The same from an open FD; PATH names it in messages. */
gboolean uctr_read_fd (int fd, const char *path, gsize max, char **contents, gsize *len, GError **error);

/* Reads PATH inside the directory ROOT (at most MAX bytes) as the container
   will see it: looked up without ever leaving ROOT (resolve.h), so that a
   symlink of a hostile image cannot point it at the host's files, and
   refused unless it is a regular file (a fifo there would block). Errors
   keep errno as the code (UCTR_ERRNO_ERROR ENOENT when it is missing). */
gboolean
uctr_read_file_in_root (const char *root, const char *path, gsize max, char **contents, GError **error);

/* Writes via a temporary file in the same directory and renames it into place. */
gboolean uctr_write_file_atomic_at (int dfd, const char *name, const char *data, gsize len, mode_t mode,
                                    GError **error);

/* All of DATA to FD, in as many write(2)s as it takes; FALSE with errno. */
gboolean uctr_write_all (int fd, const char *data, gsize len);

/* fexecve (FD, ARGV, ENVP) of a binary (not a script), async-signal-safe:
   execveat, and where a seccomp filter around us refuses that call alone,
   execve of /proc/self/fd/FD. Returns only on failure, errno set. */
void uctr_fexecve (int fd, char **argv, char **envp);

/* Writes data to an existing file (e.g. /proc/PID/uid_map) in one write(2). */
gboolean uctr_write_file_at (int dfd, const char *path, const char *data, gsize len, GError **error);

/* The start time (field 22 of /proc/PID/stat), 0 when the process is gone. */
guint64 uctr_proc_start_time (pid_t pid);

/* The state letter of /proc/PID/stat, '\0' when the process is gone. */
char uctr_proc_state (pid_t pid);

/* Number of threads of the calling process (from /proc/self/task). */
guint uctr_thread_count (void);

/* Whether DE, read from the directory DFD, is a directory (not a symlink
   to one): its d_type, or a stat where the file system gives none. */
struct dirent;
gboolean uctr_dirent_is_dir (int dfd, const struct dirent *de);

/* TRUE when we already run inside a user namespace other than the initial one
   (as under rootless podman): uid 0 there cannot mknod or set locked mount flags. */
gboolean uctr_running_in_userns (void);

/* FALSE when /proc/self/setgroups says "deny". */
gboolean uctr_setgroups_allowed (void);

/* RFC 3339 with nanoseconds in UTC, as runc writes "created". */
char *uctr_time_rfc3339 (gint64 unix_nsec);

/* Resolves PATH relative to the current directory, without requiring it to exist. */
char *uctr_absolute_path (const char *path);

/* --preserve-fds N: fills holes in 3..3+N-1 with /dev/null so that none of
   our own fds lands among those handed over. */
void uctr_reserve_preserved_fds (int n);

/* For a single-threaded process that waits in poll(): SIGPIPE ignored (a
   peer that goes away is an error on one fd), SIGTERM and SIGINT blocked
   and returned as a signalfd (CLOEXEC, non-blocking) rather than handled
   (g_unix_signal_add starts a thread). -1 and ERROR otherwise. */
int uctr_term_signalfd (GError **error);

/* Points stdin, stdout and stderr at FD (/dev/null, once a caller that
   waited for us has gone on); nothing when FD < 0. */
void uctr_stdio_to (int fd);

/* --pid-file: PID written atomically (a temporary file renamed over PATH). */
gboolean uctr_write_pid_file (const char *path, pid_t pid, GError **error);

/* Bytewise order of two char * elements (of a GPtrArray or a char *[]),
   for g_ptr_array_sort and qsort. */
int uctr_compare_strs (gconstpointer a, gconstpointer b);

/* ENTRY ("KEY=VALUE") into the environment ENV (NULL-terminated, owned):
   replaces KEY in place when present, else appends. Returns ENV, moved. */
char **uctr_env_set (char **env, const char *entry);

/* Removes NAME in the directory PARENT and what is below it, never
   following a symlink; a missing NAME is no error. 0, or -1 with errno. */
int uctr_remove_tree_at (int parent, const char *name);
