/* uctr: UctrInitCtx, where the container init is in its setup. A header of
   its own because init.c hands it to the steps of mounts.c, nopivot.c and
   nettap.c, which fill in where they failed: none of them owns it. */
#pragma once

#include "plan/plan.h"
#include "init/sync.h"

/* Where a failure happened, filled by the steps as they go; init.c sends
   step and index to the parent with errno (UCTR_SYNC_ERROR). */
typedef struct
{
  const UctrPlan *plan;
  UctrStep step;
  int index;
} UctrInitCtx;
