/* uctr: the logger's side of the log files (files.h): records appended to
   the log until the next would take it past half the size asked for; then
   it becomes the old log (the previous old log goes) and a new one starts.
   So the two never hold more than that size together, and always the
   newest records. */
#pragma once

#include <glib.h>

typedef struct
{
  int dfd;        /* the state directory (not ours) */
  int fd;         /* the log, -1 when it could not be opened */
  guint64 size;   /* its size */
  guint64 half;   /* the most it may hold */
  GString *batch; /* records not written yet */
} UctrLogWriter;

/* Opens (or creates) the log in DFD, which must outlive W, for at most
   MAX_SIZE (at least UCTR_LOG_MIN_MAX_SIZE) bytes on disk. */
gboolean uctr_log_writer_open (UctrLogWriter *w, int dfd, guint64 max_size, GError **error);

/* RECORD (a whole one, record.h) goes into the batch; the batch is written
   first when the record would not fit beside it in the log, which is then
   rotated. */
gboolean uctr_log_writer_add (UctrLogWriter *w, const char *record, gsize len, GError **error);

/* Writes the batch. */
gboolean uctr_log_writer_flush (UctrLogWriter *w, GError **error);

void uctr_log_writer_clear (UctrLogWriter *w);
