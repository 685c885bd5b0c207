/* uctr: the container side, from fork to execve. Async-signal-safe only: no
   allocation, no stdio, no GLib; everything it needs is in the plan, built
   before fork. Failures travel back over the init pipe as (step, index, errno). */
#include "init/init.h"
#include "init/ctx.h"
#include "init/execfile.h"
#include "init/hooks.h"
#include "init/mounts.h"
#include "init/nettap.h"
#include "init/sync.h"
#include "base/resolve.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#include "base/afterfork.h" /* last: it poisons what comes after */

/* The state JSON for createContainer and startContainer hooks, sent with GO. */
/* GO's payload: the state as createContainer hooks see it ("creating"),
   a NUL, the state as startContainer hooks see it ("created"). */
static char state_json[UCTR_SYNC_PAYLOAD_MAX];
static const char *state_creating = state_json, *state_created = state_json;
static size_t state_creating_len, state_created_len;
/* process.args[0], found inside the container's root. */
static UctrExecFile exec_file = { .fd = -1 };

static void G_GNUC_NORETURN
init_fail (UctrInitCtx *ctx)
{
  uctr_init_send (ctx->plan->sync_fd, UCTR_SYNC_ERROR, ctx->step, ctx->index, errno, 0);
  _exit (127);
}

static void G_GNUC_NORETURN
fail_step (UctrInitCtx *ctx, UctrStep step, int index)
{
  ctx->step = step;
  ctx->index = index;
  init_fail (ctx);
}

static void
wait_for (UctrInitCtx *ctx, UctrSyncType type)
{
  UctrSyncMsg m;
  size_t len = 0;
  int with_payload = (type == UCTR_SYNC_GO);
  int fd = -1;

  for (;;)
    {
      if (uctr_init_recv (ctx->plan->sync_fd, &m, with_payload ? state_json : NULL,
                          with_payload ? sizeof state_json - 1 : 0, &len, &fd)
          < 0)
        _exit (127); /* the parent is gone: nothing to report to */
      /* Before GO, the idmapped mounts the parent made, one by one. */
      if (type == UCTR_SYNC_GO && m.type == UCTR_SYNC_MOUNT_FD && fd >= 0)
        {
          uctr_mounts_give_fd (ctx->plan, m.index, fd);
          continue;
        }
      if (fd >= 0)
        close (fd);
      if (m.type != type)
        _exit (127); /* the parent is confused */
      break;
    }
  if (with_payload)
    {
      const char *nul;

      state_json[len] = '\0';
      nul = memchr (state_json, '\0', len);
      state_creating_len = nul != NULL ? (size_t) (nul - state_json) : len;
      state_created = nul != NULL ? nul + 1 : state_json;
      state_created_len = nul != NULL ? len - state_creating_len - 1 : len;
    }
}

static void
reset_signals (void)
{
  struct sigaction sa = { .sa_handler = SIG_DFL };
  sigset_t all;
  int sig;

  for (sig = 1; sig < _NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      (void) sigaction (sig, &sa, NULL);
  sigemptyset (&all);
  (void) sigprocmask (SIG_SETMASK, &all, NULL);
}

/* In a new pid namespace getppid () is 0 whoever the parent is: there the
   init pipe tells us instead (a dead parent never sends GO). */
static void
die_with_parent (const UctrPlan *plan, gboolean check_ppid)
{
  (void) prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (check_ppid && getppid () != plan->parent_pid)
    _exit (127);
}

static int
loopback_up (void)
{
  struct ifreq ifr = { .ifr_name = "lo" };
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int r;

  if (fd < 0)
    return -1;
  r = ioctl (fd, SIOCGIFFLAGS, &ifr);
  if (r == 0)
    {
      ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
      r = ioctl (fd, SIOCSIFFLAGS, &ifr);
    }
  close (fd);
  return r;
}

static int
write_oom_score_adj (const UctrPlan *plan)
{
  int fd = openat (plan->host_proc_fd, "self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  ssize_t n;

  if (fd < 0)
    return -1;
  n = write (fd, plan->oom_score_adj, strlen (plan->oom_score_adj));
  close (fd);
  return n < 0 ? -1 : 0;
}

/* startContainer hooks run after READY, when nobody reads the init pipe:
   a word on stderr is all that is left (start's caller sees it). */
static void
say_start_hook_failed (const UctrPlanHook *hook)
{
  static const char head[] = "uctr: hooks.startContainer: ";
  static const char tail[] = " failed; the container stops\n";
  struct iovec iov[3] = { { (void *) head, sizeof head - 1 },
                          { (void *) hook->path, strlen (hook->path) },
                          { (void *) tail, sizeof tail - 1 } };

  (void) writev (2, iov, 3);
}

static void
run_hooks (UctrInitCtx *ctx, const UctrPlanHook *hooks, gsize n, UctrStep step, const char *state,
           size_t state_len)
{
  gsize i;

  for (i = 0; i < n; i++)
    {
      int status = 0;
      int r = uctr_hook_exec (hooks[i].path, hooks[i].argv, hooks[i].envp, state, state_len, hooks[i].timeout,
                              &status);

      if ((r < 0 || status != 0) && step == UCTR_STEP_HOOK_START_CONTAINER)
        say_start_hook_failed (&hooks[i]);
      if (r < 0)
        fail_step (ctx, step, i);
      if (status != 0)
        {
          errno = 0;
          uctr_init_send (ctx->plan->sync_fd, UCTR_SYNC_ERROR, step, i, 0, status);
          _exit (127);
        }
    }
}

static int
is_procfs (int fd)
{
  struct statfs sfs;

  return fstatfs (fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

/* /dev/console is the pty, as on a real system. */
static void
bind_console (UctrInitCtx *ctx, int peer)
{
  const UctrPlan *plan = ctx->plan;
  int consfd, rootfd;
  char p[32], c[32];

  struct stat st;

  rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  /* Not through a symlink, and onto a file or a device only: a bind onto
     a procfs file would make it the pty (CVE-2025-52565). */
  consfd = rootfd < 0
               ? -1
               : uctr_resolve_in_root (rootfd, "/dev/console",
                                       UCTR_RESOLVE_CREATE | UCTR_RESOLVE_AS_FILE | UCTR_RESOLVE_NO_SYMLINKS);
  if (consfd < 0 && errno == ELOOP)
    fail_step (ctx, UCTR_STEP_DEV_CONSOLE, -1);
  if (consfd < 0 || fchdir (plan->host_proc_fd) < 0)
    init_fail (ctx);
  if (fstat (consfd, &st) < 0 || !(S_ISREG (st.st_mode) || S_ISCHR (st.st_mode)) || is_procfs (consfd))
    {
      errno = EPERM;
      fail_step (ctx, UCTR_STEP_DEV_CONSOLE, -1);
    }
  uctr_fd_path (p, peer);
  uctr_fd_path (c, consfd);
  if (mount (p, c, NULL, MS_BIND, NULL) < 0 || chdir ("/") < 0)
    init_fail (ctx);
  close (consfd);
  close (rootfd);
}

/* A new pty from the container's devpts: the master goes to the parent (and on
   to the console socket), the peer becomes stdio and the controlling terminal
   (and, for the container's init, /dev/console). */
static void
setup_console (UctrInitCtx *ctx, gboolean is_init)
{
  const UctrPlan *plan = ctx->plan;
  unsigned int unlock = 0;
  int master, peer;

  ctx->step = UCTR_STEP_CONSOLE;
  master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || ioctl (master, TIOCSPTLCK, &unlock) < 0)
    init_fail (ctx);
  peer = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (peer < 0)
    init_fail (ctx);
  if (plan->console_rows > 0 || plan->console_cols > 0)
    {
      struct winsize ws = { .ws_row = plan->console_rows, .ws_col = plan->console_cols };
      (void) ioctl (peer, TIOCSWINSZ, &ws);
    }
  if (is_init)
    bind_console (ctx, peer);
  if (uctr_init_send_fd (plan->sync_fd, UCTR_SYNC_CONSOLE, 0, master) < 0)
    init_fail (ctx);
  close (master);
  if (ioctl (peer, TIOCSCTTY, 0) < 0)
    init_fail (ctx);
  if (dup2 (peer, 0) < 0 || dup2 (peer, 1) < 0 || dup2 (peer, 2) < 0)
    init_fail (ctx);
  if (peer > 2)
    close (peer);
}

/* The container user must be able to use its stdio (reopen /dev/stdout,
   chmod a tty...): hand the fds we own to it, as runc does. */
static void
fix_stdio_ownership (const UctrPlan *plan)
{
  struct stat null_st, st;
  int fd;

  if (plan->uid == 0 && plan->gid == 0)
    return;
  if (stat ("/dev/null", &null_st) < 0)
    null_st.st_rdev = (dev_t) -1;
  for (fd = 0; fd <= 2; fd++)
    {
      if (fstat (fd, &st) < 0)
        continue;
      if ((S_ISCHR (st.st_mode) && st.st_rdev == null_st.st_rdev) || st.st_uid != geteuid ())
        continue;
      (void) fchown (fd, plan->uid, plan->gid);
    }
}

static void
apply_rlimits (UctrInitCtx *ctx)
{
  const UctrPlan *plan = ctx->plan;
  gsize i;

  for (i = 0; i < plan->n_rlimits; i++)
    if (setrlimit (plan->rlimit_resources[i], &plan->rlimits[i]) < 0)
      fail_step (ctx, UCTR_STEP_RLIMIT, i);
}

static int
capset_masks (guint64 eff, guint64 perm, guint64 inh)
{
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
  struct __user_cap_data_struct data[2] = {
    { .effective = (guint32) eff, .permitted = (guint32) perm, .inheritable = (guint32) inh },
    { .effective = eff >> 32, .permitted = perm >> 32, .inheritable = inh >> 32 },
  };

  return syscall (SYS_capset, &hdr, data);
}

/* Bounding set first (it needs CAP_SETPCAP), then the ids, then the sets the
   process keeps; ambient last since it needs inheritable and permitted. */
static void
switch_user_and_caps (UctrInitCtx *ctx)
{
  const UctrPlan *plan = ctx->plan;
  int cap;

  for (cap = 0; cap <= plan->cap_last; cap++)
    if (!(plan->cap_bounding & (1ULL << cap)) && prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      fail_step (ctx, UCTR_STEP_CAPS_BOUNDING, cap);
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    fail_step (ctx, UCTR_STEP_CAPS, -1);
  if (plan->setgroups_allowed && setgroups (plan->n_groups, plan->groups) < 0)
    fail_step (ctx, UCTR_STEP_SETGROUPS, -1);
  if (!plan->setgroups_allowed && plan->n_groups > 0)
    {
      errno = EPERM;
      fail_step (ctx, UCTR_STEP_SETGROUPS, -1);
    }
  if (setresgid (plan->gid, plan->gid, plan->gid) < 0)
    fail_step (ctx, UCTR_STEP_SETGID, -1);
  if (setresuid (plan->uid, plan->uid, plan->uid) < 0)
    fail_step (ctx, UCTR_STEP_SETUID, -1);
  if (capset_masks (plan->cap_effective, plan->cap_permitted, plan->cap_inheritable) < 0)
    fail_step (ctx, UCTR_STEP_CAPS, -1);
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    fail_step (ctx, UCTR_STEP_CAPS, -1);
  for (cap = 0; cap <= plan->cap_last; cap++)
    if ((plan->cap_ambient & (1ULL << cap)) && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      uctr_init_send (plan->sync_fd, UCTR_SYNC_WARNING, UCTR_STEP_CAPS_AMBIENT, cap, errno, 0);
}

/* Closes every fd from FIRST up but KEEP[0..N) (-1 entries ignored): what
   the init holds of the host (the state dir, its lock, the host's /proc,
   cgroup and namespace files, bind sources) must be gone before anything
   of the container is looked up or run, not merely close-on-exec: execve
   resolves its path while close-on-exec fds are still open, and
   /proc/self/fd/N/.. of a host directory is the host (CVE-2024-21626). */
static int
close_fds_from (int first, int *keep, int n)
{
  int i, j, lo = first;

  for (i = 1; i < n; i++)
    for (j = i; j > 0 && keep[j - 1] > keep[j]; j--)
      {
        int t = keep[j];
        keep[j] = keep[j - 1];
        keep[j - 1] = t;
      }
  for (i = 0; i < n; i++)
    {
      if (keep[i] < lo)
        continue;
      if (keep[i] > lo && close_range (lo, keep[i] - 1, 0) < 0)
        return -1;
      lo = keep[i] + 1;
    }
  return close_range (lo, ~0U, 0);
}

/* Only stdio, --preserve-fds (LISTEN_FDS among them) and the two ends of
   our own handshakes stay: the init pipe (a socket) and, for the init,
   exec.fifo (not a directory), and the exec trampoline's sealed memfd (a
   file, close-on-exec: the trampoline never has it). The preserved ones
   lose close-on-exec. All this before any seccomp filter, which need not
   allow close_range. */
static void
close_host_fds (UctrInitCtx *ctx)
{
  const UctrPlan *plan = ctx->plan;
  int keep[3] = { plan->sync_fd, plan->exec ? -1 : plan->fifo_fd, plan->dmz_fd };
  int fd;

  if (close_fds_from (3 + plan->preserve_fds, keep, G_N_ELEMENTS (keep)) < 0)
    fail_step (ctx, UCTR_STEP_FDS, -1);
  for (fd = 3; fd < 3 + plan->preserve_fds; fd++)
    if (fcntl (fd, F_SETFD, 0) < 0)
      fail_step (ctx, UCTR_STEP_FDS, fd);
}

/* A cwd reached through a leaked fd would be outside the root (CVE-2024-21626). */
static void
check_cwd (UctrInitCtx *ctx)
{
  char buf[PATH_MAX];

  if (getcwd (buf, sizeof buf) == NULL || buf[0] != '/')
    {
      errno = ENOENT;
      fail_step (ctx, UCTR_STEP_CWD, -1);
    }
}

/* linux.seccomp: from here on the filter sees every syscall the init makes.
   A listener fd goes to the parent, which hands it to the seccomp agent
   before create returns (the agent answers what the filter sends it). */
static void
load_seccomp (UctrInitCtx *ctx)
{
  const UctrPlan *plan = ctx->plan;
  int listener = -1;

  if (plan->seccomp == NULL)
    return;
  if (uctr_seccomp_load (plan->seccomp, &listener) < 0)
    fail_step (ctx, UCTR_STEP_SECCOMP, -1);
  if (listener < 0)
    return;
  if (uctr_init_send_fd (plan->sync_fd, UCTR_SYNC_SECCOMP, 0, listener) < 0)
    fail_step (ctx, UCTR_STEP_SECCOMP_LISTENER, -1);
  close (listener);
}

/* A handover (outbound_tcp= or publish_tcp=handover): from here on the
   process's connect() or bind() calls wait for the network helper's
   answer; the listener fd goes to the parent,
   which hands it to the helper before it reads another record. Before
   linux.seccomp's filter, which need not allow seccomp() or the send. */
static void
load_handover (UctrInitCtx *ctx)
{
  const UctrPlan *plan = ctx->plan;
  int listener;

  if (plan->net_handover == NULL)
    return;
  listener = uctr_handover_filter_load (plan->net_handover);
  if (listener < 0)
    fail_step (ctx, UCTR_STEP_HANDOVER, -1);
  if (uctr_init_send_fd (plan->sync_fd, UCTR_SYNC_HANDOVER, 0, listener) < 0)
    fail_step (ctx, UCTR_STEP_HANDOVER_LISTENER, -1);
  close (listener);
}

/* After create has returned nobody reads the init pipe: a word on stderr
   is all that is left. */
static void G_GNUC_NORETURN
start_failed (const UctrPlan *plan)
{
  static const char msg[] = "uctr: the container init could not wait on exec.fifo\n";
  static const char msg_seccomp[]
      = "uctr: the container init could not wait on exec.fifo: linux.seccomp must allow "
        "read until execve\n";

  if (plan->seccomp != NULL)
    (void) write (2, msg_seccomp, sizeof msg_seccomp - 1);
  else
    (void) write (2, msg, sizeof msg - 1);
  _exit (127);
}

/* Blocks until `start` writes its byte into exec.fifo, which the parent
   opened for us read-write (a fifo, not a directory: nothing to climb out
   of). The fd stays open, close-on-exec: `start` sees the fifo lose its
   last reader when execve has happened (or the init died), and only then
   runs poststart hooks. */
static void
wait_for_start (const UctrPlan *plan)
{
  char c;

  if (TEMP_FAILURE_RETRY (read (plan->fifo_fd, &c, 1)) != 1)
    start_failed (plan);
}

/* LISTEN_PID=<our pid>, written over the slot the plan reserved: the
   container's process is us after execve. */
static void
fill_listen_pid (const UctrPlan *plan)
{
  char *digits;
  char tmp[16];
  int n = 0;
  pid_t pid = getpid ();

  if (plan->listen_pid_env == NULL)
    return;
  digits = plan->listen_pid_env + strlen ("LISTEN_PID=");
  do
    {
      tmp[n++] = '0' + pid % 10;
      pid /= 10;
    }
  while (pid > 0 && n < (int) sizeof tmp);
  while (n > 0)
    *digits++ = tmp[--n];
  *digits = '\0';
}

static void G_GNUC_NORETURN
exec_failed (void)
{
  static const char msg[] = "uctr: exec of the container process failed\n";
  static const char msg_changed[]
      = "uctr: exec of the container process failed: the executable was replaced after it "
        "was found\n";

  if (errno == ESTALE)
    (void) write (2, msg_changed, sizeof msg_changed - 1);
  else
    (void) write (2, msg, sizeof msg - 1);
  _exit (127);
}

/* The last steps of the init and of exec's process before execve: the
   fds of the host closed, the cwd, the user and capabilities, the
   executable, no_new_privs and the seccomp filter. Without no_new_privs
   loading a filter takes CAP_SYS_ADMIN, which the switch to the process's
   user and capabilities may drop: it is loaded before (as runc does; the
   filter must then allow that switch too). Otherwise as late as possible,
   where an error in loading it and the listener fd still reach the parent;
   what follows runs under the filter, as in runc: the READY record
   (sendmsg, close), for the init the wait on exec.fifo (read) and
   startContainer hooks, execveat (or execve). */
static void
become_the_process (UctrInitCtx *ctx)
{
  const UctrPlan *plan = ctx->plan;
  int cwd_done;

  close_host_fds (ctx);
  /* As root first, where the process's user may not go. */
  cwd_done = chdir (plan->cwd) == 0;
  if (!plan->no_new_privs)
    {
      load_handover (ctx);
      load_seccomp (ctx);
    }
  switch_user_and_caps (ctx);
  if (!cwd_done && chdir (plan->cwd) < 0)
    fail_step (ctx, UCTR_STEP_CWD, -1);
  check_cwd (ctx);
  if (uctr_execfile_lookup (plan->argv[0], plan->path_env, plan->cwd, &exec_file) < 0)
    fail_step (ctx, UCTR_STEP_EXEC_LOOKUP, -1);
  if (plan->no_new_privs && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    fail_step (ctx, UCTR_STEP_NO_NEW_PRIVS, -1);
  if (plan->no_new_privs)
    {
      load_handover (ctx);
      load_seccomp (ctx);
    }
}

/* READY is the last word on the init pipe: nobody reads it afterwards. */
static void
send_ready (const UctrPlan *plan)
{
  /* A READY the filter refused would leave the parent waiting for ever:
     end instead, and it hears EOF. */
  if (uctr_init_send_record (plan->sync_fd, UCTR_SYNC_READY, UCTR_STEP_NONE, -1, 0, 0) < 0)
    _exit (127);
  (void) close (plan->sync_fd);
}

static void G_GNUC_NORETURN
init_stage2 (const UctrPlan *plan)
{
  UctrInitCtx ctx = { .plan = plan, .index = -1 };
  int rootfd = -1;

  reset_signals ();
  die_with_parent (plan, FALSE);
  /* Device nodes and mount points get exactly the modes asked for. */
  umask (0);
  /* Our own session, as runc's init: a signal to the caller's process group
     (a shell's ^C, timeout(1)) reaches the container through run's
     forwarding only, and a pty can become the controlling terminal. */
  (void) setsid ();
  wait_for (&ctx, UCTR_SYNC_GO);
  /* The parent has moved us into the container's cgroup: that is the root
     of the new cgroup namespace, as the container should see it. */
  if (plan->late_cgroupns && unshare (CLONE_NEWCGROUP) < 0)
    fail_step (&ctx, UCTR_STEP_UNSHARE, -1);

  if (plan->has_oom_score_adj && write_oom_score_adj (plan) < 0)
    fail_step (&ctx, UCTR_STEP_OOM_SCORE_ADJ, -1);
  if (plan->new_netns && loopback_up () < 0)
    fail_step (&ctx, UCTR_STEP_LOOPBACK, -1);
  if (plan->net.enabled)
    {
      /* Before the mounts: /dev/net/tun is the host's until pivot_root. */
      int tap = uctr_nettap_setup (&ctx);
      if (tap < 0 || uctr_init_send_fd (plan->sync_fd, UCTR_SYNC_TAP, 0, tap) < 0)
        init_fail (&ctx);
      close (tap);
      /* The helper's port forwarder joins our user and network namespaces
         through a pidfd, which needs us dumpable: wait until it has. */
      wait_for (&ctx, UCTR_SYNC_NET_READY);
    }
  /* Nothing in the container may open our /proc entries before execve (this
     also makes them root-owned, hence after oom_score_adj). Nothing of the
     container has run yet: its hooks and mounts come below. */
  (void) prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (uctr_mounts_prepare_rootfs (&ctx, &rootfd) < 0)
    init_fail (&ctx);
  /* As runc: in the rootfs, before pivot_root (the path is the host's). */
  if (plan->n_create_container_hooks > 0 && fchdir (rootfd) < 0)
    fail_step (&ctx, UCTR_STEP_HOOK_CREATE_CONTAINER, 0);
  run_hooks (&ctx, plan->create_container_hooks, plan->n_create_container_hooks,
             UCTR_STEP_HOOK_CREATE_CONTAINER, state_creating, state_creating_len);
  if (uctr_mounts_pivot (&ctx, rootfd) < 0)
    init_fail (&ctx);
  close (rootfd);
  if (uctr_mounts_finish (&ctx) < 0)
    init_fail (&ctx);
  if (plan->hostname != NULL && sethostname (plan->hostname, strlen (plan->hostname)) < 0)
    fail_step (&ctx, UCTR_STEP_HOSTNAME, -1);
  if (plan->domainname != NULL && setdomainname (plan->domainname, strlen (plan->domainname)) < 0)
    fail_step (&ctx, UCTR_STEP_DOMAINNAME, -1);
  apply_rlimits (&ctx);
  if (plan->terminal)
    setup_console (&ctx, TRUE);
  fix_stdio_ownership (plan);
  umask (plan->has_umask ? plan->umask : 0022);

  become_the_process (&ctx);

  /* create may now return while we wait: we must outlive it, unless we
     go with our `uctr run` (a one-line run). Then SIGKILL again: the switch
     to the process's user may have cleared it. Should uctr have died before
     this, READY finds no reader and we end; after, the signal comes. It
     stays through execve, and is tied to the thread that forked us, uctr's
     main thread, which lasts as long as uctr. */
  (void) prctl (PR_SET_PDEATHSIG, plan->die_with_parent ? SIGKILL : 0);
  send_ready (plan);
  wait_for_start (plan);

  run_hooks (&ctx, plan->start_container_hooks, plan->n_start_container_hooks, UCTR_STEP_HOOK_START_CONTAINER,
             state_created, state_created_len);
  fill_listen_pid (plan);
  uctr_execfile_run (&exec_file, plan->argv, plan->envp, plan->dmz_fd, plan->dmz_argv);
  exec_failed ();
}

/* uctr exec: the process joins a running container. Our parent moves it
   into the container's cgroup before GO; then the process's own set-up, as
   the init's. */
static void G_GNUC_NORETURN
exec_stage2 (const UctrPlan *plan)
{
  UctrInitCtx ctx = { .plan = plan, .index = -1 };

  reset_signals ();
  die_with_parent (plan, FALSE);
  (void) setsid ();
  wait_for (&ctx, UCTR_SYNC_GO);
  apply_rlimits (&ctx);
  if (plan->terminal)
    setup_console (&ctx, FALSE);
  fix_stdio_ownership (plan);
  if (plan->has_umask)
    umask (plan->umask);

  become_the_process (&ctx);

  /* exec -d: the process outlives us. */
  (void) prctl (PR_SET_PDEATHSIG, 0);
  send_ready (plan);
  uctr_execfile_run (&exec_file, plan->argv, plan->envp, -1, NULL);
  exec_failed ();
}

/* The container init, born in its cgroup when the plan has one: no
   migration for the parent to pay for (a write to cgroup.procs waits for
   an RCU grace period). Where the kernel (before 5.7) or the permissions
   refuse, a plain clone, and the parent moves it. */
pid_t
uctr_init_clone (const UctrPlan *plan, unsigned long flags, gboolean fresh)
{
  /* With CLONE_PARENT clone3 takes no exit signal: the child gets ours (SIGCHLD). */
  struct clone_args args
      = { .flags = flags | CLONE_INTO_CGROUP, .exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD };
  pid_t pid;

  if (plan->cgroup_fd >= 0)
    {
      args.cgroup = (guint64) plan->cgroup_fd;
      pid = syscall (SYS_clone3, &args, sizeof args);
      /* Only a kernel without clone3 or CLONE_INTO_CGROUP refuses before
         a pid is taken; any other failure may have spent pid 1 of a pid
         namespace unshared before, where a second clone gets ENOMEM. A
         FRESH clone makes its pid namespace: it may always try again. */
      if (pid >= 0 || (!fresh && errno != ENOSYS && errno != E2BIG && errno != EINVAL))
        return pid;
    }
  return syscall (SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

/* The plan's stdio_fds onto 0, 1 and 2 (for the init, and through it the
   process); the originals are closed with the other host fds. Each is
   first lifted above 2, so that none is overwritten before it is moved. */
static void
take_stdio (UctrInitCtx *ctx)
{
  const UctrPlan *plan = ctx->plan;
  int fds[3];
  int i;

  for (i = 0; i < 3; i++)
    if ((fds[i] = plan->stdio_fds[i]) >= 0 && (fds[i] = fcntl (fds[i], F_DUPFD_CLOEXEC, 3)) < 0)
      fail_step (ctx, UCTR_STEP_STDIO, i);
  for (i = 0; i < 3; i++)
    if (fds[i] >= 0 && (dup2 (fds[i], i) < 0 || close (fds[i]) < 0))
      fail_step (ctx, UCTR_STEP_STDIO, i);
}

/* In the user namespace, once its ids are mapped: the ids the init sets
   up as. */
static void
take_setup_ids (UctrInitCtx *ctx)
{
  const UctrPlan *plan = ctx->plan;

  if (!plan->in_userns)
    return;
  if (setresgid (plan->setup_gid, plan->setup_gid, plan->setup_gid) < 0
      || setresuid (plan->setup_uid, plan->setup_uid, plan->setup_uid) < 0)
    fail_step (ctx, UCTR_STEP_SETID, -1);
  if (plan->setgroups_allowed && setgroups (0, NULL) < 0)
    fail_step (ctx, UCTR_STEP_SETGROUPS, -1);
  /* A setup uid that is not the caller's own host uid (keep-id maps the
     caller to itself, root inside to a subordinate id) made the kernel
     clear the dumpable flag: set it back, as for the usual mapping, so
     that the network helper can join us through our pidfd (ptrace
     rules). It is cleared again before anything of the container runs. */
  if (!plan->exec)
    (void) prctl (PR_SET_DUMPABLE, 1, 0, 0, 0);
}

void
uctr_init_direct (const UctrPlan *plan)
{
  UctrInitCtx ctx = { .plan = plan, .index = -1 };

  /* Our parent is outside our pid namespace (getppid says 0): should it
     be gone already, the init pipe's end of file ends us at the next wait. */
  die_with_parent (plan, FALSE);
  take_stdio (&ctx);
  if (plan->new_userns)
    wait_for (&ctx, UCTR_SYNC_MAPPED);
  take_setup_ids (&ctx);
  init_stage2 (plan);
}

void
uctr_init_stage1 (const UctrPlan *plan)
{
  UctrInitCtx ctx = { .plan = plan, .index = -1 };
  pid_t pid;
  int i;

  die_with_parent (plan, TRUE);
  take_stdio (&ctx);
  /* exec joins namespaces where the container's processes already run:
     none of them may open our /proc entries (and /proc/PID/exe, the uctr
     binary: CVE-2019-5736) from now until execve. */
  if (plan->exec)
    (void) prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (plan->ns_fds[UCTR_NS_USER] >= 0 && setns (plan->ns_fds[UCTR_NS_USER], CLONE_NEWUSER) < 0)
    fail_step (&ctx, UCTR_STEP_SETNS, UCTR_NS_USER);
  if (plan->new_userns)
    {
      if (unshare (CLONE_NEWUSER) < 0)
        fail_step (&ctx, UCTR_STEP_USERNS, -1);
      uctr_init_send (plan->sync_fd, UCTR_SYNC_USERNS_READY, UCTR_STEP_NONE, -1, 0, 0);
      wait_for (&ctx, UCTR_SYNC_MAPPED);
    }
  take_setup_ids (&ctx);
  for (i = UCTR_NS_USER + 1; i < UCTR_NS_N; i++)
    if (plan->ns_fds[i] >= 0 && setns (plan->ns_fds[i], uctr_ns_clone_flags[i]) < 0)
      fail_step (&ctx, UCTR_STEP_SETNS, i);
  if (plan->unshare_flags != 0 && unshare (plan->unshare_flags) < 0)
    fail_step (&ctx, UCTR_STEP_UNSHARE, -1);

  /* The container init is our sibling: the caller waits for it directly, and
     in a new pid namespace it is PID 1. */
  pid = uctr_init_clone (plan, CLONE_PARENT, FALSE);
  if (pid < 0)
    fail_step (&ctx, UCTR_STEP_FORK, -1);
  if (pid == 0)
    {
      if (plan->exec)
        exec_stage2 (plan);
      init_stage2 (plan);
    }
  uctr_init_send (plan->sync_fd, UCTR_SYNC_PID, UCTR_STEP_NONE, -1, 0, pid);
  _exit (0);
}
