/* uctr: the default config.json that `uctr spec` writes and one-line runs
   start from: runc's example config (libcontainer/specconv), rootless or not. */
#include "oci/spec.h"
#include "base/json.h"

/* The default config.json */

static const char *const default_env[] = {
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  "TERM=xterm",
  NULL,
};

static const char *const default_caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };

static const UctrCapSet default_cap_sets[] = { UCTR_CAP_BOUNDING, UCTR_CAP_EFFECTIVE, UCTR_CAP_PERMITTED };

static const struct
{
  const char *destination;
  const char *type;
  const char *source;
  const char *options[7];
} default_mounts[] = {
  { "/proc", "proc", "proc", { NULL } },
  { "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k", NULL } },
  { "/dev/pts",
    "devpts",
    "devpts",
    { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL } },
  { "/dev/shm", "tmpfs", "shm", { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL } },
  { "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev", NULL } },
  { "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro", NULL } },
  { "/sys/fs/cgroup", "cgroup", "cgroup", { "nosuid", "noexec", "nodev", "relatime", "ro", NULL } },
};

static const UctrNsType default_namespaces[] = {
  UCTR_NS_PID, UCTR_NS_NETWORK, UCTR_NS_IPC, UCTR_NS_UTS, UCTR_NS_MOUNT, UCTR_NS_CGROUP,
};

/* runc's list (libcontainer/specconv/example.go). */
static const char *const default_masked_paths[] = {
  "/proc/acpi",
  "/proc/asound",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/sys/firmware",
  "/proc/scsi",
  "/sys/devices/virtual/tpm",
  NULL,
};

static const char *const default_readonly_paths[] = {
  "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static json_object *
build_process (void)
{
  static const char *const args[] = { "sh", NULL };
  json_object *process = json_object_new_object ();
  json_object *user = json_object_new_object ();
  json_object *caps = json_object_new_object ();
  json_object *rlimits = json_object_new_array ();
  json_object *nofile = json_object_new_object ();
  gsize i;

  uctr_json_add_bool (process, "terminal", TRUE);
  uctr_json_add_int (user, "uid", 0);
  uctr_json_add_int (user, "gid", 0);
  uctr_json_add (process, "user", user);
  uctr_json_add_strv (process, "args", args);
  uctr_json_add_strv (process, "env", default_env);
  uctr_json_add_string (process, "cwd", "/");
  for (i = 0; i < G_N_ELEMENTS (default_cap_sets); i++)
    uctr_json_add_strv (caps, uctr_cap_set_name (default_cap_sets[i]), default_caps);
  uctr_json_add (process, "capabilities", caps);
  uctr_json_add_string (nofile, "type", "RLIMIT_NOFILE");
  uctr_json_add_int (nofile, "hard", 1024);
  uctr_json_add_int (nofile, "soft", 1024);
  json_object_array_add (rlimits, nofile);
  uctr_json_add (process, "rlimits", rlimits);
  uctr_json_add_bool (process, "noNewPrivileges", TRUE);
  return process;
}

static json_object *
build_mounts (gboolean rootless)
{
  json_object *mounts = json_object_new_array ();
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (default_mounts); i++)
    {
      const char *const *opt = default_mounts[i].options;
      json_object *mount = json_object_new_object ();

      uctr_json_add_string (mount, "destination", default_mounts[i].destination);
      uctr_json_add_string (mount, "type", default_mounts[i].type);
      uctr_json_add_string (mount, "source", default_mounts[i].source);
      if (*opt != NULL)
        {
          json_object *options = json_object_new_array ();

          /* As runc's rootless spec: gid 5 (tty) is usually not mapped, and
             devpts refuses a gid= outside the user namespace. */
          for (; *opt != NULL; opt++)
            if (!rootless || !(g_str_has_prefix (*opt, "gid=") || g_str_has_prefix (*opt, "uid=")))
              json_object_array_add (options, json_object_new_string (*opt));
          uctr_json_add (mount, "options", options);
        }
      json_object_array_add (mounts, mount);
    }
  return mounts;
}

json_object *
uctr_spec_id_mappings (const UctrIdMapping *mappings, gsize n)
{
  json_object *array = json_object_new_array ();
  gsize i;

  for (i = 0; i < n; i++)
    {
      json_object *mapping = json_object_new_object ();

      uctr_json_add_int (mapping, "containerID", mappings[i].container_id);
      uctr_json_add_int (mapping, "hostID", mappings[i].host_id);
      uctr_json_add_int (mapping, "size", mappings[i].size);
      json_object_array_add (array, mapping);
    }
  return array;
}

static void
add_mappings (json_object *linux_obj, const char *name, const UctrIdMapping *mappings, gsize n)
{
  if (n > 0)
    uctr_json_add (linux_obj, name, uctr_spec_id_mappings (mappings, n));
}

static json_object *
build_device_cgroup (void)
{
  json_object *resources = json_object_new_object ();
  json_object *devices = json_object_new_array ();
  json_object *deny = json_object_new_object ();

  uctr_json_add_bool (deny, "allow", FALSE);
  uctr_json_add_string (deny, "access", "rwm");
  json_object_array_add (devices, deny);
  uctr_json_add (resources, "devices", devices);
  return resources;
}

static json_object *
namespace_entry (UctrNsType type)
{
  json_object *entry = json_object_new_object ();

  uctr_json_add_string (entry, "type", uctr_ns_type_name (type));
  return entry;
}

static json_object *
build_linux (const UctrSpecOptions *opts)
{
  json_object *linux_obj = json_object_new_object ();
  json_object *namespaces = json_object_new_array ();
  gsize i;

  if (opts->rootless)
    {
      add_mappings (linux_obj, "uidMappings", opts->uid_mappings, opts->n_uid_mappings);
      add_mappings (linux_obj, "gidMappings", opts->gid_mappings, opts->n_gid_mappings);
    }
  else /* a rootless container has no device cgroup to set */
    uctr_json_add (linux_obj, "resources", build_device_cgroup ());
  for (i = 0; i < G_N_ELEMENTS (default_namespaces); i++)
    json_object_array_add (namespaces, namespace_entry (default_namespaces[i]));
  if (opts->rootless)
    json_object_array_add (namespaces, namespace_entry (UCTR_NS_USER));
  uctr_json_add (linux_obj, "namespaces", namespaces);
  uctr_json_add_strv (linux_obj, "maskedPaths", default_masked_paths);
  uctr_json_add_strv (linux_obj, "readonlyPaths", default_readonly_paths);
  return linux_obj;
}

char *
uctr_spec_default_json (const UctrSpecOptions *opts)
{
  static const UctrSpecOptions no_opts = { 0 };
  g_autoptr(json_object) root = json_object_new_object ();
  json_object *rootfs = json_object_new_object ();
  GString *text = g_string_new (NULL);

  if (opts == NULL)
    opts = &no_opts;
  uctr_json_add_string (root, "ociVersion", UCTR_OCI_VERSION);
  uctr_json_add (root, "process", build_process ());
  uctr_json_add_string (rootfs, "path", "rootfs");
  uctr_json_add_bool (rootfs, "readonly", TRUE);
  uctr_json_add (root, "root", rootfs);
  uctr_json_add_string (root, "hostname", "uctr");
  if (opts->network != NULL || opts->subids)
    {
      json_object *annotations = json_object_new_object ();

      if (opts->network != NULL)
        uctr_json_add_string (annotations, UCTR_ANNOTATION_NETWORK, opts->network);
      if (opts->subids)
        uctr_json_add_string (annotations, UCTR_ANNOTATION_SUBIDS, "true");
      uctr_json_add (root, "annotations", annotations);
    }
  uctr_json_add (root, "mounts", build_mounts (opts->rootless));
  uctr_json_add (root, "linux", build_linux (opts));

  uctr_json_append_go (text, root, TRUE);
  g_string_append_c (text, '\n');
  return g_string_free (text, FALSE);
}
