/* uctr: the runtime-spec features document, saying what uctr really does,
   nothing more: cgroup v2 (its own files, or a systemd scope), cgroup v1 as
   root, seccomp; no AppArmor or SELinux yet. */
#include "runtime/features.h"
#include "oci/config.h"
#include "oci/spec.h"
#include "plan/plan.h"
#include "plan/seccomp.h"

#include <sys/capability.h>

static void
add_enabled (JsonBuilder *b, const char *name, gboolean enabled)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "enabled");
  json_builder_add_boolean_value (b, enabled);
  json_builder_end_object (b);
}

static void
add_capabilities (JsonBuilder *b)
{
  int cap, last = (int) cap_max_bits () - 1;

  json_builder_set_member_name (b, "capabilities");
  json_builder_begin_array (b);
  for (cap = 0; cap <= last; cap++)
    {
      char *name = cap_to_name (cap); /* libcap's allocation: "cap_chown" */
      g_autofree char *upper = g_ascii_strup (name, -1);

      cap_free (name);
      if (g_str_has_prefix (upper, "CAP_"))
        json_builder_add_string_value (b, upper);
    }
  json_builder_end_array (b);
}

static void
add_names (JsonBuilder *b, const char *name, char **values)
{
  uctr_json_add_strv (b, name, (const char *const *) values);
  g_strfreev (values);
}

/* What config.json may use and this kernel has. */
static void
add_seccomp (JsonBuilder *b)
{
  json_builder_set_member_name (b, "seccomp");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "enabled");
  json_builder_add_boolean_value (b, TRUE);
  add_names (b, "actions", uctr_seccomp_actions ());
  add_names (b, "operators", uctr_seccomp_operators ());
  add_names (b, "archs", uctr_seccomp_archs ());
  add_names (b, "knownFlags", uctr_seccomp_known_flags ());
  add_names (b, "supportedFlags", uctr_seccomp_supported_flags ());
  json_builder_end_object (b);
}

static void
add_linux (JsonBuilder *b)
{
  static const char *const namespaces[]
      = { "cgroup", "ipc", "mount", "network", "pid", "user", "uts", "time", NULL };

  json_builder_set_member_name (b, "linux");
  json_builder_begin_object (b);
  uctr_json_add_strv (b, "namespaces", namespaces);
  add_capabilities (b);
  json_builder_set_member_name (b, "cgroup");
  json_builder_begin_object (b);
  /* As root on a v1 or hybrid host: the v1 hierarchies (cgroup/v1.h). */
  json_builder_set_member_name (b, "v1");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "v2");
  json_builder_add_boolean_value (b, TRUE);
  /* --systemd-cgroup: the system instance for root, the user's own for a user. */
  json_builder_set_member_name (b, "systemd");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "systemdUser");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "rdma");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_end_object (b);
  add_seccomp (b);
  add_enabled (b, "apparmor", FALSE);
  add_enabled (b, "selinux", FALSE);
  json_builder_set_member_name (b, "mountExtensions");
  json_builder_begin_object (b);
  add_enabled (b, "idmap", TRUE);
  json_builder_end_object (b);
  json_builder_end_object (b);
}

JsonNode *
uctr_features_document (void)
{
  static const char *const hooks[]
      = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL };
  /* Annotations that change what a container may reach (or, uctr.image,
     what its deletion removes): an engine should not pass them through
     from an image or a user unchecked. */
  static const char *const unsafe[] = { UCTR_ANNOTATION_NETWORK, UCTR_ANNOTATION_PUBLISH,
                                        UCTR_ANNOTATION_ROOTFS_OVERLAY, UCTR_ANNOTATION_IMAGE, NULL };
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_auto(GStrv) mount_options = uctr_plan_mount_option_names ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ociVersionMin");
  json_builder_add_string_value (b, "1.0.0");
  json_builder_set_member_name (b, "ociVersionMax");
  json_builder_add_string_value (b, UCTR_OCI_VERSION);
  uctr_json_add_strv (b, "hooks", hooks);
  uctr_json_add_strv (b, "mountOptions", (const char *const *) mount_options);
  add_linux (b);
  json_builder_set_member_name (b, "annotations");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "uctr.version");
  json_builder_add_string_value (b, PACKAGE_VERSION);
  json_builder_end_object (b);
  uctr_json_add_strv (b, "potentiallyUnsafeConfigAnnotations", unsafe);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
