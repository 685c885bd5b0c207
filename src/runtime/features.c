/* uctr: the runtime-spec features document, saying what uctr really does,
   nothing more: cgroup v2 (its own files, or a systemd scope), cgroup v1 as
   root, seccomp; no AppArmor or SELinux yet. */
#include "runtime/features.h"
#include "oci/config.h"
#include "plan/plan.h"
#include "plan/seccomp.h"

#include <sys/capability.h>

static void
add_enabled (json_object *obj, const char *name, gboolean enabled)
{
  json_object *value = json_object_new_object ();

  uctr_json_add_bool (value, "enabled", enabled);
  uctr_json_add (obj, name, value);
}

static void
add_capabilities (json_object *obj)
{
  int cap, last = (int) cap_max_bits () - 1;
  json_object *caps = json_object_new_array ();

  for (cap = 0; cap <= last; cap++)
    {
      char *name = cap_to_name (cap); /* libcap's allocation: "cap_chown" */
      g_autofree char *upper = g_ascii_strup (name, -1);

      cap_free (name);
      if (g_str_has_prefix (upper, "CAP_"))
        json_object_array_add (caps, json_object_new_string (upper));
    }
  uctr_json_add (obj, "capabilities", caps);
}

static void
add_names (json_object *obj, const char *name, char **values)
{
  uctr_json_add_strv (obj, name, (const char *const *) values);
  g_strfreev (values);
}

/* What config.json may use and this kernel has. */
static void
add_seccomp (json_object *obj)
{
  json_object *seccomp = json_object_new_object ();

  uctr_json_add_bool (seccomp, "enabled", TRUE);
  add_names (seccomp, "actions", uctr_seccomp_actions ());
  add_names (seccomp, "operators", uctr_seccomp_operators ());
  add_names (seccomp, "archs", uctr_seccomp_archs ());
  add_names (seccomp, "knownFlags", uctr_seccomp_known_flags ());
  add_names (seccomp, "supportedFlags", uctr_seccomp_supported_flags ());
  uctr_json_add (obj, "seccomp", seccomp);
}

static void
add_linux (json_object *obj)
{
  static const char *const namespaces[]
      = { "cgroup", "ipc", "mount", "network", "pid", "user", "uts", "time", NULL };
  json_object *linux_obj = json_object_new_object ();
  json_object *cgroup = json_object_new_object ();
  json_object *extensions = json_object_new_object ();

  uctr_json_add_strv (linux_obj, "namespaces", namespaces);
  add_capabilities (linux_obj);
  /* As root on a v1 or hybrid host: the v1 hierarchies (cgroup/v1.h). */
  uctr_json_add_bool (cgroup, "v1", TRUE);
  uctr_json_add_bool (cgroup, "v2", TRUE);
  /* --systemd-cgroup: the system instance for root, the user's own for a user. */
  uctr_json_add_bool (cgroup, "systemd", TRUE);
  uctr_json_add_bool (cgroup, "systemdUser", TRUE);
  uctr_json_add_bool (cgroup, "rdma", FALSE);
  uctr_json_add (linux_obj, "cgroup", cgroup);
  add_seccomp (linux_obj);
  add_enabled (linux_obj, "apparmor", FALSE);
  add_enabled (linux_obj, "selinux", FALSE);
  add_enabled (extensions, "idmap", TRUE);
  uctr_json_add (linux_obj, "mountExtensions", extensions);
  uctr_json_add (obj, "linux", linux_obj);
}

json_object *
uctr_features_document (void)
{
  static const char *const hooks[]
      = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL };
  /* Annotations that change what a container may reach (or, uctr.image,
     what its deletion removes): an engine should not pass them through
     from an image or a user unchecked. */
  static const char *const unsafe[] = { UCTR_ANNOTATION_NETWORK, UCTR_ANNOTATION_PUBLISH,
                                        UCTR_ANNOTATION_ROOTFS_OVERLAY, UCTR_ANNOTATION_IMAGE, NULL };
  g_auto(GStrv) mount_options = uctr_plan_mount_option_names ();
  json_object *doc = json_object_new_object ();
  json_object *annotations = json_object_new_object ();

  uctr_json_add_string (doc, "ociVersionMin", "1.0.0");
  uctr_json_add_string (doc, "ociVersionMax", UCTR_OCI_VERSION);
  uctr_json_add_strv (doc, "hooks", hooks);
  uctr_json_add_strv (doc, "mountOptions", (const char *const *) mount_options);
  add_linux (doc);
  uctr_json_add_string (annotations, "uctr.version", PACKAGE_VERSION);
  uctr_json_add (doc, "annotations", annotations);
  uctr_json_add_strv (doc, "potentiallyUnsafeConfigAnnotations", unsafe);
  return doc;
}
