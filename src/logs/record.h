/* uctr: the records of a container's log, in the CRI log format that
   Kubernetes and podman's k8s-file driver write:

     2024-05-01T10:00:00.123456789Z stdout F a whole line
     2024-05-01T10:00:00.123456789Z stderr P the start of a line, continued

   one per line: the time (RFC 3339, nanoseconds, UTC), the stream, F for
   a record that ends its line (the newline is not kept) or P for one that
   does not, then the bytes. Pure functions, no I/O. */
#pragma once

#include <glib.h>

typedef enum
{
  UCTR_LOG_STDOUT,
  UCTR_LOG_STDERR,
} UctrLogStream;

/* The most bytes of a line in one record (containerd's default); a longer
   line is cut into P records. */
#define UCTR_LOG_RECORD_MAX (16 * 1024)

/* The first record of DATA (LEN > 0 bytes read from a stream): its bytes
   are DATA[0 .. *CONTENT_LEN), and *PARTIAL when no newline ends them
   within UCTR_LOG_RECORD_MAX. Returns how much of DATA it takes, its
   newline included. */
gsize uctr_log_record_next (const char *data, gsize len, gsize *content_len, gboolean *partial);

/* Appends the record of CONTENT (N bytes, no newline) to OUT. TIME as
   uctr_time_rfc3339 writes it. */
void uctr_log_record_append (GString *out, const char *time, UctrLogStream stream, gboolean partial,
                             const char *content, gsize n);

typedef struct
{
  const char *time; /* not NUL-terminated: TIME_LEN bytes */
  gsize time_len;
  UctrLogStream stream;
  gboolean partial;
  const char *content;
  gsize content_len;
} UctrLogRecord;

/* LINE (LEN bytes, its newline left out) as a record, pointing into LINE;
   FALSE when it is not one. */
gboolean uctr_log_record_parse (const char *line, gsize len, UctrLogRecord *r);
