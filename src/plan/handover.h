/* uctr: outbound_tcp=handover, the container's side (handover.c): a seccomp
   filter that hands every connect() of the container's processes to the
   network helper's supervisor (net/handover.h), which answers it with a
   connected socket of the host's where the destination allows, and lets
   the kernel go on with it otherwise. Built by the parent, loaded by the
   init and by exec's process before the linux.seccomp filter: no
   allocation there. */
#pragma once

#include <linux/filter.h>
#include <stdint.h>

#define UCTR_HANDOVER_FILTER_LEN 6

typedef struct
{
  struct sock_filter insns[UCTR_HANDOVER_FILTER_LEN];
} UctrHandoverFilter;

/* Notifies connect(2) of ARCH (an AUDIT_ARCH_ value: this build's own),
   allows everything else, of every architecture. */
void uctr_handover_filter_build (UctrHandoverFilter *f, uint32_t arch);

/* Loads F on the calling thread; returns its listener fd (close-on-exec),
   or -1 with errno. Needs no_new_privs or CAP_SYS_ADMIN, as any filter. */
int uctr_handover_filter_load (const UctrHandoverFilter *f);
