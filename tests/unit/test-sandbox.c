/* The network helper's sandbox (sandbox.c), entered in a subprocess of the
   test: what the loop needs still works, the rest fails. */
#include "net/sandbox.h"
#include "base/util.h"

#include <glib/gstdio.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_SANITIZER 1
#endif

static char *dir;     /* what the sandbox may read */
static char *inside;  /* a file there */
static char *outside; /* a file elsewhere */

static gboolean
can_open (const char *path, int flags)
{
  uctr_autofd int fd = open (path, flags | O_CLOEXEC, 0600);

  return fd >= 0;
}

/* TRUE in the subprocess that runs the test (the sandbox is for good);
   in the test itself, runs it there and checks that it passed. */
static gboolean
in_subprocess (void)
{
  if (g_test_subprocess ())
    return TRUE;
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  return FALSE;
}

static void
enter (int *abi)
{
  g_autoptr(GError) error = NULL;
  struct rlimit core;

  g_assert_true (uctr_net_sandbox_harden (&error));
  g_assert_no_error (error);
  g_assert_cmpint (prctl (PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 0);
  g_assert_cmpint (prctl (PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), ==, 1);
  g_assert_cmpint (getrlimit (RLIMIT_CORE, &core), ==, 0);
  g_assert_cmpuint (core.rlim_max, ==, 0);
  g_assert_true (uctr_net_sandbox_enter (dir, abi, &error));
  g_assert_no_error (error);
}

/* What the loop does after start-up: read resolv.conf, bind and listen
   (port add), connect, pipes for splice. */
static void
test_loop_still_works (void)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof a;
  uctr_autofd int l = -1;
  uctr_autofd int c = -1;
  int abi, fds[2];

  if (!in_subprocess ())
    return;
  enter (&abi);
  g_assert_true (can_open (inside, O_RDONLY));
  l = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (l, >=, 0);
  g_assert_cmpint (bind (l, (struct sockaddr *) &a, sizeof a), ==, 0);
  g_assert_cmpint (listen (l, 1), ==, 0);
  g_assert_cmpint (getsockname (l, (struct sockaddr *) &a, &len), ==, 0);
  c = socket (AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (c, >=, 0);
  uctr_close_fdp (&c);
  c = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (connect (c, (struct sockaddr *) &a, sizeof a), ==, 0);
  g_assert_cmpint (pipe2 (fds, O_CLOEXEC), ==, 0);
  close (fds[0]);
  close (fds[1]);
}

/* What a helper taken over would want, and does not get. */
static void
test_the_rest_fails (void)
{
  char *const argv[] = { (char *) "/bin/true", NULL };
  void *p;
  int abi;

#ifdef UNDER_SANITIZER
  g_test_skip ("no Landlock or seccomp under AddressSanitizer");
  return;
#endif
  if (!in_subprocess ())
    return;
  enter (&abi);
  g_assert_false (can_open (inside, O_WRONLY));
  g_assert_false (can_open (inside, O_RDWR));
  g_assert_false (can_open (inside, O_RDONLY | O_TRUNC));
  g_assert_false (can_open ("new-file", O_WRONLY | O_CREAT));
  if (abi > 0)
    g_assert_false (can_open (outside, O_RDONLY));
  else
    g_test_message ("no Landlock here: files outside stay readable");
  g_assert_cmpint (execv (argv[0], argv), ==, -1);
  g_assert_cmpint (fork (), ==, -1);
  g_assert_cmpint (socket (AF_UNIX, SOCK_STREAM, 0), ==, -1);
  g_assert_cmpint (socket (AF_NETLINK, SOCK_RAW, 0), ==, -1);
  g_assert_cmpint (socket (AF_PACKET, SOCK_RAW, 0), ==, -1);
  g_assert_cmpint (ptrace (PTRACE_TRACEME, 0, NULL, NULL), ==, -1);
  g_assert_cmpint (kill (getppid (), 0), ==, -1);
  g_assert_cmpint (unlink (inside), ==, -1);
  p = mmap (NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  g_assert_true (p == MAP_FAILED);
  p = mmap (NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  g_assert_true (p != MAP_FAILED);
  g_assert_cmpint (mprotect (p, 4096, PROT_READ | PROT_EXEC), ==, -1);
}

/* None at all unless root, who keeps CAP_NET_BIND_SERVICE for port add. */
static void
test_no_capabilities (void)
{
  gboolean root = getuid () == 0;
  cap_t caps;
  char *text;
  int abi;

  if (!in_subprocess ())
    return;
  enter (&abi);
  caps = cap_get_proc ();
  text = cap_to_text (caps, NULL);
  g_assert_cmpstr (text, ==, (root ? "cap_net_bind_service=ep" : "="));
  cap_free (text);
  cap_free (caps);
}

#define DIR_ENV "UCTR_TEST_SANDBOX_DIR"

int
main (int argc, char **argv)
{
  g_autofree char *base = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  /* The subprocesses find the files the test made. */
  if (g_test_subprocess ())
    base = g_strdup (g_getenv (DIR_ENV));
  else
    base = g_dir_make_tmp ("uctr-sandbox-XXXXXX", NULL);
  g_assert_nonnull (base);
  dir = g_build_filename (base, "readable", NULL);
  inside = g_build_filename (dir, "resolv.conf", NULL);
  outside = g_build_filename (base, "secret", NULL);
  if (!g_test_subprocess ())
    {
      g_setenv (DIR_ENV, base, TRUE);
      g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
      g_assert_true (g_file_set_contents (inside, "nameserver 192.0.2.1\n", -1, NULL));
      g_assert_true (g_file_set_contents (outside, "secret\n", -1, NULL));
    }
  g_test_add_func ("/sandbox/loop-still-works", test_loop_still_works);
  g_test_add_func ("/sandbox/the-rest-fails", test_the_rest_fails);
  g_test_add_func ("/sandbox/no-capabilities", test_no_capabilities);
  ret = g_test_run ();
  if (!g_test_subprocess ())
    {
      (void) unlink (inside);
      (void) unlink (outside);
      (void) rmdir (dir);
      (void) rmdir (base);
    }
  return ret;
}
