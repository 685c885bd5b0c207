/* uctr: writing runc's types.Stats JSON (stats.c for cgroup v2, stats-v1.c
   for v1): members in the order they are put, Go's encoding of each. */
#pragma once

#include <glib.h>

typedef struct
{
  GString *s;
  gboolean need_comma;
} UctrStatsOut;

/* KEY (NULL inside an array) and what goes before it. */
void uctr_out_key (UctrStatsOut *o, const char *key);
void uctr_out_open_object (UctrStatsOut *o, const char *key);
void uctr_out_open_array (UctrStatsOut *o, const char *key);
void uctr_out_close_object (UctrStatsOut *o);
void uctr_out_close_array (UctrStatsOut *o);
void uctr_out_u64 (UctrStatsOut *o, const char *key, guint64 v);
/* Go's omitempty: a zero is left out. */
void uctr_out_u64_nz (UctrStatsOut *o, const char *key, guint64 v);
void uctr_out_raw (UctrStatsOut *o, const char *key, const char *raw);
void uctr_out_string (UctrStatsOut *o, const char *key, const char *v);
/* "raw": the table's members sorted by key (Go sorts map keys). */
void uctr_out_raw_table (UctrStatsOut *o, GHashTable *st);
/* KEY: the cpus of a list such as "0-2,5" in the file FILE of DIR, as numbers. */
void uctr_out_cpu_list (UctrStatsOut *o, const char *key, const char *dir, const char *file);

/* The members a stats object ends with (no Intel RDT, no network
   interfaces: runc's empty ones), the object closed; O's text. */
char *uctr_out_finish_stats (UctrStatsOut *o);

/* A single number in the file NAME of DIR, "max" as G_MAXUINT64; FALSE when
   the file is missing. */
gboolean uctr_out_read_u64 (const char *dir, const char *name, guint64 *out);
/* "key value" lines into a table of guint64 (boxed). */
GHashTable *uctr_out_read_keyed (const char *dir, const char *name);
/* The value of KEY in such a table, 0 when absent. */
guint64 uctr_out_keyed (GHashTable *t, const char *key);
/* The lines of cgroup.procs. */
guint64 uctr_out_count_procs (const char *path);
/* For sorting an array of strings. */
int uctr_out_compare_keys (gconstpointer a, gconstpointer b);
