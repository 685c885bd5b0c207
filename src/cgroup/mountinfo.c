/* uctr: the cgroup file systems of a /proc/self/mountinfo text. */
#include "cgroup/mountinfo.h"

#include <string.h>

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *
unescape_octal (const char *s)
{
  GString *out = g_string_new (NULL);

  while (*s != '\0')
    {
      if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
          && s[3] <= '7')
        {
          g_string_append_c (out, (char) (((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0')));
          s += 4;
        }
      else
        g_string_append_c (out, *s++);
    }
  return g_string_free (out, FALSE);
}

typedef struct
{
  char *root;
  char *point;
  char *fstype;
  char *super; /* the super options: "rw,cpu,cpuacct" */
} Entry;

static void
entry_free (Entry *e)
{
  g_free (e->root);
  g_free (e->point);
  g_free (e->fstype);
  g_free (e->super);
  g_free (e);
}

/* The fields of a mountinfo LINE (unescaped); NULL for a line that is no mount:
   ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS */
static Entry *
parse_entry (const char *line)
{
  g_auto(GStrv) f = g_strsplit (line, " ", -1);
  guint n = g_strv_length (f), sep;
  Entry *e;

  for (sep = 6; sep < n && strcmp (f[sep], "-") != 0; sep++)
    ;
  if (n < 5 || sep + 1 >= n)
    return NULL;
  e = g_new0 (Entry, 1);
  e->root = unescape_octal (f[3]);
  e->point = unescape_octal (f[4]);
  e->fstype = g_strdup (f[sep + 1]);
  e->super = g_strdup (sep + 3 < n ? f[sep + 3] : "");
  return e;
}

static GPtrArray *
parse_entries (const char *mountinfo)
{
  g_auto(GStrv) lines = g_strsplit (mountinfo, "\n", -1);
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  guint i;

  for (i = 0; lines[i] != NULL; i++)
    {
      Entry *e = parse_entry (lines[i]);
      if (e != NULL)
        g_ptr_array_add (entries, e);
    }
  return entries;
}

/* Whether a mount on OVER hides what is mounted on PATH: the same mount
   point, or one of its ancestors. */
static gboolean
covers (const char *over, const char *path)
{
  size_t len = strlen (over);

  if (strcmp (over, "/") == 0 || strcmp (over, path) == 0)
    return TRUE;
  return strncmp (over, path, len) == 0 && path[len] == '/';
}

/* mountinfo lists mounts in the order they were made: a later mount on the
   same point or above it hides entry I (under systemd --user on a hybrid
   host, a cgroup2 mounted over /sys/fs/cgroup hides /sys/fs/cgroup/unified). */
static gboolean
hidden (GPtrArray *entries, guint i)
{
  const Entry *e = g_ptr_array_index (entries, i);
  guint j;

  for (j = i + 1; j < entries->len; j++)
    if (covers (((const Entry *) g_ptr_array_index (entries, j))->point, e->point))
      return TRUE;
  return FALSE;
}

char *
uctr_cgroup_find_v2_mount (const char *mountinfo)
{
  g_autoptr(GPtrArray) entries = parse_entries (mountinfo);
  guint i;

  for (i = 0; i < entries->len; i++)
    {
      const Entry *e = g_ptr_array_index (entries, i);

      if (strcmp (e->fstype, "cgroup2") == 0 && !hidden (entries, i))
        return g_strdup (e->point);
    }
  return NULL;
}

void
uctr_cgroup_v1_mount_free (UctrCgroupV1Mount *m)
{
  if (m == NULL)
    return;
  g_free (m->controllers);
  g_free (m->root);
  g_free (m->point);
  g_free (m);
}

/* The controllers among the super options: not rw/ro nor an option of the
   cgroup file system itself. */
static char *
controllers_of (const char *super)
{
  static const char *const not_controllers[]
      = { "rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode", "favordynmods", NULL };
  g_auto(GStrv) opts = g_strsplit (super, ",", -1);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  guint i;

  for (i = 0; opts[i] != NULL; i++)
    if (opts[i][0] != '\0' && !g_strv_contains (not_controllers, opts[i])
        && !g_str_has_prefix (opts[i], "release_agent="))
      g_ptr_array_add (names, opts[i]);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (",", (char **) names->pdata);
}

GPtrArray *
uctr_cgroup_find_v1_mounts (const char *mountinfo)
{
  g_autoptr(GPtrArray) entries = parse_entries (mountinfo);
  GPtrArray *mounts = g_ptr_array_new_with_free_func ((GDestroyNotify) uctr_cgroup_v1_mount_free);
  guint i, j;

  for (i = 0; i < entries->len; i++)
    {
      const Entry *e = g_ptr_array_index (entries, i);
      g_autofree char *controllers = NULL;
      gboolean seen = FALSE;
      UctrCgroupV1Mount *m;

      if (strcmp (e->fstype, "cgroup") != 0 || hidden (entries, i))
        continue;
      controllers = controllers_of (e->super);
      for (j = 0; j < mounts->len && !seen; j++)
        seen = strcmp (((UctrCgroupV1Mount *) g_ptr_array_index (mounts, j))->controllers, controllers) == 0;
      if (controllers[0] == '\0' || seen)
        continue;
      m = g_new0 (UctrCgroupV1Mount, 1);
      m->controllers = g_steal_pointer (&controllers);
      m->root = g_strdup (e->root);
      m->point = g_strdup (e->point);
      g_ptr_array_add (mounts, m);
    }
  return mounts;
}
