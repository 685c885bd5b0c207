/* uctr: turns a parsed config into the plan the container init follows. All
   allocation, name lookups and host-side opens happen here, before fork. */
#include "plan/plan.h"
#include "plan/activation.h"
#include "plan/seccomp-cache.h"
#include "base/log.h"
#include "base/util.h"

#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

typedef struct
{
  const char *name;
  gboolean clear;
  unsigned long flag;
} MountOption;

static const MountOption mount_options[] = {
  { "defaults", FALSE, 0 },
  { "ro", FALSE, MS_RDONLY },
  { "rw", TRUE, MS_RDONLY },
  { "nosuid", FALSE, MS_NOSUID },
  { "suid", TRUE, MS_NOSUID },
  { "nodev", FALSE, MS_NODEV },
  { "dev", TRUE, MS_NODEV },
  { "noexec", FALSE, MS_NOEXEC },
  { "exec", TRUE, MS_NOEXEC },
  { "sync", FALSE, MS_SYNCHRONOUS },
  { "async", TRUE, MS_SYNCHRONOUS },
  { "dirsync", FALSE, MS_DIRSYNC },
  { "remount", FALSE, MS_REMOUNT },
  { "mand", FALSE, MS_MANDLOCK },
  { "nomand", TRUE, MS_MANDLOCK },
  { "noatime", FALSE, MS_NOATIME },
  { "atime", TRUE, MS_NOATIME },
  { "nodiratime", FALSE, MS_NODIRATIME },
  { "diratime", TRUE, MS_NODIRATIME },
  { "relatime", FALSE, MS_RELATIME },
  { "norelatime", TRUE, MS_RELATIME },
  { "strictatime", FALSE, MS_STRICTATIME },
  { "nostrictatime", TRUE, MS_STRICTATIME },
  { "lazytime", FALSE, MS_LAZYTIME },
  { "nolazytime", TRUE, MS_LAZYTIME },
  { "silent", FALSE, MS_SILENT },
  { "loud", TRUE, MS_SILENT },
  { "iversion", FALSE, MS_I_VERSION },
  { "noiversion", TRUE, MS_I_VERSION },
  { "nosymfollow", FALSE, MS_NOSYMFOLLOW },
  { "symfollow", TRUE, MS_NOSYMFOLLOW },
  { "bind", FALSE, MS_BIND },
  { "rbind", FALSE, MS_BIND | MS_REC },
};

/* Idmapped mounts: not yet. */

/* The recursive options of the runtime spec, applied with mount_setattr:
   an attribute to set, or to clear. An atime mode is a field, not a bit:
   setting one replaces the field (MOUNT_ATTR__ATIME goes in attr_clr), and
   clearing one (ratime, rnostrictatime) goes back to the kernel's relatime. */
typedef struct
{
  const char *name;
  gboolean clear;
  guint64 attr;
} RecursiveOption;

static const RecursiveOption recursive_options[] = {
  { "rro", FALSE, MOUNT_ATTR_RDONLY },
  { "rrw", TRUE, MOUNT_ATTR_RDONLY },
  { "rnosuid", FALSE, MOUNT_ATTR_NOSUID },
  { "rsuid", TRUE, MOUNT_ATTR_NOSUID },
  { "rnodev", FALSE, MOUNT_ATTR_NODEV },
  { "rdev", TRUE, MOUNT_ATTR_NODEV },
  { "rnoexec", FALSE, MOUNT_ATTR_NOEXEC },
  { "rexec", TRUE, MOUNT_ATTR_NOEXEC },
  { "rnodiratime", FALSE, MOUNT_ATTR_NODIRATIME },
  { "rdiratime", TRUE, MOUNT_ATTR_NODIRATIME },
  { "rnosymfollow", FALSE, MOUNT_ATTR_NOSYMFOLLOW },
  { "rsymfollow", TRUE, MOUNT_ATTR_NOSYMFOLLOW },
  { "rnoatime", FALSE, MOUNT_ATTR_NOATIME },
  { "ratime", TRUE, MOUNT_ATTR_NOATIME },
  { "rrelatime", FALSE, MOUNT_ATTR_RELATIME },
  { "rnorelatime", FALSE, MOUNT_ATTR_STRICTATIME },
  { "rstrictatime", FALSE, MOUNT_ATTR_STRICTATIME },
  { "rnostrictatime", TRUE, MOUNT_ATTR_STRICTATIME },
};

static const RecursiveOption *
recursive_option (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (recursive_options); i++)
    if (strcmp (name, recursive_options[i].name) == 0)
      return &recursive_options[i];
  return NULL;
}

void
uctr_plan_parse_recursive_options (char **options, guint64 *attr_set, guint64 *attr_clr)
{
  *attr_set = *attr_clr = 0;
  for (char **o = options; o != NULL && *o != NULL; o++)
    {
      const RecursiveOption *r = recursive_option (*o);
      gboolean atime = r != NULL && (r->attr & ~(guint64) MOUNT_ATTR__ATIME) == 0;

      if (r == NULL)
        continue;
      if (atime)
        {
          *attr_clr |= MOUNT_ATTR__ATIME;
          *attr_set &= ~(guint64) MOUNT_ATTR__ATIME;
          *attr_set |= r->clear ? MOUNT_ATTR_RELATIME : r->attr;
        }
      else if (r->clear)
        {
          *attr_set &= ~r->attr;
          *attr_clr |= r->attr;
        }
      else
        {
          *attr_clr &= ~r->attr;
          *attr_set |= r->attr;
        }
    }
}

typedef struct
{
  const char *name;
  unsigned long flags;
} Propagation;

static const Propagation propagations[] = {
  { "private", MS_PRIVATE },       { "rprivate", MS_REC | MS_PRIVATE },
  { "shared", MS_SHARED },         { "rshared", MS_REC | MS_SHARED },
  { "slave", MS_SLAVE },           { "rslave", MS_REC | MS_SLAVE },
  { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_REC | MS_UNBINDABLE },
};

static unsigned long
propagation_from_name (const char *name)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (propagations); i++)
    if (strcmp (name, propagations[i].name) == 0)
      return propagations[i].flags;
  return 0;
}

char **
uctr_plan_mount_option_names (void)
{
  GPtrArray *names = g_ptr_array_new ();
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (mount_options); i++)
    g_ptr_array_add (names, g_strdup (mount_options[i].name));
  for (i = 0; i < G_N_ELEMENTS (propagations); i++)
    g_ptr_array_add (names, g_strdup (propagations[i].name));
  for (i = 0; i < G_N_ELEMENTS (recursive_options); i++)
    g_ptr_array_add (names, g_strdup (recursive_options[i].name));
  /* Taken by the mount step itself. */
  g_ptr_array_add (names, g_strdup ("tmpcopyup"));
  g_ptr_array_add (names, g_strdup ("idmap"));
  g_ptr_array_add (names, g_strdup ("ridmap"));
  g_ptr_array_sort (names, uctr_compare_strs);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

gboolean
uctr_plan_parse_mount_options (char **options, unsigned long *flags, unsigned long *clear_flags,
                               unsigned long *propagation, gboolean *recursive_bind, char **data,
                               GError **error)
{
  g_autoptr(GString) d = g_string_new (NULL);
  char **o;

  *flags = *clear_flags = *propagation = 0;
  for (o = options; o != NULL && *o != NULL; o++)
    {
      unsigned long p = propagation_from_name (*o);
      gboolean known = FALSE;
      gsize i;

      if (p != 0)
        {
          *propagation = p;
          continue;
        }
      /* Taken by the mount step: tmpfs's copy-up, idmapped binds, mount_setattr's r* options. */
      if (strcmp (*o, "tmpcopyup") == 0 || strcmp (*o, "idmap") == 0 || strcmp (*o, "ridmap") == 0
          || recursive_option (*o) != NULL)
        continue;
      for (i = 0; i < G_N_ELEMENTS (mount_options); i++)
        if (strcmp (*o, mount_options[i].name) == 0)
          {
            if (mount_options[i].clear)
              {
                *flags &= ~mount_options[i].flag;
                *clear_flags |= mount_options[i].flag;
              }
            else
              *flags |= mount_options[i].flag;
            known = TRUE;
            break;
          }
      if (known)
        continue;
      if (d->len > 0)
        g_string_append_c (d, ',');
      g_string_append (d, *o);
    }
  *recursive_bind = (*flags & MS_REC) != 0;
  *data = d->len > 0 ? g_string_free (g_steal_pointer (&d), FALSE) : NULL;
  return TRUE;
}

/* Storage the plan owns; the init only ever reads it. */
typedef struct
{
  UctrPlan plan;
  GPtrArray *owned;   /* g_free */
  GPtrArray *owned_v; /* g_strfreev */
  GArray *mounts;
  GArray *fds;
} PlanStore;

static char *
own (PlanStore *s, char *p)
{
  if (p != NULL)
    g_ptr_array_add (s->owned, p);
  return p;
}

static char **
own_v (PlanStore *s, char **v)
{
  g_ptr_array_add (s->owned_v, v);
  return v;
}

static int
own_fd (PlanStore *s, int fd)
{
  if (fd >= 0)
    g_array_append_val (s->fds, fd);
  return fd;
}

void
uctr_plan_free (UctrPlan *plan)
{
  PlanStore *s = (PlanStore *) plan;
  guint i;

  if (plan == NULL)
    return;
  for (i = 0; i < s->fds->len; i++)
    (void) close (g_array_index (s->fds, int, i));
  if (plan->dmz_fd >= 0)
    (void) close (plan->dmz_fd);
  g_free (plan->dmz_argv);
  uctr_idmap_plan_clear (&plan->idmap);
  uctr_seccomp_free (plan->seccomp);
  g_free (plan->net_handover);
  g_ptr_array_unref (s->owned);
  g_ptr_array_unref (s->owned_v);
  g_array_unref (s->mounts);
  g_array_unref (s->fds);
  g_free (s);
}

static char *
bundle_path (PlanStore *s, const UctrPlanOptions *opts, const char *path)
{
  if (g_path_is_absolute (path))
    return own (s, g_canonicalize_filename (path, NULL));
  return own (s, g_canonicalize_filename (path, opts->bundle));
}

/* devpts refuses gid= when that group is not mapped (a single-id user namespace). */
static char *
data_without_gid (const char *data)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  char **p;

  if (data == NULL || strstr (data, "gid=") == NULL)
    return NULL;
  parts = g_strsplit (data, ",", -1);
  for (p = parts; *p != NULL; p++)
    if (!g_str_has_prefix (*p, "gid="))
      g_ptr_array_add (kept, *p);
  g_ptr_array_add (kept, NULL);
  return g_strjoinv (",", (char **) kept->pdata);
}

static gboolean
add_bind_mount (PlanStore *s, const UctrPlanOptions *opts, const UctrMount *m, int index, UctrMountStep *step,
                GError **error)
{
  struct stat st;
  int fd;

  if (m->source == NULL)
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("mounts[%d].source: required for a bind mount"), index);
  step->kind = UCTR_MOUNT_BIND;
  step->source = bundle_path (s, opts, m->source);
  /* The init binds by path: mount(2) refuses a source from another mount
     namespace, and the host's tree is still visible to it before pivot_root. */
  fd = open (step->source, O_PATH | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) < 0)
    {
      uctr_throw_errno (error, _("mounts[%d].source: %s"), index, step->source);
      if (fd >= 0)
        (void) close (fd);
      return FALSE;
    }
  (void) close (fd);
  step->dest_is_file = !S_ISDIR (st.st_mode);
  step->needs_remount = (step->flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) != 0;
  return TRUE;
}

static gboolean
has_option (const UctrMount *m, const char *name)
{
  return m->options != NULL && g_strv_contains ((const char *const *) m->options, name);
}

/* Options idmap or ridmap, or mappings of its own. */
static gboolean
asks_idmap (const UctrMount *m)
{
  return has_option (m, "idmap") || has_option (m, "ridmap") || m->n_uid_mappings > 0
         || m->n_gid_mappings > 0;
}

/* An idmapped bind (options idmap or ridmap, or mount mappings): the
   container needs a user namespace, and mappings come in pairs. The parent
   makes the mount (create.c), detached, and hands the init its fd. */
static gboolean
plan_idmap (PlanStore *s, const UctrMount *m, int index, UctrMountStep *step, GError **error)
{
  if (!asks_idmap (m))
    return TRUE;
  if (!s->plan.in_userns)
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("mounts[%d]: an idmapped mount needs a user namespace in linux.namespaces"), index);
  if ((m->n_uid_mappings > 0) != (m->n_gid_mappings > 0))
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("mounts[%d]: uidMappings and gidMappings go together for an idmapped mount"),
                          index);
  step->idmap = TRUE;
  step->idmap_recursive = has_option (m, "ridmap");
  step->idmap_uid = m->uid_mappings;
  step->n_idmap_uid = m->n_uid_mappings;
  step->idmap_gid = m->gid_mappings;
  step->n_idmap_gid = m->n_gid_mappings;
  return TRUE;
}

static gboolean
add_config_mount (PlanStore *s, const UctrPlanOptions *opts, const UctrMount *m, int index, GError **error)
{
  UctrMountStep step = { .config_index = index };
  gboolean recursive;
  char *data = NULL;

  if (!uctr_plan_parse_mount_options (m->options, &step.flags, &step.clear_flags, &step.propagation,
                                      &recursive, &data, error))
    return uctr_prefix_error (error, "mounts[%d].options", index);
  uctr_plan_parse_recursive_options (m->options, &step.attr_set, &step.attr_clr);
  step.destination = own (s, g_strdup (m->destination));
  step.data = own (s, data);

  if (g_strcmp0 (m->type, "bind") == 0 || (step.flags & MS_BIND))
    {
      step.flags |= MS_BIND;
      /* tmpcopyup on a bind (uctr's; runc ignores it there): what the
         destination held copied into the bound directory, as an image's
         volume gets its files. */
      step.copy_up = has_option (m, "tmpcopyup");
      if (!add_bind_mount (s, opts, m, index, &step, error) || !plan_idmap (s, m, index, &step, error))
        return FALSE;
    }
  else if (asks_idmap (m))
    return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                       _("mounts[%d]: idmapped mounts are made of binds only (type \"bind\" or the option "
                         "bind or rbind)"),
                          index);
  else if (m->type == NULL)
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("mounts[%d].type: required unless the options say bind or rbind"), index);
  else
    {
      step.kind = UCTR_MOUNT_FS;
      step.fstype = own (s, g_strdup (m->type));
      step.source = own (s, g_strdup (m->source != NULL ? m->source : m->type));
      if (strcmp (m->type, "proc") == 0 || strcmp (m->type, "sysfs") == 0)
        step.no_symlinks = TRUE;
      if (strcmp (m->type, "proc") == 0)
        step.fallback_bind = "/proc";
      else if (strcmp (m->type, "sysfs") == 0)
        step.fallback_bind = "/sys";
      else if (strcmp (m->type, "mqueue") == 0)
        step.fallback_bind = "/dev/mqueue";
      else if (strcmp (m->type, "cgroup") == 0 || strcmp (m->type, "cgroup2") == 0)
        {
          /* cgroup2 (root on a v1 host: uctr_plan_use_cgroup_v1); the host's
             hierarchy is the fallback. */
          step.cgroup = strcmp (m->type, "cgroup") == 0;
          step.fstype = "cgroup2";
          step.source = "cgroup2";
          step.fallback_bind = "/sys/fs/cgroup";
        }
      else if (strcmp (m->type, "devpts") == 0)
        step.data_fallback = own (s, data_without_gid (data));
      else if (strcmp (m->type, "tmpfs") == 0)
        {
          step.copy_up = has_option (m, "tmpcopyup");
          step.ro_late = (step.flags & MS_RDONLY) != 0;
          step.flags &= ~MS_RDONLY;
        }
    }
  g_array_append_val (s->mounts, step);
  return TRUE;
}

typedef struct
{
  const char *path;
  unsigned int major, minor;
} DefaultDevice;

static const DefaultDevice default_devices[] = {
  { "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
  { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

static gboolean
add_device (PlanStore *s, const char *path, mode_t mode, dev_t dev, uid_t uid, gid_t gid, int index,
            GError **error)
{
  UctrMountStep step = { .kind = UCTR_MOUNT_DEVICE,
                         .config_index = index,
                         .destination = path,
                         .mode = mode,
                         .dev = dev,
                         .uid = uid,
                         .gid = gid };

  if (s->plan.in_userns)
    {
      /* A user namespace cannot mknod: bind the host's node instead. */
      struct stat st;

      step.source = path;
      if (stat (path, &st) < 0)
        {
          if (index < 0)
            return uctr_throw_errno (error, _("Binding %s from the host"), path);
          return uctr_throw_errno (error, _("linux.devices[%d]: a user namespace cannot create %s and the host has none to bind"),
                                             index, path);
        }
      /* A node needs neither set-id bits nor exec: the bind has neither. */
      step.flags = MS_BIND | MS_NOSUID | MS_NOEXEC;
      step.needs_remount = TRUE;
      step.dest_is_file = TRUE;
    }
  g_array_append_val (s->mounts, step);
  return TRUE;
}

static gboolean
device_listed (const UctrConfig *config, const char *path)
{
  gsize i;

  for (i = 0; i < config->n_devices; i++)
    if (strcmp (config->devices[i].path, path) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
dev_is_bind_mounted (const UctrConfig *config)
{
  gsize i;

  for (i = 0; i < config->n_mounts; i++)
    if (strcmp (config->mounts[i].destination, "/dev") == 0
        && (g_strcmp0 (config->mounts[i].type, "bind") == 0
            || g_strv_contains ((const char *const *) config->mounts[i].options, "bind")
            || g_strv_contains ((const char *const *) config->mounts[i].options, "rbind")))
      return TRUE;
  return FALSE;
}

static mode_t
device_type_mode (const char *type)
{
  switch (type[0])
    {
    case 'b':
      return S_IFBLK;
    case 'p':
      return S_IFIFO;
    default:
      return S_IFCHR;
    }
}

static void
add_symlink (PlanStore *s, const char *path, const char *target)
{
  UctrMountStep step
      = { .kind = UCTR_MOUNT_SYMLINK, .config_index = -1, .destination = path, .source = target };

  g_array_append_val (s->mounts, step);
}

static gboolean
add_devices (PlanStore *s, const UctrConfig *config, GError **error)
{
  gsize i;

  if (dev_is_bind_mounted (config))
    return TRUE;
  for (i = 0; i < G_N_ELEMENTS (default_devices); i++)
    if (!device_listed (config, default_devices[i].path)
        && !add_device (s, default_devices[i].path, S_IFCHR | 0666,
                        makedev (default_devices[i].major, default_devices[i].minor), 0, 0, -1, error))
      return FALSE;
  for (i = 0; i < config->n_devices; i++)
    {
      const UctrDevice *d = &config->devices[i];
      mode_t mode = device_type_mode (d->type) | (d->has_file_mode ? (d->file_mode & 07777) : 0666);

      if (!add_device (s, d->path, mode, makedev (d->major, d->minor), d->has_uid ? d->uid : 0,
                       d->has_gid ? d->gid : 0, i, error))
        return FALSE;
    }
  add_symlink (s, "/dev/fd", "/proc/self/fd");
  add_symlink (s, "/dev/stdin", "/proc/self/fd/0");
  add_symlink (s, "/dev/stdout", "/proc/self/fd/1");
  add_symlink (s, "/dev/stderr", "/proc/self/fd/2");
  add_symlink (s, "/dev/ptmx", "pts/ptmx");
  if (g_file_test ("/proc/kcore", G_FILE_TEST_EXISTS))
    add_symlink (s, "/dev/core", "/proc/kcore");
  return TRUE;
}

/* NOTIFY_SOCKET: the directory start listens in, where the container's
   NOTIFY_SOCKET points. */
static void
add_notify_dir (PlanStore *s, const UctrPlanOptions *opts)
{
  UctrMountStep step = { .kind = UCTR_MOUNT_BIND,
                         .config_index = -1,
                         .destination = UCTR_NOTIFY_CONTAINER_DIR,
                         .flags = MS_BIND,
                         .clear_flags = 0 };

  if (opts->notify_dir == NULL)
    return;
  step.source = opts->notify_dir;
  g_array_append_val (s->mounts, step);
}

/* The resolver of a slirp network, unless the bundle brings its own. */
static void
add_resolv_conf (PlanStore *s, const UctrConfig *config, const UctrPlanOptions *opts)
{
  UctrMountStep step = { .kind = UCTR_MOUNT_BIND,
                         .config_index = -1,
                         .destination = "/etc/resolv.conf",
                         .flags = MS_BIND,
                         .dest_is_file = TRUE };
  gsize i;

  if (opts->resolv_conf == NULL)
    return;
  for (i = 0; i < config->n_mounts; i++)
    if (strcmp (config->mounts[i].destination, "/etc/resolv.conf") == 0)
      return;
  step.source = opts->resolv_conf;
  g_array_append_val (s->mounts, step);
}

static gboolean
plan_namespaces (PlanStore *s, const UctrConfig *config, const UctrPlanOptions *opts, GError **error)
{
  UctrPlan *plan = &s->plan;
  int i;

  for (i = 0; i < UCTR_NS_N; i++)
    {
      const UctrNamespace *ns = &config->namespaces[i];

      plan->ns_fds[i] = -1;
      if (!ns->enabled)
        continue;
      if (ns->path != NULL)
        {
          plan->ns_fds[i] = own_fd (s, uctr_nsfile_open (ns, i, error));
          if (plan->ns_fds[i] < 0)
            return FALSE;
        }
      else if (i == UCTR_NS_CGROUP)
        plan->late_cgroupns = TRUE;
      else if (i != UCTR_NS_USER)
        plan->unshare_flags |= uctr_ns_clone_flags[i];
    }
  plan->new_userns = (config->namespaces[UCTR_NS_USER].enabled || opts->add_userns)
                     && config->namespaces[UCTR_NS_USER].path == NULL;
  /* Already in one (rootless podman runs us as its uid 0): devices are
     bound, not made, and locked mount flags kept, as in our own. */
  plan->in_userns = config->namespaces[UCTR_NS_USER].enabled || opts->add_userns || uctr_running_in_userns ();
  if (!plan->new_userns && plan->in_userns)
    plan->setgroups_allowed = uctr_setgroups_allowed ();
  plan->new_netns
      = config->namespaces[UCTR_NS_NETWORK].enabled && config->namespaces[UCTR_NS_NETWORK].path == NULL;
  if (!config->namespaces[UCTR_NS_MOUNT].enabled)
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("linux.namespaces: uctr needs a mount namespace; add {\"type\": \"mount\"}"));
  if ((config->hostname != NULL || config->domainname != NULL) && !config->namespaces[UCTR_NS_UTS].enabled)
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("hostname: setting the hostname needs a uts namespace; add {\"type\": \"uts\"} to linux.namespaces"));
  return TRUE;
}

static guint64
cap_mask (PlanStore *s, char **names, GPtrArray *warnings)
{
  guint64 mask = 0;
  char **n;

  for (n = names; n != NULL && *n != NULL; n++)
    {
      cap_value_t v;

      if (cap_from_name (*n, &v) < 0)
        {
          g_ptr_array_add (warnings, g_strdup_printf (_("unknown capability %s ignored"), *n));
          continue;
        }
      if (v > s->plan.cap_last)
        {
          g_ptr_array_add (warnings, g_strdup_printf (_("capability %s is not supported by this kernel; ignored"), *n));
          continue;
        }
      mask |= 1ULL << v;
    }
  return mask;
}

/* The kernel raises an ambient capability only when it is inheritable and
   permitted too (runc's own default spec lists ambient ones without
   inheritable). Raise what can be; for a non-root process, whose ambient set
   is what survives execve, say once which ones cannot. */
static void
warn_ambient (UctrPlan *plan, const UctrProcess *p, GPtrArray *warnings)
{
  guint64 dropped = plan->cap_ambient & ~(plan->cap_inheritable & plan->cap_permitted);
  g_autoptr(GString) names = NULL;
  int cap;

  plan->cap_ambient &= ~dropped;
  if (dropped == 0 || p->uid == 0)
    return;
  names = g_string_new (NULL);
  for (cap = 0; cap <= plan->cap_last; cap++)
    if (dropped & (1ULL << cap))
      {
        char *name = cap_to_name (cap); /* "cap_kill": libcap's own allocation */
        g_autofree char *upper = g_ascii_strup (name, -1);
        g_string_append_printf (names, "%s%s", names->len > 0 ? ", " : "", upper);
        cap_free (name);
      }
  g_ptr_array_add (warnings, g_strdup_printf (_("process.capabilities.ambient: %s not raised: an ambient capability must also be inheritable and permitted"),
                                                 names->str));
}

static void
plan_caps (PlanStore *s, const UctrProcess *p, GPtrArray *warnings)
{
  UctrPlan *plan = &s->plan;

  plan->cap_last = (int) cap_max_bits () - 1;
  plan->cap_bounding = cap_mask (s, p->capabilities[UCTR_CAP_BOUNDING], warnings);
  plan->cap_effective = cap_mask (s, p->capabilities[UCTR_CAP_EFFECTIVE], warnings);
  plan->cap_permitted = cap_mask (s, p->capabilities[UCTR_CAP_PERMITTED], warnings);
  plan->cap_inheritable = cap_mask (s, p->capabilities[UCTR_CAP_INHERITABLE], warnings);
  plan->cap_ambient = cap_mask (s, p->capabilities[UCTR_CAP_AMBIENT], warnings);
  warn_ambient (plan, p, warnings);
}

/* A hook without env has the environment of the process that runs it: in
   the init, as runc's, the container process's (ENVP). */
static UctrPlanHook *
plan_hooks (PlanStore *s, UctrHook *hooks, gsize n, char **envp)
{
  UctrPlanHook *out = (UctrPlanHook *) own (s, (char *) g_new0 (UctrPlanHook, n + 1));
  gsize i;

  for (i = 0; i < n; i++)
    {
      out[i].path = hooks[i].path;
      out[i].argv = hooks[i].args[0] != NULL ? hooks[i].args
                                             : own_v (s, g_strdupv ((char *[]){ hooks[i].path, NULL }));
      out[i].envp = hooks[i].env != NULL ? hooks[i].env : envp;
      out[i].timeout = hooks[i].timeout;
    }
  return out;
}

/* uctr applies no LSM label: said, so that a profile an engine asks for is
   not taken for granted (runc would apply it, or fail where it cannot). */
static void
warn_lsm (const UctrProcess *p, GPtrArray *warnings)
{
  if (p->apparmor_profile != NULL && *p->apparmor_profile != '\0')
    g_ptr_array_add (warnings,
                     g_strdup_printf (_("process.apparmorProfile %s: uctr does not apply AppArmor profiles; "
                                                  "the process runs without one"),
                                         p->apparmor_profile));
  if (p->selinux_label != NULL && *p->selinux_label != '\0')
    g_ptr_array_add (warnings,
                     g_strdup_printf (_("process.selinuxLabel %s: uctr does not apply SELinux labels; "
                                                  "the process runs with its parent's"),
                                         p->selinux_label));
}

static void
plan_process (PlanStore *s, const UctrProcess *p, GPtrArray *warnings)
{
  UctrPlan *plan = &s->plan;
  gsize i;

  plan->terminal = p->terminal;
  plan->console_rows = p->console_height;
  plan->console_cols = p->console_width;
  plan->uid = p->uid;
  plan->gid = p->gid;
  plan->groups = (gid_t *) own (s, (char *) g_new0 (gid_t, p->n_additional_gids + 1));
  for (i = 0; i < p->n_additional_gids; i++)
    plan->groups[i] = p->additional_gids[i];
  plan->n_groups = p->n_additional_gids;
  plan->has_umask = p->has_umask;
  plan->umask = p->umask;
  plan->cwd = p->cwd;
  plan->argv = p->args;
  plan->envp = p->env;
  plan->path_env = DEFAULT_PATH;
  for (i = 0; p->env[i] != NULL; i++)
    {
      if (g_str_has_prefix (p->env[i], "PATH="))
        plan->path_env = p->env[i] + 5;
      if (strcmp (p->env[i], UCTR_LISTEN_PID_SLOT) == 0)
        plan->listen_pid_env = p->env[i];
    }
  plan->no_new_privs = p->no_new_privileges;
  plan->has_oom_score_adj = p->has_oom_score_adj;
  g_snprintf (plan->oom_score_adj, sizeof plan->oom_score_adj, "%d", p->oom_score_adj);
  plan->n_rlimits = p->n_rlimits;
  plan->rlimits = (struct rlimit *) own (s, (char *) g_new0 (struct rlimit, p->n_rlimits + 1));
  plan->rlimit_resources = (int *) own (s, (char *) g_new0 (int, p->n_rlimits + 1));
  for (i = 0; i < p->n_rlimits; i++)
    {
      plan->rlimits[i].rlim_cur = p->rlimits[i].soft;
      plan->rlimits[i].rlim_max = p->rlimits[i].hard;
      plan->rlimit_resources[i] = p->rlimits[i].resource;
    }
  plan_caps (s, p, warnings);
  warn_lsm (p, warnings);
}

/* The home directory of UID in ROOT's /etc/passwd (resolved inside ROOT,
   never through a symlink out of it), or NULL. */
static char *
home_in_passwd (const char *root, uid_t uid)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  char **l;

  if (!uctr_read_file_in_root (root, "/etc/passwd", 4 * 1024 * 1024, &text, NULL))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (l = lines; *l != NULL; l++)
    {
      g_auto(GStrv) f = g_strsplit (*l, ":", 7);
      guint64 id;

      if (g_strv_length (f) >= 6 && g_ascii_string_to_unsigned (f[2], 10, 0, G_MAXUINT32, &id, NULL)
          && (uid_t) id == uid && f[5][0] == '/')
        return g_strdup (f[5]);
    }
  return NULL;
}

/* As runc: a process without HOME gets its user's home from the
   container's /etc/passwd, or /. */
static void
plan_home (PlanStore *s, const char *root)
{
  UctrPlan *plan = &s->plan;
  g_autofree char *home = NULL;
  char **env;
  gsize n;

  for (n = 0; plan->envp[n] != NULL; n++)
    if (g_str_has_prefix (plan->envp[n], "HOME="))
      return;
  home = home_in_passwd (root, plan->uid);
  env = g_new0 (char *, n + 2);
  for (gsize i = 0; i < n; i++)
    env[i] = g_strdup (plan->envp[i]);
  env[n] = g_strconcat ("HOME=", home != NULL ? home : "/", NULL);
  plan->envp = own_v (s, env);
  /* The LISTEN_PID slot the init fills in is now in the copy. */
  for (gsize i = 0; i < n; i++)
    if (plan->listen_pid_env != NULL && strcmp (env[i], UCTR_LISTEN_PID_SLOT) == 0)
      plan->listen_pid_env = env[i];
}

static void
plan_sysctl (PlanStore *s, const UctrConfig *config)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();
  g_autoptr(GPtrArray) values = g_ptr_array_new ();
  GHashTableIter it;
  gpointer k, v;

  g_hash_table_iter_init (&it, config->sysctl);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      g_autofree char *rel = g_strdelimit (g_strdup (k), ".", '/');
      g_ptr_array_add (paths, g_build_filename ("/proc/sys", rel, NULL));
      g_ptr_array_add (values, g_strdup (v));
    }
  g_ptr_array_add (paths, NULL);
  g_ptr_array_add (values, NULL);
  s->plan.sysctl_paths = own_v (s, (char **) g_ptr_array_steal (paths, NULL));
  s->plan.sysctl_values = own_v (s, (char **) g_ptr_array_steal (values, NULL));
}

void
uctr_plan_add_sysctl (UctrPlan *plan, const char *key, const char *value)
{
  PlanStore *s = (PlanStore *) plan;
  g_autofree char *rel = g_strdelimit (g_strdup (key), ".", '/');
  g_autofree char *path = g_build_filename ("/proc/sys", rel, NULL);
  guint n = g_strv_length (plan->sysctl_paths);
  char **paths = g_new0 (char *, n + 2);
  char **values = g_new0 (char *, n + 2);

  for (guint i = 0; i < n; i++)
    {
      if (strcmp (plan->sysctl_paths[i], path) == 0)
        {
          g_free (paths);
          g_free (values);
          return;
        }
      paths[i] = g_strdup (plan->sysctl_paths[i]);
      values[i] = g_strdup (plan->sysctl_values[i]);
    }
  paths[n] = g_steal_pointer (&path);
  values[n] = g_strdup (value);
  plan->sysctl_paths = own_v (s, paths);
  plan->sysctl_values = own_v (s, values);
}

static unsigned long
rootfs_propagation (const UctrConfig *config)
{
  if (config->rootfs_propagation == NULL)
    return MS_REC | MS_SLAVE;
  return propagation_from_name (config->rootfs_propagation);
}

/* uctr.mountpoints: "rootfs" (runc's mkdir in the rootfs) or "tmpfs". */
static gboolean
plan_mount_layers (UctrPlan *plan, const UctrConfig *config, GError **error)
{
  const char *v = config->annotations != NULL
                      ? g_hash_table_lookup (config->annotations, UCTR_ANNOTATION_MOUNTPOINTS)
                      : NULL;

  if (v == NULL || strcmp (v, "rootfs") == 0)
    return TRUE;
  if (strcmp (v, "tmpfs") != 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("annotations[\"%s\"]: expected rootfs or tmpfs, not \"%s\""),
                          UCTR_ANNOTATION_MOUNTPOINTS, v);
  plan->mount_layers = TRUE;
  return TRUE;
}

/* One overlayfs option: KEY=VALUE with an absolute VALUE. */
static const char *
overlay_option (const char *option, const char *key)
{
  gsize n = strlen (key);

  if (strncmp (option, key, n) != 0 || option[n] != '=' || option[n + 1] != '/')
    return NULL;
  return option + n + 1;
}

/* Where the kernel refuses overlayfs (before Linux 5.11 in a user
   namespace), fuse-overlayfs mounts the same layers, as podman falls back
   to it. Its daemon lives in the container's pid namespace and goes with
   it; without a pid namespace of the container's own it would outlive
   it, so there is no fallback then. Nor where /dev/fuse is not ours. */
static void
plan_fuse_overlay (PlanStore *s, const char *options)
{
  g_autofree char *path = NULL;
  char **argv;

  if (!(s->plan.unshare_flags & CLONE_NEWPID) || access ("/dev/fuse", R_OK | W_OK) < 0
      || (path = g_find_program_in_path ("fuse-overlayfs")) == NULL
      || g_getenv ("UCTR_TEST_NO_FUSE_OVERLAY") != NULL)
    return;
  argv = g_new0 (char *, 5);
  argv[0] = g_strdup (path);
  argv[1] = g_strdup ("-o");
  argv[2] = g_strdup (options);
  argv[3] = g_strdup (s->plan.rootfs);
  s->plan.rootfs_fuse_argv = own_v (s, argv);
  s->plan.rootfs_fuse_path = own (s, g_steal_pointer (&path));
}

/* Where neither overlayfs nor fuse-overlayfs mounts the layers, the init
   runs `uctr __copy-root` (store/copyroot.h) to copy them into rootfs,
   as podman's vfs driver does. Only with a writable layer: rootfs is the
   container's own directory then, which goes with it. */
static void
plan_copy_root (PlanStore *s, const char *lower)
{
  char **argv = g_new0 (char *, 5);

  argv[0] = g_strdup ("uctr");
  argv[1] = g_strdup ("__copy-root");
  argv[2] = g_strdup (s->plan.rootfs);
  argv[3] = g_strdup (lower);
  s->plan.rootfs_copy_argv = own_v (s, argv);
}

/* uctr.rootfs.overlay: the lower directories share a parent, which the
   init makes its cwd, so that the mount data names them relative to it
   and many layers fit in mount(2)'s one page. */
static gboolean
plan_overlay_lower (PlanStore *s, const char *lower, GString *data, GError **error)
{
  g_auto(GStrv) dirs = g_strsplit (lower, ":", -1);
  g_autofree char *parent = NULL;
  guint i;

  for (i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *dir = g_path_get_dirname (dirs[i]);
      g_autofree char *base = g_path_get_basename (dirs[i]);

      if (!g_path_is_absolute (dirs[i]) || (parent != NULL && strcmp (parent, dir) != 0))
        return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                           _("annotations[\"%s\"]: the lower directories must be absolute paths in one directory"),
                              UCTR_ANNOTATION_ROOTFS_OVERLAY);
      if (parent == NULL)
        parent = g_steal_pointer (&dir);
      g_string_append_printf (data, "%s%s", i == 0 ? "lowerdir=" : ":", base);
    }
  /* A path, looked up by the init in its own mount namespace: overlayfs
     takes lower layers only from the mounts of the mounter's namespace. */
  if (!g_file_test (parent, G_FILE_TEST_IS_DIR))
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("annotations[\"%s\"]: %s is not a directory"), UCTR_ANNOTATION_ROOTFS_OVERLAY,
                          parent);
  s->plan.rootfs_overlay_dir = own (s, g_steal_pointer (&parent));
  return TRUE;
}

static gboolean
plan_overlay (PlanStore *s, const UctrConfig *config, GError **error)
{
  const char *v = config->annotations != NULL
                      ? g_hash_table_lookup (config->annotations, UCTR_ANNOTATION_ROOTFS_OVERLAY)
                      : NULL;
  g_autoptr(GString) data = g_string_new (NULL);
  g_auto(GStrv) options = NULL;
  const char *lower = NULL, *upper = NULL, *work = NULL;
  guint i;

  if (v == NULL)
    return TRUE;
  options = g_strsplit (v, ",", -1);
  for (i = 0; options[i] != NULL; i++)
    if (!((lower == NULL && (lower = overlay_option (options[i], "lowerdir")) != NULL)
          || (upper == NULL && (upper = overlay_option (options[i], "upperdir")) != NULL)
          || (work == NULL && (work = overlay_option (options[i], "workdir")) != NULL)))
      break;
  if (options[i] != NULL || lower == NULL || (upper == NULL) != (work == NULL))
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("annotations[\"%s\"]: expected lowerdir=DIR[:DIR...],upperdir=DIR,workdir=DIR "
                         "with absolute paths, not \"%s\""),
                          UCTR_ANNOTATION_ROOTFS_OVERLAY, v);
  if (!plan_overlay_lower (s, lower, data, error))
    return FALSE;
  if (upper != NULL)
    g_string_append_printf (data, ",upperdir=%s,workdir=%s", upper, work);
  plan_fuse_overlay (s, v);
  if (upper != NULL)
    plan_copy_root (s, lower);
  /* In a user namespace overlayfs keeps its own xattrs in user.overlay.* */
  if (s->plan.in_userns)
    g_string_append (data, ",userxattr");
  if (data->len >= 4096)
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("annotations[\"%s\"]: too many layers for one mount (%zu bytes of options, 4095 at most)"),
                          UCTR_ANNOTATION_ROOTFS_OVERLAY, data->len);
  s->plan.rootfs_overlay = own (s, g_string_free (g_steal_pointer (&data), FALSE));
  return TRUE;
}

static gboolean
plan_rootfs (PlanStore *s, const UctrConfig *config, const UctrPlanOptions *opts, GError **error)
{
  UctrPlan *plan = &s->plan;
  struct stat st;

  plan->rootfs = bundle_path (s, opts, config->root_path);
  if (stat (plan->rootfs, &st) < 0)
    return uctr_throw_errno (error, _("root.path: %s"), plan->rootfs);
  if (!S_ISDIR (st.st_mode))
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("root.path: %s is not a directory"), plan->rootfs);
  plan->rootfs_readonly = config->root_readonly;
  plan->rootfs_propagation = rootfs_propagation (config);
  plan->no_pivot = opts->no_pivot;
  plan->no_mount_api = g_getenv ("UCTR_TEST_NO_MOUNT_API") != NULL;
  plan->rootfs_overlay_no_kernel = g_getenv ("UCTR_TEST_NO_KERNEL_OVERLAY") != NULL;
  return plan_overlay (s, config, error) && plan_mount_layers (plan, config, error);
}

/* Syscall names this libseccomp does not know are skipped, as runc does:
   said at debug level only, as runc says it. */
static gboolean
plan_seccomp (PlanStore *s, const UctrConfig *config, const char *state_root, GError **error)
{
  g_autofree char *skipped = NULL;

  if (!uctr_seccomp_compile_cached (config->seccomp, state_root, &s->plan.seccomp, error))
    return FALSE;
  if (s->plan.seccomp == NULL || s->plan.seccomp->skipped[0] == NULL)
    return TRUE;
  skipped = g_strjoinv (", ", s->plan.seccomp->skipped);
  uctr_debug ("linux.seccomp: syscalls unknown to libseccomp skipped: %s", skipped);
  return TRUE;
}

static PlanStore *
plan_store_new (void)
{
  PlanStore *s = g_new0 (PlanStore, 1);
  UctrPlan *plan = &s->plan;
  int i;

  s->owned = g_ptr_array_new_with_free_func (g_free);
  s->owned_v = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  s->mounts = g_array_new (FALSE, TRUE, sizeof (UctrMountStep));
  s->fds = g_array_new (FALSE, FALSE, sizeof (int));
  plan->parent_pid = getpid ();
  plan->sync_fd = plan->host_proc_fd = plan->fifo_fd = plan->cgroup_fd = plan->dmz_fd = -1;
  for (i = 0; i < UCTR_NS_N; i++)
    plan->ns_fds[i] = -1;
  for (i = 0; i < 3; i++)
    plan->stdio_fds[i] = -1;
  plan->setgroups_allowed = TRUE;
  return s;
}

UctrPlan *
uctr_plan_new (const UctrConfig *config, const UctrPlanOptions *opts, GPtrArray *warnings, GError **error)
{
  PlanStore *s = plan_store_new ();
  g_autoptr(UctrPlan) plan = &s->plan;
  gsize i;

  plan->preserve_fds = opts->preserve_fds;

  if (config->process == NULL)
    {
      uctr_throw (error, UCTR_ERROR_INVALID_CONFIG, _("process: required to create a container"));
      return NULL;
    }
  if (!plan_namespaces (s, config, opts, error) || !plan_rootfs (s, config, opts, error))
    return NULL;
  for (i = 0; i < config->n_mounts; i++)
    if (!add_config_mount (s, opts, &config->mounts[i], i, error))
      return NULL;
  if (!add_devices (s, config, error))
    return NULL;
  add_resolv_conf (s, config, opts);
  add_notify_dir (s, opts);
  plan->mounts = (UctrMountStep *) s->mounts->data;
  plan->n_mounts = s->mounts->len;
  plan->masked_paths = config->masked_paths;
  plan->readonly_paths = config->readonly_paths;
  plan_sysctl (s, config);
  plan->hostname = config->hostname;
  plan->domainname = config->domainname;
  plan_process (s, config->process, warnings);
  plan_home (s, plan->rootfs);
  if (!plan_seccomp (s, config, opts->state_root, error))
    return NULL;
  plan->create_container_hooks = plan_hooks (s, config->hooks[UCTR_HOOK_CREATE_CONTAINER],
                                             config->n_hooks[UCTR_HOOK_CREATE_CONTAINER], plan->envp);
  plan->n_create_container_hooks = config->n_hooks[UCTR_HOOK_CREATE_CONTAINER];
  plan->start_container_hooks = plan_hooks (s, config->hooks[UCTR_HOOK_START_CONTAINER],
                                            config->n_hooks[UCTR_HOOK_START_CONTAINER], plan->envp);
  plan->n_start_container_hooks = config->n_hooks[UCTR_HOOK_START_CONTAINER];
  return g_steal_pointer (&plan);
}

/* exec: the namespaces of the container's init that are not already ours,
   each opened by its /proc entry (joining our own user namespace again
   would fail). Its init is checked to be alive after the opens, so that
   a recycled pid cannot hand us someone else's namespaces. */
static const char *const proc_ns_names[UCTR_NS_N] = {
  [UCTR_NS_USER] = "user", [UCTR_NS_MOUNT] = "mnt", [UCTR_NS_PID] = "pid",       [UCTR_NS_NETWORK] = "net",
  [UCTR_NS_IPC] = "ipc",   [UCTR_NS_UTS] = "uts",   [UCTR_NS_CGROUP] = "cgroup", [UCTR_NS_TIME] = "time",
};

static gboolean
same_file (int fd, const char *path)
{
  struct stat a, b;

  return fstat (fd, &a) == 0 && stat (path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static gboolean
plan_join_namespaces (PlanStore *s, pid_t pid, int pidfd, GError **error)
{
  UctrPlan *plan = &s->plan;
  int i;

  for (i = 0; i < UCTR_NS_N; i++)
    {
      g_autofree char *theirs = g_strdup_printf ("/proc/%d/ns/%s", (int) pid, proc_ns_names[i]);
      g_autofree char *ours = g_strconcat ("/proc/self/ns/", proc_ns_names[i], NULL);
      int fd = open (theirs, O_RDONLY | O_CLOEXEC);

      if (fd < 0 && errno == ENOENT && i == UCTR_NS_TIME)
        continue; /* a kernel without time namespaces */
      if (fd < 0)
        return uctr_throw_errno (error, _("Opening the %s namespace of the container (%s)"),
                                           uctr_ns_type_name (i), theirs);
      if (same_file (fd, ours))
        close (fd);
      else
        plan->ns_fds[i] = own_fd (s, fd);
    }
  if (pidfd_send_signal (pidfd, 0, NULL, 0) < 0)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("the container's init exited"));
  plan->in_userns = plan->ns_fds[UCTR_NS_USER] >= 0;
  return TRUE;
}

/* The ids an exec sets itself up as in the container's user namespace:
   those its init took (see uctr_idmap_setup_id). */
static void
setup_ids_of (UctrPlan *plan, pid_t pid)
{
  static const char *const names[] = { "uid_map", "gid_map" };
  guint32 ids[2] = { 0, 0 };
  guint32 own[2] = { geteuid (), getegid () };

  for (int i = 0; i < 2; i++)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%d/%s", (int) pid, names[i]);
      g_autofree char *text = NULL;
      g_autofree UctrIdMapping *maps = NULL;
      gsize n = 0;

      if (uctr_read_file_at (AT_FDCWD, path, 64 * 1024, &text, NULL, NULL))
        maps = uctr_idmap_parse_maps (text, &n);
      if (!uctr_idmap_setup_id (maps, n, own[i], &ids[i]))
        ids[i] = 0;
    }
  plan->setup_uid = ids[0];
  plan->setup_gid = ids[1];
}

static gboolean
setgroups_allowed_in (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/setgroups", (int) pid);
  g_autofree char *text = NULL;

  if (!uctr_read_file_at (AT_FDCWD, path, 64, &text, NULL, NULL))
    return TRUE;
  return !g_str_has_prefix (text, "deny");
}

UctrPlan *
uctr_plan_new_exec (const UctrConfig *config, const UctrProcess *process, pid_t init_pid, int init_pidfd,
                    const char *cgroup_path, int preserve_fds, const char *state_root, GPtrArray *warnings,
                    GError **error)
{
  PlanStore *s = plan_store_new ();
  g_autoptr(UctrPlan) plan = &s->plan;
  g_autofree char *root = NULL;

  plan->exec = TRUE;
  plan->preserve_fds = preserve_fds;
  if (!plan_join_namespaces (s, init_pid, init_pidfd, error))
    return NULL;
  plan->setgroups_allowed = setgroups_allowed_in (init_pid);
  if (plan->in_userns)
    setup_ids_of (plan, init_pid);
  /* Born in the container's cgroup (CLONE_INTO_CGROUP), when it has one. */
  if (cgroup_path != NULL)
    plan->cgroup_fd = own_fd (s, open (cgroup_path, O_PATH | O_DIRECTORY | O_CLOEXEC));
  plan_process (s, process, warnings);
  root = g_strdup_printf ("/proc/%d/root", (int) init_pid);
  plan_home (s, root);
  /* The container's filter holds for every process in it. */
  if (!plan_seccomp (s, config, state_root, error))
    return NULL;
  return g_steal_pointer (&plan);
}

/* The steps that stand for one mount of type "cgroup" on a v1 host. */
static void
add_cgroup_v1_steps (PlanStore *s, GArray *out, const UctrMountStep *cg, const UctrPlanCgroupV1 *v1, gsize n)
{
  unsigned long keep = cg->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME | MS_NOATIME);
  UctrMountStep tmpfs = *cg;
  gsize i;

  tmpfs.cgroup = FALSE;
  tmpfs.fstype = "tmpfs";
  tmpfs.source = "tmpfs";
  tmpfs.data = "mode=755";
  tmpfs.fallback_bind = NULL;
  tmpfs.ro_late = (cg->flags & MS_RDONLY) != 0;
  tmpfs.flags = cg->flags & ~MS_RDONLY;
  g_array_append_val (out, tmpfs);
  for (i = 0; i < n; i++)
    {
      g_auto(GStrv) names = g_strsplit (v1[i].controllers, ",", -1);
      UctrMountStep bind = { .kind = UCTR_MOUNT_BIND, .config_index = cg->config_index };
      guint j;

      bind.destination = own (s, g_build_filename (cg->destination, v1[i].name, NULL));
      bind.source = v1[i].dir;
      bind.flags = MS_BIND | MS_REC | keep;
      bind.needs_remount = keep != 0;
      g_array_append_val (out, bind);
      for (j = 0; names[1] != NULL && names[j] != NULL; j++)
        {
          UctrMountStep link = { .kind = UCTR_MOUNT_SYMLINK, .config_index = -1 };

          link.destination = own (s, g_build_filename (cg->destination, names[j], NULL));
          link.source = v1[i].name;
          g_array_append_val (out, link);
        }
    }
}

void
uctr_plan_use_cgroup_v1 (UctrPlan *plan, const UctrPlanCgroupV1 *v1, gsize n)
{
  PlanStore *s = (PlanStore *) plan;
  GArray *mounts = g_array_new (FALSE, TRUE, sizeof (UctrMountStep));
  guint i;

  for (i = 0; i < s->mounts->len; i++)
    {
      const UctrMountStep *step = &g_array_index (s->mounts, UctrMountStep, i);

      if (step->cgroup)
        add_cgroup_v1_steps (s, mounts, step, v1, n);
      else
        g_array_append_val (mounts, *step);
    }
  g_array_unref (s->mounts);
  s->mounts = mounts;
  plan->mounts = (UctrMountStep *) s->mounts->data;
  plan->n_mounts = s->mounts->len;
}
