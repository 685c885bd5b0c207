/* uctr: --no-pivot, container side (nopivot.c). Runs in the container init:
   no allocation, no stdio, no GLib. */
#pragma once

#include "init/ctx.h"

/* The host's procfs and sysfs mounts outside ROOTFD leave the mount
   namespace (or are covered) before --no-pivot's chroot. 0, or -1 with
   errno set and ctx->step/index saying where. */
int uctr_nopivot_hide_host_proc_sys (UctrInitCtx *ctx, int rootfd);
