/* Unit tests for one-line runs' parts that need no container: the rootfs's
   /etc/passwd and /etc/group with the caller's entries (keep-id), and
   errors that name the flag a config path came from. */
#include "oneline/extras.h"
#include "oneline/passwd.h"
#include "base/util.h"
#include "runtime/container.h"

#include <string.h>

static const char image_passwd[]
    = "root:x:0:0:root:/root:/bin/sh\n"
      "ubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash\n"
      "# a comment stays\n"
      "alice:x:2000:2000::/home/old:/bin/sh\n"
      "nobody:x:65534:65534:nobody:/nonexistent:/bin/false"; /* no final newline */

static void
test_passwd_with (void)
{
  g_autofree char *out
      = uctr_oneline_passwd_with (image_passwd, "alice", 1000, 1000, "Alice: A\nB", "/home/alice", "/bin/sh");

  /* The image's user of the same uid and the old alice go; the rest stays, in order. */
  g_assert_cmpstr (out, ==,
                   "root:x:0:0:root:/root:/bin/sh\n"
                   "# a comment stays\n"
                   "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
                   "alice:x:1000:1000:Alice  A B:/home/alice:/bin/sh\n");
}

static void
test_passwd_empty (void)
{
  g_autofree char *out = uctr_oneline_passwd_with ("", "alice", 1000, 1001, NULL, "/home/alice", "/bin/sh");

  g_assert_cmpstr (out, ==, "alice:x:1000:1001::/home/alice:/bin/sh\n");
}

static void
test_group_with (void)
{
  const UctrGroupEntry group = { "alice", 1000 };
  const UctrGroupEntry others[] = { { "video", 44 }, { "render", 105 }, { "users", 100 } };
  g_autofree char *out = uctr_oneline_group_with ("root:x:0:\nubuntu:x:1000:\nvideo:x:44:\nstaff:x:105:\n",
                                                  &group, "alice", others, G_N_ELEMENTS (others));

  /* video (by name) and 105 (by id) are the image's already; users is added. */
  g_assert_cmpstr (out, ==, "root:x:0:\nvideo:x:44:\nstaff:x:105:\nalice:x:1000:alice\nusers:x:100:alice\n");
}

static void
test_field_ok (void)
{
  g_assert_true (uctr_oneline_passwd_field_ok ("/home/alice"));
  g_assert_false (uctr_oneline_passwd_field_ok ("a:b"));
  g_assert_false (uctr_oneline_passwd_field_ok ("a\nb"));
  g_assert_false (uctr_oneline_passwd_field_ok (""));
  g_assert_false (uctr_oneline_passwd_field_ok (NULL));
}

static char *
named (UctrOneLineExtras *x, const char *message)
{
  g_autoptr(GError) error = g_error_new_literal (UCTR_ERROR, UCTR_ERROR_FAILED, message);

  uctr_oneline_name_flags (x, error);
  return g_strdup (error->message);
}

static void
test_name_flags (void)
{
  UctrOneLineExtras x;
  g_autoptr(json_object) mounts = json_object_new_array ();
  g_autofree char *mount_point = NULL;
  g_autofree char *source = NULL;
  g_autofree char *cwd = NULL;
  g_autofree char *other = NULL;
  g_autofree char *user = NULL;
  g_autofree char *tenth = NULL;

  uctr_oneline_extras_init (&x, NULL);
  for (int i = 0; i < 7; i++)
    json_object_array_add (mounts, NULL);
  uctr_oneline_flag_next_mount (&x, mounts, "--bind %s", "/src:/www");
  uctr_oneline_flag_set (&x, "process.cwd", "--workdir /nonexist");
  uctr_oneline_flag_set (&x, "process.user.gid", "--user 1000");

  mount_point = named (&x, "Creating the mount point of mounts[7] (bind on /www) inside the rootfs: EACCES");
  g_assert_cmpstr (mount_point, ==, "Creating the mount point of --bind /src:/www inside the rootfs: EACCES");
  source = named (&x, "mounts[7].source: /src: No such file or directory");
  g_assert_cmpstr (source, ==, "--bind /src:/www: /src: No such file or directory");
  cwd = named (&x, "process.cwd: /nonexist does not exist");
  g_assert_cmpstr (cwd, ==, "--workdir /nonexist: /nonexist does not exist");
  user = named (&x, "process.user.gid: gid 1000 is not mapped");
  g_assert_cmpstr (user, ==, "--user 1000: gid 1000 is not mapped");
  /* Paths no flag made, and longer ones that merely start alike, stay. */
  other = named (&x, "Mounting mounts[3] (proc on /proc): EPERM; xprocess.cwd");
  g_assert_cmpstr (other, ==, "Mounting mounts[3] (proc on /proc): EPERM; xprocess.cwd");
  tenth = named (&x, "mounts[70] (bind on /x); process.cwdx");
  g_assert_cmpstr (tenth, ==, "mounts[70] (bind on /x); process.cwdx");
  uctr_oneline_extras_clear (&x);
}

static void
test_state_file (void)
{
  UctrOneLineExtras x;
  g_autofree char *none = NULL;
  g_autofree char *path = NULL;

  uctr_oneline_extras_init (&x, NULL);
  none = uctr_oneline_state_file (&x, "passwd", "root:x:0:0::/:/bin/sh\n", 0644);
  g_assert_null (none);
  g_assert_cmpuint (x.state_files->len, ==, 0);
  uctr_oneline_extras_clear (&x);

  uctr_oneline_extras_init (&x, "/run/user/1000/uctr/c1");
  path = uctr_oneline_state_file (&x, "passwd", "root:x:0:0::/:/bin/sh\n", 0644);
  g_assert_cmpstr (path, ==, "/run/user/1000/uctr/c1/extra-passwd");
  g_assert_cmpuint (x.state_files->len, ==, 1);
  g_assert_cmpstr (g_array_index (x.state_files, UctrStateFile, 0).name, ==, "extra-passwd");
  uctr_oneline_extras_clear (&x);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/oneline/passwd/with", test_passwd_with);
  g_test_add_func ("/oneline/passwd/empty", test_passwd_empty);
  g_test_add_func ("/oneline/passwd/group", test_group_with);
  g_test_add_func ("/oneline/passwd/field-ok", test_field_ok);
  g_test_add_func ("/oneline/name-flags", test_name_flags);
  g_test_add_func ("/oneline/state-file", test_state_file);
  return g_test_run ();
}
