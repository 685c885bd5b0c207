/* uctr: the log of a detached one-line run (`uctr run -d --rootfs ...`).
   The container's stdout and stderr are pipes (or, with -t, its pty) read
   by `uctr __logger` (logs/logger.h), which writes the records into the
   state directory and rotates them; `uctr logs` reads them back, and
   delete waits for the logger before it removes them. */
#pragma once

#include <glib.h>
#include "logs/files.h"
#include "logs/reader.h"

/* In the state directory, beside the log: the logger's pid and start time.
   A container has a log when it has this file. */
#define UCTR_LOG_PID_FILE "log.pid"

typedef struct
{
  int stdio[3]; /* what the container's process gets (UctrCreateOptions.stdio): borrowed from below */
  int devnull;
  int out_r, out_w; /* the stdout pipe; -1 with a terminal */
  int err_r, err_w; /* the stderr pipe; -1 with a terminal */
  gboolean terminal;
} UctrLogPipes;

#define UCTR_LOG_PIPES_INIT                                                                                  \
  {                                                                                                          \
    .devnull = -1, .out_r = -1, .out_w = -1, .err_r = -1, .err_w = -1                                        \
  }

/* Before create: the stdin (/dev/null), stdout and stderr of a container
   whose output goes to its log. With TERMINAL the process gets a pty
   (process.terminal) instead, whose master the logger reads: /dev/null
   for all three until then. */
gboolean uctr_log_pipes_open (UctrLogPipes *p, gboolean terminal, GError **error);
void uctr_log_pipes_clear (UctrLogPipes *p);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (UctrLogPipes, uctr_log_pipes_clear)

/* After create and before start: starts the logger of container ID with the
   read ends of P, or with a terminal CONSOLE_FD (the pty master create
   kept), for a log of at most MAX_SIZE bytes; lets go of our ends of P.
   Once it fails the caller deletes the container. */
gboolean uctr_log_start (const char *root, const char *id, UctrLogPipes *p, int console_fd, guint64 max_size,
                         GError **error);

/* delete, once the container's processes are gone: waits until the logger
   of the container whose state directory is DFD has written what was left
   and exited, and kills it when that takes more than 2 s. */
void uctr_log_end (int dfd);

/* uctr logs: prints the log of container ID as O asks (O->logger_pidfd is
   not used: the container's logger is the one followed). A container
   without a log is an error that says which ones have one. */
gboolean uctr_container_logs (const char *root, const char *id, const UctrLogReadOptions *o, GError **error);
