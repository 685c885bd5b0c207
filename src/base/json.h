/* uctr: what json-glib is handed must be JSON. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* Checks that TEXT (LEN bytes) holds one JSON value by RFC 8259's rules for
   tokens, nested at most MAX_DEPTH deep, before json-glib parses it.
   json-glib 1.6 (Debian 12) recurses without a limit (a few hundred thousand
   '[' overflow the stack) and accepts what is not JSON and what runc refuses:
   010 as 8, 0x1F, 'single quotes', /comments/, "\q", raw control characters
   in strings, and a second document after the first, which it ignores.
   Empty or blank text passes (callers say what they expected instead).
   Errors are UCTR_ERROR_INVALID_CONFIG, "LINE:COLUMN: what is wrong". */
gboolean uctr_json_check (const char *text, gsize len, guint max_depth, GError **error);

/* Reading a parsed document as Go does (config.c, resources.c, seccomp.c,
   state.c). */

/* The member NAME of OBJ (which may be NULL); NULL when absent or JSON null. */
JsonNode *uctr_json_member (JsonObject *obj, const char *name);

/* NODE is a value (not an object or array) of TYPE. */
gboolean uctr_json_holds (JsonNode *node, GType type);

/* The path of member NAME in the object at PARENT: "PARENT.NAME", NAME at
   the top (PARENT ""), PARENT itself when NAME is NULL. */
char *uctr_json_path (const char *parent, const char *name);

/* UCTR_ERROR_INVALID_CONFIG "PATH: MESSAGE"; returns FALSE. */
gboolean uctr_json_invalid (GError **error, const char *path, const char *fmt, ...) G_GNUC_PRINTF (3, 4);
/* The same at uctr_json_path (PARENT, NAME). */
gboolean uctr_json_invalid_at (GError **error, const char *parent, const char *name, const char *fmt, ...)
    G_GNUC_PRINTF (4, 5);

/* Typed members. Each getter reads member NAME of OBJ (which may be NULL)
   and names it uctr_json_path (PARENT, NAME) in errors. An absent member
   (or JSON null) leaves *OUT as it was, so callers can preset a default,
   unless UCTR_JSON_REQUIRED. The uctr_json_node_ ones read NODE (NULL when
   absent) in the same way, for values that are not members. */
typedef enum
{
  UCTR_JSON_OPTIONAL = 0,
  UCTR_JSON_REQUIRED = 1 << 0,  /* absent: "PATH: missing required field" */
  UCTR_JSON_ABSOLUTE = 1 << 1,  /* strings: absolute paths */
  UCTR_JSON_NON_EMPTY = 1 << 2, /* strings of an array: not "" (env) */
  /* Unsigned integers: json-glib keeps a gint64 and wraps those above
     G_MAXINT64 to negative ones, so each is read back as its 64-bit pattern. */
  UCTR_JSON_WRAPPED = 1 << 3,
  /* Unsigned integers: a decimal string too (exact beyond 2^53). */
  UCTR_JSON_DECIMAL = 1 << 4,
  /* uctr's own file (state.json), not one the user wrote: UCTR_ERROR_FAILED,
     "\"PATH\" is missing", "\"PATH\" has the wrong type", "\"PATH\" is not a
     number from 0 to MAX". */
  UCTR_JSON_OWN = 1 << 5,
} UctrJsonFlags;

gboolean uctr_json_node_object (JsonNode *node, const char *parent, const char *name, UctrJsonFlags flags,
                                JsonObject **out, GError **error);
gboolean uctr_json_node_array (JsonNode *node, const char *parent, const char *name, UctrJsonFlags flags,
                               JsonArray **out, GError **error);
/* *OUT points into NODE. */
gboolean uctr_json_node_string (JsonNode *node, const char *parent, const char *name, UctrJsonFlags flags,
                                const char **out, GError **error);
gboolean uctr_json_node_int (JsonNode *node, const char *parent, const char *name, UctrJsonFlags flags,
                             gint64 min, gint64 max, gint64 *out, GError **error);

gboolean uctr_json_get_object (JsonObject *obj, const char *parent, const char *name, UctrJsonFlags flags,
                               JsonObject **out, GError **error);
gboolean uctr_json_get_array (JsonObject *obj, const char *parent, const char *name, UctrJsonFlags flags,
                              JsonArray **out, GError **error);
/* *OUT points into OBJ. */
gboolean uctr_json_get_string (JsonObject *obj, const char *parent, const char *name, UctrJsonFlags flags,
                               const char **out, GError **error);
/* A copy, which replaces (frees) *OUT. */
gboolean uctr_json_dup_string (JsonObject *obj, const char *parent, const char *name, UctrJsonFlags flags,
                               char **out, GError **error);
gboolean uctr_json_get_bool (JsonObject *obj, const char *parent, const char *name, UctrJsonFlags flags,
                             gboolean *out, GError **error);
/* A JSON integer (1.0 is refused, as Go's encoding/json does) from MIN to
   MAX; PRESENT (may be NULL) says whether the member is there. */
gboolean uctr_json_get_int (JsonObject *obj, const char *parent, const char *name, UctrJsonFlags flags,
                            gint64 min, gint64 max, gint64 *out, gboolean *present, GError **error);
gboolean uctr_json_get_uint (JsonObject *obj, const char *parent, const char *name, UctrJsonFlags flags,
                             guint64 max, guint64 *out, gboolean *present, GError **error);
/* An array of strings, which replaces (frees) *OUT. */
gboolean uctr_json_get_strv (JsonObject *obj, const char *parent, const char *name, UctrJsonFlags flags,
                             char ***out, GError **error);
/* An object of strings into TABLE (owning keys and values); KEYS (may be
   NULL) gets the keys in document order. */
gboolean uctr_json_get_string_map (JsonObject *obj, const char *parent, const char *name, UctrJsonFlags flags,
                                   GHashTable *table, GPtrArray *keys, GError **error);

/* Appends S as a JSON string escaped as Go's encoding/json does (runc's
   output, byte for byte): <, > and & as \u00XX, invalid UTF-8 as U+FFFD. */
void uctr_json_append_go_string (GString *out, const char *s);
/* Appends NODE as Go's encoding/json writes it; PRETTY indents by two
   spaces as json.MarshalIndent does (`runc state`). */
void uctr_json_append_go (GString *out, JsonNode *node, gboolean pretty);
