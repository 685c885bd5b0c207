/* uctr: JSON documents, read and written as runc reads and writes them.
   json-c holds the values (json_object *; JSON null is NULL); this checks
   what it is handed and writes what Go's encoding/json would. */
#pragma once

#include <glib.h>
#include <json-c/json.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_object, json_object_put)

/* How deep the documents uctr reads may nest, unless a caller says less. */
#define UCTR_JSON_MAX_DEPTH 1000

/* Checks that TEXT (LEN bytes) holds one JSON value by RFC 8259's rules for
   tokens, nested at most MAX_DEPTH deep, and what runc refuses besides:
   010 as 8, 0x1F, 'single quotes', comments, "\q", raw control characters
   in strings, \u0000, half a surrogate pair, an integer beyond 64 bits,
   and a second document after the first. Empty or blank text passes
   (callers say what they expected instead). Errors are
   UCTR_ERROR_INVALID_CONFIG, "LINE:COLUMN: what is wrong". */
gboolean uctr_json_check (const char *text, gsize len, guint max_depth, GError **error);

/* Parses TEXT (LEN bytes; -1: up to its NUL) after uctr_json_check. *OUT
   (owned by the caller) is NULL for blank text and for the document null.
   Errors as uctr_json_check's. */
gboolean uctr_json_parse (const char *text, gssize len, guint max_depth, json_object **out, GError **error);

/* Reading a parsed document as Go does (config.c, resources.c, seccomp.c,
   state.c). */

/* The member NAME of OBJ (which may be NULL or not an object); NULL when
   absent or JSON null. */
json_object *uctr_json_member (json_object *obj, const char *name);

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
  /* Unsigned integers: a decimal string too (exact beyond 2^53). */
  UCTR_JSON_DECIMAL = 1 << 4,
  /* uctr's own file (state.json), not one the user wrote: UCTR_ERROR_FAILED,
     "\"PATH\" is missing", "\"PATH\" has the wrong type", "\"PATH\" is not a
     number from 0 to MAX". */
  UCTR_JSON_OWN = 1 << 5,
} UctrJsonFlags;

gboolean uctr_json_node_object (json_object *node, const char *parent, const char *name, UctrJsonFlags flags,
                                json_object **out, GError **error);
gboolean uctr_json_node_array (json_object *node, const char *parent, const char *name, UctrJsonFlags flags,
                               json_object **out, GError **error);
/* *OUT points into NODE. */
gboolean uctr_json_node_string (json_object *node, const char *parent, const char *name, UctrJsonFlags flags,
                                const char **out, GError **error);
gboolean uctr_json_node_int (json_object *node, const char *parent, const char *name, UctrJsonFlags flags,
                             gint64 min, gint64 max, gint64 *out, GError **error);

gboolean uctr_json_get_object (json_object *obj, const char *parent, const char *name, UctrJsonFlags flags,
                               json_object **out, GError **error);
gboolean uctr_json_get_array (json_object *obj, const char *parent, const char *name, UctrJsonFlags flags,
                              json_object **out, GError **error);
/* *OUT points into OBJ. */
gboolean uctr_json_get_string (json_object *obj, const char *parent, const char *name, UctrJsonFlags flags,
                               const char **out, GError **error);
/* A copy, which replaces (frees) *OUT. */
gboolean uctr_json_dup_string (json_object *obj, const char *parent, const char *name, UctrJsonFlags flags,
                               char **out, GError **error);
gboolean uctr_json_get_bool (json_object *obj, const char *parent, const char *name, UctrJsonFlags flags,
                             gboolean *out, GError **error);
/* A JSON integer (1.0 is refused, as Go's encoding/json does) from MIN to
   MAX; PRESENT (may be NULL) says whether the member is there. */
gboolean uctr_json_get_int (json_object *obj, const char *parent, const char *name, UctrJsonFlags flags,
                            gint64 min, gint64 max, gint64 *out, gboolean *present, GError **error);
gboolean uctr_json_get_uint (json_object *obj, const char *parent, const char *name, UctrJsonFlags flags,
                             guint64 max, guint64 *out, gboolean *present, GError **error);
/* An array of strings, which replaces (frees) *OUT. */
gboolean uctr_json_get_strv (json_object *obj, const char *parent, const char *name, UctrJsonFlags flags,
                             char ***out, GError **error);
/* An object of strings into TABLE (owning keys and values); KEYS (may be
   NULL) gets the keys in document order. */
gboolean uctr_json_get_string_map (json_object *obj, const char *parent, const char *name,
                                   UctrJsonFlags flags, GHashTable *table, GPtrArray *keys, GError **error);

/* Appends S as a JSON string escaped as Go's encoding/json does (runc's
   output, byte for byte): <, > and & as \u00XX, invalid UTF-8 as U+FFFD. */
void uctr_json_append_go_string (GString *out, const char *s);
/* Appends NODE as Go's encoding/json writes it; PRETTY indents by two
   spaces as json.MarshalIndent does (`runc state`). */
void uctr_json_append_go (GString *out, json_object *node, gboolean pretty);
/* NODE as uctr_json_append_go writes it, without a trailing newline. */
char *uctr_json_to_string (json_object *node, gboolean pretty);
/* The same, indented by INDENT spaces a level (Go's SetIndent("", ...);
   0: on one line). */
char *uctr_json_to_string_indent (json_object *node, guint indent);

/* The object member NAME of OBJ, made (in place of what is not an object)
   when it is not one; borrowed: OBJ holds it. */
json_object *uctr_json_object_member (json_object *obj, const char *name);

/* Writing: each adds member NAME to OBJ (replacing one of that name). */
/* Takes VALUE (NULL: JSON null). */
void uctr_json_add (json_object *obj, const char *name, json_object *value);
/* VALUE NULL: JSON null. */
void uctr_json_add_string (json_object *obj, const char *name, const char *value);
void uctr_json_add_int (json_object *obj, const char *name, gint64 value);
void uctr_json_add_uint (json_object *obj, const char *name, guint64 value);
void uctr_json_add_bool (json_object *obj, const char *name, gboolean value);
/* An array of the strings of STRV (NULL: an empty array). */
void uctr_json_add_strv (json_object *obj, const char *name, const char *const *strv);
/* A new array of the strings of STRV (NULL: empty). */
json_object *uctr_json_new_strv (const char *const *strv);
