/* uctr: the default config.json that `uctr spec` writes and one-line runs
   start from: runc's example config (libcontainer/specconv), rootless or not. */
#include "oci/spec.h"

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

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

static void
add_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
add_bool (JsonBuilder *b, const char *name, gboolean value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, value);
}

void
uctr_json_add_strv (JsonBuilder *b, const char *name, const char *const *values)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (; *values != NULL; values++)
    json_builder_add_string_value (b, *values);
  json_builder_end_array (b);
}

static void
build_process (JsonBuilder *b)
{
  static const char *const args[] = { "sh", NULL };
  gsize i;

  json_builder_set_member_name (b, "process");
  json_builder_begin_object (b);
  add_bool (b, "terminal", TRUE);
  json_builder_set_member_name (b, "user");
  json_builder_begin_object (b);
  add_int (b, "uid", 0);
  add_int (b, "gid", 0);
  json_builder_end_object (b);
  uctr_json_add_strv (b, "args", args);
  uctr_json_add_strv (b, "env", default_env);
  add_string (b, "cwd", "/");
  json_builder_set_member_name (b, "capabilities");
  json_builder_begin_object (b);
  for (i = 0; i < G_N_ELEMENTS (default_cap_sets); i++)
    uctr_json_add_strv (b, uctr_cap_set_name (default_cap_sets[i]), default_caps);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "rlimits");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  add_string (b, "type", "RLIMIT_NOFILE");
  add_int (b, "hard", 1024);
  add_int (b, "soft", 1024);
  json_builder_end_object (b);
  json_builder_end_array (b);
  add_bool (b, "noNewPrivileges", TRUE);
  json_builder_end_object (b);
}

static void
build_mounts (JsonBuilder *b, gboolean rootless)
{
  gsize i;

  json_builder_set_member_name (b, "mounts");
  json_builder_begin_array (b);
  for (i = 0; i < G_N_ELEMENTS (default_mounts); i++)
    {
      const char *const *opt = default_mounts[i].options;

      json_builder_begin_object (b);
      add_string (b, "destination", default_mounts[i].destination);
      add_string (b, "type", default_mounts[i].type);
      add_string (b, "source", default_mounts[i].source);
      if (*opt != NULL)
        {
          json_builder_set_member_name (b, "options");
          json_builder_begin_array (b);
          /* As runc's rootless spec: gid 5 (tty) is usually not mapped, and
             devpts refuses a gid= outside the user namespace. */
          for (; *opt != NULL; opt++)
            if (!rootless || !(g_str_has_prefix (*opt, "gid=") || g_str_has_prefix (*opt, "uid=")))
              json_builder_add_string_value (b, *opt);
          json_builder_end_array (b);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
build_mappings (JsonBuilder *b, const char *name, const UctrIdMapping *mappings, gsize n)
{
  gsize i;

  if (n == 0)
    return;
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (i = 0; i < n; i++)
    {
      json_builder_begin_object (b);
      add_int (b, "containerID", mappings[i].container_id);
      add_int (b, "hostID", mappings[i].host_id);
      add_int (b, "size", mappings[i].size);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
build_device_cgroup (JsonBuilder *b)
{
  json_builder_set_member_name (b, "resources");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "devices");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  add_bool (b, "allow", FALSE);
  add_string (b, "access", "rwm");
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static void
build_linux (JsonBuilder *b, const UctrSpecOptions *opts)
{
  gsize i;

  json_builder_set_member_name (b, "linux");
  json_builder_begin_object (b);
  if (opts->rootless)
    {
      build_mappings (b, "uidMappings", opts->uid_mappings, opts->n_uid_mappings);
      build_mappings (b, "gidMappings", opts->gid_mappings, opts->n_gid_mappings);
    }
  else
    build_device_cgroup (b); /* a rootless container has no device cgroup to set */
  json_builder_set_member_name (b, "namespaces");
  json_builder_begin_array (b);
  for (i = 0; i < G_N_ELEMENTS (default_namespaces); i++)
    {
      json_builder_begin_object (b);
      add_string (b, "type", uctr_ns_type_name (default_namespaces[i]));
      json_builder_end_object (b);
    }
  if (opts->rootless)
    {
      json_builder_begin_object (b);
      add_string (b, "type", uctr_ns_type_name (UCTR_NS_USER));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  uctr_json_add_strv (b, "maskedPaths", default_masked_paths);
  uctr_json_add_strv (b, "readonlyPaths", default_readonly_paths);
  json_builder_end_object (b);
}

char *
uctr_spec_default_json (const UctrSpecOptions *opts)
{
  static const UctrSpecOptions no_opts = { 0 };
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  if (opts == NULL)
    opts = &no_opts;
  json_builder_begin_object (b);
  add_string (b, "ociVersion", UCTR_OCI_VERSION);
  build_process (b);
  json_builder_set_member_name (b, "root");
  json_builder_begin_object (b);
  add_string (b, "path", "rootfs");
  add_bool (b, "readonly", TRUE);
  json_builder_end_object (b);
  add_string (b, "hostname", "uctr");
  if (opts->network != NULL || opts->subids)
    {
      json_builder_set_member_name (b, "annotations");
      json_builder_begin_object (b);
      if (opts->network != NULL)
        add_string (b, UCTR_ANNOTATION_NETWORK, opts->network);
      if (opts->subids)
        add_string (b, UCTR_ANNOTATION_SUBIDS, "true");
      json_builder_end_object (b);
    }
  build_mounts (b, opts->rootless);
  build_linux (b, opts);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  json_generator_set_indent_char (gen, ' ');
  text = json_generator_to_data (gen, NULL);
  return g_strconcat (text, "\n", NULL);
}
