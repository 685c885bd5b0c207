/* uctr: what the container init's (step, index, errno) records on the init
   pipe mean, in words that name the config entry (mount, hook, path). */
#pragma once

#include "init/sync.h"
#include "oci/config.h"
#include "plan/plan.h"

/* Turns an error record from the init into a sentence naming the config entry
   (mount, hook, path) and, where there is one, the fix. Returns FALSE. */
gboolean uctr_init_error_describe (const UctrConfig *config, const UctrPlan *plan, const UctrSyncMsg *m,
                                   GError **error);
/* The same for a warning record; returns a new string. */
char *uctr_init_warning_describe (const UctrConfig *config, const UctrPlan *plan, const UctrSyncMsg *m);
