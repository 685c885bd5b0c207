/* uctr: a TOML reader for configuration files such as registries.conf:
   the TOML 1.0 grammar less floats, dates and times and non-decimal
   integers (none of which those files use, and which are refused rather
   than misread). Strict: every syntax error, a key or a table defined
   twice, is an error with FILE:LINE. */
#pragma once

#include <glib.h>

typedef enum
{
  UCTR_TOML_STRING,
  UCTR_TOML_BOOLEAN,
  UCTR_TOML_INTEGER,
  UCTR_TOML_ARRAY,
  UCTR_TOML_TABLE,
} UctrTomlType;

typedef struct _UctrToml UctrToml;

struct _UctrToml
{
  UctrTomlType type;
  guint line;        /* where the value starts, or the table's [header] */
  char *string;      /* STRING, UTF-8 (escapes resolved; may hold no NUL) */
  gboolean boolean;  /* BOOLEAN */
  gint64 integer;    /* INTEGER */
  GPtrArray *items;  /* ARRAY: its elements; TABLE: its values, in the order written */
  GPtrArray *keys;   /* TABLE: the keys, one for each of items */
  GHashTable *index; /* TABLE: key -> value */
  guint flags;       /* the reader's own */
};

/* The largest input uctr_toml_parse takes. */
#define UCTR_TOML_MAX_SIZE (1024 * 1024)

/* TEXT (LEN bytes, UTF-8) read as a TOML document: its root table. NAME
   (a file) starts every error message: "NAME:LINE: what is wrong". */
UctrToml *uctr_toml_parse (const char *text, gsize len, const char *name, GError **error);
void uctr_toml_free (UctrToml *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrToml, uctr_toml_free)

/* The value of KEY in TABLE, or NULL (no such key, TABLE no table). */
UctrToml *uctr_toml_get (const UctrToml *table, const char *key);
