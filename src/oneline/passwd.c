/* uctr: /etc/passwd and /etc/group with the caller's entries (passwd.h).
   Every other line of the rootfs's file is kept as it is. */
#include "oneline/passwd.h"

#include <string.h>

gboolean
uctr_oneline_passwd_field_ok (const char *s)
{
  return s != NULL && *s != '\0' && strpbrk (s, ":\n") == NULL;
}

/* Whether LINE ("name:x:id:...") is the entry of NAME or of ID. */
static gboolean
entry_of (const char *line, const char *name, guint32 id)
{
  g_auto(GStrv) f = g_strsplit (line, ":", 4);
  guint64 n;

  if (g_strv_length (f) < 3)
    return FALSE;
  return strcmp (f[0], name) == 0
         || (g_ascii_string_to_unsigned (f[2], 10, 0, G_MAXUINT32, &n, NULL) && n == id);
}

/* The lines of TEXT but the entries of NAME and ID, each ending in a newline. */
static GString *
without_entry (const char *text, const char *name, guint32 id)
{
  g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  GString *out = g_string_new (NULL);

  for (char **l = lines; *l != NULL; l++)
    if (**l != '\0' && !entry_of (*l, name, id))
      g_string_append_printf (out, "%s\n", *l);
  return out;
}

/* Whether TEXT has an entry of NAME or of ID. */
static gboolean
has_entry (const char *text, const char *name, guint32 id)
{
  g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);

  for (char **l = lines; *l != NULL; l++)
    if (entry_of (*l, name, id))
      return TRUE;
  return FALSE;
}

char *
uctr_oneline_passwd_with (const char *text, const char *name, guint32 uid, guint32 gid, const char *gecos,
                          const char *home, const char *shell)
{
  GString *out = without_entry (text, name, uid);
  g_autofree char *clean_gecos = g_strdup (gecos != NULL ? gecos : "");

  g_strdelimit (clean_gecos, ":\n", ' ');
  g_string_append_printf (out, "%s:x:%u:%u:%s:%s:%s\n", name, uid, gid, clean_gecos, home, shell);
  return g_string_free (out, FALSE);
}

char *
uctr_oneline_group_with (const char *text, const UctrGroupEntry *group, const char *user,
                         const UctrGroupEntry *others, gsize n_others)
{
  GString *out = without_entry (text, group->name, group->id);

  g_string_append_printf (out, "%s:x:%u:%s\n", group->name, group->id, user);
  for (gsize i = 0; i < n_others; i++)
    if (!has_entry (out->str, others[i].name, others[i].id))
      g_string_append_printf (out, "%s:x:%u:%s\n", others[i].name, others[i].id, user);
  return g_string_free (out, FALSE);
}
