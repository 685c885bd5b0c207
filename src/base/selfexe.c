/* uctr: the binary a container can reach (CVE-2019-5736).

   While the container init execs the process, its /proc/self/exe is the
   uctr binary, and the kernel resolves a script's #! line then: an image
   whose entry point starts with "#!/proc/self/exe" runs uctr with the
   image's own dynamic loader, which can keep an fd of that file and write
   it once nobody executes it any more. That matters when the binary is a
   file the container's ids could write: the caller's own build or ~/bin,
   or any file at all for root. An installed binary owned by root and not
   writable by group or others costs nothing.

   Otherwise there are two defences. The init of a new container execs its
   process through a small static trampoline (dmz/dmz.c) run from a sealed
   memfd, so that at that execve the exe is the memfd: create asks for it
   when nothing else of the container can reach the init before then (see
   plan/dmz.c). Everywhere else (exec, one-line runs, hooks inside the
   container, a shared pid namespace ...) uctr re-executes itself from a
   sealed copy in memory first, as runc and crun do at every run: the
   container then reaches a memfd that no one can write. */
#include "base/selfexe.h"
#include "base/log.h"
#include "base/util.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define SELF_DIR_ENV "_UCTR_SELF_DIR"
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#if UCTR_HAVE_DMZ
/* The trampoline's bytes (base/dmz-blob.S). */
extern const unsigned char uctr_dmz_elf[];
extern const unsigned char uctr_dmz_elf_end[];
#endif

static char **given_argv;

static gboolean
is_sealed_copy (int fd)
{
  int seals = fcntl (fd, F_GET_SEALS);

  return seals >= 0 && (seals & SEALS) == SEALS;
}

/* Whether an id a container may run as could write the file: root can
   write anything on a writable file system; a rootless container's ids are
   the caller's and its subordinate ones, never root's, and its process may
   keep the caller's supplementary groups (setgroups denied). */
static gboolean
writable_by_containers (int fd)
{
  struct statvfs sv;
  struct stat st;

  if (fstat (fd, &st) < 0)
    return TRUE;
  if (fstatvfs (fd, &sv) == 0 && (sv.f_flag & ST_RDONLY))
    return FALSE;
  return geteuid () == 0 || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
}

/* A memfd we may seal and execute: MFD_EXEC where vm.memfd_noexec would
   otherwise make it not executable (Linux 6.3 on), which older kernels
   refuse as unknown. */
static int
exec_memfd (const char *name)
{
  int fd = memfd_create (name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);

  if (fd < 0 && errno == EINVAL)
    fd = memfd_create (name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  return fd;
}

/* NAME: the memfd's, which is what ps shows of a program run from it. */
static int
sealed_copy (int fd, const char *name, GError **error)
{
  uctr_autofd int copy = exec_memfd (name);
  struct stat st;
  off_t off = 0;

  if (copy < 0)
    return uctr_throw_errno (error, _("Creating a sealed copy of the uctr binary")), -1;
  if (fstat (fd, &st) < 0)
    return uctr_throw_errno (error, _("Reading the uctr binary")), -1;
  while (off < st.st_size)
    {
      ssize_t n = sendfile (copy, fd, &off, st.st_size - off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return uctr_throw_errno (error, _("Copying the uctr binary")), -1;
    }
  if (fcntl (copy, F_ADD_SEALS, SEALS) < 0)
    return uctr_throw_errno (error, _("Sealing the copy of the uctr binary")), -1;
  return uctr_steal_fd (&copy);
}

void
uctr_selfexe_init (char **argv)
{
  given_argv = g_strdupv (argv);
}

gboolean
uctr_selfexe_exposed (void)
{
  static int exposed = -1;

  if (exposed < 0)
    {
      uctr_autofd int self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);

      /* Unknown is exposed: the sealed copy then says what failed. */
      exposed = self < 0 || (!is_sealed_copy (self) && writable_by_containers (self));
    }
  return exposed;
}

gboolean
uctr_selfexe_protect (GError **error)
{
  uctr_autofd int self = -1;
  uctr_autofd int copy = -1;
  sigset_t none;

  g_return_val_if_fail (given_argv != NULL, FALSE);
  if (!uctr_selfexe_exposed ())
    return TRUE;
  self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    return uctr_throw_errno (error, _("Opening the uctr binary (/proc/self/exe)"));
  copy = sealed_copy (self, "uctr", error);
  if (copy < 0)
    return uctr_prefix_error (error, _("Protecting the uctr binary from the container (CVE-2019-5736)"));
  /* The copy's /proc/self/exe is a memfd: where the binary was, for the
     programs installed beside it (uctr_selfexe_dir). */
  {
    g_autofree char *dir = uctr_selfexe_dir ();

    if (dir != NULL)
      g_setenv (SELF_DIR_ENV, dir, TRUE);
  }
  /* Started again from the top, with no signal held back: the copy holds
     them again where we did. */
  sigemptyset (&none);
  (void) sigprocmask (SIG_SETMASK, &none, NULL);
  uctr_debug ("re-executing from a sealed copy of the uctr binary");
  uctr_fexecve (copy, given_argv, environ);
  return uctr_throw_errno (error, _("Running the sealed copy of the uctr binary"));
}

int
uctr_selfexe_dmz_open (GError **error)
{
#if !UCTR_HAVE_DMZ
  return uctr_throw (error, UCTR_ERROR_UNSUPPORTED, _("uctr has no exec trampoline for this architecture")),
                     -1;
#else
  uctr_autofd int fd = exec_memfd ("uctr-dmz");
  const unsigned char *p = uctr_dmz_elf;
  gsize left = (gsize) (uctr_dmz_elf_end - uctr_dmz_elf);

  if (fd < 0)
    return uctr_throw_errno (error, _("Creating the memfd of uctr's exec trampoline")), -1;
  while (left > 0)
    {
      ssize_t n = write (fd, p, left);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return uctr_throw_errno (error, _("Writing uctr's exec trampoline into its memfd")), -1;
      p += n;
      left -= (gsize) n;
    }
  if (fcntl (fd, F_ADD_SEALS, SEALS) < 0)
    return uctr_throw_errno (error, _("Sealing the memfd of uctr's exec trampoline")), -1;
  return uctr_steal_fd (&fd);
#endif
}

/* Whether this process runs from its sealed copy (uctr_selfexe_protect);
   asked once, as the name, the directory and the helper's program ask it. */
static gboolean
running_sealed (void)
{
  static int sealed = -1;

  if (sealed < 0)
    {
      uctr_autofd int self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);

      sealed = self >= 0 && is_sealed_copy (self);
    }
  return sealed;
}

char *
uctr_selfexe_dir (void)
{
  g_autofree char *exe = NULL;
  const char *dir = g_getenv (SELF_DIR_ENV);

  if (dir != NULL && g_path_is_absolute (dir) && running_sealed ())
    return g_strdup (dir);
  exe = g_file_read_link ("/proc/self/exe", NULL);
  return exe != NULL && g_path_is_absolute (exe) ? g_path_get_dirname (exe) : NULL;
}

int
uctr_selfexe_open_program (const char *path, GError **error)
{
  g_autofree char *name = g_path_get_basename (path);
  uctr_autofd int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return uctr_throw_errno (error, _("Opening %s"), path), -1;
  if (!running_sealed () || !writable_by_containers (fd))
    return uctr_steal_fd (&fd);
  return sealed_copy (fd, name, error);
}

char *
uctr_selfexe_sibling (const char *name)
{
  g_autofree char *dir = uctr_selfexe_dir ();
  g_autofree char *beside = dir != NULL ? g_build_filename (dir, name, NULL) : NULL;

  if (beside != NULL && g_file_test (beside, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&beside);
  return g_build_filename (UCTR_LIBEXECDIR, name, NULL);
}

void
uctr_selfexe_name (const char *argv0)
{
  const char *base;

  /* Run from the copy, the kernel named us after the memfd or its fd:
     ps and pgrep should see uctr. */
  if (!running_sealed ())
    return;
  base = strrchr (argv0, '/');
  (void) prctl (PR_SET_NAME, base != NULL ? base + 1 : argv0);
}
