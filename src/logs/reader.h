/* uctr: reading a container's log (files.h, record.h) as `uctr logs`
   prints it: the records' bytes back on the streams they came from, lines
   joined again, the last N lines only, and on while the logger writes. */
#pragma once

#include <glib.h>

typedef struct
{
  gint64 tail;         /* the last TAIL lines (across the old log and the log); -1: all */
  gboolean timestamps; /* each line after its time (RFC 3339, nanoseconds) and a space */
  gboolean follow;     /* then what comes, until LOGGER_PIDFD is readable */
  int logger_pidfd;    /* the logger's pidfd (-1: it has ended): it has written all once it exits */
  int out_fd;          /* where stdout's lines go */
  int err_fd;          /* and stderr's */
} UctrLogReadOptions;

/* Reads the log in the state directory DFD; its files are opened as
   base/trust.h allows (never through a symlink, only the caller's own).
   A log that is not there (yet) reads as empty. */
gboolean uctr_log_read (int dfd, const UctrLogReadOptions *o, GError **error);
