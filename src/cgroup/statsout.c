/* uctr: the pieces of runc's types.Stats JSON, for stats.c (cgroup v2) and
   stats-v1.c: a small writer that puts commas as members come, and readers
   of the cgroup files they come from. */
#include "cgroup/statsout.h"
#include "cgroup/cgroup.h"
#include "base/json.h"

#include <stdlib.h>
#include <string.h>

/* A small JSON writer: members separated by commas as they come. */

void
uctr_out_key (UctrStatsOut *o, const char *key)
{
  if (o->need_comma)
    g_string_append_c (o->s, ',');
  if (key != NULL)
    {
      uctr_json_append_go_string (o->s, key);
      g_string_append_c (o->s, ':');
    }
  o->need_comma = TRUE;
}

void
uctr_out_open_object (UctrStatsOut *o, const char *key)
{
  uctr_out_key (o, key);
  g_string_append_c (o->s, '{');
  o->need_comma = FALSE;
}

void
uctr_out_open_array (UctrStatsOut *o, const char *key)
{
  uctr_out_key (o, key);
  g_string_append_c (o->s, '[');
  o->need_comma = FALSE;
}

void
uctr_out_close_object (UctrStatsOut *o)
{
  g_string_append_c (o->s, '}');
  o->need_comma = TRUE;
}

void
uctr_out_close_array (UctrStatsOut *o)
{
  g_string_append_c (o->s, ']');
  o->need_comma = TRUE;
}

void
uctr_out_u64 (UctrStatsOut *o, const char *key, guint64 v)
{
  uctr_out_key (o, key);
  g_string_append_printf (o->s, "%" G_GUINT64_FORMAT, v);
}

/* Go's omitempty: a zero is left out. */
void
uctr_out_u64_nz (UctrStatsOut *o, const char *key, guint64 v)
{
  if (v != 0)
    uctr_out_u64 (o, key, v);
}

void
uctr_out_raw (UctrStatsOut *o, const char *key, const char *raw)
{
  uctr_out_key (o, key);
  g_string_append (o->s, raw);
}

void
uctr_out_string (UctrStatsOut *o, const char *key, const char *v)
{
  uctr_out_key (o, key);
  uctr_json_append_go_string (o->s, v);
}

/* Reading cgroup files */

/* A single number, "max" as G_MAXUINT64; FALSE when the file is missing. */
gboolean
uctr_out_read_u64 (const char *dir, const char *name, guint64 *out)
{
  g_autofree char *text = uctr_cgroup_read (dir, name);

  if (text == NULL)
    return FALSE;
  g_strstrip (text);
  *out = strcmp (text, "max") == 0 ? G_MAXUINT64 : g_ascii_strtoull (text, NULL, 10);
  return TRUE;
}

/* "key value" lines into a table of guint64 (boxed). */
GHashTable *
uctr_out_read_keyed (const char *dir, const char *name)
{
  g_autofree char *text = uctr_cgroup_read (dir, name);
  g_auto(GStrv) lines = text != NULL ? g_strsplit (text, "\n", -1) : NULL;
  GHashTable *t = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  guint i;

  for (i = 0; lines != NULL && lines[i] != NULL; i++)
    {
      char *sp = strchr (lines[i], ' ');
      guint64 *v;

      if (sp == NULL)
        continue;
      v = g_new (guint64, 1);
      *v = g_ascii_strtoull (sp + 1, NULL, 10);
      g_hash_table_replace (t, g_strndup (lines[i], sp - lines[i]), v);
    }
  return t;
}

guint64
uctr_out_keyed (GHashTable *t, const char *key)
{
  guint64 *v = g_hash_table_lookup (t, key);

  return v != NULL ? *v : 0;
}

int
uctr_out_compare_keys (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

void
uctr_out_raw_table (UctrStatsOut *o, GHashTable *st)
{
  g_autofree gpointer *keys = NULL;
  guint n, i;

  if (g_hash_table_size (st) == 0)
    return;
  keys = g_hash_table_get_keys_as_array (st, &n);
  qsort (keys, n, sizeof (gpointer), uctr_out_compare_keys);
  uctr_out_open_object (o, "raw");
  for (i = 0; i < n; i++)
    uctr_out_u64 (o, keys[i], uctr_out_keyed (st, keys[i]));
  uctr_out_close_object (o);
}

/* "0-2,5" -> [0,1,2,5] */
void
uctr_out_cpu_list (UctrStatsOut *o, const char *key, const char *dir, const char *file)
{
  g_autofree char *text = uctr_cgroup_read (dir, file);
  g_auto(GStrv) ranges = NULL;
  guint i;

  if (text == NULL || *g_strstrip (text) == '\0')
    return;
  ranges = g_strsplit (text, ",", -1);
  uctr_out_open_array (o, key);
  for (i = 0; ranges[i] != NULL; i++)
    {
      char *dash = strchr (ranges[i], '-');
      guint64 a = g_ascii_strtoull (ranges[i], NULL, 10);
      guint64 b = dash != NULL ? g_ascii_strtoull (dash + 1, NULL, 10) : a;

      for (; a <= b && a < 65536; a++)
        uctr_out_u64 (o, NULL, a);
    }
  uctr_out_close_array (o);
}

guint64
uctr_out_count_procs (const char *path)
{
  g_autofree char *procs = uctr_cgroup_read (path, "cgroup.procs");
  g_auto(GStrv) lines = procs != NULL ? g_strsplit (procs, "\n", -1) : NULL;
  guint64 n = 0;
  guint i;

  for (i = 0; lines != NULL && lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      n++;
  return n;
}

char *
uctr_out_finish_stats (UctrStatsOut *o)
{
  uctr_out_open_object (o, "intel_rdt");
  uctr_out_close_object (o);
  uctr_out_raw (o, "network_interfaces", "null");
  uctr_out_close_object (o);
  return g_string_free (o->s, FALSE);
}
