/* Unit tests: mount options -> mount(2) flags, and signal names. */
#include <glib.h>
#include <signal.h>
#include <sys/mount.h>

#include "plan/plan.h"
#include "runtime/container.h"
#include "base/util.h"

typedef struct
{
  const char *options; /* comma-separated */
  unsigned long flags;
  unsigned long clear;
  unsigned long propagation;
  gboolean recursive;
  const char *data;
} OptionCase;

static const OptionCase option_cases[] = {
  { "", 0, 0, 0, FALSE, NULL },
  { "ro,nosuid,nodev,noexec", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0, 0, FALSE, NULL },
  { "ro,rw", 0, MS_RDONLY, 0, FALSE, NULL },
  { "bind,ro", MS_BIND | MS_RDONLY, 0, 0, FALSE, NULL },
  { "rbind", MS_BIND | MS_REC, 0, 0, TRUE, NULL },
  { "rprivate", 0, 0, MS_REC | MS_PRIVATE, FALSE, NULL },
  { "slave", 0, 0, MS_SLAVE, FALSE, NULL },
  { "rshared", 0, 0, MS_REC | MS_SHARED, FALSE, NULL },
  { "nosuid,strictatime,mode=755,size=65536k", MS_NOSUID | MS_STRICTATIME, 0, 0, FALSE,
    "mode=755,size=65536k" },
  { "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5", MS_NOSUID | MS_NOEXEC, 0, 0, FALSE,
    "newinstance,ptmxmode=0666,mode=0620,gid=5" },
  { "relatime,norelatime", 0, MS_RELATIME, 0, FALSE, NULL },
  { "defaults,tmpcopyup", 0, 0, 0, FALSE, NULL },
};

static void
test_mount_options (void)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (option_cases); i++)
    {
      const OptionCase *c = &option_cases[i];
      g_auto(GStrv) options = c->options[0] != '\0' ? g_strsplit (c->options, ",", -1) : g_new0 (char *, 1);
      g_autoptr(GError) error = NULL;
      g_autofree char *data = NULL;
      unsigned long flags, clear, propagation;
      gboolean recursive;

      g_test_message ("options: %s", c->options);
      g_assert_true (
          uctr_plan_parse_mount_options (options, &flags, &clear, &propagation, &recursive, &data, &error));
      g_assert_no_error (error);
      g_assert_cmphex (flags, ==, c->flags);
      g_assert_cmphex (clear, ==, c->clear);
      g_assert_cmphex (propagation, ==, c->propagation);
      g_assert_cmpint (recursive, ==, c->recursive);
      g_assert_cmpstr (data, ==, c->data);
    }
}

/* Options the mount step takes itself are no file system data. */
static void
test_mount_options_of_the_step (void)
{
  const char *taken[] = { "idmap", "ridmap", "tmpcopyup" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (taken); i++)
    {
      char *options[] = { (char *) taken[i], "size=1m", NULL };
      g_autoptr(GError) error = NULL;
      g_autofree char *data = NULL;
      unsigned long flags, clear, propagation;
      gboolean recursive;

      g_assert_true (
          uctr_plan_parse_mount_options (options, &flags, &clear, &propagation, &recursive, &data, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (data, ==, "size=1m");
    }
}

/* The r* options: what mount_setattr gets, and that they are no fs data. */
static void
test_mount_options_recursive (void)
{
  static const struct
  {
    const char *options;
    guint64 set, clr;
  } cases[] = {
    { "rro", MOUNT_ATTR_RDONLY, 0 },
    { "rro,rrw", 0, MOUNT_ATTR_RDONLY },
    { "rnosuid,rnodev,rnoexec,rnosymfollow,rnodiratime",
      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSYMFOLLOW
          | MOUNT_ATTR_NODIRATIME,
      0 },
    { "rsuid,rexec", 0, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC },
    { "rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME },
    { "rnoatime,rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME },
    { "rnoatime,ratime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
    { "rbind,ro,nosuid,size=1", 0, 0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GStrv) options = g_strsplit (cases[i].options, ",", -1);
      g_autoptr(GError) error = NULL;
      g_autofree char *data = NULL;
      unsigned long flags, clear, propagation;
      gboolean recursive;
      guint64 set, clr;

      g_test_message ("options: %s", cases[i].options);
      uctr_plan_parse_recursive_options (options, &set, &clr);
      g_assert_cmphex (set, ==, cases[i].set);
      g_assert_cmphex (clr, ==, cases[i].clr);
      g_assert_true (
          uctr_plan_parse_mount_options (options, &flags, &clear, &propagation, &recursive, &data, &error));
      g_assert_no_error (error);
      if (cases[i].set != 0 || cases[i].clr != 0)
        g_assert_null (data);
    }
}

static void
test_signal_names (void)
{
  g_assert_cmpint (uctr_signal_from_name ("TERM"), ==, SIGTERM);
  g_assert_cmpint (uctr_signal_from_name ("SIGTERM"), ==, SIGTERM);
  g_assert_cmpint (uctr_signal_from_name ("sigkill"), ==, SIGKILL);
  g_assert_cmpint (uctr_signal_from_name ("9"), ==, SIGKILL);
  g_assert_cmpint (uctr_signal_from_name ("USR1"), ==, SIGUSR1);
  g_assert_cmpint (uctr_signal_from_name ("RTMIN+2"), ==, SIGRTMIN + 2);
  g_assert_cmpint (uctr_signal_from_name ("RTMAX-1"), ==, SIGRTMAX - 1);
  g_assert_cmpint (uctr_signal_from_name ("RTMAX"), ==, SIGRTMAX);
  g_assert_cmpint (uctr_signal_from_name ("FOO"), ==, -1);
  g_assert_cmpint (uctr_signal_from_name ("0"), ==, 0);
  g_assert_cmpint (uctr_signal_from_name ("65"), ==, -1);
  g_assert_cmpint (uctr_signal_from_name ("9x"), ==, -1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plan/mount-options", test_mount_options);
  g_test_add_func ("/plan/mount-options-of-the-step", test_mount_options_of_the_step);
  g_test_add_func ("/plan/mount-options-recursive", test_mount_options_recursive);
  g_test_add_func ("/spawn/signal-names", test_signal_names);
  return g_test_run ();
}
