/* uctr: reading a container's log (see reader.h). The logger may rotate the
   log at any moment (writer.h): the log becomes the old log, and a new log
   starts. So the two files are opened as a pair that belonged together
   (snapshot_open), and a reader that follows reads on to the end of the
   file it holds before it takes the new one, as `tail -F` does. */
#include "logs/reader.h"
#include "logs/files.h"
#include "logs/record.h"
#include "base/trust.h"
#include "base/util.h"

#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#define READ_SIZE (64 * 1024)

/* --- lines of a file ------------------------------------------------------ */

typedef struct
{
  int fd;       /* owned; -1: no file (it reads as empty) */
  off_t offset; /* of the next byte to read */
  off_t limit;  /* no further than this; -1: as far as the file goes */
  GByteArray *buf;
  gsize pos; /* where the part of BUF not taken yet starts */
} Lines;

static void
lines_init (Lines *l, int fd, off_t limit)
{
  *l = (Lines){ .fd = fd, .limit = limit, .buf = g_byte_array_new () };
}

static void
lines_clear (Lines *l)
{
  uctr_close_fdp (&l->fd);
  g_clear_pointer (&l->buf, g_byte_array_unref);
}

/* L over another file (FD, owned), from its start. */
static void
lines_reset (Lines *l, int fd)
{
  lines_clear (l);
  lines_init (l, fd, -1);
}

/* More of the file into the buffer; FALSE when there is no more (with
   ERROR set when reading failed). */
static gboolean
lines_fill (Lines *l, GError **error)
{
  gsize want = READ_SIZE, had = l->buf->len;
  ssize_t n;

  if (l->fd < 0 || (l->limit >= 0 && l->offset >= l->limit))
    return FALSE;
  if (l->limit >= 0)
    want = MIN (want, (gsize) (l->limit - l->offset));
  g_byte_array_set_size (l->buf, had + want);
  do
    n = pread (l->fd, l->buf->data + had, want, l->offset);
  while (n < 0 && errno == EINTR);
  g_byte_array_set_size (l->buf, had + (n > 0 ? (gsize) n : 0));
  if (n < 0)
    return uctr_throw_errno (error, _("Reading %s"), UCTR_LOG_FILE);
  l->offset += n;
  return n > 0;
}

/* The next whole line, without its newline, valid until the next call;
   FALSE at the end of what there is (a line still being written stays for
   later), with ERROR set when reading failed. */
static gboolean
lines_next (Lines *l, const char **line, gsize *len, GError **error)
{
  for (;;)
    {
      const char *start = (const char *) l->buf->data + l->pos;
      gsize avail = l->buf->len - l->pos;
      const char *nl = avail > 0 ? memchr (start, '\n', avail) : NULL;

      if (nl != NULL)
        {
          *line = start;
          *len = (gsize) (nl - start);
          l->pos += *len + 1;
          return TRUE;
        }
      g_byte_array_remove_range (l->buf, 0, (guint) l->pos);
      l->pos = 0;
      if (!lines_fill (l, error))
        return FALSE;
    }
}

typedef gboolean (*RecordFunc) (const UctrLogRecord *r, gpointer data, GError **error);

/* FUNC on each record of L; a line that is not one (there are none unless
   someone else wrote there) is passed over. */
static gboolean
each_record (Lines *l, RecordFunc func, gpointer data, GError **error)
{
  g_autoptr(GError) local = NULL;
  UctrLogRecord r;
  const char *line;
  gsize len;

  while (lines_next (l, &line, &len, &local))
    if (uctr_log_record_parse (line, len, &r) && !func (&r, data, error))
      return FALSE;
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}

/* --- the two files, as they were at one moment ---------------------------------------- */

/* NAME of DFD for reading, in *FD; -1 when there is none. */
static gboolean
open_entry (int dfd, const char *name, int *fd, GError **error)
{
  g_autofree char *path = uctr_trust_entry_path (dfd, name);
  g_autoptr(GError) local = NULL;

  *fd = uctr_trust_openat (dfd, name, path, O_RDONLY, S_IFREG, UCTR_TRUST_PRIVATE, &local);
  if (*fd >= 0 || g_error_matches (local, UCTR_ERRNO_ERROR, ENOENT))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

/* Whether the log of DFD is (still) the file FD is open on; with FD -1,
   whether there is (still) none. */
static gboolean
still_current (int dfd, int fd)
{
  struct stat named, held;

  if (fstatat (dfd, UCTR_LOG_FILE, &named, AT_SYMLINK_NOFOLLOW) < 0)
    return fd < 0;
  return fd >= 0 && fstat (fd, &held) == 0 && held.st_ino == named.st_ino && held.st_dev == named.st_dev;
}

static off_t
size_of (int fd)
{
  struct stat st;

  return fd >= 0 && fstat (fd, &st) == 0 ? st.st_size : 0;
}

/* OLD and CUR (owned by the caller, -1 when missing), the old log and the
   log of one moment: the log is opened first, and the pair taken only when
   it is still the log once the old one is open, so that no rotation came
   in between. There is one at most every few thousand records, so the
   second try succeeds; after many the last pair is taken as it is. */
static gboolean
snapshot_open (int dfd, int *old, int *cur, GError **error)
{
  int tries;

  for (tries = 0; tries < 100; tries++)
    {
      uctr_close_fdp (old);
      uctr_close_fdp (cur);
      if (!open_entry (dfd, UCTR_LOG_FILE, cur, error) || !open_entry (dfd, UCTR_LOG_OLD_FILE, old, error))
        return FALSE;
      if (still_current (dfd, *cur))
        break;
    }
  return TRUE;
}

/* --- printing ---------------------------------------------------------------- */

typedef struct
{
  const UctrLogReadOptions *o;
  gboolean mid_line[2]; /* the last record printed of each stream was P */
  GString *out;
} Emitter;

static gboolean
emit (const UctrLogRecord *r, gpointer data, GError **error)
{
  Emitter *e = data;
  int fd = r->stream == UCTR_LOG_STDOUT ? e->o->out_fd : e->o->err_fd;

  g_string_truncate (e->out, 0);
  if (e->o->timestamps && !e->mid_line[r->stream])
    {
      g_string_append_len (e->out, r->time, (gssize) r->time_len);
      g_string_append_c (e->out, ' ');
    }
  g_string_append_len (e->out, r->content, (gssize) r->content_len);
  if (!r->partial)
    g_string_append_c (e->out, '\n');
  e->mid_line[r->stream] = r->partial;
  if (!uctr_write_all (fd, e->out->str, e->out->len))
    return uctr_throw_errno (error, _("Writing the log out"));
  return TRUE;
}

/* --- --tail N ------------------------------------------------------------------ */

/* A line ends with an F record of its stream; a stream whose last record is
   P has one more line, not ended yet. Lines are counted in the order they
   end (those not ended after all others, stdout's first). */
typedef struct
{
  guint64 ended;
  gboolean open[2];
} Count;

static gboolean
count (const UctrLogRecord *r, gpointer data, GError **error)
{
  Count *c = data;

  if (!r->partial)
    c->ended++;
  c->open[r->stream] = r->partial;
  return TRUE;
}

/* A P record kept until it is known whether its line is printed. */
typedef struct
{
  UctrLogRecord r; /* pointing into TEXT */
  char *text;
} Held;

static void
held_free (Held *h)
{
  g_free (h->text);
  g_free (h);
}

typedef struct
{
  Emitter *e;
  guint64 skip;  /* the first SKIP lines are left out */
  guint64 ended; /* the lines ended so far */
  GPtrArray *held;
} Tail;

static void
hold (Tail *t, const UctrLogRecord *r)
{
  Held *h = g_new0 (Held, 1);

  h->text = g_malloc (r->time_len + r->content_len + 1);
  memcpy (h->text, r->time, r->time_len);
  memcpy (h->text + r->time_len, r->content, r->content_len);
  h->r = *r;
  h->r.time = h->text;
  h->r.content = h->text + r->time_len;
  g_ptr_array_add (t->held, h);
}

/* Prints the held records of the streams in PRINT, in order, and forgets all. */
static gboolean
release (Tail *t, const gboolean print[2], GError **error)
{
  g_autoptr(GPtrArray) held = g_steal_pointer (&t->held);
  guint i;

  t->held = g_ptr_array_new_with_free_func ((GDestroyNotify) held_free);
  for (i = 0; i < held->len; i++)
    {
      Held *h = g_ptr_array_index (held, i);

      if (print[h->r.stream] && !emit (&h->r, t->e, error))
        return FALSE;
    }
  return TRUE;
}

static void
drop_stream (Tail *t, UctrLogStream stream)
{
  guint i = 0;

  while (i < t->held->len)
    if (((Held *) g_ptr_array_index (t->held, i))->r.stream == stream)
      g_ptr_array_remove_index (t->held, i);
    else
      i++;
}

static gboolean
tail_record (const UctrLogRecord *r, gpointer data, GError **error)
{
  Tail *t = data;
  static const gboolean both[2] = { TRUE, TRUE };

  if (t->ended >= t->skip)
    return emit (r, t->e, error);
  if (r->partial)
    {
      hold (t, r);
      return TRUE;
    }
  /* A line left out ends: its start goes too. */
  drop_stream (t, r->stream);
  t->ended++;
  /* The other stream's line, begun before, ends among the printed ones. */
  return t->ended < t->skip || release (t, both, error);
}

/* At the end, lines not ended yet: printed when among the last N. */
static gboolean
tail_finish (Tail *t, const Count *c, GError **error)
{
  gboolean print[2];
  guint64 next = c->ended;

  print[UCTR_LOG_STDOUT] = c->open[UCTR_LOG_STDOUT] && next++ >= t->skip;
  print[UCTR_LOG_STDERR] = c->open[UCTR_LOG_STDERR] && next >= t->skip;
  return release (t, print, error);
}

/* --- following ----------------------------------------------------------------- */

static gboolean
readable (int fd)
{
  struct pollfd p = { .fd = fd, .events = POLLIN };

  return poll (&p, 1, 0) > 0;
}

/* A watch on the state directory: the log written, made or renamed. */
static int
watch_dir (int dfd, GError **error)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/fd/%d", dfd);
  uctr_autofd int fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);

  if (fd < 0
      || inotify_add_watch (fd, path, IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_ONLYDIR) < 0)
    return uctr_throw_errno (error,
                             _("Watching the log (see fs.inotify.max_user_instances and max_user_watches)")),
                             -1;
  return uctr_steal_fd (&fd);
}

static void
drain_events (int fd)
{
  char buf[4096];

  while (read (fd, buf, sizeof buf) > 0)
    ;
}

/* Prints what comes to the log after the snapshot that CUR read, taking
   each new log as the logger rotates, until the logger has ended (it has
   written everything then). WATCH is watch_dir's. */
static gboolean
follow (int dfd, Lines *cur, Emitter *e, int watch, GError **error)
{
  int pidfd = e->o->logger_pidfd;
  struct pollfd p[2] = { { .fd = watch, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };

  for (;;)
    {
      /* Looked at before reading: what it wrote before it ended is read below. */
      gboolean ended = pidfd < 0 || readable (pidfd);
      int next;

      if (!each_record (cur, emit, e, error))
        return FALSE;
      if (!still_current (dfd, cur->fd))
        {
          /* Rotated: the logger writes to the file we hold no more, and
             what it wrote there before is read now. */
          if (!each_record (cur, emit, e, error) || !open_entry (dfd, UCTR_LOG_FILE, &next, error))
            return FALSE;
          lines_reset (cur, next);
          continue;
        }
      if (ended)
        return TRUE;
      if (poll (p, 2, -1) < 0 && errno != EINTR)
        return uctr_throw_errno (error, _("Waiting for the log"));
      drain_events (watch);
    }
}

/* Pass one of --tail: the lines of FD, up to LIMIT, into C. */
static gboolean
count_lines (int fd, off_t limit, Count *c, GError **error)
{
  Lines l;
  gboolean ok;

  lines_init (&l, fd, limit);
  ok = each_record (&l, count, c, error);
  g_byte_array_unref (l.buf); /* the fd is the caller's */
  return ok;
}

gboolean
uctr_log_read (int dfd, const UctrLogReadOptions *o, GError **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  Emitter e = { .o = o, .out = out };
  Tail t = { .e = &e };
  Count c = { 0 };
  uctr_autofd int watch = -1;
  int old_fd = -1, cur_fd = -1;
  Lines old, cur;
  gboolean ok;

  /* Before the snapshot: what is written after it wakes us. */
  if (o->follow && o->logger_pidfd >= 0 && (watch = watch_dir (dfd, error)) < 0)
    return FALSE;
  if (!snapshot_open (dfd, &old_fd, &cur_fd, error))
    return FALSE;
  lines_init (&old, old_fd, size_of (old_fd));
  lines_init (&cur, cur_fd, size_of (cur_fd));
  t.held = g_ptr_array_new_with_free_func ((GDestroyNotify) held_free);
  ok = o->tail < 0
       || (count_lines (old.fd, old.limit, &c, error) && count_lines (cur.fd, cur.limit, &c, error));
  if (ok && o->tail >= 0)
    {
      guint64 total = c.ended + (guint64) c.open[0] + (guint64) c.open[1];

      t.skip = total > (guint64) o->tail ? total - (guint64) o->tail : 0;
    }
  ok = ok && each_record (&old, tail_record, &t, error) && each_record (&cur, tail_record, &t, error)
       && tail_finish (&t, &c, error);
  if (ok && watch >= 0)
    {
      cur.limit = -1;
      ok = follow (dfd, &cur, &e, watch, error);
    }
  g_ptr_array_unref (t.held);
  lines_clear (&old);
  lines_clear (&cur);
  return ok;
}
