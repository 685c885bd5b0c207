/* uctr-dmz: the program the container init execs the container's process
   through, when the uctr binary is one the container's ids could write
   (CVE-2019-5736).

   The init is a fork of uctr. While it execs the container's process its
   /proc/self/exe is the uctr binary, and the kernel resolves a script's
   "#!" line then: an image whose entry point starts "#!/proc/self/exe"
   would run that binary with the image's dynamic loader, which can keep an
   fd of it and write it once nobody executes it any more. The init execs
   this program instead, from a sealed memfd that create fills from the
   copy built into uctr (base/selfexe.c), and this program execs the
   container's: the exe the kernel sees at that execve is the memfd, which
   nobody can write. It is static, so no loader of the image is asked to
   map it, and small: the extra execve costs a fraction of re-executing
   all of uctr from a sealed copy, which runc and crun do at every run.

   What the init set up (user, capabilities, no_new_privs, the seccomp
   filter, the fds, LISTEN_PID) carries through both execve calls: a
   program without file capabilities or set-id bits changes none of it. */
#include "base/dmz-argv.h"

#include <asm/unistd.h>

/* Freestanding: no libc, whose start-up would make system calls of its
   own (brk, arch_prctl, rseq ...) under the container's seccomp filter,
   which create checks for the trampoline's execveat alone. The only calls
   are execve, and write and exit_group when it fails. */
#if defined(__x86_64__)
static long
call3 (long nr, long a, long b, long c)
{
  long ret;

  __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return ret;
}

__asm__(".text\n"
        ".global _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "  xor %ebp, %ebp\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call dmz_main\n"
        "  hlt\n");
#elif defined(__aarch64__)
static long
call3 (long nr, long a, long b, long c)
{
  register long x8 __asm__("x8") = nr;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;

  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
  return x0;
}

__asm__(".text\n"
        ".global _start\n"
        ".type _start, %function\n"
        "_start:\n"
        "  mov x0, sp\n"
        "  bl dmz_main\n"
        "  brk #0\n");
#else
#error "uctr-dmz: no system call entry for this architecture (meson builds it on x86_64 and aarch64 only)"
#endif

void dmz_main (long *sp) __attribute__ ((noreturn, used));

static long
length (const char *s)
{
  long n = 0;

  while (s[n] != '\0')
    n++;
  return n;
}

static int
same (const char *a, const char *b)
{
  while (*a != '\0' && *a == *b)
    a++, b++;
  return *a == *b;
}

static void __attribute__ ((noreturn)) fail (const char *msg)
{
  (void) call3 (__NR_write, 2, (long) msg, length (msg));
  for (;;)
    (void) call3 (__NR_exit_group, 127, 0, 0);
}

/* The stack at entry: argc, argv[], NULL, envp[], NULL. */
void
dmz_main (long *sp)
{
  long argc = sp[0];
  char **argv = (char **) (sp + 1);
  char **envp = argv + argc + 1;

  if (argc < 3 || !same (argv[0], UCTR_DMZ_ARGV0))
    fail ("uctr-dmz: this is uctr's exec trampoline, run by the container init only "
          "(an image's \"#!/proc/self/exe\" line reaches it, never the uctr binary)\n");
  (void) call3 (__NR_execve, (long) argv[1], (long) (argv + 2), (long) envp);
  fail ("uctr: exec of the container process failed\n");
}
