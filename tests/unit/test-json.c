/* uctr: tests for json.c (what json-glib is handed must be JSON). */
#include "base/json.h"
#include "base/util.h"

#include <string.h>

typedef struct
{
  const char *text;
  const char *message; /* NULL: accepted; else what the message starts with */
} Case;

static const Case cases[] = {
  /* JSON as runc's parser takes it */
  { "", NULL },
  { " \n\t\r", NULL },
  { "{}", NULL },
  { "{\"a\": [1, -2, 0, 0.5, -0.0, 1e3, 1E+3, 2.5e-3, true, false, null, \"s\"]}", NULL },
  { "{\"a\": \"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00 \\u0041\"}", NULL },
  { "{\"a\": \"caf\xc3\xa9\"}", NULL },
  { "[[[[[[[[[[]]]]]]]]]]", NULL },
  { "\"top\"", NULL },
  { "42", NULL },
  /* what json-glib 1.6 takes and runc refuses */
  { "{\"uid\": 010}", "1:9: not a JSON number" },
  { "{\"mode\": 0666}", "1:10: not a JSON number" },
  { "{\"a\": 0x1F}", "1:7: not a JSON number" },
  { "{\"a\": 0b101}", "1:7: not a JSON number" },
  { "{\"a\": 1.}", "1:7: not a JSON number" },
  { "{\"a\": 1e}", "1:7: not a JSON number" },
  { "{\"a\": -}", "1:7: not a JSON number" },
  { "{\"a\": 12ab}", "1:7: not a JSON number" },
  { "{\"a\": .5}", "1:7: unexpected character '.'" },
  { "{\"a\": +1}", "1:7: unexpected character '+'" },
  { "{\"a\": $1F}", "1:7: unexpected character '$'" },
  { "{'a': 1}", "1:2: strings take double quotes in JSON" },
  { "{\"a\": 1 /* x */}", "1:9: JSON has no comments" },
  { "{\"a\": 1 # x\n}", "1:9: JSON has no comments" },
  { "var x = {\"a\": 1};", "1:1: unexpected word \"var\"" },
  { "{\"a\": True}", "1:7: unexpected word \"True\"" },
  { "{\"a\": \"\\q\"}", "1:8: invalid escape in a string" },
  { "{\"a\": \"\\101\"}", "1:8: invalid escape in a string" },
  { "{\"a\": \"x\ny\"}", "1:9: a control character (0x0a) in a string" },
  { "{\"a\": \"x\ty\"}", "1:9: a control character (0x09) in a string" },
  { "{\"a\": \"\\u12\"}", "1:8: \\u takes four hex digits" },
  { "{\"a\": \"\\u0000\"}", "1:8: \\u0000 in a string" },
  { "{\"a\": \"\\ud800\"}", "1:8: \\ud800 is half a surrogate pair" },
  { "{\"a\": \"\\ud800\\u0041\"}", "1:8: \\ud800 is half a surrogate pair" },
  { "{\"a\": \"\\udc00\"}", "1:8: \\udc00 is the second half of a surrogate pair" },
  { "{\"a\": \"open", "1:12: a string is not closed" },
  { "{\"a\": 1}\n{\"b\": 2}", "2:1: more after the end of the JSON document" },
  { "{\"a\": 1} x", "1:10: more after the end of the JSON document" },
  { "\"a\" \"b\"", "1:5: more after the end of the JSON document" },
  { "{\"a\": 1}}", "1:9: more after the end of the JSON document" },
  { "]", "1:1: unexpected character ']'" },
  { "\xef\xbb\xbf{}", "1:1: a byte order mark" },
  { "{\"a\":\x01}", "1:6: unexpected byte 0x01" },
  { "{\"a\": 1,\n  \"b\": @}", "2:8: unexpected character '@'" },
};

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(GError) error = NULL;
  gboolean ok = uctr_json_check (c->text, strlen (c->text), 100, &error);

  if (c->message == NULL)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      return;
    }
  g_assert_false (ok);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
  if (!g_str_has_prefix (error->message, c->message))
    g_error ("expected a message starting with '%s', got '%s'", c->message, error->message);
}

/* Only LEN bytes are read: what follows (here a stray quote) does not count. */
static void
test_length (void)
{
  g_autoptr(GError) error = NULL;
  const char text[] = "{\"a\": 1}\"";

  g_assert_true (uctr_json_check (text, strlen (text) - 1, 10, &error));
  g_assert_no_error (error);
  g_assert_false (uctr_json_check ("{\"a\": 1}\0{", 10, 10, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
  g_assert_cmpstr (error->message, ==, "1:9: more after the end of the JSON document");
}

static char *
nested (guint depth, const char *inner)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < depth; i++)
    g_string_append (s, i % 2 ? "{\"k\":" : "[");
  g_string_append (s, inner);
  for (i = depth; i > 0; i--)
    g_string_append_c (s, (i - 1) % 2 ? '}' : ']');
  return g_string_free (s, FALSE);
}

static void
test_depth (void)
{
  g_autofree char *at_limit = nested (100, "1");
  g_autofree char *over = nested (101, "1");
  /* Brackets inside strings are not nesting; after them the count goes on. */
  g_autofree char *in_strings = nested (100, "\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"");
  g_autoptr(GError) error = NULL;

  g_assert_true (uctr_json_check (at_limit, strlen (at_limit), 100, &error));
  g_assert_true (uctr_json_check (in_strings, strlen (in_strings), 100, &error));
  g_assert_no_error (error);
  g_assert_false (uctr_json_check (over, strlen (over), 100, &error));
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, "1:"));
  g_assert_nonnull (strstr (error->message, ": arrays and objects nested more than 100 deep"));
}

/* Closing brackets in strings do not pay for opening ones outside. */
static void
test_depth_strings_do_not_close (void)
{
  GString *s = g_string_new (NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  guint i;

  for (i = 0; i < 200; i++)
    g_string_append (s, "[\"]]\",");
  text = g_string_free (s, FALSE);
  g_assert_false (uctr_json_check (text, strlen (text), 100, &error));
  g_assert_nonnull (strstr (error->message, "nested more than 100 deep"));
}

int
main (int argc, char **argv)
{
  gsize i;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json/length", test_length);
  g_test_add_func ("/json/depth", test_depth);
  g_test_add_func ("/json/depth-strings-do-not-close", test_depth_strings_do_not_close);
  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/json/case/%" G_GSIZE_FORMAT, i);
      g_test_add_data_func (path, &cases[i], test_case);
    }
  return g_test_run ();
}
