/* deny-syscall NAME CMD ARGS...: runs CMD under a seccomp filter that
   refuses one system call and allows everything else, with no_new_privs:
   a filter around uctr itself, as a service manager or an older container
   engine may set one. NAME is execveat (refused with EPERM: the exec
   trampoline's way round it, init/execfile.c) or clone3 (ENOSYS, as older
   Docker profiles and kernels before 5.3 answer: clone instead,
   runtime/sync.c and init/init.c). */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  struct sock_filter insns[] = {
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = { .len = sizeof insns / sizeof insns[0], .filter = insns };

  if (argc >= 3 && strcmp (argv[1], "execveat") == 0)
    {
      insns[1].k = __NR_execveat;
      insns[2].k |= EPERM;
    }
  else if (argc >= 3 && strcmp (argv[1], "clone3") == 0)
    {
      insns[1].k = __NR_clone3;
      insns[2].k |= ENOSYS;
    }
  else
    {
      fprintf (stderr, "usage: deny-syscall execveat|clone3 CMD [ARGS...]\n");
      return 2;
    }
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
    {
      perror ("deny-syscall: seccomp");
      return 125;
    }
  execvp (argv[2], argv + 2);
  perror (argv[2]);
  return 127;
}
