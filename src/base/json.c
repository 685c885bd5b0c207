/* uctr: what json-glib is handed must be JSON.
 *
 * A single pass over the tokens, with a depth counter instead of recursion.
 * It checks tokens, not grammar: json-glib refuses misplaced commas, colons
 * and brackets itself, and every token that passes here means the same to
 * json-glib as to RFC 8259 (and to runc's Go parser), so the two agree on
 * where each string ends and the depth counted here is the depth json-glib
 * will reach.
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
  /* A lone half would make json-glib read past the end of the string. */
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

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? and nothing glued to it. */
static gboolean
scan_number (Scan *s, GError **error)
{
  const char *start = s->p;
  gboolean ok = TRUE;

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
      s->p++;
      ok = s->p < s->end && g_ascii_isdigit (*s->p);
      skip_digits (s);
    }
  if (ok && s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
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

JsonNode *
uctr_json_member (JsonObject *obj, const char *name)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  return node == NULL || JSON_NODE_HOLDS_NULL (node) ? NULL : node;
}

gboolean
uctr_json_holds (JsonNode *node, GType type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
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

gboolean
uctr_json_node_object (JsonNode *node, const char *parent, const char *name, UctrJsonFlags flags,
                       JsonObject **out, GError **error)
{
  if (node == NULL)
    return (flags & UCTR_JSON_REQUIRED) ? missing (error, parent, name, flags) : TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return wrong_type (error, parent, name, flags, _("must be an object"));
  *out = json_node_get_object (node);
  return TRUE;
}

gboolean
uctr_json_node_array (JsonNode *node, const char *parent, const char *name, UctrJsonFlags flags,
                      JsonArray **out, GError **error)
{
  if (node == NULL)
    return (flags & UCTR_JSON_REQUIRED) ? missing (error, parent, name, flags) : TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return wrong_type (error, parent, name, flags, _("must be an array"));
  *out = json_node_get_array (node);
  return TRUE;
}

gboolean
uctr_json_node_string (JsonNode *node, const char *parent, const char *name, UctrJsonFlags flags,
                       const char **out, GError **error)
{
  const char *s;

  if (node == NULL)
    return (flags & UCTR_JSON_REQUIRED) ? missing (error, parent, name, flags) : TRUE;
  if (!uctr_json_holds (node, G_TYPE_STRING))
    return wrong_type (error, parent, name, flags, _("must be a string"));
  s = json_node_get_string (node);
  if ((flags & UCTR_JSON_NON_EMPTY) && *s == '\0')
    return wrong_type (error, parent, name, flags, _("must not be empty"));
  if ((flags & UCTR_JSON_ABSOLUTE) && !g_path_is_absolute (s))
    return wrong_type (error, parent, name, flags, _("must be an absolute path"));
  *out = s;
  return TRUE;
}

gboolean
uctr_json_node_int (JsonNode *node, const char *parent, const char *name, UctrJsonFlags flags, gint64 min,
                    gint64 max, gint64 *out, GError **error)
{
  gint64 v;

  if (node == NULL)
    return (flags & UCTR_JSON_REQUIRED) ? missing (error, parent, name, flags) : TRUE;
  if ((flags & UCTR_JSON_OWN) && !JSON_NODE_HOLDS_VALUE (node))
    return wrong_type (error, parent, name, flags, NULL);
  if (!uctr_json_holds (node, G_TYPE_INT64) || (v = json_node_get_int (node)) < min || v > max)
    return int_out_of_range (error, parent, name, flags, min, max);
  *out = v;
  return TRUE;
}

static gboolean
uint_value (JsonNode *node, UctrJsonFlags flags, guint64 max, guint64 *out)
{
  gint64 v;

  if (uctr_json_holds (node, G_TYPE_INT64))
    {
      v = json_node_get_int (node);
      if ((v < 0 && !(flags & UCTR_JSON_WRAPPED)) || (guint64) v > max)
        return FALSE;
      *out = (guint64) v;
      return TRUE;
    }
  return (flags & UCTR_JSON_DECIMAL) && uctr_json_holds (node, G_TYPE_STRING)
         && g_ascii_string_to_unsigned (json_node_get_string (node), 10, 0, max, out, NULL);
}

/* Typed members: members of an object */

gboolean
uctr_json_get_object (JsonObject *obj, const char *parent, const char *name, UctrJsonFlags flags,
                      JsonObject **out, GError **error)
{
  return uctr_json_node_object (uctr_json_member (obj, name), parent, name, flags, out, error);
}

gboolean
uctr_json_get_array (JsonObject *obj, const char *parent, const char *name, UctrJsonFlags flags,
                     JsonArray **out, GError **error)
{
  return uctr_json_node_array (uctr_json_member (obj, name), parent, name, flags, out, error);
}

gboolean
uctr_json_get_string (JsonObject *obj, const char *parent, const char *name, UctrJsonFlags flags,
                      const char **out, GError **error)
{
  return uctr_json_node_string (uctr_json_member (obj, name), parent, name, flags, out, error);
}

gboolean
uctr_json_dup_string (JsonObject *obj, const char *parent, const char *name, UctrJsonFlags flags, char **out,
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
uctr_json_get_bool (JsonObject *obj, const char *parent, const char *name, UctrJsonFlags flags, gboolean *out,
                    GError **error)
{
  JsonNode *node = uctr_json_member (obj, name);

  if (node == NULL)
    return (flags & UCTR_JSON_REQUIRED) ? missing (error, parent, name, flags) : TRUE;
  if (!uctr_json_holds (node, G_TYPE_BOOLEAN))
    return wrong_type (error, parent, name, flags, _("must be a boolean"));
  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
uctr_json_get_int (JsonObject *obj, const char *parent, const char *name, UctrJsonFlags flags, gint64 min,
                   gint64 max, gint64 *out, gboolean *present, GError **error)
{
  JsonNode *node = uctr_json_member (obj, name);

  if (present != NULL)
    *present = node != NULL;
  return uctr_json_node_int (node, parent, name, flags, min, max, out, error);
}

gboolean
uctr_json_get_uint (JsonObject *obj, const char *parent, const char *name, UctrJsonFlags flags, guint64 max,
                    guint64 *out, gboolean *present, GError **error)
{
  JsonNode *node = uctr_json_member (obj, name);

  if (present != NULL)
    *present = node != NULL;
  if (node == NULL)
    return (flags & UCTR_JSON_REQUIRED) ? missing (error, parent, name, flags) : TRUE;
  if ((flags & UCTR_JSON_OWN) && !JSON_NODE_HOLDS_VALUE (node))
    return wrong_type (error, parent, name, flags, NULL);
  if (!uint_value (node, flags, max, out))
    return uint_out_of_range (error, parent, name, flags, max);
  return TRUE;
}

gboolean
uctr_json_get_strv (JsonObject *obj, const char *parent, const char *name, UctrJsonFlags flags, char ***out,
                    GError **error)
{
  JsonNode *node = uctr_json_member (obj, name);
  g_autoptr(GPtrArray) strv = NULL;
  JsonArray *array;
  guint i, n;

  if (node == NULL)
    return (flags & UCTR_JSON_REQUIRED) ? missing (error, parent, name, flags) : TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return wrong_type (error, parent, name, flags, _("must be an array of strings"));
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  strv = g_ptr_array_new_full (n + 1, g_free);
  for (i = 0; i < n; i++)
    {
      g_autofree char *item = g_strdup_printf ("%s[%u]", name, i);
      const char *s = NULL;

      if (!uctr_json_node_string (json_array_get_element (array, i), parent, item,
                                  flags & ~UCTR_JSON_REQUIRED, &s, error))
        return FALSE;
      g_ptr_array_add (strv, g_strdup (s));
    }
  g_ptr_array_add (strv, NULL);
  g_strfreev (*out);
  *out = (char **) g_ptr_array_free (g_steal_pointer (&strv), FALSE);
  return TRUE;
}

gboolean
uctr_json_get_string_map (JsonObject *obj, const char *parent, const char *name, UctrJsonFlags flags,
                          GHashTable *table, GPtrArray *keys, GError **error)
{
  g_autoptr(GList) members = NULL;
  JsonObject *map = NULL;
  GList *l;

  if (!uctr_json_get_object (obj, parent, name, flags, &map, error))
    return FALSE;
  if (map == NULL)
    return TRUE;
  /* json-glib lists members in document order, which KEYS keeps. */
  members = json_object_get_members (map);
  for (l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *value = json_object_get_member (map, key);

      if (!uctr_json_holds (value, G_TYPE_STRING))
        {
          g_autofree char *entry = g_strdup_printf ("%s[\"%s\"]", name, key);
          return wrong_type (error, parent, entry, flags, _("must be a string"));
        }
      g_hash_table_insert (table, g_strdup (key), g_strdup (json_node_get_string (value)));
      if (keys != NULL)
        g_ptr_array_add (keys, g_strdup (key));
    }
  return TRUE;
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

static void write_json_node (GString *out, JsonNode *node, gboolean pretty, guint depth);

static void
write_newline_indent (GString *out, gboolean pretty, guint depth)
{
  if (!pretty)
    return;
  g_string_append_c (out, '\n');
  g_string_append_printf (out, "%*s", (int) depth * 2, "");
}

static void
write_json_object (GString *out, JsonObject *obj, gboolean pretty, guint depth)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  json_object_iter_init_ordered (&iter, obj);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      write_newline_indent (out, pretty, depth + 1);
      uctr_json_append_go_string (out, name);
      g_string_append (out, pretty ? ": " : ":");
      write_json_node (out, member, pretty, depth + 1);
    }
  if (!first)
    write_newline_indent (out, pretty, depth);
  g_string_append_c (out, '}');
}

static void
write_json_array (GString *out, JsonArray *array, gboolean pretty, guint depth)
{
  guint i, n = json_array_get_length (array);

  g_string_append_c (out, '[');
  for (i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      write_newline_indent (out, pretty, depth + 1);
      write_json_node (out, json_array_get_element (array, i), pretty, depth + 1);
    }
  if (n > 0)
    write_newline_indent (out, pretty, depth);
  g_string_append_c (out, ']');
}

static void
write_json_value (GString *out, JsonNode *node)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      uctr_json_append_go_string (out, json_node_get_string (node));
      break;
    case G_TYPE_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
      break;
    case G_TYPE_DOUBLE:
      g_string_append (out, g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node)));
      break;
    case G_TYPE_BOOLEAN:
      g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
      break;
    default:
      g_string_append (out, "null");
      break;
    }
}

static void
write_json_node (GString *out, JsonNode *node, gboolean pretty, guint depth)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      write_json_object (out, json_node_get_object (node), pretty, depth);
      break;
    case JSON_NODE_ARRAY:
      write_json_array (out, json_node_get_array (node), pretty, depth);
      break;
    case JSON_NODE_VALUE:
      write_json_value (out, node);
      break;
    case JSON_NODE_NULL:
    default:
      g_string_append (out, "null");
      break;
    }
}

/* json-glib's generator writes "key" : value; runc (Go) writes "key": value.
   Without a trailing newline, as `runc state` prints it. */

void
uctr_json_append_go (GString *out, JsonNode *node, gboolean pretty)
{
  write_json_node (out, node, pretty, 0);
}
