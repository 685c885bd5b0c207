/* uctr: tests for seccomp.c: linux.seccomp -> the BPF program, its errors,
   and what the program does once loaded (in a forked child); what a
   program answers for one call (bpfeval.c); the exec trampoline: when the
   plan may use it (plan/dmz.c), its sealed memfd and what it runs. */
#include "plan/seccomp.h"
#include "plan/handover.h"
#include "net/fdpass.h"
#include "plan/plan.h"
#include "base/dmz-argv.h"
#include "base/selfexe.h"
#include "base/util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

/* JSON written with single quotes, for readability. */
static json_object *
node_from (const char *json)
{
  g_autofree char *text = g_strdelimit (g_strdup (json), "'", '"');
  g_autoptr(GError) error = NULL;
  json_object *node = NULL;

  g_assert_true (uctr_json_parse (text, -1, UCTR_JSON_MAX_DEPTH, &node, &error));
  g_assert_no_error (error);
  return node;
}

static UctrSeccomp *
compile_ok (const char *json)
{
  g_autoptr(json_object) node = node_from (json);
  g_autoptr(GError) error = NULL;
  UctrSeccomp *s = NULL;

  g_test_message ("profile: %s", json);
  g_assert_true (uctr_seccomp_compile (node, &s, &error));
  g_assert_no_error (error);
  g_assert_nonnull (s);
  g_assert_cmpuint (s->prog.len, >, 0);
  return s;
}

static void
test_no_filter (void)
{
  static const char *const cases[]
      = { "null", "{}", "{'syscalls':[]}", "{'listenerPath':'/x','syscalls':null}" };
  g_autoptr(GError) error = NULL;
  UctrSeccomp *s = (UctrSeccomp *) 1;
  gsize i;

  g_assert_true (uctr_seccomp_compile (NULL, &s, &error));
  g_assert_null (s);
  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(json_object) node = node_from (cases[i]);

      s = (UctrSeccomp *) 1;
      g_assert_true (uctr_seccomp_compile (node, &s, &error));
      g_assert_no_error (error);
      g_assert_null (s);
    }
}

typedef struct
{
  const char *name;
  const char *json;
  const char *message; /* the start of the error message */
} ErrorCase;

#define SYSCALL(x)                                                                                           \
  "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getcwd'],'action':'SCMP_ACT_ERRNO'}," x "]}"

static const ErrorCase error_cases[] = {
  { "not-object", "[]", "linux.seccomp: must be an object" },
  { "default-missing", "{'syscalls':[{'names':['getcwd'],'action':'SCMP_ACT_ERRNO'}]}",
    "linux.seccomp.defaultAction: missing required field" },
  { "default-unknown", "{'defaultAction':'SCMP_ACT_NOPE'}",
    "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\" (expected SCMP_ACT_ALLOW, " },
  { "default-type", "{'defaultAction':1}", "linux.seccomp.defaultAction: must be a string" },
  { "default-notify", "{'defaultAction':'SCMP_ACT_NOTIFY','listenerPath':'/x'}",
    "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action" },
  { "default-errno-allow", "{'defaultAction':'SCMP_ACT_ALLOW','defaultErrnoRet':1}",
    "linux.seccomp.defaultErrnoRet: SCMP_ACT_ALLOW takes no errno" },
  { "default-errno-range", "{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':70000}",
    "linux.seccomp.defaultErrnoRet: must be an integer from 0 to 65535" },
  { "action-unknown", SYSCALL ("{'names':['getpid'],'action':'SCMP_ACT_FOO'}"),
    "linux.seccomp.syscalls[1].action: unknown action \"SCMP_ACT_FOO\"" },
  { "action-missing", SYSCALL ("{'names':['getpid']}"),
    "linux.seccomp.syscalls[1].action: missing required field" },
  { "errno-kill", SYSCALL ("{'names':['getpid'],'action':'SCMP_ACT_KILL','errnoRet':1}"),
    "linux.seccomp.syscalls[1].errnoRet: SCMP_ACT_KILL takes no errno" },
  { "errno-negative", SYSCALL ("{'names':['getpid'],'action':'SCMP_ACT_ERRNO','errnoRet':-1}"),
    "linux.seccomp.syscalls[1].errnoRet: must be an integer from 0 to 65535" },
  { "names-missing", SYSCALL ("{'action':'SCMP_ACT_ERRNO'}"),
    "linux.seccomp.syscalls[1].names: must list at least one syscall" },
  { "names-empty", SYSCALL ("{'names':[],'action':'SCMP_ACT_ERRNO'}"),
    "linux.seccomp.syscalls[1].names: must list at least one syscall" },
  { "names-type", SYSCALL ("{'names':['getpid',3],'action':'SCMP_ACT_ERRNO'}"),
    "linux.seccomp.syscalls[1].names[1]: must be a string" },
  { "names-null", SYSCALL ("{'names':['getpid',null],'action':'SCMP_ACT_ERRNO'}"),
    "linux.seccomp.syscalls[1].names[1]: must be a string" },
  { "names-blank", SYSCALL ("{'names':[''],'action':'SCMP_ACT_ERRNO'}"),
    "linux.seccomp.syscalls[1].names: item 0 is an empty string" },
  { "syscall-type", SYSCALL ("'getpid'"), "linux.seccomp.syscalls[1]: must be an object" },
  { "op-unknown",
    SYSCALL ("{'names':['personality'],'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':1,'op':'SCMP_CMP_"
             "XX'}]}"),
    "linux.seccomp.syscalls[1].args[0].op: unknown operator \"SCMP_CMP_XX\" (expected SCMP_CMP_EQ, " },
  { "op-missing",
    SYSCALL ("{'names':['personality'],'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':1}]}"),
    "linux.seccomp.syscalls[1].args[0].op: missing required field" },
  { "index-range",
    SYSCALL ("{'names':['personality'],'action':'SCMP_ACT_ERRNO','args':[{'index':6,'value':1,'op':'SCMP_CMP_"
             "EQ'}]}"),
    "linux.seccomp.syscalls[1].args[0].index: must be an integer from 0 to 5" },
  { "value-missing",
    SYSCALL ("{'names':['personality'],'action':'SCMP_ACT_ERRNO','args':[{'index':0,'op':'SCMP_CMP_EQ'}]}"),
    "linux.seccomp.syscalls[1].args[0].value: missing required field" },
  { "value-negative",
    SYSCALL ("{'names':['personality'],'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':-1,'op':'SCMP_"
             "CMP_EQ'}]}"),
    "linux.seccomp.syscalls[1].args[0].value: must be an integer from 0 to 18446744073709551615" },
  { "value-fraction",
    SYSCALL ("{'names':['personality'],'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':1.0,'op':'SCMP_"
             "CMP_EQ'}]}"),
    "linux.seccomp.syscalls[1].args[0].value: must be an integer" },
  { "value-type",
    SYSCALL ("{'names':['personality'],'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':'1','op':'SCMP_"
             "CMP_EQ'}]}"),
    "linux.seccomp.syscalls[1].args[0].value: must be an integer" },
  { "arch-unknown", "{'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_NATIVE']}",
    "linux.seccomp.architectures[0]: unknown architecture \"SCMP_ARCH_NATIVE\"" },
  { "arch-null", "{'defaultAction':'SCMP_ACT_ALLOW','architectures':[null]}",
    "linux.seccomp.architectures[0]: must be a string" },
  { "arch-lowercase", "{'defaultAction':'SCMP_ACT_ALLOW','architectures':['x86_64']}",
    "linux.seccomp.architectures[0]: unknown architecture \"x86_64\"" },
  { "flag-unknown", "{'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_NEW_LISTENER']}",
    "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\" (expected " },
  { "flag-null", "{'defaultAction':'SCMP_ACT_ALLOW','flags':[null]}",
    "linux.seccomp.flags[0]: must be a string" },
  { "notify-no-path", SYSCALL ("{'names':['getpid'],'action':'SCMP_ACT_NOTIFY'}"),
    "linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY" },
  { "notify-sendmsg",
    "{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/"
    "x','syscalls':[{'names':['sendmsg'],'action':'SCMP_ACT_NOTIFY'}]}",
    "linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for sendmsg" },
  { "metadata-no-path", "{'defaultAction':'SCMP_ACT_ALLOW','listenerMetadata':'m'}",
    "linux.seccomp.listenerMetadata: must not be set without listenerPath" },
  { "path-relative", "{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'agent.sock'}",
    "linux.seccomp.listenerPath: must be an absolute path" },
};

static void
test_errors (gconstpointer data)
{
  const ErrorCase *c = data;
  g_autoptr(json_object) node = node_from (c->json);
  g_autoptr(GError) error = NULL;
  UctrSeccomp *s = NULL;

  g_assert_false (uctr_seccomp_compile (node, &s, &error));
  g_assert_null (s);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
  g_test_message ("message: %s", error->message);
  g_assert_true (g_str_has_prefix (error->message, c->message));
}

static void
test_unknown_names_skipped (void)
{
  g_autoptr(UctrSeccomp) s
             = compile_ok ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['nosuchcall','getcwd','"
                           "not_a_syscall_either'],'action':'SCMP_ACT_ERRNO'}]}");
  const char *const expected[] = { "nosuchcall", "not_a_syscall_either", NULL };

  g_assert_cmpstrv (s->skipped, expected);
  g_assert_cmphex (s->flags, ==, 0);
  g_assert_false (s->listener);
}

static void
test_flags (void)
{
  g_autoptr(UctrSeccomp) log = compile_ok ("{'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_"
                                            "LOG','SECCOMP_FILTER_FLAG_SPEC_ALLOW']}");
  g_autoptr(UctrSeccomp) notify = compile_ok (
      "{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/run/agent.sock','listenerMetadata':'m',"
      "'flags':['SECCOMP_FILTER_FLAG_TSYNC','SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],"
      "'syscalls':[{'names':['mkdir'],'action':'SCMP_ACT_NOTIFY'}]}");
  g_autoptr(UctrSeccomp) no_listener
             = compile_ok ("{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/run/agent.sock',"
                           "'flags':['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV']}");

  g_assert_cmphex (log->flags, ==, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW);
  g_assert_true (notify->listener);
  g_assert_cmphex (notify->flags, ==,
                   SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH
                       | SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
  g_assert_cmpstr (notify->listener_path, ==, "/run/agent.sock");
  g_assert_cmpstr (notify->listener_metadata, ==, "m");
  /* Without a rule that notifies there is no listener, and the kernel
     refuses WAIT_KILLABLE_RECV alone. */
  g_assert_false (no_listener->listener);
  g_assert_cmphex (no_listener->flags, ==, 0);
}

/* Runs WHAT in a child under the filter; returns its wait status. */
typedef int (*ChildFunc) (void);

static int
run_filtered (const char *json, ChildFunc what)
{
  g_autoptr(UctrSeccomp) s = compile_ok (json);
  int status = 0;
  pid_t pid;

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      int listener;

      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || uctr_seccomp_load (s, &listener) < 0)
        _exit (200);
      _exit (what ());
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  return status;
}

/* ASan and LeakSanitizer make syscalls of their own at exit, which a
   strict allow list refuses: those cases cannot run in that build. */
static gboolean
under_sanitizer (void)
{
#if defined(__SANITIZE_ADDRESS__)
  g_test_skip ("the sanitizer runtime makes syscalls a strict allow list refuses");
  return TRUE;
#else
  return FALSE;
#endif
}

static void
assert_exit (int status, int code)
{
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, code);
}

static void
assert_sigsys (int status)
{
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGSYS);
}

/* errno of mkdirat on a path that cannot exist: ENOENT when unfiltered. */
static int
child_mkdir (void)
{
  return syscall (SYS_mkdirat, AT_FDCWD, "/nonexistent-uctr-test/x", 0700) < 0 ? errno : 0;
}

static void
test_load_errno (void)
{
  assert_exit (run_filtered ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdirat','mkdir'],'"
                             "action':'SCMP_ACT_ERRNO','errnoRet':42}]}",
                             child_mkdir),
               42);
  /* errnoRet absent: EPERM, as runc. */
  assert_exit (run_filtered ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdirat'],'action':'"
                             "SCMP_ACT_ERRNO'}]}",
                             child_mkdir),
               EPERM);
  /* Unknown names in the same entry do not drop the known ones. */
  assert_exit (run_filtered ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['nosuchcall','mkdirat']"
                             ",'action':'SCMP_ACT_ERRNO','errnoRet':7}]}",
                             child_mkdir),
               7);
  /* A rule saying what the default says is dropped, not an error. */
  assert_exit (run_filtered ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdirat'],'action':'"
                             "SCMP_ACT_ALLOW'}]}",
                             child_mkdir),
               ENOENT);
}

/* getppid refused, getpid allowed: 0 when both went as expected. */
static int
child_allow_list (void)
{
  if (syscall (SYS_getppid) != -1 || errno != ENOSYS)
    return 1;
  if (syscall (SYS_getpid) <= 0)
    return 2;
  return 0;
}

static void
test_load_default_errno (void)
{
  if (under_sanitizer ())
    return;
  assert_exit (run_filtered ("{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':38,"
                             "'syscalls':[{'names':['getpid','exit','exit_group'],'action':'SCMP_ACT_ALLOW'}]"
                             "}",
                             child_allow_list),
               0);
}

/* personality(0xffffffff) only asks; 0 when the query works, PER_LINUX32 is
   refused and UNAME26 is not. */
static int
child_personality (void)
{
  if (syscall (SYS_personality, 0xffffffffUL) < 0)
    return 1;
  if (syscall (SYS_personality, (unsigned long) PER_LINUX32) != -1 || errno != 99)
    return 2;
  if (syscall (SYS_personality, (unsigned long) UNAME26) == -1)
    return 3;
  return 0;
}

static int
child_personality_either (void)
{
  if (syscall (SYS_personality, (unsigned long) PER_LINUX32) != -1 || errno != 99)
    return 1;
  if (syscall (SYS_personality, (unsigned long) UNAME26) != -1 || errno != 99)
    return 2;
  if (syscall (SYS_personality, 0xffffffffUL) < 0)
    return 3;
  return 0;
}

static void
test_load_args (void)
{
  assert_exit (run_filtered ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['personality'],'action'"
                             ":'SCMP_ACT_ERRNO','errnoRet':99,"
                             "'args':[{'index':0,'value':8,'op':'SCMP_CMP_EQ'}]}]}",
                             child_personality),
               0);
  /* Two conditions on the same argument: either matches, as in runc. */
  assert_exit (run_filtered ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['personality'],'action'"
                             ":'SCMP_ACT_ERRNO','errnoRet':99,"
                             "'args':[{'index':0,'value':8,'op':'SCMP_CMP_EQ'},{'index':0,'value':131072,'op'"
                             ":'SCMP_CMP_EQ'}]}]}",
                             child_personality_either),
               0);
  /* MASKED_EQ: value is the mask, valueTwo the result; 2^64-1 as a mask. */
  assert_exit (run_filtered ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['personality'],'action'"
                             ":'SCMP_ACT_ERRNO','errnoRet':99,"
                             "'args':[{'index':0,'value':18446744073709551615,'valueTwo':8,'op':'SCMP_CMP_"
                             "MASKED_EQ'}]}]}",
                             child_personality),
               0);
}

/* getppid's errno * 1000 + memfd_create's: memfd_create is one above
   getrandom on every architecture, getppid below it. */
static int
child_new_syscall (void)
{
  int a = syscall (SYS_getppid) < 0 ? errno : 0;
  int b = syscall (SYS_memfd_create, "x", 0) < 0 ? errno : 0;

  return a * 10 + b;
}

static int
child_memfd_create (void)
{
  return syscall (SYS_memfd_create, "x", 0) < 0 ? errno : 0;
}

#if defined(__x86_64__)
#define NATIVE_ARCH "SCMP_ARCH_X86_64"
#elif defined(__aarch64__)
#define NATIVE_ARCH "SCMP_ARCH_AARCH64"
#endif

/* A syscall newer than any the profile names gets ENOSYS (runc's stub) when
   the profile lists the architecture; older ones the default action. */
static void
test_load_enosys_stub (void)
{
  if (under_sanitizer ())
    return;
#ifdef NATIVE_ARCH
  const char *names = "'syscalls':[{'names':['getpid','exit','exit_group'],'action':'SCMP_ACT_ALLOW'},"
                      "{'names':['getrandom'],'action':'SCMP_ACT_ERRNO','errnoRet':5}]}";
  g_autofree char *listed
      = g_strdup_printf ("{'defaultAction':'SCMP_ACT_ERRNO','architectures':['%s'],%s", NATIVE_ARCH, names);
  g_autofree char *unlisted = g_strdup_printf ("{'defaultAction':'SCMP_ACT_ERRNO',%s", names);
  g_autofree char *kill
      = g_strdup_printf ("{'defaultAction':'SCMP_ACT_KILL_PROCESS','architectures':['%s'],%s", NATIVE_ARCH,
                         names);

  assert_exit (run_filtered (listed, child_new_syscall), EPERM * 10 + ENOSYS);
  /* Not listed: runc adds no stub either. */
  assert_exit (run_filtered (unlisted, child_new_syscall), EPERM * 10 + EPERM);
  /* Under a killing default, a newer call gets ENOSYS, an older unnamed one kills. */
  assert_exit (run_filtered (kill, child_memfd_create), ENOSYS);
  assert_sigsys (run_filtered (kill, child_new_syscall));
#else
  g_test_skip ("no native architecture name for this machine in the test");
#endif
}

static int
child_getppid (void)
{
  (void) syscall (SYS_getppid);
  return 0;
}

static void
test_load_kill (void)
{
  assert_sigsys (run_filtered ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getppid'],'action':'"
                               "SCMP_ACT_KILL_PROCESS'}]}",
                               child_getppid));
  assert_sigsys (run_filtered ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getppid'],'action':'"
                               "SCMP_ACT_KILL'}]}",
                               child_getppid));
  assert_sigsys (run_filtered ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getppid'],'action':'"
                               "SCMP_ACT_TRAP'}]}",
                               child_getppid));
  /* LOG allows (and logs to the audit log). */
  assert_exit (run_filtered ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['getppid'],'action':'"
                             "SCMP_ACT_LOG'}]}",
                             child_getppid),
               0);
}

/* The agent's end: accepts one connection, returns the text and the fd. */
static char *
accept_state (int lsock, int *fd)
{
  char buf[8192], cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { buf, sizeof buf - 1 };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  g_autoptr(GString) text = g_string_new (NULL);
  int conn = accept4 (lsock, NULL, NULL, SOCK_CLOEXEC);
  struct cmsghdr *c;
  ssize_t n;

  g_assert_cmpint (conn, >=, 0);
  n = recvmsg (conn, &mh, MSG_CMSG_CLOEXEC);
  g_assert_cmpint (n, >, 0);
  c = CMSG_FIRSTHDR (&mh);
  g_assert_nonnull (c);
  g_assert_cmpint (c->cmsg_type, ==, SCM_RIGHTS);
  memcpy (fd, CMSG_DATA (c), sizeof (int));
  g_string_append_len (text, buf, n);
  while ((n = read (conn, buf, sizeof buf)) > 0)
    g_string_append_len (text, buf, n);
  close (conn);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
test_send_listener (void)
{
  g_autofree char *dir = g_dir_make_tmp ("uctr-test-seccomp-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "agent.sock", NULL);
  g_autofree char *json
      = g_strdup_printf ("{'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'%s','listenerMetadata':'hello',"
                         "'syscalls':[{'names':['mkdir'],'action':'SCMP_ACT_NOTIFY'}]}",
                         path);
  g_autoptr(UctrSeccomp) s = compile_ok (json);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  g_autoptr(GError) error = NULL;
  /* runc's container process state, in Go's encoding/json format. */
  g_autofree char *expected
      = g_strdup_printf ("{\"ociVersion\":\"%s\",\"fds\":[\"seccompFd\"],\"pid\":4242,\"metadata\":\"hello\","
                         "\"state\":{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\"}}",
                         UCTR_OCI_VERSION);
  g_autofree char *text = NULL;
  int lsock, pipefd[2], fd = -1;
  struct stat a, b;

  g_strlcpy (addr.sun_path, path, sizeof addr.sun_path);
  lsock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (bind (lsock, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (lsock, 1), ==, 0);
  g_assert_cmpint (pipe2 (pipefd, O_CLOEXEC), ==, 0);
  g_assert_true (
      uctr_seccomp_send_listener (s, pipefd[0], 4242,
                                  "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\"}",
                                  &error));
  g_assert_no_error (error);
  text = accept_state (lsock, &fd);
  g_test_message ("sent: %s", text);
  /* The fd that arrived is the one sent. */
  g_assert_cmpint (fstat (fd, &a), ==, 0);
  g_assert_cmpint (fstat (pipefd[0], &b), ==, 0);
  g_assert_cmpuint (a.st_ino, ==, b.st_ino);
  g_assert_cmpstr (text, ==, expected);

  /* Nobody listening: an error naming listenerPath and the path. */
  close (lsock);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_false (uctr_seccomp_send_listener (s, pipefd[0], 4242, "{}", &error));
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error->message, "linux.seccomp.listenerPath: "));
  g_assert_nonnull (strstr (error->message, path));
  close (fd);
  close (pipefd[0]);
  close (pipefd[1]);
  uctr_test_rm_rf (dir);
}

static void
test_features (void)
{
  g_auto(GStrv) actions = uctr_seccomp_actions ();
  g_auto(GStrv) operators = uctr_seccomp_operators ();
  g_auto(GStrv) archs = uctr_seccomp_archs ();
  g_auto(GStrv) known = uctr_seccomp_known_flags ();
  g_auto(GStrv) supported = uctr_seccomp_supported_flags ();
  char **f;

  g_assert_true (g_strv_contains ((const char *const *) actions, "SCMP_ACT_ERRNO"));
  g_assert_true (g_strv_contains ((const char *const *) actions, "SCMP_ACT_KILL"));
  g_assert_cmpuint (g_strv_length (operators), ==, 7);
  g_assert_true (g_strv_contains ((const char *const *) operators, "SCMP_CMP_MASKED_EQ"));
#if defined(__x86_64__)
  g_assert_true (g_strv_contains ((const char *const *) archs, "SCMP_ARCH_X86_64"));
#endif
  g_assert_cmpuint (g_strv_length (known), ==, 4);
  for (f = supported; *f != NULL; f++)
    g_assert_true (g_strv_contains ((const char *const *) known, *f));
}

/* What the compiled PROFILE answers for execveat (FD, ?, ?, ?, FLAGS) with
   the fd and flags known: -1 when it cannot tell, else the action. */
static gint64
answer_execveat (const char *profile, int fd, int flags)
{
  g_autoptr(UctrSeccomp) s = compile_ok (profile);
  struct seccomp_data call = {
    .nr = __NR_execveat,
    .arch = 0,
    .args = { (guint64) fd, 0, 0, 0, (guint64) flags },
  };
  guint32 ret = 0;

  call.arch = seccomp_arch_native ();
  if (!uctr_seccomp_answer (s, &call, (1u << 0) | (1u << 4), &ret))
    return -1;
  return ret;
}

static void
test_answer (void)
{
  const char *allow_all = "{'defaultAction':'SCMP_ACT_ALLOW'}";
  const char *deny_it
      = "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['execveat'],'action':'SCMP_ACT_"
        "ERRNO','errnoRet':13}]}";
  const char *allow_list
      = "{'defaultAction':'SCMP_ACT_ERRNO','syscalls':[{'names':['execve','execveat','read'],"
        "'action':'SCMP_ACT_ALLOW'}]}";
  const char *by_flags
      = "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['execveat'],'action':'SCMP_ACT_"
        "ERRNO','args':[{'index':4,'value':4096,'valueTwo':4096,'op':'SCMP_CMP_MASKED_EQ'}]}]}";
  const char *by_path
      = "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['execveat'],'action':'SCMP_ACT_"
        "ERRNO','args':[{'index':1,'value':0,'op':'SCMP_CMP_EQ'}]}]}";
  const char *by_fd
      = "{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['execveat'],'action':'SCMP_ACT_"
        "KILL_PROCESS','args':[{'index':0,'value':7,'op':'SCMP_CMP_EQ'}]}]}";
  const char *log_it = "{'defaultAction':'SCMP_ACT_LOG'}";

  g_assert_cmpint (answer_execveat (allow_all, 5, AT_EMPTY_PATH), ==, SECCOMP_RET_ALLOW);
  g_assert_cmpint (answer_execveat (deny_it, 5, AT_EMPTY_PATH), ==, SECCOMP_RET_ERRNO | 13);
  g_assert_cmpint (answer_execveat (allow_list, 5, AT_EMPTY_PATH), ==, SECCOMP_RET_ALLOW);
  /* The flags are known: refused with AT_EMPTY_PATH, allowed without. */
  g_assert_cmpint (answer_execveat (by_flags, 5, AT_EMPTY_PATH) & SECCOMP_RET_ACTION_FULL, ==,
                   SECCOMP_RET_ERRNO);
  g_assert_cmpint (answer_execveat (by_flags, 5, 0), ==, SECCOMP_RET_ALLOW);
  /* The fd is known too. */
  g_assert_cmpint (answer_execveat (by_fd, 7, AT_EMPTY_PATH), ==, SECCOMP_RET_KILL_PROCESS);
  g_assert_cmpint (answer_execveat (by_fd, 8, AT_EMPTY_PATH), ==, SECCOMP_RET_ALLOW);
  /* The path is an address: no answer. */
  g_assert_cmpint (answer_execveat (by_path, 5, AT_EMPTY_PATH), ==, -1);
  g_assert_cmpint (answer_execveat (log_it, 5, AT_EMPTY_PATH), ==, SECCOMP_RET_LOG);
}

/* A plan as far as plan/dmz.c reads one: a new pid namespace, root, no hooks. */
static void
plain_plan (UctrPlan *plan, char **argv)
{
  memset (plan, 0, sizeof *plan);
  plan->unshare_flags = CLONE_NEWPID | CLONE_NEWNS;
  for (int i = 0; i < UCTR_NS_N; i++)
    plan->ns_fds[i] = -1;
  plan->dmz_fd = -1;
  plan->argv = argv;
  plan->cap_permitted = plan->cap_effective = plan->cap_bounding = 1ULL << 21;
}

static void
test_dmz_refusal (void)
{
  char *argv[] = { "sh", "-c", "true", NULL };
  UctrPlanHook hook = { 0 };
  UctrPlan plan;

  plain_plan (&plan, argv);
  g_assert_null (uctr_plan_dmz_refusal (&plan, 9));
  plan.exec = TRUE;
  g_assert_nonnull (strstr (uctr_plan_dmz_refusal (&plan, 9), "exec"));
  plain_plan (&plan, argv);
  plan.start_container_hooks = &hook;
  plan.n_start_container_hooks = 1;
  g_assert_nonnull (strstr (uctr_plan_dmz_refusal (&plan, 9), "hooks"));
  plain_plan (&plan, argv);
  plan.create_container_hooks = &hook;
  plan.n_create_container_hooks = 1;
  g_assert_nonnull (strstr (uctr_plan_dmz_refusal (&plan, 9), "hooks"));
  plain_plan (&plan, argv);
  plan.unshare_flags = CLONE_NEWNS;
  g_assert_nonnull (strstr (uctr_plan_dmz_refusal (&plan, 9), "pid namespace"));
  plain_plan (&plan, argv);
  plan.ns_fds[UCTR_NS_PID] = 3;
  g_assert_nonnull (strstr (uctr_plan_dmz_refusal (&plan, 9), "pid namespace"));
  /* Another user: only without capabilities, bounding aside. */
  plain_plan (&plan, argv);
  plan.uid = 1000;
  g_assert_nonnull (strstr (uctr_plan_dmz_refusal (&plan, 9), "capabilities"));
  plan.cap_permitted = plan.cap_effective = 0;
  g_assert_null (uctr_plan_dmz_refusal (&plan, 9));
  plan.cap_ambient = plan.cap_inheritable = 1ULL << 10;
  g_assert_nonnull (strstr (uctr_plan_dmz_refusal (&plan, 9), "capabilities"));
  /* A filter: what it answers for that very execveat. */
  plain_plan (&plan, argv);
  plan.seccomp = compile_ok ("{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['execveat'],'action':"
                             "'SCMP_ACT_ERRNO','args':[{'index':0,'value':9,'op':'SCMP_CMP_EQ'}]}]}");
  g_assert_nonnull (strstr (uctr_plan_dmz_refusal (&plan, 9), "seccomp"));
  g_assert_null (uctr_plan_dmz_refusal (&plan, 10));
  uctr_seccomp_free (plan.seccomp);
}

/* Runs the trampoline from its memfd as the init would (or with ARGV0 in
   its place): the exit status. */
static int
run_dmz (int fd, const char *argv0, const char *path, const char *script)
{
  char *argv[] = { (char *) argv0, (char *) path, "sh", "-c", (char *) script, NULL };
  char *envp[] = { "DMZ_TEST=kept", NULL };
  int status = 0;
  pid_t pid = fork ();

  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      syscall (SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
      _exit (99);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static void
test_dmz_memfd (void)
{
  g_autoptr(GError) error = NULL;
  uctr_autofd int fd = uctr_selfexe_dmz_open (&error);
  struct stat st;
  int seals;

#if !UCTR_HAVE_DMZ
  g_assert_cmpint (fd, ==, -1);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_UNSUPPORTED);
  return;
#endif
  g_assert_no_error (error);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (fcntl (fd, F_GETFD), ==, FD_CLOEXEC);
  seals = fcntl (fd, F_GET_SEALS);
  g_assert_cmpint (seals & (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE), ==,
                   F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
  g_assert_cmpint (fstat (fd, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpint (st.st_size, >, 0);
  /* Nobody writes it, by this fd or another. */
  g_assert_cmpint (pwrite (fd, "x", 1, 0), ==, -1);
  g_assert_cmpint (errno, ==, EPERM);
  {
    g_autofree char *path = g_strdup_printf ("/proc/self/fd/%d", fd);
    int wfd = open (path, O_WRONLY | O_CLOEXEC);

    if (wfd >= 0)
      {
        g_assert_cmpint (write (wfd, "x", 1), ==, -1);
        g_assert_cmpint (errno, ==, EPERM);
        close (wfd);
      }
  }
  /* It runs the path with the args after it and the environment as given. */
  g_assert_cmpint (run_dmz (fd, UCTR_DMZ_ARGV0, "/bin/sh", "exit 7"), ==, 7);
  g_assert_cmpint (run_dmz (fd, UCTR_DMZ_ARGV0, "/bin/sh", "test \"$DMZ_TEST\" = kept && test \"$0\" = sh"),
                   ==, 0);
  /* A path that does not run: 127, as the init's own exec. */
  g_assert_cmpint (run_dmz (fd, UCTR_DMZ_ARGV0, "/nonexistent/x", "true"), ==, 127);
  /* Run any other way (an image's #! line names it as its interpreter): it refuses. */
  g_assert_cmpint (run_dmz (fd, "/proc/self/exe", "/bin/sh", "exit 0"), ==, 127);
}

/* --- the handover filter (plan/handover.h) ---------------------------------- */

static guint32
handover_answer (unsigned calls, guint32 arch, int nr)
{
  UctrHandoverFilter f;
  UctrSeccomp s = { 0 };
  struct seccomp_data data = { .nr = nr, .arch = arch };
  guint32 ret = 0;

  uctr_handover_filter_build (&f, seccomp_arch_native (), calls);
  s.prog.len = UCTR_HANDOVER_FILTER_LEN;
  s.prog.filter = f.insns;
  g_assert_true (uctr_seccomp_answer (&s, &data, 0, &ret));
  return ret;
}

/* The calls asked for, of this architecture, go to the supervisor;
   everything else, and those calls of another architecture (which the
   supervisor could not read the arguments of as its own), is allowed. */
static void
test_handover_filter (void)
{
  const unsigned masks[]
      = { UCTR_HANDOVER_CONNECT, UCTR_HANDOVER_BIND, UCTR_HANDOVER_CONNECT | UCTR_HANDOVER_BIND };
  guint32 native = seccomp_arch_native ();
  const guint32 notify = SECCOMP_RET_USER_NOTIF, allow = SECCOMP_RET_ALLOW;

  for (gsize i = 0; i < G_N_ELEMENTS (masks); i++)
    {
      unsigned m = masks[i];

      g_assert_cmphex (handover_answer (m, native, __NR_connect), ==,
                       (m & UCTR_HANDOVER_CONNECT) ? notify : allow);
      g_assert_cmphex (handover_answer (m, native, __NR_bind), ==, (m & UCTR_HANDOVER_BIND) ? notify : allow);
      g_assert_cmphex (handover_answer (m, native, __NR_socket), ==, allow);
      g_assert_cmphex (handover_answer (m, native, __NR_listen), ==, allow);
      g_assert_cmphex (handover_answer (m, native, __NR_sendto), ==, allow);
      g_assert_cmphex (handover_answer (m, native ^ 1, __NR_connect), ==, allow);
      g_assert_cmphex (handover_answer (m, native ^ 1, __NR_bind), ==, allow);
#ifdef __x86_64__
      g_assert_cmphex (handover_answer (m, SCMP_ARCH_X86, 362 /* i386 connect */), ==, allow);
      g_assert_cmphex (handover_answer (m, SCMP_ARCH_X86, 361 /* i386 bind */), ==, allow);
      g_assert_cmphex (handover_answer (m, native, __NR_connect | 0x40000000 /* x32 */), ==, allow);
      g_assert_cmphex (handover_answer (m, native, __NR_bind | 0x40000000 /* x32 */), ==, allow);
#endif
    }
}

/* Loads the filter, hands its listener over SOCK, and reports connect()'s
   errno as its exit status; a UDP socket and bind() first, which must not
   wait for anyone. */
static int
child_handover (int sock)
{
  UctrHandoverFilter f;
  struct sockaddr_in to
      = { .sin_family = AF_INET, .sin_port = htons (9), .sin_addr.s_addr = htonl (0x7f000001) };
  struct sockaddr_in any = { .sin_family = AF_INET };
  int listener, udp, tcp;

  uctr_handover_filter_build (&f, seccomp_arch_native (), UCTR_HANDOVER_CONNECT);
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || (listener = uctr_handover_filter_load (&f)) < 0)
    return 100;
  if (fcntl (listener, F_GETFD) != FD_CLOEXEC)
    return 101;
  /* Ours closed: should the parent go, the calls fail (ENOSYS), not wait. */
  if (!uctr_fdpass_send (sock, 'L', &listener, 1) || close (listener) < 0)
    return 102;
  udp = socket (AF_INET, SOCK_DGRAM, 0);
  if (udp < 0 || bind (udp, (struct sockaddr *) &any, sizeof any) < 0)
    return 103;
  tcp = socket (AF_INET, SOCK_STREAM, 0);
  if (tcp != 6 && dup2 (tcp, 6) < 0)
    return 104;
  if (connect (6, (struct sockaddr *) &to, sizeof to) == 0)
    return 0;
  return errno;
}

/* The supervisor's view: one notification, for connect() on fd 6 with the
   address's length, whatever came before; its answer is the call's. */
static void
test_handover_notifies (void)
{
  int sv[2], listener = -1, status = 0;
  struct seccomp_notif_sizes sizes = { 0 };
  g_autofree struct seccomp_notif *req = NULL;
  g_autofree struct seccomp_notif_resp *resp = NULL;
  struct pollfd p;
  pid_t pid;

  if (under_sanitizer ())
    return;
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    _exit (child_handover (sv[1]));
  close (sv[1]);
  g_assert_true (uctr_fdpass_recv (sv[0], &listener, 1));
  g_assert_cmpint (syscall (SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes), ==, 0);
  req = g_malloc0 (MAX (sizes.seccomp_notif, sizeof *req));
  resp = g_malloc0 (MAX (sizes.seccomp_notif_resp, sizeof *resp));
  /* A filter that let connect() through would leave nothing to receive. */
  p = (struct pollfd){ .fd = listener, .events = POLLIN };
  g_assert_cmpint (poll (&p, 1, 10000), ==, 1);
  g_assert_true (p.revents & POLLIN);
  g_assert_cmpint (ioctl (listener, SECCOMP_IOCTL_NOTIF_RECV, req), ==, 0);
  g_assert_cmpint (req->pid, ==, pid);
  g_assert_cmpint (req->data.nr, ==, __NR_connect);
  g_assert_cmpuint (req->data.args[0], ==, 6);
  g_assert_cmpuint (req->data.args[2], ==, sizeof (struct sockaddr_in));
  resp->id = req->id;
  resp->error = -EHOSTDOWN;
  g_assert_cmpint (ioctl (listener, SECCOMP_IOCTL_NOTIF_SEND, resp), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, EHOSTDOWN);
  close (listener);
  close (sv[0]);
}

int
main (int argc, char **argv)
{
  gsize i;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/seccomp/no-filter", test_no_filter);
  for (i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/seccomp/error/%s", error_cases[i].name);
      g_test_add_data_func (name, &error_cases[i], test_errors);
    }
  g_test_add_func ("/seccomp/unknown-names-skipped", test_unknown_names_skipped);
  g_test_add_func ("/seccomp/flags", test_flags);
  g_test_add_func ("/seccomp/load/errno", test_load_errno);
  g_test_add_func ("/seccomp/load/default-errno", test_load_default_errno);
  g_test_add_func ("/seccomp/load/args", test_load_args);
  g_test_add_func ("/seccomp/load/kill", test_load_kill);
  g_test_add_func ("/seccomp/load/enosys-stub", test_load_enosys_stub);
  g_test_add_func ("/seccomp/send-listener", test_send_listener);
  g_test_add_func ("/seccomp/features", test_features);
  g_test_add_func ("/seccomp/answer", test_answer);
  g_test_add_func ("/handover/filter", test_handover_filter);
  g_test_add_func ("/handover/notifies", test_handover_notifies);
  g_test_add_func ("/dmz/refusal", test_dmz_refusal);
  g_test_add_func ("/dmz/memfd", test_dmz_memfd);
  return g_test_run ();
}
