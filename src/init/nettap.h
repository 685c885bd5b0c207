/* uctr: tap0 of a slirp network, made and configured in the container init
   (nettap.c): no allocation, no stdio, no GLib. */
#pragma once

#include "init/ctx.h"

/* Creates and configures tap0; returns its fd, or -1 (ctx says where). */
int uctr_nettap_setup (UctrInitCtx *ctx);
