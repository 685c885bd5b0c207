/* uctr: writing and rotating the log (see writer.h). The files are opened
   as every file of the state directory is (base/trust.h): never through a
   symbolic link, and only when they are the caller's own. */
#include "logs/writer.h"
#include "logs/files.h"
#include "base/trust.h"
#include "base/util.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

static int
open_log (int dfd, int extra_flags, GError **error)
{
  g_autofree char *path = uctr_trust_entry_path (dfd, UCTR_LOG_FILE);

  return uctr_trust_openat (dfd, UCTR_LOG_FILE, path, O_WRONLY | O_APPEND | O_CREAT | extra_flags, S_IFREG,
                            UCTR_TRUST_PRIVATE, error);
}

gboolean
uctr_log_writer_open (UctrLogWriter *w, int dfd, guint64 max_size, GError **error)
{
  struct stat st;

  g_return_val_if_fail (max_size >= UCTR_LOG_MIN_MAX_SIZE, FALSE);
  *w = (UctrLogWriter){ .dfd = dfd, .fd = -1, .half = max_size / 2, .batch = g_string_new (NULL) };
  w->fd = open_log (dfd, 0, error);
  if (w->fd < 0)
    return FALSE;
  if (fstat (w->fd, &st) < 0)
    return uctr_throw_errno (error, _("Checking %s"), UCTR_LOG_FILE);
  w->size = (guint64) st.st_size;
  return TRUE;
}

/* The log becomes the old one, and a new one starts: a reader that holds
   the log open reads on to its end and then opens the new one (reader.c). */
static gboolean
rotate (UctrLogWriter *w, GError **error)
{
  uctr_close_fdp (&w->fd);
  w->size = 0;
  if (renameat (w->dfd, UCTR_LOG_FILE, w->dfd, UCTR_LOG_OLD_FILE) < 0 && errno != ENOENT)
    return uctr_throw_errno (error, _("Renaming %s to %s"), UCTR_LOG_FILE, UCTR_LOG_OLD_FILE);
  w->fd = open_log (w->dfd, O_EXCL, error);
  return w->fd >= 0;
}

gboolean
uctr_log_writer_flush (UctrLogWriter *w, GError **error)
{
  gboolean ok;

  if (w->batch->len == 0)
    return TRUE;
  /* A log that could not be made after a rotation: try again. */
  if (w->fd < 0 && (w->fd = open_log (w->dfd, 0, error)) < 0)
    ok = FALSE;
  else
    ok = uctr_write_all (w->fd, w->batch->str, w->batch->len)
         || uctr_throw_errno (error, _("Writing %s"), UCTR_LOG_FILE);
  /* What could not be written is dropped: the container must not wait for
     a full disk (its output would block once the pipe is full). */
  if (ok)
    w->size += w->batch->len;
  g_string_truncate (w->batch, 0);
  return ok;
}

gboolean
uctr_log_writer_add (UctrLogWriter *w, const char *record, gsize len, GError **error)
{
  gboolean ok = TRUE;

  if (w->size + w->batch->len + len > w->half)
    {
      ok = uctr_log_writer_flush (w, error);
      /* Still too large (or too large after the batch): a new file. */
      if (w->size + len > w->half && w->size > 0)
        ok = rotate (w, ok ? error : NULL) && ok;
    }
  g_string_append_len (w->batch, record, (gssize) len);
  return ok;
}

void
uctr_log_writer_clear (UctrLogWriter *w)
{
  uctr_close_fdp (&w->fd);
  if (w->batch != NULL)
    g_string_free (w->batch, TRUE);
  w->batch = NULL;
}
