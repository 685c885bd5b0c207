/* uctr: outbound_tcp=handover and publish_tcp=handover, the container's
   side (handover.c): a seccomp filter that hands every connect() or bind()
   (or both) of the container's processes to the network helper's
   supervisor (net/handover.h), which answers a connect() with a connected
   socket of the host's where the destination allows, a bind() to a
   published port with a socket of the host's bound to that port, and
   lets the kernel go on with every other call. Built by the parent, loaded by the
   init and by exec's process before the linux.seccomp filter: no
   allocation there. */
#pragma once

#include <linux/filter.h>
#include <stdint.h>

#define UCTR_HANDOVER_FILTER_LEN 7

/* The calls a filter notifies: a mask of these. */
#define UCTR_HANDOVER_CONNECT 1u
#define UCTR_HANDOVER_BIND 2u

typedef struct
{
  struct sock_filter insns[UCTR_HANDOVER_FILTER_LEN];
} UctrHandoverFilter;

/* Notifies connect(2), bind(2) or both (CALLS, not 0) of ARCH (an
   AUDIT_ARCH_ value: this build's own), allows everything else, of every
   architecture. */
void uctr_handover_filter_build (UctrHandoverFilter *f, uint32_t arch, unsigned calls);

/* Loads F on the calling thread; returns its listener fd (close-on-exec),
   or -1 with errno. Needs no_new_privs or CAP_SYS_ADMIN, as any filter. */
int uctr_handover_filter_load (const UctrHandoverFilter *f);
