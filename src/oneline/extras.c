/* uctr: a one-line run's extras (oneline.h, extras.h): files for the state
   dir, warnings, and the flags its config paths came from, which errors
   name instead of the paths. */
#include "oneline/extras.h"
#include "runtime/container.h"

#include <string.h>

static void
clear_state_file (gpointer p)
{
  UctrStateFile *f = p;

  g_free ((char *) f->name);
  g_free ((char *) f->contents);
}

void
uctr_oneline_extras_init (UctrOneLineExtras *x, const char *state_dir)
{
  *x = (UctrOneLineExtras){
    .state_dir = g_strdup (state_dir),
    .state_files = g_array_new (FALSE, TRUE, sizeof (UctrStateFile)),
    .warnings = g_ptr_array_new_with_free_func (g_free),
    .publish = g_ptr_array_new_with_free_func (g_free),
    .flags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free),
  };
  g_array_set_clear_func (x->state_files, clear_state_file);
}

void
uctr_oneline_extras_clear (UctrOneLineExtras *x)
{
  g_clear_pointer (&x->state_dir, g_free);
  g_clear_pointer (&x->state_files, g_array_unref);
  g_clear_pointer (&x->warnings, g_ptr_array_unref);
  g_clear_pointer (&x->publish, g_ptr_array_unref);
  g_clear_pointer (&x->flags, g_hash_table_unref);
}

static void
flag_set_valist (UctrOneLineExtras *x, char *path, const char *fmt, va_list ap)
{
  g_hash_table_replace (x->flags, path, g_strdup_vprintf (fmt, ap));
}

void
uctr_oneline_flag_set (UctrOneLineExtras *x, const char *path, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  flag_set_valist (x, g_strdup (path), fmt, ap);
  va_end (ap);
}

void
uctr_oneline_flag_next_mount (UctrOneLineExtras *x, json_object *mounts, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  flag_set_valist (x, g_strdup_printf ("mounts[%" G_GSIZE_FORMAT "]", json_object_array_length (mounts)), fmt,
                   ap);
  va_end (ap);
}

char *
uctr_oneline_state_file (UctrOneLineExtras *x, const char *name, const char *contents, mode_t mode)
{
  UctrStateFile f = { g_strconcat (UCTR_STATE_FILE_PREFIX, name, NULL), g_strdup (contents), mode };

  if (x->state_dir == NULL)
    {
      clear_state_file (&f);
      return NULL;
    }
  g_array_append_val (x->state_files, f);
  return g_build_filename (x->state_dir, f.name, NULL);
}

void
uctr_oneline_add_bind_mount (json_object *mounts, const char *src, const char *dest, const char *mode)
{
  const char *const options[] = { "rbind", mode, NULL };
  json_object *m = json_object_new_object ();

  uctr_json_add_string (m, "destination", dest);
  uctr_json_add_string (m, "type", "bind");
  uctr_json_add_string (m, "source", src);
  uctr_json_add_strv (m, "options", options);
  json_object_array_add (mounts, m);
}

static gboolean
ident_char (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

/* What follows a config path in a message and belongs to it: members and
   indexes (".source", "[2]"), or what names a mount (" (bind on /www)"). */
static gsize
path_tail (const char *s, gboolean mount)
{
  const char *p = s;

  for (;;)
    {
      if (p[0] == '.' && ident_char (p[1]))
        for (p++; ident_char (*p); p++)
          ;
      else if (p[0] == '[' && strchr (p, ']') != NULL)
        p = strchr (p, ']') + 1;
      else
        break;
    }
  if (mount && p == s && g_str_has_prefix (p, " (") && strchr (p, ')') != NULL)
    p = strchr (p, ')') + 1;
  return p - s;
}

/* The longest config path of FLAGS that MSG starts with, as a whole word. */
static const char *
path_at (GHashTable *flags, const char *msg)
{
  GHashTableIter it;
  gpointer key;
  const char *best = NULL;

  g_hash_table_iter_init (&it, flags);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      gsize len = strlen (key);

      if (strncmp (msg, key, len) == 0 && !ident_char (msg[len]) && (best == NULL || len > strlen (best)))
        best = key;
    }
  return best;
}

void
uctr_oneline_name_flags (const UctrOneLineExtras *x, GError *error)
{
  g_autoptr(GString) out = NULL;
  const char *m;

  if (error == NULL || x->flags == NULL || g_hash_table_size (x->flags) == 0)
    return;
  out = g_string_new (NULL);
  for (m = error->message; *m != '\0';)
    {
      const char *path
          = m == error->message || (!ident_char (m[-1]) && m[-1] != '.') ? path_at (x->flags, m) : NULL;

      if (path == NULL)
        {
          g_string_append_c (out, *m++);
          continue;
        }
      g_string_append (out, g_hash_table_lookup (x->flags, path));
      m += strlen (path);
      m += path_tail (m, g_str_has_prefix (path, "mounts["));
    }
  g_free (error->message);
  error->message = g_string_free (g_steal_pointer (&out), FALSE);
}
