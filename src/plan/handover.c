/* uctr: the seccomp filter of outbound_tcp=handover and publish_tcp=handover
   (see handover.h). */
#include "plan/handover.h"

#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

void
uctr_handover_filter_build (UctrHandoverFilter *f, uint32_t arch, unsigned calls)
{
  /* One call asked for: the second comparison repeats the first. */
  uint32_t first = (calls & UCTR_HANDOVER_CONNECT) ? __NR_connect : __NR_bind;
  uint32_t second = (calls & UCTR_HANDOVER_BIND) ? __NR_bind : __NR_connect;
  const UctrHandoverFilter prog = { {
      /* 0 */ BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch)),
      /* 1 */ BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, arch, 0, 3),
      /* 2 */ BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
      /* 3 */ BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, first, 2, 0),
      /* 4 */ BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, second, 1, 0),
      /* 5 */ BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      /* 6 */ BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
  } };

  *f = prog;
}

int
uctr_handover_filter_load (const UctrHandoverFilter *f)
{
  struct sock_fprog prog = { .len = UCTR_HANDOVER_FILTER_LEN, .filter = (struct sock_filter *) f->insns };

  return (int) syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}
