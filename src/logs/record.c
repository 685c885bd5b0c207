/* uctr: the CRI log format (see record.h). */
#include "logs/record.h"

#include <string.h>

static const char *const stream_names[] = { [UCTR_LOG_STDOUT] = "stdout", [UCTR_LOG_STDERR] = "stderr" };

gsize
uctr_log_record_next (const char *data, gsize len, gsize *content_len, gboolean *partial)
{
  gsize max = MIN (len, UCTR_LOG_RECORD_MAX);
  const char *nl = memchr (data, '\n', max);

  if (nl != NULL)
    {
      *content_len = (gsize) (nl - data);
      *partial = FALSE;
      return *content_len + 1;
    }
  *content_len = max;
  *partial = TRUE;
  return max;
}

void
uctr_log_record_append (GString *out, const char *time, UctrLogStream stream, gboolean partial,
                        const char *content, gsize n)
{
  g_string_append (out, time);
  g_string_append_c (out, ' ');
  g_string_append (out, stream_names[stream]);
  g_string_append (out, partial ? " P " : " F ");
  g_string_append_len (out, content, (gssize) n);
  g_string_append_c (out, '\n');
}

/* The word at *P (up to a space, which must follow) in *WORD, *LEN; *P
   moves past the space. */
static gboolean
take_word (const char **p, const char *end, const char **word, gsize *len)
{
  const char *space = memchr (*p, ' ', (gsize) (end - *p));

  if (space == NULL || space == *p)
    return FALSE;
  *word = *p;
  *len = (gsize) (space - *p);
  *p = space + 1;
  return TRUE;
}

static gboolean
word_is (const char *word, gsize len, const char *expected)
{
  return len == strlen (expected) && memcmp (word, expected, len) == 0;
}

gboolean
uctr_log_record_parse (const char *line, gsize len, UctrLogRecord *r)
{
  const char *p = line, *end = line + len;
  const char *stream, *tag;
  gsize stream_len, tag_len;

  if (!take_word (&p, end, &r->time, &r->time_len) || !g_ascii_isdigit (r->time[0])
      || !take_word (&p, end, &stream, &stream_len) || !take_word (&p, end, &tag, &tag_len))
    return FALSE;
  if (word_is (stream, stream_len, stream_names[UCTR_LOG_STDOUT]))
    r->stream = UCTR_LOG_STDOUT;
  else if (word_is (stream, stream_len, stream_names[UCTR_LOG_STDERR]))
    r->stream = UCTR_LOG_STDERR;
  else
    return FALSE;
  /* Kubernetes may add more tags after a colon ("F:x"): the first one counts. */
  if (tag_len > 1 && tag[1] != ':')
    return FALSE;
  if (tag[0] != 'F' && tag[0] != 'P')
    return FALSE;
  r->partial = tag[0] == 'P';
  r->content = p;
  r->content_len = (gsize) (end - p);
  return TRUE;
}
