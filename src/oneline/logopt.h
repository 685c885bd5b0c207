/* uctr: --log-opt of a one-line run: how large the log of a detached run
   (runtime/logs.h) may grow. */
#pragma once

#include "oneline/oneline.h"

/* "512k", "10m", "1g", "65536" (with or without a trailing b; k, m, g are
   powers of 1024, as docker's max-size) in *BYTES; FALSE when TEXT is not
   a size or does not fit. */
gboolean uctr_oneline_parse_size (const char *text, guint64 *bytes);

/* The log's size from O's --log-opt max-size=SIZE (the last one given),
   or the default. A detached run (DETACH) only has a log: --log-opt
   without it is an error, as are other keys and sizes out of range. */
gboolean uctr_oneline_log_max_size (const UctrOneLine *o, gboolean detach, guint64 *max_size, GError **error);
