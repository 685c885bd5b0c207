/* uctr: --log and --log-format: where errors and warnings also go, in runc's
   shapes (text: time="..." level=error msg="..."; json: {"level","msg","time"}). */
#pragma once

#include <glib.h>

gboolean uctr_log_setup (const char *path, const char *format, gboolean debug, GError **error);
void uctr_log (const char *level, const char *msg);
/* stderr ("uctr: warning: MSG") and the log. */
void uctr_warn (const char *msg);
void uctr_debug (const char *fmt, ...) G_GNUC_PRINTF (1, 2);
