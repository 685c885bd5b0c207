/* deny-execveat CMD ARGS...: runs CMD under a seccomp filter that refuses
   execveat (EPERM) and allows everything else, with no_new_privs: a filter
   around uctr itself, as a service manager may set one, for the exec
   trampoline's way round it (init/execfile.c). */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  struct sock_filter insns[] = {
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_execveat, 0, 1),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = { .len = sizeof insns / sizeof insns[0], .filter = insns };

  if (argc < 2)
    {
      fprintf (stderr, "usage: deny-execveat CMD [ARGS...]\n");
      return 2;
    }
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
    {
      perror ("deny-execveat: seccomp");
      return 125;
    }
  execvp (argv[1], argv + 1);
  perror (argv[1]);
  return 127;
}
