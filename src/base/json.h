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

/* Reading a parsed document as Go does (config.c, resources.c, seccomp.c). */

/* The member NAME of OBJ (which may be NULL); NULL when absent or JSON null. */
JsonNode *uctr_json_member (JsonObject *obj, const char *name);

/* NODE is a value (not an object or array) of TYPE. */
gboolean uctr_json_holds (JsonNode *node, GType type);

/* UCTR_ERROR_INVALID_CONFIG "PATH: MESSAGE"; returns FALSE. */
gboolean uctr_json_invalid (GError **error, const char *path, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

/* Appends S as a JSON string escaped as Go's encoding/json does (runc's
   output, byte for byte): <, > and & as \u00XX, invalid UTF-8 as U+FFFD. */
void uctr_json_append_go_string (GString *out, const char *s);
/* Appends NODE as Go's encoding/json writes it; PRETTY indents by two
   spaces as json.MarshalIndent does (`runc state`). */
void uctr_json_append_go (GString *out, JsonNode *node, gboolean pretty);
