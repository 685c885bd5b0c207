/* uctr: the container side of the mount plan (mounts.c): the rootfs, each
   mount, devices, pivot_root, read-only and masked paths. Runs in the
   container init: no allocation, no stdio, no GLib. */
#pragma once

#include "init/ctx.h"

/* Each returns 0, or -1 with errno set and ctx->step/index saying where. */
int uctr_mounts_prepare_rootfs (UctrInitCtx *ctx, int *rootfd);
int uctr_mounts_pivot (UctrInitCtx *ctx, int rootfd);
int uctr_mounts_finish (UctrInitCtx *ctx);

/* FD is the idmapped mount the parent made for mount step INDEX (it must be
   one that asks for idmap); kept until that step attaches it. */
void uctr_mounts_give_fd (const UctrPlan *plan, int index, int fd);
