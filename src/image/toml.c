/* uctr: a small, strict TOML reader (toml.io, v1.0.0) for the
   configuration files of the containers tools. Input is bounded in size,
   nesting and key length, so that a hostile or broken file costs little
   and recursion stays shallow; the reader is one pass over the text. */
#include "image/toml.h"
#include "base/util.h"

#include <string.h>

/* Nesting of arrays and inline tables, and the parts of one dotted key:
   together they bound the depth of the tree (and of uctr_toml_free). */
#define MAX_DEPTH 32
#define MAX_KEY_PARTS 32

enum
{
  TABLE_DEFINED = 1 << 0,   /* opened by a [header] (or the root) */
  TABLE_DOTTED = 1 << 1,    /* made by a dotted key: a.b = 1 */
  TABLE_INLINE = 1 << 2,    /* { ... }: closed once written */
  ARRAY_OF_TABLES = 1 << 3, /* made by [[header]]s */
};

typedef struct
{
  const char *p, *end;
  const char *name;
  guint line;
  guint depth;
} Reader;

static gboolean fail (Reader *rd, GError **error, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (Reader *rd, GError **error, const char *fmt, ...)
{
  g_autofree char *what = NULL;
  va_list ap;

  va_start (ap, fmt);
  what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG, "%s:%u: %s", rd->name, rd->line, what);
}

void
uctr_toml_free (UctrToml *v)
{
  if (v == NULL)
    return;
  g_free (v->string);
  if (v->index != NULL)
    g_hash_table_unref (v->index);
  if (v->keys != NULL)
    g_ptr_array_unref (v->keys);
  if (v->items != NULL)
    g_ptr_array_unref (v->items);
  g_free (v);
}

static UctrToml *
value_new (UctrTomlType type, guint line)
{
  UctrToml *v = g_new0 (UctrToml, 1);

  v->type = type;
  v->line = line;
  if (type == UCTR_TOML_ARRAY || type == UCTR_TOML_TABLE)
    v->items = g_ptr_array_new_with_free_func ((GDestroyNotify) uctr_toml_free);
  if (type == UCTR_TOML_TABLE)
    {
      v->keys = g_ptr_array_new_with_free_func (g_free);
      v->index = g_hash_table_new (g_str_hash, g_str_equal);
    }
  return v;
}

UctrToml *
uctr_toml_get (const UctrToml *table, const char *key)
{
  if (table == NULL || table->type != UCTR_TOML_TABLE)
    return NULL;
  return g_hash_table_lookup (table->index, key);
}

/* VALUE (taken) as KEY of TABLE, which has no such key yet. */
static UctrToml *
table_add (UctrToml *table, const char *key, UctrToml *value)
{
  char *k = g_strdup (key);

  g_ptr_array_add (table->keys, k);
  g_ptr_array_add (table->items, value);
  g_hash_table_insert (table->index, k, value);
  return value;
}

static gboolean
at_end (Reader *rd)
{
  return rd->p >= rd->end;
}

static char
peek (Reader *rd, gsize ahead)
{
  return rd->p + ahead < rd->end ? rd->p[ahead] : '\0';
}

static void
skip_blanks (Reader *rd)
{
  while (!at_end (rd) && (*rd->p == ' ' || *rd->p == '\t'))
    rd->p++;
}

/* "\n" or "\r\n", counted. */
static gboolean
take_newline (Reader *rd)
{
  if (peek (rd, 0) == '\n' || (peek (rd, 0) == '\r' && peek (rd, 1) == '\n'))
    {
      rd->p += *rd->p == '\r' ? 2 : 1;
      rd->line++;
      return TRUE;
    }
  return FALSE;
}

/* Control characters other than tab have no place in comments and
   single-line strings; in multi-line ones, only as a newline. */
static gboolean
is_control (char c)
{
  return ((unsigned char) c < 0x20 && c != '\t') || c == 0x7f;
}

static gboolean
skip_comment (Reader *rd, GError **error)
{
  if (peek (rd, 0) != '#')
    return TRUE;
  for (rd->p++; !at_end (rd) && *rd->p != '\n' && !(*rd->p == '\r' && peek (rd, 1) == '\n'); rd->p++)
    if (is_control (*rd->p))
      return fail (rd, error, _("a control character in a comment"));
  return TRUE;
}

/* Blanks, a comment, then the end of the line or of the text. */
static gboolean
end_of_line (Reader *rd, GError **error)
{
  skip_blanks (rd);
  if (!skip_comment (rd, error))
    return FALSE;
  if (at_end (rd) || take_newline (rd))
    return TRUE;
  return fail (rd, error, _("unexpected text after the end of the statement"));
}

/* Blanks, newlines and comments, as arrays allow between their values. */
static gboolean
skip_space (Reader *rd, GError **error)
{
  for (;;)
    {
      skip_blanks (rd);
      if (!skip_comment (rd, error))
        return FALSE;
      if (!take_newline (rd))
        return TRUE;
    }
}

static gboolean
take_hex (Reader *rd, guint digits, GString *out, GError **error)
{
  gunichar c = 0;
  guint i;

  for (i = 0; i < digits; i++)
    {
      int d = g_ascii_xdigit_value (peek (rd, i));
      if (d < 0)
        return fail (rd, error, _("\\u takes 4 and \\U 8 hexadecimal digits"));
      c = c * 16 + (gunichar) d;
    }
  /* g_unichar_validate refuses surrogates and what is above U+10FFFF. */
  if (!g_unichar_validate (c) || c == 0)
    return fail (rd, error, _("\\u%0*X is not a Unicode scalar value this reader keeps"), (int) digits, c);
  rd->p += digits;
  g_string_append_unichar (out, c);
  return TRUE;
}

/* After a backslash in a basic string. */
static gboolean
take_escape (Reader *rd, gboolean multi_line, GString *out, GError **error)
{
  char c = peek (rd, 0);
  const char *from = "btnfr\"\\", *to = "\b\t\n\f\r\"\\";
  const char *hit = c != '\0' ? strchr (from, c) : NULL;

  if (hit != NULL)
    {
      g_string_append_c (out, to[hit - from]);
      rd->p++;
      return TRUE;
    }
  if (c == 'u' || c == 'U')
    {
      rd->p++;
      return take_hex (rd, c == 'u' ? 4 : 8, out, error);
    }
  if (multi_line)
    {
      /* A line-ending backslash: the newline and the white space after it go. */
      const char *save = rd->p;
      skip_blanks (rd);
      if (take_newline (rd))
        {
          while (skip_blanks (rd), take_newline (rd))
            ;
          return TRUE;
        }
      rd->p = save;
    }
  return fail (rd, error, _("an unknown escape sequence \\%c"), g_ascii_isprint (c) ? c : '?');
}

/* A string between QUOTE ('"': basic, with escapes; '\'': literal), on
   one line or, tripled, on many. */
static gboolean
take_string (Reader *rd, char quote, char **out, GError **error)
{
  gboolean multi_line = peek (rd, 1) == quote && peek (rd, 2) == quote;
  g_autoptr(GString) s = g_string_new (NULL);

  rd->p += multi_line ? 3 : 1;
  if (multi_line)
    (void) take_newline (rd); /* the newline just after the opening quotes is no part of it */
  for (;;)
    {
      char c = peek (rd, 0);

      if (at_end (rd))
        return fail (rd, error, _("a string that does not end"));
      if (c == quote && (!multi_line || (peek (rd, 1) == quote && peek (rd, 2) == quote)))
        {
          guint run = 0;
          while (peek (rd, run) == quote)
            run++;
          /* Up to two quotes of the string itself may come before the closing three. */
          if (multi_line && run > 5)
            return fail (rd, error, _("too many quotes at the end of a string"));
          g_string_append_len (s, rd->p, multi_line ? run - 3 : 0);
          rd->p += multi_line ? run : 1;
          break;
        }
      if (multi_line && (c == '\n' || c == '\r'))
        {
          if (!take_newline (rd))
            return fail (rd, error, _("a carriage return not followed by a newline"));
          g_string_append_c (s, '\n');
          continue;
        }
      if (is_control (c))
        return fail (rd, error,
                     c == '\n' || c == '\r' ? _("a string that does not end on its line")
                                            : _("a control character in a string"));
      rd->p++;
      if (c == '\\' && quote == '"')
        {
          if (!take_escape (rd, multi_line, s, error))
            return FALSE;
          continue;
        }
      g_string_append_c (s, c);
    }
  *out = g_string_free (g_steal_pointer (&s), FALSE);
  return TRUE;
}

static gboolean
is_bare_key_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '-';
}

/* key := simple-key ( "." simple-key )*, its parts into PARTS. */
static gboolean
take_key (Reader *rd, GPtrArray *parts, GError **error)
{
  for (;;)
    {
      char *part = NULL;
      char c;

      skip_blanks (rd);
      c = peek (rd, 0);
      if (c == '"' || c == '\'')
        {
          if (peek (rd, 1) == c && peek (rd, 2) == c)
            return fail (rd, error, _("a key cannot be a multi-line string"));
          if (!take_string (rd, c, &part, error))
            return FALSE;
        }
      else
        {
          const char *start = rd->p;
          while (!at_end (rd) && is_bare_key_char (*rd->p))
            rd->p++;
          if (rd->p == start)
            return fail (rd, error, _("a key is missing (bare keys are made of A-Z a-z 0-9 _ -)"));
          part = g_strndup (start, rd->p - start);
        }
      g_ptr_array_add (parts, part);
      if (parts->len > MAX_KEY_PARTS)
        return fail (rd, error, _("a dotted key of more than %d parts"), MAX_KEY_PARTS);
      skip_blanks (rd);
      if (peek (rd, 0) != '.')
        return TRUE;
      rd->p++;
    }
}

static char *
key_text (GPtrArray *parts, guint n)
{
  g_autoptr(GString) s = g_string_new (NULL);
  guint i;

  for (i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s", i > 0 ? "." : "", (const char *) parts->pdata[i]);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gboolean take_value (Reader *rd, UctrToml **out, GError **error);

/* A decimal integer: [+-] (0 | [1-9] (_? [0-9])*). The token is taken
   whole so that floats, dates and hexadecimal are refused, not cut short. */
static gboolean
take_integer (Reader *rd, UctrToml **out, GError **error)
{
  const char *start = rd->p;
  g_autofree char *token = NULL;
  g_autoptr(GString) digits = g_string_new (NULL);
  const char *q;
  gint64 n;

  while (!at_end (rd) && (g_ascii_isalnum (*rd->p) || strchr ("_.:+-", *rd->p) != NULL))
    rd->p++;
  token = g_strndup (start, rd->p - start);
  q = token + (token[0] == '+' || token[0] == '-');
  for (; *q != '\0'; q++)
    if (g_ascii_isdigit (*q))
      g_string_append_c (digits, *q);
    else if (*q != '_' || !g_ascii_isdigit (q[1]) || q == token || !g_ascii_isdigit (q[-1]))
      break;
  if (*q != '\0' || digits->len == 0 || (digits->str[0] == '0' && digits->len > 1))
    return fail (rd, error,
                 _("\"%s\" is no value this reader takes (strings, true, false, decimal integers, "
                              "arrays and tables; no floats, dates or times)"),
                    token);
  if (token[0] == '-')
    g_string_prepend_c (digits, '-');
  if (!g_ascii_string_to_signed (digits->str, 10, G_MININT64, G_MAXINT64, &n, NULL))
    return fail (rd, error, _("%s does not fit in 64 bits"), token);
  *out = value_new (UCTR_TOML_INTEGER, rd->line);
  (*out)->integer = n;
  return TRUE;
}

static gboolean
take_array (Reader *rd, UctrToml **out, GError **error)
{
  g_autoptr(UctrToml) array = value_new (UCTR_TOML_ARRAY, rd->line);

  rd->p++;
  for (;;)
    {
      UctrToml *item = NULL;

      if (!skip_space (rd, error))
        return FALSE;
      if (peek (rd, 0) == ']')
        break;
      if (!take_value (rd, &item, error))
        return FALSE;
      g_ptr_array_add (array->items, item);
      if (!skip_space (rd, error))
        return FALSE;
      if (peek (rd, 0) == ',')
        rd->p++;
      else if (peek (rd, 0) != ']')
        return fail (rd, error, _("a \",\" or \"]\" is missing in an array"));
    }
  rd->p++;
  *out = g_steal_pointer (&array);
  return TRUE;
}

static gboolean put_keyval (Reader *rd, UctrToml *table, GError **error);

/* { key = value, ... } on one line, no trailing comma; closed once read. */
static gboolean
take_inline_table (Reader *rd, UctrToml **out, GError **error)
{
  g_autoptr(UctrToml) table = value_new (UCTR_TOML_TABLE, rd->line);

  rd->p++;
  skip_blanks (rd);
  if (peek (rd, 0) != '}')
    for (;;)
      {
        if (!put_keyval (rd, table, error))
          return FALSE;
        skip_blanks (rd);
        if (peek (rd, 0) == '}')
          break;
        if (peek (rd, 0) != ',')
          return fail (rd, error,
                       _("a \",\" or \"}\" is missing in an inline table (which stays on one line)"));
        rd->p++;
      }
  rd->p++;
  table->flags = TABLE_INLINE;
  *out = g_steal_pointer (&table);
  return TRUE;
}

static gboolean
take_word (Reader *rd, const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (rd->end - rd->p) < len || memcmp (rd->p, word, len) != 0 || is_bare_key_char (peek (rd, len)))
    return FALSE;
  rd->p += len;
  return TRUE;
}

static gboolean
take_value (Reader *rd, UctrToml **out, GError **error)
{
  char c = peek (rd, 0);
  gboolean ok;

  if (c == '"' || c == '\'')
    {
      char *s = NULL;
      guint line = rd->line;
      if (!take_string (rd, c, &s, error))
        return FALSE;
      *out = value_new (UCTR_TOML_STRING, line);
      (*out)->string = s;
      return TRUE;
    }
  if (take_word (rd, "true") || take_word (rd, "false"))
    {
      *out = value_new (UCTR_TOML_BOOLEAN, rd->line);
      (*out)->boolean = c == 't';
      return TRUE;
    }
  if (c == '+' || c == '-' || g_ascii_isdigit (c))
    return take_integer (rd, out, error);
  if (c != '[' && c != '{')
    return fail (rd, error,
                 _("a value is missing (a \"string\", true, false, a number, [array] or {table})"));
  if (rd->depth >= MAX_DEPTH)
    return fail (rd, error, _("arrays and inline tables nested more than %d deep"), MAX_DEPTH);
  rd->depth++;
  ok = c == '[' ? take_array (rd, out, error) : take_inline_table (rd, out, error);
  rd->depth--;
  return ok;
}

/* key = value into TABLE: the dotted parts of the key as tables of their
   own, made here or by earlier dotted keys (never one a header opened). */
static gboolean
put_keyval (Reader *rd, UctrToml *table, GError **error)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(UctrToml) value = NULL;
  const char *last;
  guint i;

  if (!take_key (rd, parts, error))
    return FALSE;
  if (peek (rd, 0) != '=')
    return fail (rd, error, _("a \"=\" is missing after the key"));
  rd->p++;
  skip_blanks (rd);
  if (!take_value (rd, &value, error))
    return FALSE;
  for (i = 0; i + 1 < parts->len; i++)
    {
      UctrToml *next = uctr_toml_get (table, parts->pdata[i]);

      if (next == NULL)
        {
          next = table_add (table, parts->pdata[i], value_new (UCTR_TOML_TABLE, value->line));
          next->flags = TABLE_DOTTED;
        }
      else if (next->type != UCTR_TOML_TABLE || next->flags != TABLE_DOTTED)
        {
          g_autofree char *key = key_text (parts, i + 1);
          return fail (rd, error, _("%s is already defined: a dotted key cannot add to it"), key);
        }
      table = next;
    }
  last = parts->pdata[parts->len - 1];
  if (uctr_toml_get (table, last) != NULL)
    {
      g_autofree char *key = key_text (parts, parts->len);
      return fail (rd, error, _("%s is defined twice"), key);
    }
  table_add (table, last, g_steal_pointer (&value));
  return TRUE;
}

/* [a.b.c] or [[a.b.c]]: the table later key/value pairs go to. */
static gboolean
open_table (Reader *rd, UctrToml *root, UctrToml **current, GError **error)
{
  gboolean array = peek (rd, 1) == '[';
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *key = NULL;
  UctrToml *t = root, *v;
  guint i;

  rd->p += array ? 2 : 1;
  if (!take_key (rd, parts, error))
    return FALSE;
  if (peek (rd, 0) != ']' || (array && peek (rd, 1) != ']'))
    return fail (rd, error,
                 array ? _("a \"]]\" is missing after the table's name")
                       : _("a \"]\" is missing after the table's name"));
  rd->p += array ? 2 : 1;
  key = key_text (parts, parts->len);
  for (i = 0; i + 1 < parts->len; i++)
    {
      v = uctr_toml_get (t, parts->pdata[i]);
      if (v == NULL)
        v = table_add (t, parts->pdata[i], value_new (UCTR_TOML_TABLE, rd->line));
      else if (v->type == UCTR_TOML_ARRAY && (v->flags & ARRAY_OF_TABLES))
        v = v->items->pdata[v->items->len - 1];
      else if (v->type != UCTR_TOML_TABLE || (v->flags & TABLE_INLINE))
        return fail (rd, error, _("[%s]: a part of it is already defined as no table to add to"), key);
      t = v;
    }
  v = uctr_toml_get (t, parts->pdata[parts->len - 1]);
  if (array)
    {
      if (v == NULL)
        {
          v = table_add (t, parts->pdata[parts->len - 1], value_new (UCTR_TOML_ARRAY, rd->line));
          v->flags = ARRAY_OF_TABLES;
        }
      else if (v->type != UCTR_TOML_ARRAY || !(v->flags & ARRAY_OF_TABLES))
        return fail (rd, error, _("[[%s]]: %s is already defined as something else"), key, key);
      *current = value_new (UCTR_TOML_TABLE, rd->line);
      (*current)->flags = TABLE_DEFINED;
      g_ptr_array_add (v->items, *current);
      return TRUE;
    }
  if (v == NULL)
    v = table_add (t, parts->pdata[parts->len - 1], value_new (UCTR_TOML_TABLE, rd->line));
  else if (v->type != UCTR_TOML_TABLE || v->flags != 0)
    return fail (rd, error, _("[%s] is defined twice"), key);
  v->flags = TABLE_DEFINED;
  v->line = rd->line;
  *current = v;
  return TRUE;
}

UctrToml *
uctr_toml_parse (const char *text, gsize len, const char *name, GError **error)
{
  g_autoptr(UctrToml) root = value_new (UCTR_TOML_TABLE, 1);
  Reader rd = { text, text + len, name, 1, 0 };
  UctrToml *current = root;
  const char *bad;

  if (len > UCTR_TOML_MAX_SIZE)
    {
      (void) fail (&rd, error, _("larger than %d bytes"), UCTR_TOML_MAX_SIZE);
      return NULL;
    }
  if (!g_utf8_validate_len (text, len, &bad))
    {
      for (; rd.p < bad; rd.p++)
        rd.line += *rd.p == '\n';
      (void) fail (&rd, error, _("not UTF-8 text (or a NUL byte)"));
      return NULL;
    }
  root->flags = TABLE_DEFINED;
  while (!at_end (&rd))
    {
      skip_blanks (&rd);
      if (at_end (&rd) || take_newline (&rd))
        continue;
      if (peek (&rd, 0) == '#')
        {
          if (!end_of_line (&rd, error))
            return NULL;
          continue;
        }
      if (peek (&rd, 0) == '[' ? !open_table (&rd, root, &current, error) : !put_keyval (&rd, current, error))
        return NULL;
      if (!end_of_line (&rd, error))
        return NULL;
    }
  return g_steal_pointer (&root);
}
