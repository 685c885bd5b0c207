/* uctr: --log-opt of a one-line run (see logopt.h). */
#include "oneline/logopt.h"
#include "base/util.h"
#include "runtime/container.h"

#include <string.h>

gboolean
uctr_oneline_parse_size (const char *text, guint64 *bytes)
{
  static const char units[] = "kmg";
  guint64 n = 0, scale = 1;
  const char *p = text, *unit;

  if (!g_ascii_isdigit (*p))
    return FALSE;
  for (; g_ascii_isdigit (*p); p++)
    {
      if (n > (G_MAXUINT64 - 9) / 10)
        return FALSE;
      n = n * 10 + (guint64) (*p - '0');
    }
  if (*p != '\0' && (unit = strchr (units, g_ascii_tolower (*p))) != NULL)
    {
      scale = G_GUINT64_CONSTANT (1) << (10 * (unit - units + 1));
      p++;
    }
  if (*p == 'b' || *p == 'B')
    p++;
  if (*p != '\0' || n > G_MAXUINT64 / scale)
    return FALSE;
  *bytes = n * scale;
  return TRUE;
}

static gboolean
parse_one (const char *opt, guint64 *max_size, GError **error)
{
  const char *value;

  if (!g_str_has_prefix (opt, "max-size="))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--log-opt %s: uctr knows one option, max-size=SIZE"), opt);
  value = opt + strlen ("max-size=");
  if (!uctr_oneline_parse_size (value, max_size) || *max_size < UCTR_LOG_MIN_MAX_SIZE
      || *max_size > UCTR_LOG_MAX_MAX_SIZE)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--log-opt %s: expected a size from 64k to 1024g, such as 512k, 10m or 1g"), opt);
  return TRUE;
}

gboolean
uctr_oneline_log_max_size (const UctrOneLine *o, gboolean detach, guint64 *max_size, GError **error)
{
  char **opt;

  *max_size = UCTR_LOG_DEFAULT_MAX_SIZE;
  if (o->log_opts == NULL || o->log_opts[0] == NULL)
    return TRUE;
  if (!detach)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--log-opt goes with --detach: only a detached run keeps a log (in the foreground "
                         "the output goes to your terminal)"));
  for (opt = o->log_opts; *opt != NULL; opt++)
    if (!parse_one (*opt, max_size, error))
      return FALSE;
  return TRUE;
}
