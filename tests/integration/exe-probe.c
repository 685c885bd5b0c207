/* Put where an image's dynamic loader goes (/lib64/ld-linux-x86-64.so.2),
   it runs in place of the loader of whatever binary the kernel executes:
   for a script whose #! line is /proc/self/exe, the binary the container
   init was running (CVE-2019-5736). It prints what that binary is, as
   "exe DEV:INO seals N" (N: F_GET_SEALS, negative when it has none), for
   the test to compare with the uctr binary on the host. No libc: a static
   libc would set itself up from the program headers of the binary it was
   loaded for. x86-64 only. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static long
sys (long n, long a, long b, long c)
{
  long r;

  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}

static char *
put_num (char *p, long v)
{
  char tmp[24];
  int n = 0;
  unsigned long u = v < 0 ? -(unsigned long) v : (unsigned long) v;

  if (v < 0)
    *p++ = '-';
  do
    tmp[n++] = '0' + u % 10;
  while ((u /= 10) > 0);
  while (n > 0)
    *p++ = tmp[--n];
  return p;
}

static char *
put_str (char *p, const char *s)
{
  while (*s)
    *p++ = *s++;
  return p;
}

void _start (void);

__attribute__ ((force_align_arg_pointer, noreturn)) void
_start (void)
{
  struct stat st;
  char buf[96], *p = buf;
  long fd = sys (SYS_open, (long) "/proc/self/exe", O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0 || sys (SYS_fstat, fd, (long) &st, 0) < 0)
    p = put_str (p, "no exe");
  else
    {
      p = put_str (p, "exe ");
      p = put_num (p, (long) st.st_dev);
      p = put_str (p, ":");
      p = put_num (p, (long) st.st_ino);
      p = put_str (p, " seals ");
      p = put_num (p, sys (SYS_fcntl, fd, F_GET_SEALS, 0));
    }
  p = put_str (p, "\n");
  sys (SYS_write, 1, (long) buf, p - buf);
  sys (SYS_exit_group, 0, 0, 0);
  __builtin_unreachable ();
}
