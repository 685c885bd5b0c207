/* uctr: tests for json.c (what json-c is handed must be JSON; values read and
   written as runc does). */
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
  { "[18446744073709551615, -9223372036854775808, 1e400]", NULL },
  /* what a lenient parser takes (json-glib 1.6 did; json-c would round the
     integers) and runc refuses */
  { "[18446744073709551616]", "1:2: an integer beyond 64 bits" },
  { "[-9223372036854775809]", "1:2: an integer beyond 64 bits" },
  { "[100000000000000000000000]", "1:2: an integer beyond 64 bits" },
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
  { "{\"a\": \"\xff\"}", "1:8: a string that is not UTF-8 (byte 0xff)" },
  { "{\"a\": \"x\xc0\xaf\"}", "1:9: a string that is not UTF-8 (byte 0xc0)" },
  { "{\"a\": \"\xed\xa0\x80\"}", "1:8: a string that is not UTF-8 (byte 0xed)" },
  { "{\"a\": \"\xe2\x82\"}", "1:8: a string that is not UTF-8 (byte 0xe2)" },
  { "\xef\xbb\xbf{}", "1:1: a byte order mark" },
  { "{\"a\":\x01}", "1:6: unexpected byte 0x01" },
  { "{\"a\": 1,\n  \"b\": @}", "2:8: unexpected character '@'" },
};

static void
expect (const Case *c, gboolean ok, GError *error)
{
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

/* The check and the parse say the same of every case. */
static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(json_object) root = NULL;
  gboolean ok;

  ok = uctr_json_check (c->text, strlen (c->text), 100, &error);
  expect (c, ok, error);
  ok = uctr_json_parse (c->text, -1, 100, &root, &parse_error);
  expect (c, ok, parse_error);
  if (c->message != NULL)
    g_assert_null (root);
}

/* Grammar the token check leaves to json-c: refused with where and what. */
static void
test_parse_grammar (void)
{
  static const char *const bad[]
      = { "{\"a\" 1}", "[1,]", "{\"a\": 1,}", "[1 2]", "{1: 2}", "{\"a\"}", "[", "{\"a\":" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(json_object) root = NULL;

      g_assert_true (uctr_json_check (bad[i], strlen (bad[i]), 10, NULL));
      g_assert_false (uctr_json_parse (bad[i], -1, 10, &root, &error));
      g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
      g_assert_true (g_str_has_prefix (error->message, "1:"));
      g_assert_null (root);
    }
}

/* Blank text and the document null give no value and no error. */
static void
test_parse_blank (void)
{
  static const char *const blank[] = { "", " \n", "null", " null\n" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (blank); i++)
    {
      g_autoptr(GError) error = NULL;
      json_object *root = (json_object *) 1;

      g_assert_true (uctr_json_parse (blank[i], -1, 10, &root, &error));
      g_assert_no_error (error);
      g_assert_null (root);
    }
}

/* Numbers at the edges of 64 bits are read exactly, and a value of the
   wrong kind is refused by the typed getters, as Go's encoding/json does. */
static void
test_numbers (void)
{
  const char *text = "{\"umax\": 18446744073709551615, \"big\": 9223372036854775808, \"imax\": "
                     "9223372036854775807, \"imin\": -9223372036854775808, \"neg\": -1, \"real\": 1.0, "
                     "\"exp\": 1e3, \"str\": \"5\", \"t\": true, \"n\": null}";
  g_autoptr(json_object) root = NULL;
  g_autoptr(GError) error = NULL;
  guint64 u = 0;
  gint64 i = 0;
  gboolean present = TRUE;

  g_assert_true (uctr_json_parse (text, -1, 10, &root, &error));
  g_assert_no_error (error);
  g_assert_true (uctr_json_get_uint (root, "", "umax", 0, G_MAXUINT64, &u, NULL, &error));
  g_assert_cmpuint (u, ==, G_MAXUINT64);
  g_assert_true (uctr_json_get_uint (root, "", "big", 0, G_MAXUINT64, &u, NULL, &error));
  g_assert_cmpuint (u, ==, (guint64) G_MAXINT64 + 1);
  g_assert_true (uctr_json_get_int (root, "", "imax", 0, G_MININT64, G_MAXINT64, &i, NULL, &error));
  g_assert_cmpint (i, ==, G_MAXINT64);
  g_assert_true (uctr_json_get_int (root, "", "imin", 0, G_MININT64, G_MAXINT64, &i, NULL, &error));
  g_assert_cmpint (i, ==, G_MININT64);
  g_assert_no_error (error);
  /* Above G_MAXINT64 is out of a signed range, not clamped into it. */
  g_assert_false (uctr_json_get_int (root, "", "big", 0, G_MININT64, G_MAXINT64, &i, NULL, &error));
  g_assert_cmpstr (error->message, ==,
                   "big: must be an integer from -9223372036854775808 to 9223372036854775807");
  g_clear_error (&error);
  g_assert_false (uctr_json_get_uint (root, "", "neg", 0, G_MAXUINT64, &u, NULL, &error));
  g_assert_cmpstr (error->message, ==, "neg: must be an integer from 0 to 18446744073709551615");
  g_clear_error (&error);
  g_assert_false (uctr_json_get_int (root, "", "real", 0, 0, 10, &i, NULL, &error));
  g_clear_error (&error);
  g_assert_false (uctr_json_get_int (root, "", "exp", 0, 0, 10000, &i, NULL, &error));
  g_clear_error (&error);
  g_assert_false (uctr_json_get_uint (root, "", "str", 0, 10, &u, NULL, &error));
  g_clear_error (&error);
  g_assert_true (uctr_json_get_uint (root, "", "str", UCTR_JSON_DECIMAL, 10, &u, NULL, &error));
  g_assert_cmpuint (u, ==, 5);
  g_assert_false (uctr_json_get_int (root, "", "t", 0, 0, 1, &i, NULL, &error));
  g_clear_error (&error);
  /* null is absent: the value stays as it was. */
  i = 7;
  g_assert_true (uctr_json_get_int (root, "", "n", 0, 0, 10, &i, &present, &error));
  g_assert_false (present);
  g_assert_cmpint (i, ==, 7);
  g_assert_false (uctr_json_get_int (root, "", "n", UCTR_JSON_REQUIRED, 0, 10, &i, NULL, &error));
  g_assert_cmpstr (error->message, ==, "n: missing required field");
  g_clear_error (&error);
}

/* A string getter never takes another type's text (json-c would give it). */
static void
test_strings (void)
{
  g_autoptr(json_object) root = NULL;
  g_autoptr(GError) error = NULL;
  g_auto (GStrv) strv = NULL;
  const char *s = "unchanged";

  g_assert_true (uctr_json_parse ("{\"num\": 5, \"obj\": {}, \"arr\": [\"a\", 1], \"rel\": \"a/b\", "
                                  "\"arrn\": [\"a\", null]}",
                                  -1, 10, &root, &error));
  g_assert_false (uctr_json_get_string (root, "p", "num", 0, &s, &error));
  g_assert_cmpstr (error->message, ==, "p.num: must be a string");
  g_clear_error (&error);
  g_assert_false (uctr_json_get_string (root, "p", "obj", 0, &s, &error));
  g_clear_error (&error);
  g_assert_cmpstr (s, ==, "unchanged");
  g_assert_false (uctr_json_get_strv (root, "p", "arr", 0, &strv, &error));
  g_assert_cmpstr (error->message, ==, "p.arr[1]: must be a string");
  g_clear_error (&error);
  g_assert_false (uctr_json_get_strv (root, "p", "arrn", 0, &strv, &error));
  g_assert_cmpstr (error->message, ==, "p.arrn[1]: must be a string");
  g_assert_null (strv);
  g_clear_error (&error);
  g_assert_false (uctr_json_get_string (root, "p", "rel", UCTR_JSON_ABSOLUTE, &s, &error));
  g_assert_cmpstr (error->message, ==, "p.rel: must be an absolute path");
  g_clear_error (&error);
  g_assert_null (uctr_json_member (root, "missing"));
  g_assert_null (uctr_json_member (uctr_json_member (root, "num"), "x"));
}

/* Written back as Go writes it: members in document order, Go's escapes,
   integers exact to 64 bits. */
static void
test_write (void)
{
  const char *text = "{\"b\":1,\"a\":[18446744073709551615,-9223372036854775808,true,null,\"<&>\\u00e9\\n\"],"
                     "\"e\":{},\"f\":[]}";
  g_autoptr(json_object) root = NULL;
  g_autoptr(json_object) built = json_object_new_object ();
  g_autofree char *plain = NULL;
  g_autofree char *pretty = NULL;
  g_autofree char *written = NULL;
  const char *const strv[] = { "x", "y", NULL };

  g_assert_true (uctr_json_parse (text, -1, 10, &root, NULL));
  plain = uctr_json_to_string (root, FALSE);
  g_assert_cmpstr (plain, ==,
                   "{\"b\":1,\"a\":[18446744073709551615,-9223372036854775808,true,null,"
                   "\"\\u003c\\u0026\\u003e\xc3\xa9\\n\"],"
                   "\"e\":{},\"f\":[]}");
  pretty = uctr_json_to_string (root, TRUE);
  g_assert_true (g_str_has_prefix (pretty, "{\n  \"b\": 1,\n  \"a\": [\n    18446744073709551615,"));
  g_assert_true (g_str_has_suffix (pretty, "\"e\": {},\n  \"f\": []\n}"));
  g_free (pretty);
  /* `features` is indented by four, as runc's encoder does. */
  pretty = uctr_json_to_string_indent (root, 4);
  g_assert_true (g_str_has_prefix (pretty, "{\n    \"b\": 1,\n    \"a\": [\n        18446744073709551615,"));
  uctr_json_add_string (built, "s", "v");
  uctr_json_add_string (built, "null", NULL);
  uctr_json_add_int (built, "i", -3);
  uctr_json_add_uint (built, "u", G_MAXUINT64);
  uctr_json_add_bool (built, "t", TRUE);
  uctr_json_add_strv (built, "v", strv);
  uctr_json_add_strv (built, "none", NULL);
  uctr_json_add_int (built, "i", 4); /* replaces, in place */
  /* An object member made where there is none, or none that is an object;
     one that is, kept. */
  uctr_json_add_int (uctr_json_object_member (built, "s"), "k", 1);
  uctr_json_add_int (uctr_json_object_member (built, "o"), "k", 2);
  uctr_json_add_int (uctr_json_object_member (built, "o"), "l", 3);
  written = uctr_json_to_string (built, FALSE);
  g_assert_cmpstr (written, ==,
                   "{\"s\":{\"k\":1},\"null\":null,\"i\":4,\"u\":18446744073709551615,\"t\":true,"
                   "\"v\":[\"x\",\"y\"],\"none\":[],\"o\":{\"k\":2,\"l\":3}}");
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

  g_autoptr(json_object) root = NULL;

  g_assert_true (uctr_json_check (at_limit, strlen (at_limit), 100, &error));
  g_assert_true (uctr_json_check (in_strings, strlen (in_strings), 100, &error));
  g_assert_no_error (error);
  /* json-c takes what the check let through at the limit. */
  g_assert_true (uctr_json_parse (at_limit, -1, 100, &root, &error));
  g_assert_no_error (error);
  g_assert_nonnull (root);
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
  g_test_add_func ("/json/parse/grammar", test_parse_grammar);
  g_test_add_func ("/json/parse/blank", test_parse_blank);
  g_test_add_func ("/json/numbers", test_numbers);
  g_test_add_func ("/json/strings", test_strings);
  g_test_add_func ("/json/write", test_write);
  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/json/case/%" G_GSIZE_FORMAT, i);
      g_test_add_data_func (path, &cases[i], test_case);
    }
  return g_test_run ();
}
