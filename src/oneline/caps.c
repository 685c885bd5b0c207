/* uctr: --cap-add, --cap-drop and the default set (see caps.h). */
#include "oneline/caps.h"
#include "base/util.h"

#include <string.h>
#include <sys/capability.h>

static const cap_value_t default_caps[] = {
  CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FOWNER,  CAP_FSETID, CAP_KILL,       CAP_NET_BIND_SERVICE,
  CAP_SETFCAP, CAP_SETGID,       CAP_SETPCAP, CAP_SETUID, CAP_SYS_CHROOT,
};

static int
cap_last (void)
{
  return (int) cap_max_bits () - 1;
}

guint64
uctr_oneline_caps_default (void)
{
  guint64 mask = 0;
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (default_caps); i++)
    mask |= 1ULL << default_caps[i];
  return mask;
}

guint64
uctr_oneline_caps_all (void)
{
  int last = cap_last ();

  return last >= 63 ? G_MAXUINT64 : (1ULL << (last + 1)) - 1;
}

/* NAME (trimmed, non-empty) -> its number: letters, digits and '_' only,
   since libcap would take "12" for capability 12. */
static gboolean
parse_one (const char *name, const char *flag, const char *arg, guint64 *mask, gboolean *all, GError **error)
{
  g_autofree char *upper = g_ascii_strup (name, -1);
  g_autofree char *full = NULL;
  g_autofree char *lower = NULL;
  cap_value_t v;
  const char *p;

  if (strcmp (upper, "ALL") == 0)
    {
      *all = TRUE;
      *mask |= uctr_oneline_caps_all ();
      return TRUE;
    }
  full = g_str_has_prefix (upper, "CAP_") ? g_strdup (upper) : g_strconcat ("CAP_", upper, NULL);
  for (p = full + strlen ("CAP_"); *p != '\0' && (g_ascii_isalnum (*p) || *p == '_'); p++)
    ;
  lower = g_ascii_strdown (full, -1);
  if (*p != '\0' || full[strlen ("CAP_")] == '\0' || g_ascii_isdigit (full[strlen ("CAP_")])
      || cap_from_name (lower, &v) < 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("%s %s: unknown capability %s (\"uctr features\" lists the ones this kernel has, "
                         "under linux.capabilities)"),
                          flag, arg, full);
  if (v > cap_last ())
    return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                       _("%s %s: this kernel does not have %s"), flag, arg, full);
  *mask |= 1ULL << v;
  return TRUE;
}

gboolean
uctr_oneline_caps_parse (char **args, const char *flag, guint64 *mask, gboolean *all, GError **error)
{
  *mask = 0;
  *all = FALSE;
  for (; args != NULL && *args != NULL; args++)
    {
      /* g_strsplit gives no names at all for "". */
      g_auto(GStrv) names = g_strsplit (**args != '\0' ? *args : ",", ",", -1);
      char **n;

      for (n = names; *n != NULL; n++)
        {
          g_strstrip (*n);
          if (**n == '\0')
            return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                               _("%s \"%s\": expected capability names separated by commas, such as CHOWN,KILL"),
                                  flag, *args);
          if (!parse_one (*n, flag, *args, mask, all, error))
            return FALSE;
        }
    }
  return TRUE;
}

gboolean
uctr_oneline_caps_merge (guint64 base, char **adds, char **drops, guint64 *set, guint64 *added,
                         GError **error)
{
  guint64 add, drop;
  gboolean add_all, drop_all;

  if (!uctr_oneline_caps_parse (adds, "--cap-add", &add, &add_all, error)
      || !uctr_oneline_caps_parse (drops, "--cap-drop", &drop, &drop_all, error))
    return FALSE;
  if (add_all && drop_all)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--cap-add ALL with --cap-drop ALL: choose one"));
  if (!add_all && !drop_all && (add & drop) != 0)
    {
      g_auto(GStrv) both = uctr_oneline_caps_names (add & drop);
      g_autofree char *list = g_strjoinv (", ", both);

      return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                         _("%s: both added (--cap-add) and dropped (--cap-drop); choose one"), list);
    }
  *added = add;
  if (drop_all)
    *set = add;
  else if (add_all)
    *set = add & ~drop;
  else
    *set = (base & ~drop) | add;
  return TRUE;
}

char **
uctr_oneline_caps_names (guint64 mask)
{
  GPtrArray *names = g_ptr_array_new ();
  int cap, last = cap_last ();

  for (cap = 0; cap <= last && cap < 64; cap++)
    if (mask & (1ULL << cap))
      {
        char *name = cap_to_name (cap); /* libcap's allocation: "cap_chown" */

        g_ptr_array_add (names, g_ascii_strup (name, -1));
        cap_free (name);
      }
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}
