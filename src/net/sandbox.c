/* uctr: the network helper's sandbox (see sandbox.h). */
#include "net/sandbox.h"
#include "base/util.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <seccomp.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>

/* What Landlock has grown since the ABI linux-libc-dev may describe. */
#define LL_ACCESS_FS_V1 ((1ULL << 13) - 1)        /* EXECUTE ... MAKE_SYM */
#define LL_ACCESS_FS_REFER (1ULL << 13)           /* ABI 2 */
#define LL_ACCESS_FS_TRUNCATE (1ULL << 14)        /* ABI 3 */
#define LL_ACCESS_FS_IOCTL_DEV (1ULL << 15)       /* ABI 5 */
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)               /* ABI 6 */

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif

gboolean
uctr_net_sandbox_harden (GError **error)
{
  struct rlimit none = { 0, 0 };

  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return uctr_throw_errno (error, _("Setting no_new_privs"));
  if (setrlimit (RLIMIT_CORE, &none) < 0)
    return uctr_throw_errno (error, _("Turning core dumps off"));
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return uctr_throw_errno (error, _("Making the network helper non-dumpable"));
  return TRUE;
}

/* --- capabilities -------------------------------------------------------- */

static gboolean
has_effective (cap_t caps, cap_value_t cap)
{
  cap_flag_value_t v = CAP_CLEAR;

  return cap_get_flag (caps, cap, CAP_EFFECTIVE, &v) == 0 && v == CAP_SET;
}

static gboolean
drop_capabilities (GError **error)
{
  cap_t now = cap_get_proc ();
  cap_t want = cap_init ();
  cap_value_t bind = CAP_NET_BIND_SERVICE;
  int errsv = 0;

  if (now == NULL || want == NULL)
    errsv = errno;
  else
    {
      if (has_effective (now, bind))
        {
          (void) cap_set_flag (want, CAP_PERMITTED, 1, &bind, CAP_SET);
          (void) cap_set_flag (want, CAP_EFFECTIVE, 1, &bind, CAP_SET);
        }
      /* Only root has any to drop from the bounding set. */
      if (has_effective (now, CAP_SETPCAP))
        for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
          if (c != bind)
            (void) prctl (PR_CAPBSET_DROP, c, 0, 0, 0);
      (void) prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
      if (cap_set_proc (want) < 0)
        errsv = errno;
    }
  cap_free (now);
  cap_free (want);
  if (errsv != 0)
    return uctr_throw_errno_code (error, errsv, _("Dropping the network helper's capabilities"));
  return TRUE;
}

/* --- Landlock -------------------------------------------------------------- */

/* struct landlock_ruleset_attr as of ABI 6; older kernels take a prefix. */
typedef struct
{
  guint64 handled_access_fs;
  guint64 handled_access_net;
  guint64 scoped;
} RulesetAttr;

static int
landlock_abi (void)
{
  long abi = syscall (SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

  return abi < 0 ? 0 : (int) abi;
}

static gboolean
landlock_allow_read (int ruleset, const char *dir, GError **error)
{
  uctr_autofd int fd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct landlock_path_beneath_attr rule = { .allowed_access = LANDLOCK_ACCESS_FS_READ_FILE };

  if (fd < 0)
    {
      /* Nothing there to read now, nor later. */
      g_debug ("network helper: %s: %s", dir, g_strerror (errno));
      return TRUE;
    }
  rule.parent_fd = fd;
  if (syscall (SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) < 0)
    return uctr_throw_errno (error, _("Letting the network helper read %s"), dir);
  return TRUE;
}

/* Handles every filesystem right the kernel knows and no network one:
   libslirp connects and binds where the container asks. */
static gboolean
landlock (int abi, const char *read_dir, GError **error)
{
  RulesetAttr attr = { .handled_access_fs = LL_ACCESS_FS_V1 };
  gsize size = abi >= 6 ? sizeof attr : abi >= 4 ? 2 * sizeof (guint64) : sizeof (guint64);
  uctr_autofd int ruleset = -1;

  if (abi >= 2)
    attr.handled_access_fs |= LL_ACCESS_FS_REFER;
  if (abi >= 3)
    attr.handled_access_fs |= LL_ACCESS_FS_TRUNCATE;
  if (abi >= 5)
    attr.handled_access_fs |= LL_ACCESS_FS_IOCTL_DEV;
  if (abi >= 6)
    attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
  ruleset = (int) syscall (SYS_landlock_create_ruleset, &attr, size, 0);
  if (ruleset < 0)
    return uctr_throw_errno (error, _("Creating a Landlock ruleset (ABI %d)"), abi);
  if (read_dir != NULL && !landlock_allow_read (ruleset, read_dir, error))
    return FALSE;
  if (syscall (SYS_landlock_restrict_self, ruleset, 0) < 0)
    return uctr_throw_errno (error, _("Entering the Landlock ruleset"));
  return TRUE;
}

/* --- seccomp ---------------------------------------------------------------- */

#define WRITE_FLAGS (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND)

/* A syscall the loop may make: always when ARG < 0, else when argument
   ARG compares to DATUM (under MASK for SCMP_CMP_MASKED_EQ). */
typedef struct
{
  const char *name;
  int arg;
  enum scmp_compare op;
  scmp_datum_t mask, datum;
} Allow;

#define ALWAYS(name)                                                                                         \
  {                                                                                                          \
    name, -1, 0, 0, 0                                                                                        \
  }
#define WHEN_EQ(name, arg, v)                                                                                \
  {                                                                                                          \
    name, arg, SCMP_CMP_EQ, v, 0                                                                             \
  }
#define WHEN_CLEAR(name, arg, bits)                                                                          \
  {                                                                                                          \
    name, arg, SCMP_CMP_MASKED_EQ, bits, 0                                                                   \
  }

/* What both the loop and the handover supervisor make. */
static const Allow allowed_both[] = {
  /* memory, never executable */
  ALWAYS ("brk"),
  ALWAYS ("munmap"),
  ALWAYS ("mremap"),
  ALWAYS ("madvise"),
  WHEN_CLEAR ("mmap", 2, PROT_EXEC),
  WHEN_CLEAR ("mprotect", 2, PROT_EXEC),
  /* fds */
  ALWAYS ("read"),
  ALWAYS ("write"),
  ALWAYS ("close"),
  ALWAYS ("fcntl"),
  ALWAYS ("fstat"),
  ALWAYS ("newfstatat"),
  /* IP sockets on the host; no unix one */
  WHEN_EQ ("socket", 0, AF_INET),
  WHEN_EQ ("socket", 0, AF_INET6),
  ALWAYS ("bind"),
  ALWAYS ("connect"),
  ALWAYS ("accept4"),
  ALWAYS ("getsockname"),
  ALWAYS ("getpeername"),
  ALWAYS ("setsockopt"),
  ALWAYS ("getsockopt"),
  ALWAYS ("sendto"),
  ALWAYS ("recvmsg"),
  /* time, signals, the end */
  ALWAYS ("clock_gettime"),
  ALWAYS ("gettimeofday"),
  ALWAYS ("rt_sigprocmask"),
  ALWAYS ("rt_sigreturn"),
  ALWAYS ("getpid"),
  ALWAYS ("gettid"),
  ALWAYS ("getrandom"),
  ALWAYS ("futex"),
  ALWAYS ("exit"),
  ALWAYS ("exit_group"),
};

/* The loop's own. */
static const Allow allowed_loop[] = {
  /* fds: tap0, sockets, pipes, pidfd, signalfd */
  ALWAYS ("readv"),
  ALWAYS ("writev"),
  ALWAYS ("dup2"),
  ALWAYS ("dup3"),
  ALWAYS ("lseek"),
  ALWAYS ("statx"),
  ALWAYS ("stat"),
  ALWAYS ("pipe2"),
  ALWAYS ("splice"),
  ALWAYS ("poll"),
  ALWAYS ("ppoll"),
  /* libslirp sizes UDP reads, glibc's if_nametoindex, isatty */
  WHEN_EQ ("ioctl", 1, FIONREAD),
  WHEN_EQ ("ioctl", 1, FIONBIO),
  WHEN_EQ ("ioctl", 1, SIOCGIFINDEX),
  WHEN_EQ ("ioctl", 1, TCGETS),
  /* resolv.conf, read-only (Landlock says which) */
  WHEN_CLEAR ("openat", 2, WRITE_FLAGS),
  WHEN_CLEAR ("open", 1, WRITE_FLAGS),
  /* the rest of the sockets' calls */
  ALWAYS ("listen"),
  ALWAYS ("accept"),
  ALWAYS ("recvfrom"),
  ALWAYS ("sendmsg"),
  ALWAYS ("shutdown"),
  /* time, signals, the end */
  ALWAYS ("clock_nanosleep"),
  ALWAYS ("nanosleep"),
  ALWAYS ("rt_sigaction"),
  ALWAYS ("restart_syscall"),
  ALWAYS ("getppid"),
  ALWAYS ("getuid"),
  ALWAYS ("geteuid"),
  ALWAYS ("getgid"),
  ALWAYS ("getegid"),
  ALWAYS ("capget"),
  ALWAYS ("wait4"),
};

/* The handover supervisor's own; openat is added apart (two arguments). */
static const Allow allowed_handover[] = {
  ALWAYS ("epoll_wait"),
  ALWAYS ("epoll_pwait"),
  ALWAYS ("epoll_ctl"),
  WHEN_EQ ("ioctl", 1, SECCOMP_IOCTL_NOTIF_RECV),
  WHEN_EQ ("ioctl", 1, SECCOMP_IOCTL_NOTIF_SEND),
  WHEN_EQ ("ioctl", 1, SECCOMP_IOCTL_NOTIF_ID_VALID),
  WHEN_EQ ("ioctl", 1, SECCOMP_IOCTL_NOTIF_ADDFD),
  ALWAYS ("process_vm_readv"),
  ALWAYS ("pidfd_open"),
  ALWAYS ("pidfd_getfd"),
};

static gboolean
allow (scmp_filter_ctx ctx, const Allow *a, GError **error)
{
  int nr = seccomp_syscall_resolve_name (a->name);
  struct scmp_arg_cmp cmp
      = { .arg = (unsigned) MAX (a->arg, 0), .op = a->op, .datum_a = a->mask, .datum_b = a->datum };
  int r;

  if (nr == __NR_SCMP_ERROR)
    return TRUE; /* not a syscall of this architecture */
  r = seccomp_rule_add_array (ctx, SCMP_ACT_ALLOW, nr, a->arg < 0 ? 0 : 1, &cmp);
  if (r < 0)
    return uctr_throw_errno_code (error, -r, _("Adding %s to the network helper's seccomp filter"), a->name);
  return TRUE;
}

/* openat (PROC_FD, ..., O_RDONLY | O_CLOEXEC) and no other. */
static gboolean
allow_proc_reads (scmp_filter_ctx ctx, int proc_fd, GError **error)
{
  int r = seccomp_rule_add (ctx, SCMP_ACT_ALLOW, SCMP_SYS (openat), 2,
                            SCMP_A0 (SCMP_CMP_EQ, (scmp_datum_t) proc_fd),
                            SCMP_A2 (SCMP_CMP_EQ, O_RDONLY | O_CLOEXEC));

  if (r < 0)
    return uctr_throw_errno_code (error, -r,
                                  _("Adding %s to the network helper's seccomp filter"), "openat");
  return TRUE;
}

/* Everything else fails with EPERM; what the loop does not make, the code
   it runs handles as an error. abort() signals the helper itself. PROC_FD
   >= 0: the handover supervisor's list instead of the loop's. */
static gboolean
seccomp (int proc_fd, GError **error)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ERRNO (EPERM));
  Allow self = WHEN_EQ ("tgkill", 0, (scmp_datum_t) getpid ());
  const Allow *own = proc_fd >= 0 ? allowed_handover : allowed_loop;
  gsize n_own = proc_fd >= 0 ? G_N_ELEMENTS (allowed_handover) : G_N_ELEMENTS (allowed_loop);
  gboolean ok = ctx != NULL;
  int r;

  if (!ok)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("Creating the network helper's seccomp filter"));
  for (gsize i = 0; ok && i < G_N_ELEMENTS (allowed_both); i++)
    ok = allow (ctx, &allowed_both[i], error);
  for (gsize i = 0; ok && i < n_own; i++)
    ok = allow (ctx, &own[i], error);
  ok = ok && allow (ctx, &self, error);
  if (proc_fd >= 0)
    ok = ok && allow_proc_reads (ctx, proc_fd, error);
  if (ok && (r = seccomp_load (ctx)) < 0)
    ok = uctr_throw_errno_code (error, -r, _("Loading the network helper's seccomp filter"));
  seccomp_release (ctx);
  return ok;
}

gboolean
uctr_net_sandbox_enter (const char *read_dir, int *landlock_abi_out, GError **error)
{
  int abi = landlock_abi ();

  *landlock_abi_out = 0;
  if (!drop_capabilities (error))
    return FALSE;
#ifdef UNDER_SANITIZER
  g_debug (
      "network helper: no Landlock or seccomp under AddressSanitizer (LeakSanitizer needs ptrace and /proc)");
  (void) abi;
  (void) read_dir;
  return TRUE;
#else
  if (abi > 0 && !landlock (abi, read_dir, error))
    return FALSE;
  *landlock_abi_out = abi;
  return seccomp (-1, error);
#endif
}

gboolean
uctr_net_sandbox_enter_handover (int proc_fd, GError **error)
{
  if (!drop_capabilities (error))
    return FALSE;
#ifdef UNDER_SANITIZER
  (void) proc_fd;
  return TRUE;
#else
  return seccomp (proc_fd, error);
#endif
}
