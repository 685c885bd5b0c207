/* uctr: JSON read and written as runc does, with json-c holding the values.
 *
 * The check is a single pass over the tokens, with a depth counter instead
 * of recursion. It checks tokens, not grammar: json-c's strict mode refuses
 * misplaced commas, colons and brackets itself, and every token that passes
 * here means the same to json-c as to RFC 8259 (and to runc's Go parser),
 * so the two agree on where each string ends and the depth counted here is
 * the depth json-c will reach. The check's messages say more than json-c's
 * ("unexpected character"), and it refuses what json-c would take in
 * silently: \u0000 (a C string would end there), half a surrogate pair
 * (U+FFFD), an integer beyond 64 bits (json-c's nearest).
 */
#include "base/json.h"
#include "base/util.h"

#include <string.h>

typedef struct
{
  const char *p;
  const char *end;
  const char *line_start;
  guint line;
} Scan;

static gboolean G_GNUC_PRINTF (3, 4) scan_fail (const Scan *s, GError **error, const char *fmt, ...)
{
  char where[32];
  va_list ap;

  g_snprintf (where, sizeof where, "%u:%u", s->line, (guint) (s->p - s->line_start) + 1);
  va_start (ap, fmt);
  uctr_throw_at_valist (error, UCTR_ERROR_INVALID_CONFIG, where, fmt, ap);
  va_end (ap);
  return FALSE;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* The four hex digits after "\u" at S->p; -1 when there are not four. */
static int
scan_hex4 (Scan *s)
{
  int value = 0, i;

  if (s->end - s->p < 4)
    return -1;
  for (i = 0; i < 4; i++)
    {
      int digit = hex_value (s->p[i]);

      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }
  s->p += 4;
  return value;
}

/* S->p is on the 'u' of "\uXXXX"; errors point at the backslash. */
static gboolean
scan_unicode_escape (Scan *s, GError **error)
{
  const char *start = s->p - 1;
  int unit, low = -1;
  gboolean ok;

  s->p++;
  unit = scan_hex4 (s);
  if (unit >= 0xd800 && unit <= 0xdbff && s->end - s->p >= 2 && s->p[0] == '\\' && s->p[1] == 'u')
    {
      s->p += 2;
      low = scan_hex4 (s);
    }
  /* json-c would make a lone half U+FFFD; Go refuses it in a document. */
  ok = unit > 0 && (unit < 0xd800 || unit > 0xdfff || (unit <= 0xdbff && low >= 0xdc00 && low <= 0xdfff));
  if (ok)
    return TRUE;
  s->p = start;
  if (unit < 0)
    return scan_fail (s, error, _("\\u takes four hex digits"));
  /* C strings end at the first NUL: the value would be cut short without a word. */
  if (unit == 0)
    return scan_fail (s, error, _("\\u0000 in a string: uctr cannot pass a NUL character on"));
  if (unit >= 0xdc00)
    return scan_fail (s, error, _("\\u%04x is the second half of a surrogate pair without the first"), unit);
  return scan_fail (s, error, _("\\u%04x is half a surrogate pair; the second \\u is missing"), unit);
}

/* S->p is on a byte >= 0x80 in a string: one whole UTF-8 character. Go
   would make each bad byte U+FFFD; json-c would keep it as it is, and pass
   it on to paths, names and messages: refused, as uctr always has. */
static gboolean
scan_utf8 (Scan *s, GError **error)
{
  gunichar c = g_utf8_get_char_validated (s->p, s->end - s->p);

  if (c == (gunichar) -1 || c == (gunichar) -2)
    return scan_fail (s, error, _("a string that is not UTF-8 (byte 0x%02x)"), (guchar) *s->p);
  s->p = g_utf8_next_char (s->p);
  return TRUE;
}

/* S->p is on the opening quote; leaves it after the closing one. */
static gboolean
scan_string (Scan *s, GError **error)
{
  for (s->p++; s->p < s->end;)
    {
      guchar c = *s->p;

      if (c == '"')
        {
          s->p++;
          return TRUE;
        }
      if (c < 0x20)
        return scan_fail (s, error,
                          _("a control character (0x%02x) in a string; write it as \\n, \\t or \\u00XX"), c);
      if (c >= 0x80)
        {
          if (!scan_utf8 (s, error))
            return FALSE;
          continue;
        }
      if (c != '\\')
        {
          s->p++;
          continue;
        }
      s->p++;
      if (s->p < s->end && strchr ("\"\\/bfnrt", *s->p) != NULL && *s->p != '\0')
        s->p++;
      else if (s->p < s->end && *s->p == 'u')
        {
          if (!scan_unicode_escape (s, error))
            return FALSE;
        }
      else
        {
          s->p--; /* at the backslash */
          return scan_fail (s, error,
                            _("invalid escape in a string; JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX"));
        }
    }
  return scan_fail (s, error, _("a string is not closed"));
}

static void
skip_digits (Scan *s)
{
  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;
}

/* The integer from START to END (-?[0-9]+) fits in 64 bits, signed or not. */
static gboolean
integer_fits (const char *start, const char *end)
{
  const char *limit = *start == '-' ? "-9223372036854775808" : "18446744073709551615";
  gsize len = end - start, limit_len = strlen (limit);

  return len < limit_len || (len == limit_len && memcmp (start, limit, len) <= 0);
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? and nothing glued to it. */
static gboolean
scan_number (Scan *s, GError **error)
{
  const char *start = s->p;
  gboolean ok = TRUE, integer = TRUE;

  if (*s->p == '-')
    s->p++;
  if (s->p < s->end && *s->p == '0')
    s->p++;
  else if (s->p < s->end && g_ascii_isdigit (*s->p))
    skip_digits (s);
  else
    ok = FALSE;
  if (ok && s->p < s->end && *s->p == '.')
    {
      integer = FALSE;
      s->p++;
      ok = s->p < s->end && g_ascii_isdigit (*s->p);
      skip_digits (s);
    }
  if (ok && s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
      integer = FALSE;
      s->p++;
      if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        s->p++;
      ok = s->p < s->end && g_ascii_isdigit (*s->p);
      skip_digits (s);
    }
  if (ok && s->p < s->end && (g_ascii_isalnum (*s->p) || *s->p == '.' || *s->p == '_'))
    ok = FALSE;
  if (!ok)
    {
      s->p = start;
      return scan_fail (
          s, error, _("not a JSON number: numbers are decimal, without leading zeros (no octal or hex)"));
    }
  if (integer && !integer_fits (start, s->p))
    {
      s->p = start;
      return scan_fail (s, error, _("an integer beyond 64 bits"));
    }
  return TRUE;
}

static gboolean
scan_word (Scan *s, GError **error)
{
  const char *start = s->p;
  gsize len;

  while (s->p < s->end && (g_ascii_isalnum (*s->p) || *s->p == '_'))
    s->p++;
  len = s->p - start;
  if ((len == 4 && memcmp (start, "true", 4) == 0) || (len == 5 && memcmp (start, "false", 5) == 0)
      || (len == 4 && memcmp (start, "null", 4) == 0))
    return TRUE;
  s->p = start;
  return scan_fail (s, error,
                    _("unexpected word \"%.*s\"; JSON has true, false, null and strings in double quotes"),
                       (int) MIN (len, 40), start);
}

static gboolean
unexpected_char (Scan *s, GError **error)
{
  guchar c = *s->p;

  if (c == '\'')
    return scan_fail (s, error, _("strings take double quotes in JSON"));
  if (c == '/' || c == '#')
    return scan_fail (s, error, _("JSON has no comments"));
  if (s->p == s->line_start && s->line == 1 && s->end - s->p >= 3 && memcmp (s->p, "\xef\xbb\xbf", 3) == 0)
    return scan_fail (s, error, _("a byte order mark; save the file as UTF-8 without one"));
  if (c >= 0x20 && c < 0x7f)
    return scan_fail (s, error, _("unexpected character '%c'"), c);
  return scan_fail (s, error, _("unexpected byte 0x%02x"), c);
}

gboolean
uctr_json_check (const char *text, gsize len, guint max_depth, GError **error)
{
  Scan s = { .p = text, .end = text + len, .line_start = text, .line = 1 };
  gboolean done = FALSE; /* the top-level value is complete */
  guint depth = 0;

  while (s.p < s.end)
    {
      char c = *s.p;
      gboolean value = TRUE; /* the token ends a value (at depth 0: the document) */

      if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
        {
          if (c == '\n')
            {
              s.line++;
              s.line_start = s.p + 1;
            }
          s.p++;
          continue;
        }
      if (done)
        return scan_fail (&s, error, _("more after the end of the JSON document"));
      if (c == '{' || c == '[')
        {
          if (++depth > max_depth)
            return scan_fail (&s, error, _("arrays and objects nested more than %u deep"), max_depth);
          s.p++;
          value = FALSE;
        }
      else if (c == '}' || c == ']')
        {
          if (depth == 0)
            return unexpected_char (&s, error);
          depth--;
          s.p++;
        }
      else if (c == ':' || c == ',')
        {
          s.p++;
          value = FALSE;
        }
      else if (c == '"')
        {
          if (!scan_string (&s, error))
            return FALSE;
        }
      else if (c == '-' || g_ascii_isdigit (c))
        {
          if (!scan_number (&s, error))
            return FALSE;
        }
      else if (g_ascii_isalpha (c))
        {
          if (!scan_word (&s, error))
            return FALSE;
        }
      else
        return unexpected_char (&s, error);
      done = value && depth == 0;
    }
  return TRUE;
}

/* json-c wants the end of a top-level number marked: a NUL after it. */
static json_object *
tokenize (struct json_tokener *tok, const char *text, gsize len)
{
  json_object *node = json_tokener_parse_ex (tok, text, (int) len);

  if (node == NULL && json_tokener_get_error (tok) == json_tokener_continue)
    node = json_tokener_parse_ex (tok, "", 1);
  return node;
}

/* json-c's error ERR at byte OFFSET of TEXT, as "LINE:COLUMN: what". */
static gboolean
parse_fail (GError **error, const char *text, gsize offset, enum json_tokener_error err)
{
  Scan s = { .p = text, .end = text + offset, .line_start = text, .line = 1 };

  for (; s.p < s.end; s.p++)
    if (*s.p == '\n')
      {
        s.line++;
        s.line_start = s.p + 1;
      }
  return scan_fail (&s, error, "%s", json_tokener_error_desc (err));
}

gboolean
uctr_json_parse (const char *text, gssize len, guint max_depth, json_object **out, GError **error)
{
  gsize n = len < 0 ? strlen (text) : (gsize) len, skip = 0;
  struct json_tokener *tok;
  enum json_tokener_error err;
  json_object *node;
  gsize end;

  *out = NULL;
  if (!uctr_json_check (text, n, max_depth, error))
    return FALSE;
  while (skip < n && (text[skip] == ' ' || text[skip] == '\t' || text[skip] == '\r' || text[skip] == '\n'))
    skip++;
  if (skip == n)
    return TRUE;
  if (n - skip > G_MAXINT)
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG, _("a JSON document of 2 GiB or more"));
  /* The check counted the depth; json-c counts one more for the top. */
  tok = json_tokener_new_ex ((int) max_depth + 2);
  if (tok == NULL)
    g_error ("json_tokener_new_ex: out of memory");
  json_tokener_set_flags (tok, JSON_TOKENER_STRICT);
  node = tokenize (tok, text + skip, n - skip);
  err = json_tokener_get_error (tok);
  end = skip + json_tokener_get_parse_end (tok);
  json_tokener_free (tok);
  if (err != json_tokener_success)
    {
      json_object_put (node);
      return parse_fail (error, text, MIN (end, n), err);
    }
  *out = node;
  return TRUE;
}

json_object *
uctr_json_member (json_object *obj, const char *name)
{
  json_object *node = NULL;

  if (obj == NULL || !json_object_is_type (obj, json_type_object))
    return NULL;
  json_object_object_get_ex (obj, name, &node);
  return node;
}

gboolean
uctr_json_invalid (GError **error, const char *path, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  uctr_throw_at_valist (error, UCTR_ERROR_INVALID_CONFIG, path, fmt, ap);
  va_end (ap);
  return FALSE;
}

char *
uctr_json_path (const char *parent, const char *name)
{
  if (name == NULL)
    return g_strdup (parent);
  if (parent == NULL || *parent == '\0')
    return g_strdup (name);
  return g_strconcat (parent, ".", name, NULL);
}

gboolean
uctr_json_invalid_at (GError **error, const char *parent, const char *name, const char *fmt, ...)
{
  g_autofree char *path = NULL;
  va_list ap;

  if (error == NULL)
    return FALSE;
  path = uctr_json_path (parent, name);
  va_start (ap, fmt);
  uctr_throw_at_valist (error, UCTR_ERROR_INVALID_CONFIG, path, fmt, ap);
  va_end (ap);
  return FALSE;
}

/* Typed members: the errors, in the words of config.json or of state.json */

static gboolean
missing (GError **error, const char *parent, const char *name, UctrJsonFlags flags)
{
  g_autofree char *path = uctr_json_path (parent, name);

  if (flags & UCTR_JSON_OWN)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("\"%s\" is missing"), path);
  return uctr_json_invalid (error, path, _("missing required field"));
}

/* MUST_BE: what a config.json says ("must be a string"). */
static gboolean
wrong_type (GError **error, const char *parent, const char *name, UctrJsonFlags flags, const char *must_be)
{
  g_autofree char *path = uctr_json_path (parent, name);

  if (flags & UCTR_JSON_OWN)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("\"%s\" has the wrong type"), path);
  return uctr_json_invalid (error, path, "%s", must_be);
}

static gboolean
int_out_of_range (GError **error, const char *parent, const char *name, UctrJsonFlags flags, gint64 min,
                  gint64 max)
{
  g_autofree char *path = uctr_json_path (parent, name);

  if (flags & UCTR_JSON_OWN)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("\"%s\" is not a number from %lld to %lld"), path, (long long) min,
                          (long long) max);
  return uctr_json_invalid (error, path,
                            _("must be an integer from %lld to %lld"), (long long) min, (long long) max);
}

static gboolean
uint_out_of_range (GError **error, const char *parent, const char *name, UctrJsonFlags flags, guint64 max)
{
  g_autofree char *path = uctr_json_path (parent, name);

  if (flags & UCTR_JSON_OWN)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("\"%s\" is not a number from 0 to %llu"), path, (unsigned long long) max);
  return uctr_json_invalid (error, path, _("must be an integer from 0 to %llu"), (unsigned long long) max);
}

/* Typed members: nodes */

static gboolean
absent (GError **error, const char *parent, const char *name, UctrJsonFlags flags)
{
  return (flags & UCTR_JSON_REQUIRED) ? missing (error, parent, name, flags) : TRUE;
}

static gboolean
is_container (json_object *node)
{
  return json_object_is_type (node, json_type_object) || json_object_is_type (node, json_type_array);
}

gboolean
uctr_json_node_object (json_object *node, const char *parent, const char *name, UctrJsonFlags flags,
                       json_object **out, GError **error)
{
  if (node == NULL)
    return absent (error, parent, name, flags);
  if (!json_object_is_type (node, json_type_object))
    return wrong_type (error, parent, name, flags, _("must be an object"));
  *out = node;
  return TRUE;
}

gboolean
uctr_json_node_array (json_object *node, const char *parent, const char *name, UctrJsonFlags flags,
                      json_object **out, GError **error)
{
  if (node == NULL)
    return absent (error, parent, name, flags);
  if (!json_object_is_type (node, json_type_array))
    return wrong_type (error, parent, name, flags, _("must be an array"));
  *out = node;
  return TRUE;
}

gboolean
uctr_json_node_string (json_object *node, const char *parent, const char *name, UctrJsonFlags flags,
                       const char **out, GError **error)
{
  const char *s;

  if (node == NULL)
    return absent (error, parent, name, flags);
  if (!json_object_is_type (node, json_type_string))
    return wrong_type (error, parent, name, flags, _("must be a string"));
  s = json_object_get_string (node);
  if ((flags & UCTR_JSON_NON_EMPTY) && *s == '\0')
    return wrong_type (error, parent, name, flags, _("must not be empty"));
  if ((flags & UCTR_JSON_ABSOLUTE) && !g_path_is_absolute (s))
    return wrong_type (error, parent, name, flags, _("must be an absolute path"));
  *out = s;
  return TRUE;
}

/* json-c keeps an integer above G_MAXINT64 as a uint64 and reads it back as
   G_MAXINT64 from json_object_get_int64. */
static gboolean
int_value (json_object *node, gint64 *out)
{
  if (!json_object_is_type (node, json_type_int))
    return FALSE;
  *out = json_object_get_int64 (node);
  return *out < G_MAXINT64 || json_object_get_uint64 (node) == G_MAXINT64;
}

gboolean
uctr_json_node_int (json_object *node, const char *parent, const char *name, UctrJsonFlags flags, gint64 min,
                    gint64 max, gint64 *out, GError **error)
{
  gint64 v;

  if (node == NULL)
    return absent (error, parent, name, flags);
  if ((flags & UCTR_JSON_OWN) && is_container (node))
    return wrong_type (error, parent, name, flags, NULL);
  if (!int_value (node, &v) || v < min || v > max)
    return int_out_of_range (error, parent, name, flags, min, max);
  *out = v;
  return TRUE;
}

static gboolean
uint_value (json_object *node, UctrJsonFlags flags, guint64 max, guint64 *out)
{
  guint64 v;

  if (json_object_is_type (node, json_type_int))
    {
      if (json_object_get_int64 (node) < 0 || (v = json_object_get_uint64 (node)) > max)
        return FALSE;
      *out = v;
      return TRUE;
    }
  return (flags & UCTR_JSON_DECIMAL) && json_object_is_type (node, json_type_string)
         && g_ascii_string_to_unsigned (json_object_get_string (node), 10, 0, max, out, NULL);
}

/* Typed members: members of an object */

gboolean
uctr_json_get_object (json_object *obj, const char *parent, const char *name, UctrJsonFlags flags,
                      json_object **out, GError **error)
{
  return uctr_json_node_object (uctr_json_member (obj, name), parent, name, flags, out, error);
}

gboolean
uctr_json_get_array (json_object *obj, const char *parent, const char *name, UctrJsonFlags flags,
                     json_object **out, GError **error)
{
  return uctr_json_node_array (uctr_json_member (obj, name), parent, name, flags, out, error);
}

gboolean
uctr_json_get_string (json_object *obj, const char *parent, const char *name, UctrJsonFlags flags,
                      const char **out, GError **error)
{
  return uctr_json_node_string (uctr_json_member (obj, name), parent, name, flags, out, error);
}

gboolean
uctr_json_dup_string (json_object *obj, const char *parent, const char *name, UctrJsonFlags flags, char **out,
                      GError **error)
{
  const char *s = NULL;

  if (!uctr_json_get_string (obj, parent, name, flags, &s, error))
    return FALSE;
  if (s != NULL)
    {
      g_free (*out);
      *out = g_strdup (s);
    }
  return TRUE;
}

gboolean
uctr_json_get_bool (json_object *obj, const char *parent, const char *name, UctrJsonFlags flags,
                    gboolean *out, GError **error)
{
  json_object *node = uctr_json_member (obj, name);

  if (node == NULL)
    return absent (error, parent, name, flags);
  if (!json_object_is_type (node, json_type_boolean))
    return wrong_type (error, parent, name, flags, _("must be a boolean"));
  *out = json_object_get_boolean (node);
  return TRUE;
}

gboolean
uctr_json_get_int (json_object *obj, const char *parent, const char *name, UctrJsonFlags flags, gint64 min,
                   gint64 max, gint64 *out, gboolean *present, GError **error)
{
  json_object *node = uctr_json_member (obj, name);

  if (present != NULL)
    *present = node != NULL;
  return uctr_json_node_int (node, parent, name, flags, min, max, out, error);
}

gboolean
uctr_json_get_uint (json_object *obj, const char *parent, const char *name, UctrJsonFlags flags, guint64 max,
                    guint64 *out, gboolean *present, GError **error)
{
  json_object *node = uctr_json_member (obj, name);

  if (present != NULL)
    *present = node != NULL;
  if (node == NULL)
    return absent (error, parent, name, flags);
  if ((flags & UCTR_JSON_OWN) && is_container (node))
    return wrong_type (error, parent, name, flags, NULL);
  if (!uint_value (node, flags, max, out))
    return uint_out_of_range (error, parent, name, flags, max);
  return TRUE;
}

gboolean
uctr_json_get_strv (json_object *obj, const char *parent, const char *name, UctrJsonFlags flags, char ***out,
                    GError **error)
{
  json_object *node = uctr_json_member (obj, name);
  g_autoptr(GPtrArray) strv = NULL;
  gsize i, n;

  if (node == NULL)
    return absent (error, parent, name, flags);
  if (!json_object_is_type (node, json_type_array))
    return wrong_type (error, parent, name, flags, _("must be an array of strings"));
  n = json_object_array_length (node);
  strv = g_ptr_array_new_full (n + 1, g_free);
  for (i = 0; i < n; i++)
    {
      g_autofree char *item = g_strdup_printf ("%s[%" G_GSIZE_FORMAT "]", name, i);
      json_object *element = json_object_array_get_idx (node, i);
      const char *s = NULL;

      /* null is no string here (it would end the list). */
      if (element == NULL)
        return wrong_type (error, parent, item, flags, _("must be a string"));
      if (!uctr_json_node_string (element, parent, item, flags & ~UCTR_JSON_REQUIRED, &s, error))
        return FALSE;
      g_ptr_array_add (strv, g_strdup (s));
    }
  g_ptr_array_add (strv, NULL);
  g_strfreev (*out);
  *out = (char **) g_ptr_array_free (g_steal_pointer (&strv), FALSE);
  return TRUE;
}

gboolean
uctr_json_get_string_map (json_object *obj, const char *parent, const char *name, UctrJsonFlags flags,
                          GHashTable *table, GPtrArray *keys, GError **error)
{
  json_object *map = NULL;

  if (!uctr_json_get_object (obj, parent, name, flags, &map, error))
    return FALSE;
  if (map == NULL)
    return TRUE;
  /* json-c keeps members in document order, which KEYS keeps. */
  json_object_object_foreach (map, key, value)
    {
      if (!json_object_is_type (value, json_type_string))
        {
          g_autofree char *entry = g_strdup_printf ("%s[\"%s\"]", name, key);
          return wrong_type (error, parent, entry, flags, _("must be a string"));
        }
      g_hash_table_insert (table, g_strdup (key), g_strdup (json_object_get_string (value)));
      if (keys != NULL)
        g_ptr_array_add (keys, g_strdup (key));
    }
  return TRUE;
}

/* Writing */

void
uctr_json_add (json_object *obj, const char *name, json_object *value)
{
  if (json_object_object_add (obj, name, value) != 0)
    g_error ("json_object_object_add: out of memory");
}

/* json-c's constructors return NULL only when out of memory. */
static json_object *
must (json_object *value)
{
  if (value == NULL)
    g_error ("json-c: out of memory");
  return value;
}

void
uctr_json_add_string (json_object *obj, const char *name, const char *value)
{
  uctr_json_add (obj, name, value != NULL ? must (json_object_new_string (value)) : NULL);
}

void
uctr_json_add_int (json_object *obj, const char *name, gint64 value)
{
  uctr_json_add (obj, name, must (json_object_new_int64 (value)));
}

void
uctr_json_add_uint (json_object *obj, const char *name, guint64 value)
{
  uctr_json_add (obj, name, must (json_object_new_uint64 (value)));
}

void
uctr_json_add_bool (json_object *obj, const char *name, gboolean value)
{
  uctr_json_add (obj, name, must (json_object_new_boolean (value)));
}

json_object *
uctr_json_object_member (json_object *obj, const char *name)
{
  json_object *member = uctr_json_member (obj, name);

  if (!json_object_is_type (member, json_type_object))
    {
      member = must (json_object_new_object ());
      uctr_json_add (obj, name, member);
    }
  return member;
}

json_object *
uctr_json_new_strv (const char *const *strv)
{
  json_object *array = must (json_object_new_array ());

  for (; strv != NULL && *strv != NULL; strv++)
    if (json_object_array_add (array, must (json_object_new_string (*strv))) != 0)
      g_error ("json_object_array_add: out of memory");
  return array;
}

void
uctr_json_add_strv (json_object *obj, const char *name, const char *const *strv)
{
  uctr_json_add (obj, name, uctr_json_new_strv (strv));
}

/* Strings escaped as Go's encoding/json does, so output matches runc's byte
   for byte: <, > and & as \u00XX, invalid UTF-8 as U+FFFD. */
void
uctr_json_append_go_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  while (*s != '\0')
    {
      gunichar c = g_utf8_get_char_validated (s, -1);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append (out, "\\ufffd");
          s++;
          continue;
        }
      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", (char) c);
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\r')
        g_string_append (out, "\\r");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029)
        g_string_append_printf (out, "\\u%04x", (guint) c);
      else
        g_string_append_len (out, s, g_utf8_next_char (s) - s);
      s = g_utf8_next_char (s);
    }
  g_string_append_c (out, '"');
}

static void write_json_node (GString *out, json_object *node, guint indent, guint depth);

/* INDENT: spaces a level; 0 writes all on one line. */
static void
write_newline_indent (GString *out, guint indent, guint depth)
{
  if (indent == 0)
    return;
  g_string_append_c (out, '\n');
  g_string_append_printf (out, "%*s", (int) (depth * indent), "");
}

static void
write_json_object (GString *out, json_object *obj, guint indent, guint depth)
{
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  json_object_object_foreach (obj, name, member)
    {
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      write_newline_indent (out, indent, depth + 1);
      uctr_json_append_go_string (out, name);
      g_string_append (out, indent > 0 ? ": " : ":");
      write_json_node (out, member, indent, depth + 1);
    }
  if (!first)
    write_newline_indent (out, indent, depth);
  g_string_append_c (out, '}');
}

static void
write_json_array (GString *out, json_object *array, guint indent, guint depth)
{
  gsize i, n = json_object_array_length (array);

  g_string_append_c (out, '[');
  for (i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      write_newline_indent (out, indent, depth + 1);
      write_json_node (out, json_object_array_get_idx (array, i), indent, depth + 1);
    }
  if (n > 0)
    write_newline_indent (out, indent, depth);
  g_string_append_c (out, ']');
}

static void
write_json_int (GString *out, json_object *node)
{
  gint64 v = json_object_get_int64 (node);

  if (v == G_MAXINT64)
    g_string_append_printf (out, "%" G_GUINT64_FORMAT, json_object_get_uint64 (node));
  else
    g_string_append_printf (out, "%" G_GINT64_FORMAT, v);
}

static void
write_json_node (GString *out, json_object *node, guint indent, guint depth)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  switch (json_object_get_type (node))
    {
    case json_type_object:
      write_json_object (out, node, indent, depth);
      break;
    case json_type_array:
      write_json_array (out, node, indent, depth);
      break;
    case json_type_string:
      uctr_json_append_go_string (out, json_object_get_string (node));
      break;
    case json_type_int:
      write_json_int (out, node);
      break;
    case json_type_double:
      g_string_append (out, g_ascii_dtostr (buf, sizeof buf, json_object_get_double (node)));
      break;
    case json_type_boolean:
      g_string_append (out, json_object_get_boolean (node) ? "true" : "false");
      break;
    case json_type_null:
    default:
      g_string_append (out, "null");
      break;
    }
}

/* Go writes "key": value (json-c's own writer "key": value with other
   spacing and escapes). Without a trailing newline, as `runc state` prints it. */

void
uctr_json_append_go (GString *out, json_object *node, gboolean pretty)
{
  write_json_node (out, node, pretty ? 2 : 0, 0);
}

char *
uctr_json_to_string_indent (json_object *node, guint indent)
{
  GString *out = g_string_new (NULL);

  write_json_node (out, node, indent, 0);
  return g_string_free (out, FALSE);
}

char *
uctr_json_to_string (json_object *node, gboolean pretty)
{
  return uctr_json_to_string_indent (node, pretty ? 2 : 0);
}
