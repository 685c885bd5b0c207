/* uctr: the parent side of create: the state dir, the fork, the id maps, the
   runtime hooks, and the conversation with the container init. */
#include "runtime/create.h"
#include "plan/activation.h"
#include "runtime/notify.h"
#include "cgroup/cgroup.h"
#include "cgroup/v1.h"
#include "cgroup/devfilter.h"
#include "runtime/console.h"
#include "runtime/hooks.h"
#include "plan/idmap.h"
#include "runtime/idmount.h"
#include "init/init.h"
#include "runtime/sync.h"
#include "base/resolve.h"
#include "base/log.h"
#include "base/selfexe.h"
#include "plan/plan.h"
#include "runtime/describe.h"
#include "cgroup/resources.h"
#include "cgroup/systemd.h"
#include "base/util.h"
#include "net/handoverclient.h"
#include "net/launch.h"
#include "net/ports.h"
#include "net/options.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define CONFIG_MAX (16 * 1024 * 1024)

typedef struct
{
  const UctrCreateOptions *opts;
  UctrConfig *config;
  UctrPlan *plan;
  UctrState *state;
  int dfd;
  int sock;
  pid_t stage1;    /* the child forked at the init pipe's other end, until the init's pid is known */
  gboolean direct; /* that child is the init, cloned straight into its namespaces */
  int console_fd;
  gboolean net_enabled;    /* --network slirp */
  UctrNetOptions net;      /* its OPTIONS */
  const char *net_options; /* the OPTIONS text, handed to the helper */
  UctrNetLaunch net_launch;
  UctrNetAddresses net_addresses;
  char *resolv_conf;          /* <state>/resolv.conf, bound on /etc/resolv.conf */
  char *rootfs_staging;       /* <state>/root, for root.path "/" */
  char *notify_dir;           /* <state>/notify, for NOTIFY_SOCKET */
  GPtrArray *publish;         /* char *: --publish specs in canonical form, NULL-terminated */
  UctrResources *resources;   /* linux.resources */
  GPtrArray *writes;          /* UctrCgroupWrite: what they set */
  char **controllers;         /* what those need */
  UctrCgroupPlacement cgroup; /* where the init goes */
  gboolean cgroup_v1;         /* root on a v1 or hybrid host: the v1 hierarchies too */
  GArray *cgroup_v1_mounts;   /* UctrPlanCgroupV1: how the container sees them */
  int cgroup_fd;              /* that cgroup, for the clone */
  gboolean reexec;            /* the binary needs the sealed copy: undo, then re-execute from it */
} Create;

static char *
user_name (uid_t uid)
{
  struct passwd *pw = getpwuid (uid);

  return g_strdup (pw != NULL ? pw->pw_name : "");
}

static gboolean
load_config (Create *c, GError **error)
{
  g_autofree char *path = g_build_filename (c->opts->bundle, "config.json", NULL);
  g_autofree char *json = NULL;
  gsize len;

  if (c->opts->config_json != NULL)
    {
      json = g_strdup (c->opts->config_json);
      len = strlen (json);
    }
  else if (!uctr_read_file_at (AT_FDCWD, path, CONFIG_MAX, &json, &len, error))
    {
      if (g_error_matches (*error, UCTR_ERRNO_ERROR, ENOENT))
        g_prefix_error (error, _("No config.json in the bundle (run \"uctr spec\" there to write one): "));
      return FALSE;
    }
  c->config = uctr_config_parse (json, len, error);
  if (c->config == NULL && g_str_has_prefix ((*error)->message, "config.json"))
    {
      /* "config.json is not valid JSON: ..." -> "/bundle/config.json is not ..." */
      g_autofree char *rest = g_strdup ((*error)->message + strlen ("config.json"));
      g_free ((*error)->message);
      (*error)->message = g_strconcat (path, rest, NULL);
      return FALSE;
    }
  if (c->config == NULL)
    return uctr_prefix_error (error, "%s", path);
  /* delete runs poststop hooks even when the bundle is gone by then. */
  if (!uctr_write_file_atomic_at (c->dfd, "config.json", json, len, 0600, error))
    return uctr_prefix_error (error, _("Keeping a copy in the state directory %s/%s"), c->opts->root,
                                        c->opts->id);
  return TRUE;
}

/* uctr.subids on the mappings of runc's `spec --rootless` (the caller's
   ids alone): planned as a config without mappings is, with the caller's
   subordinate ranges (or the caller alone and a warning saying so).
   Mappings a script wrote or extended are kept as written. */
static gboolean
maps_own_alone (const UctrIdMapping *maps, gsize n, guint32 own)
{
  return n == 1 && maps[0].container_id == 0 && maps[0].host_id == own && maps[0].size == 1;
}

static gboolean
extend_with_subids (const UctrConfig *cfg)
{
  const char *want = g_hash_table_lookup (cfg->annotations, UCTR_ANNOTATION_SUBIDS);

  return g_strcmp0 (want, "true") == 0 && geteuid () != 0
         && maps_own_alone (cfg->uid_mappings, cfg->n_uid_mappings, geteuid ())
         && maps_own_alone (cfg->gid_mappings, cfg->n_gid_mappings, getegid ());
}

static gboolean
plan_ids (Create *c, GError **error)
{
  UctrConfig *cfg = c->config;
  UctrPlan *plan = c->plan;
  g_autofree char *name = NULL;
  gboolean extend = extend_with_subids (cfg);

  if (!plan->new_userns)
    return TRUE;
  name = user_name (geteuid ());
  if (!uctr_idmap_plan (cfg->uid_mappings, extend ? 0 : cfg->n_uid_mappings, cfg->gid_mappings,
                        extend ? 0 : cfg->n_gid_mappings, geteuid (), getegid (), name, NULL, NULL,
                        g_getenv ("UCTR_NEWUIDMAP"), g_getenv ("UCTR_NEWGIDMAP"), &plan->idmap, error))
    return FALSE;
  if (!uctr_idmap_setup_id (plan->idmap.uid, plan->idmap.n_uid, geteuid (), &plan->setup_uid)
      || !uctr_idmap_setup_id (plan->idmap.gid, plan->idmap.n_gid, getegid (), &plan->setup_gid))
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("linux.uidMappings and linux.gidMappings map neither container id 0 nor your own "
                         "uid %u and gid %u: the container init has no id to set the container up as"),
                          (guint) geteuid (), (guint) getegid ());
  /* A child of a user namespace where setgroups is denied inherits the denial. */
  plan->setgroups_allowed = !plan->idmap.setgroups_deny && uctr_setgroups_allowed ();
  if (plan->idmap.warning != NULL)
    g_ptr_array_add (c->opts->warnings, g_strdup (plan->idmap.warning));
  return TRUE;
}

static gboolean
parse_network_arg (Create *c, const char *arg, GError **error)
{
  if (strcmp (arg, "none") == 0)
    return TRUE;
  if (strcmp (arg, "slirp") != 0 && !g_str_has_prefix (arg, "slirp:"))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--network: expected none or slirp[:OPTIONS], not \"%s\""), arg);
  if (!c->config->namespaces[UCTR_NS_NETWORK].enabled || c->config->namespaces[UCTR_NS_NETWORK].path != NULL)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--network slirp needs a new network namespace: add {\"type\": \"network\"} without a path to linux.namespaces"));
  c->net_options = arg[5] == ':' ? arg + 6 : "";
  if (!uctr_net_options_parse (&c->net, c->net_options, error)
      || !uctr_net_options_addresses (&c->net, &c->net_addresses, error))
    return FALSE;
  c->net_enabled = TRUE;
  return TRUE;
}

/* One spec per port: a range is several. */
static gboolean
add_publish (Create *c, const char *text, GError **error)
{
  g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func ((GDestroyNotify) uctr_port_spec_free);

  if (!uctr_port_spec_parse_ranges (text, specs, error))
    return FALSE;
  for (guint i = 0; i < specs->len; i++)
    g_ptr_array_add (c->publish, uctr_port_spec_format (g_ptr_array_index (specs, i)));
  return TRUE;
}

/* --publish, or else the uctr.publish annotation (comma-separated specs),
   all checked before anything runs; they need slirp. */
static gboolean
parse_publish (Create *c, GError **error)
{
  const char *annotation = g_hash_table_lookup (c->config->annotations, UCTR_ANNOTATION_PUBLISH);
  char *const *texts;
  g_auto(GStrv) split = NULL;
  const char *context = "--publish ";

  texts = c->opts->publish;
  if ((texts == NULL || texts[0] == NULL) && annotation != NULL && *annotation != '\0')
    {
      texts = split = g_strsplit (annotation, ",", -1);
      context = "annotations[\"" UCTR_ANNOTATION_PUBLISH "\"]: ";
    }
  for (; texts != NULL && *texts != NULL; texts++)
    if (!add_publish (c, g_strstrip (*texts), error))
      {
        g_prefix_error (error, "%s", context);
        return FALSE;
      }
  if (c->publish->len > 0 && !c->net_enabled)
    return split != NULL
        ? uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                      _("annotations[\"%s\"] needs --network slirp"), UCTR_ANNOTATION_PUBLISH)
                      : uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                                    _("--publish needs --network slirp"));
  return TRUE;
}

/* --network: none (or absent) is runc's behaviour, a network namespace with
   lo only; slirp gives tap0 its addresses, a resolv.conf naming slirp's DNS,
   and a helper that outlives create. Decided before the plan: it adds a mount. */
static gboolean
parse_network (Create *c, UctrPlanOptions *popts, GError **error)
{
  const char *arg = c->opts->network;
  g_autoptr(GString) resolv = NULL;
  char buf[INET6_ADDRSTRLEN];

  if (arg == NULL)
    {
      arg = g_hash_table_lookup (c->config->annotations, UCTR_ANNOTATION_NETWORK);
      if (arg != NULL && !parse_network_arg (c, arg, error))
        return uctr_prefix_error (error, "annotations[\"%s\"]", UCTR_ANNOTATION_NETWORK);
    }
  else if (!parse_network_arg (c, arg, error))
    return FALSE;
  if (!parse_publish (c, error))
    return FALSE;
  if (!c->net_enabled || !c->net.dns)
    return TRUE;
  resolv = g_string_new (NULL);
  g_string_append_printf (resolv, "nameserver %s\n",
                          inet_ntop (AF_INET, &c->net_addresses.dns, buf, sizeof buf));
  if (c->net.ipv6)
    g_string_append_printf (resolv, "nameserver %s\n",
                            inet_ntop (AF_INET6, &c->net_addresses.dns6, buf, sizeof buf));
  if (!uctr_write_file_atomic_at (c->dfd, "resolv.conf", resolv->str, resolv->len, 0644, error))
    return FALSE;
  c->resolv_conf = g_build_filename (c->opts->root, c->opts->id, "resolv.conf", NULL);
  popts->resolv_conf = c->resolv_conf;
  return TRUE;
}

/* What a systemd unit hands us goes on to the container's process: its
   NOTIFY_SOCKET through a directory of ours, its socket-activation fds. */
static gboolean
prepare_session (Create *c, UctrPlanOptions *popts, GError **error)
{
  g_autofree char *state_path = g_build_filename (c->opts->root, c->opts->id, NULL);
  UctrProcess *p = c->config->process;
  int listen_fds = uctr_activation_fds ();

  if (p == NULL)
    return TRUE;
  if (!uctr_notify_prepare (c->dfd, state_path, &c->notify_dir, error))
    return FALSE;
  if (c->notify_dir != NULL)
    {
      popts->notify_dir = c->notify_dir;
      p->env = uctr_env_set (p->env, "NOTIFY_SOCKET=" UCTR_NOTIFY_CONTAINER_SOCKET);
    }
  if (listen_fds > 0)
    {
      p->env = uctr_activation_env (p->env, listen_fds);
      popts->preserve_fds = MAX (popts->preserve_fds, listen_fds);
    }
  return TRUE;
}

/* The container's groups, lowest to highest, as its user namespace maps
   them (every group without one of its own). */
static gboolean
mapped_groups (const UctrPlan *plan, guint32 *low, guint32 *high)
{
  g_autofree char *maps = NULL;

  if (plan->new_userns)
    maps = uctr_idmap_format (plan->idmap.gid, plan->idmap.n_gid, FALSE);
  /* Ours (uctr run inside a user namespace, as by rootless podman, or the
     initial one's "0 0 4294967295"). */
  else if (!g_file_get_contents ("/proc/self/gid_map", &maps, NULL, NULL))
    return FALSE;
  return uctr_idmap_span (maps, low, high);
}

/* Any group of the container may ping (ICMP echo sockets) in its network
   namespace, as Docker and podman set it: libslirp answers for its own
   addresses and sends on where the host lets it. linux.sysctl wins. */
static void
plan_ping (Create *c)
{
  g_autofree char *range = NULL;
  guint32 low, high;

  if (!mapped_groups (c->plan, &low, &high))
    return;
  range = g_strdup_printf ("%u %u", low, high);
  uctr_plan_add_sysctl (c->plan, "net.ipv4.ping_group_range", range);
}

/* The calls outbound_tcp=handover and publish_tcp=handover give the helper. */
static unsigned
handover_calls (const UctrNetOptions *o)
{
  return (o->outbound_tcp == UCTR_OUTBOUND_TCP_HANDOVER ? UCTR_HANDOVER_CONNECT : 0)
         | (o->publish_tcp == UCTR_PUBLISH_TCP_HANDOVER ? UCTR_HANDOVER_BIND : 0);
}

/* A handover reads the memory and fds of the container's processes: the
   helper may as the owner of their user namespace, not as a process with
   no capabilities beside them in the caller's. */
static gboolean
plan_handover (Create *c, GError **error)
{
  unsigned calls = handover_calls (&c->net);
  const char *option = uctr_net_options_handover (&c->net);

  if (option == NULL)
    return TRUE;
  if (!c->plan->new_userns)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--network slirp:%s=handover needs a user namespace of the container's own, "
                         "which uctr makes for a user other than root; as root, add {\"type\": \"user\"} "
                         "with linux.uidMappings and linux.gidMappings, or leave %s at its default"),
                          option, option);
  c->plan->net_handover = g_new0 (UctrHandoverFilter, 1);
  uctr_handover_filter_build (c->plan->net_handover, seccomp_arch_native (), calls);
  return TRUE;
}

static gboolean
plan_network (Create *c, GError **error)
{
  UctrPlanNet *net = &c->plan->net;

  if (!c->net_enabled)
    return TRUE;
  if (!plan_handover (c, error))
    return FALSE;
  plan_ping (c);
  net->enabled = TRUE;
  net->mtu = c->net.mtu;
  net->addr = c->net_addresses.guest;
  net->netmask = c->net_addresses.netmask;
  net->gateway = c->net_addresses.host;
  net->ipv6 = c->net.ipv6;
  net->addr6 = c->net_addresses.guest6;
  net->gateway6 = c->net_addresses.host6;
  net->prefix6 = c->net_addresses.prefix6;
  return TRUE;
}

/* root.path "/" (the host's own tree as the container's, read-only for a
   sandbox) is bound onto an empty directory of the state dir: see mounts.c. */
static gboolean
stage_host_root (Create *c, GError **error)
{
  if (strcmp (c->plan->rootfs, "/") != 0)
    return TRUE;
  if (mkdirat (c->dfd, "root", 0700) < 0)
    return uctr_throw_errno (error, _("Creating the staging directory of the host's root"));
  c->rootfs_staging = g_build_filename (c->opts->root, c->opts->id, "root", NULL);
  c->plan->rootfs_staging = c->rootfs_staging;
  return TRUE;
}

static gboolean
make_fifo (Create *c, GError **error)
{
  if (mkfifoat (c->dfd, "exec.fifo", 0600) < 0)
    return uctr_throw_errno (error, _("Creating exec.fifo"));
  /* The container process may run as another id than its owner. */
  if (fchmodat (c->dfd, "exec.fifo", 0622, 0) < 0)
    return uctr_throw_errno (error, _("Setting the mode of exec.fifo"));
  /* Read-write, so that the open does not wait for `start`: the init
     blocks in read () on it instead, holding no directory of the host. */
  c->plan->fifo_fd = openat (c->dfd, "exec.fifo", O_RDWR | O_CLOEXEC);
  if (c->plan->fifo_fd < 0)
    return uctr_throw_errno (error, _("Opening exec.fifo"));
  c->plan->host_proc_fd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (c->plan->host_proc_fd < 0)
    return uctr_throw_errno (error, _("Opening /proc"));
  return TRUE;
}

/* The listener fd of the init's seccomp filter goes to the agent at
   listenerPath with the container process state (status creating). */
static gboolean
send_listener (Create *c, int fd, GError **error)
{
  g_autofree char *state = NULL;
  gboolean ok;

  if (fd < 0)
    return uctr_throw (error, UCTR_ERROR_FAILED, _("linux.seccomp: the container init sent no listener fd"));
  state = uctr_state_to_json (c->state, UCTR_STATUS_CREATING, FALSE);
  ok = uctr_seccomp_send_listener (c->plan->seccomp, fd, c->state->pid, state, error);
  close (fd);
  return ok;
}

/* The init left without a word. Under a seccomp filter the likeliest cause
   is the filter itself (a killed or refused call between loading it and
   READY): say how the init ended and what the filter must allow. The init
   stays a zombie (WNOWAIT) for abandon() to reap. */
static void
explain_early_exit (Create *c, GError **error)
{
  uctr_autofd int pidfd = -1;
  struct pollfd p;
  siginfo_t si = { 0 };
  const char *allow = _("linux.seccomp must allow what the container init does until execve "
                        "(sendmsg, close, read, execveat or execve)");

  if (c->plan->seccomp == NULL || c->state == NULL || c->state->pid <= 0)
    return;
  pidfd = pidfd_open (c->state->pid, 0);
  if (pidfd < 0)
    return;
  p = (struct pollfd){ .fd = pidfd, .events = POLLIN };
  if (poll (&p, 1, 2000) <= 0 || waitid (P_PIDFD, pidfd, &si, WEXITED | WNOHANG | WNOWAIT) < 0
      || si.si_pid == 0)
    return;
  g_clear_error (error);
  if (si.si_code == CLD_EXITED)
    uctr_throw (error, UCTR_ERROR_FAILED,
                _("the container init exited with status %d before it was ready: %s"), si.si_status, allow);
  else
    uctr_throw (error, UCTR_ERROR_FAILED,
                _("the container init was killed by signal %d (%s) before it was ready: %s"), si.si_status,
                   si.si_status == SIGSYS
                   ? _("SIGSYS, from its seccomp filter") : g_strsignal (si.si_status), allow);
}

/* A warning from the init. What every rootless container meets (a sysfs
   or cgroup2 mount refused in a user namespace, so the host's is bound;
   devpts without gid=) is runc's silent behaviour too: a debug line, not
   a warning on stderr, which an engine may hand to the container's log. */
static void
note_warning (Create *c, const UctrSyncMsg *m)
{
  g_autofree char *text = uctr_init_warning_describe (c->config, c->plan, m);

  if (m->step == UCTR_STEP_MOUNT_FALLBACK || m->step == UCTR_STEP_DEVPTS_GID)
    uctr_debug ("%s", text);
  else
    g_ptr_array_add (c->opts->warnings, g_steal_pointer (&text));
}

/* Receives records until WANT; an ERROR record becomes the error, with context. */
static gboolean
expect (Create *c, UctrSyncType want, UctrSyncMsg *out, GError **error)
{
  for (;;)
    {
      UctrSyncMsg m;
      int fd = -1;

      if (!uctr_sync_recv (c->sock, &m, &fd, error))
        {
          explain_early_exit (c, error);
          return FALSE;
        }
      if (m.type == UCTR_SYNC_ERROR)
        return uctr_init_error_describe (c->config, c->plan, &m, error);
      if (m.type == UCTR_SYNC_WARNING)
        note_warning (c, &m);
      else if (m.type == UCTR_SYNC_CONSOLE)
        c->console_fd = fd;
      else if (m.type == UCTR_SYNC_SECCOMP)
        {
          if (!send_listener (c, fd, error))
            return FALSE;
        }
      else if (m.type == UCTR_SYNC_HANDOVER)
        {
          g_autofree char *path = g_build_filename (c->opts->root, c->opts->id, UCTR_HANDOVER_SOCKET, NULL);
          gboolean ok = uctr_handover_send (path, fd, error);

          close (fd);
          if (!ok)
            return uctr_prefix_error (error, _("--network slirp: the handover"));
        }
      else if (m.type == UCTR_SYNC_TAP)
        {
          /* The helper started with the init: tap0 to it, then it comes up while the init mounts. */
          gboolean ok = uctr_net_launch_finish (&c->net_launch, fd, c->state->pid, error);

          close (fd);
          if (!ok)
            return uctr_prefix_error (error, "--network slirp");
          if (!uctr_state_save_net_pid (c->dfd, c->opts->id, c->net_launch.pid, error))
            return FALSE;
          if (!uctr_sync_send (c->sock, UCTR_SYNC_NET_READY, NULL, 0, error))
            return FALSE;
          uctr_debug ("create: the network helper is ready (pid %d)", (int) c->net_launch.pid);
        }
      else if (m.type == want)
        {
          if (out != NULL)
            *out = m;
          return TRUE;
        }
    }
}

/* The controllers the writes need, each once. */
static char **
wanted_controllers (GPtrArray *writes)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint i;

  for (i = 0; i < writes->len; i++)
    {
      const UctrCgroupWrite *w = g_ptr_array_index (writes, i);

      if (strcmp (w->controller, "cgroup") != 0
          && !g_ptr_array_find_with_equal_func (names, w->controller, g_str_equal, NULL))
        g_ptr_array_add (names, g_strdup (w->controller));
    }
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

/* linux.resources and cgroupsPath, checked before anything runs. */
static gboolean
check_cgroup_config (Create *c, GError **error)
{
  g_autofree char *slice = NULL;
  g_autofree char *unit = NULL;

  c->resources = uctr_resources_parse (c->config->resources, "linux.resources", error);
  if (c->resources == NULL)
    return FALSE;
  c->writes = uctr_resources_writes (c->resources, "linux.resources", error);
  if (c->writes == NULL)
    return FALSE;
  c->controllers = wanted_controllers (c->writes);
  if (c->opts->systemd_cgroup)
    return uctr_systemd_parse_path (c->config->cgroups_path, c->opts->id, uctr_cgroup_as_root (), &slice,
                                    &unit, error);
  return uctr_cgroup_check_path (c->config->cgroups_path, error);
}

/* What linux.resources asks for and this container does not get: said once,
   in one warning, with the reason for each part. */
static void
warn_unapplied (Create *c, GPtrArray *unapplied)
{
  g_autoptr(GString) msg = g_string_new (NULL);
  g_autofree char *names = NULL;

  if (unapplied->len > 0)
    {
      g_ptr_array_add (unapplied, NULL);
      names = g_strjoinv (", ", (char **) unapplied->pdata);
      if (c->cgroup.path == NULL)
        g_string_append_printf (msg, _("%s not applied: the container has no cgroup of its own: %s"), names,
                                        c->cgroup.why_none);
      else if (c->cgroup.why_no_controllers != NULL)
        g_string_append_printf (msg, _("%s not applied in %s: %s"), names, c->cgroup.path,
                                        c->cgroup.why_no_controllers);
      else
        g_string_append_printf (msg, _("%s not applied in %s"), names, c->cgroup.path);
      g_clear_pointer (&names, g_free);
    }
  if (c->resources->unsupported->len > 0 && c->cgroup.v1 == NULL)
    {
      g_ptr_array_add (c->resources->unsupported, NULL);
      names = g_strjoinv (", ", (char **) c->resources->unsupported->pdata);
      g_string_append_printf (msg, _("%s%s not applied: cgroup v2 has no such setting"),
                                      msg->len > 0 ? "; " : "", names);
    }
  if (msg->len > 0)
    g_ptr_array_add (c->opts->warnings, g_strdup_printf ("linux.resources: %s", msg->str));
}

static UctrCgroupRequest
cgroup_request (Create *c)
{
  return (UctrCgroupRequest){ .id = c->opts->id,
                              .cgroups_path = c->config->cgroups_path,
                              .systemd = c->opts->systemd_cgroup,
                              .controllers = (const char *const *) c->controllers,
                              .writes = c->writes };
}

/* CLONE_INTO_CGROUP checks the cgroup's permissions against the process
   that clones: stage 1, as the setup uid and gid of the user namespace.
   When those are not our own host ids (root mapping container root to
   100000), the cgroup we made is not theirs to write: the clone would fail
   after the new pid namespace has spent its pid 1, so the init is cloned
   plainly and moved in from here. */
static gboolean
clone_into_cgroup_allowed (const UctrPlan *plan)
{
  guint32 uid, gid;

  if (!plan->in_userns)
    return TRUE;
  return plan->new_userns && uctr_idmap_to_inside (plan->idmap.uid, plan->idmap.n_uid, geteuid (), &uid)
         && uctr_idmap_to_inside (plan->idmap.gid, plan->idmap.n_gid, getegid (), &gid)
         && uid == plan->setup_uid && gid == plan->setup_gid;
}

/* A mount of type cgroup shows the container's v1 cgroups, as runc's. */
static void
plan_cgroup_v1_mounts (Create *c)
{
  guint i;

  c->cgroup_v1_mounts = g_array_new (FALSE, TRUE, sizeof (UctrPlanCgroupV1));
  for (i = 0; i < c->cgroup.v1->len; i++)
    {
      const UctrCgroupV1Dir *d = g_ptr_array_index (c->cgroup.v1, i);
      const char *eq = strchr (d->controllers, '=');
      /* "name=systemd" is seen as "systemd", as it is mounted. */
      UctrPlanCgroupV1 m = { eq != NULL ? eq + 1 : d->controllers, d->controllers, d->path };

      g_array_append_val (c->cgroup_v1_mounts, m);
    }
  uctr_plan_use_cgroup_v1 (c->plan, (const UctrPlanCgroupV1 *) (void *) c->cgroup_v1_mounts->data,
                           c->cgroup_v1_mounts->len);
}

/* Before the fork: the container's cgroup, for the clone to put the init in. */
static gboolean
prepare_cgroup (Create *c, GError **error)
{
  UctrCgroupRequest req = cgroup_request (c);

  c->cgroup_fd = uctr_cgroup_prepare (&req, &c->cgroup, error);
  if (c->cgroup_fd == -2)
    return FALSE;
  c->cgroup_v1 = uctr_cgroup_v1_wanted ();
  if (c->cgroup_v1 && !uctr_cgroup_v1_prepare (&req, &c->cgroup, error))
    return FALSE;
  if (c->cgroup.v1 != NULL)
    plan_cgroup_v1_mounts (c);
  c->plan->cgroup_fd = clone_into_cgroup_allowed (c->plan) ? c->cgroup_fd : -1;
  return TRUE;
}

/* linux.resources written into the container's cgroup: its v1 hierarchies
   where it has them (the v2 cgroup of a hybrid host has no controllers: it
   tracks the processes), else its v2 cgroup. UNAPPLIED gets what was not. */
static gboolean
apply_resources (Create *c, GPtrArray *unapplied, GError **error)
{
  g_autoptr(GPtrArray) writes = NULL;
  guint i;

  if (c->cgroup.v1 != NULL)
    {
      writes = uctr_resources_writes_v1 (c->resources, TRUE, "linux.resources", error);
      return writes != NULL
             && uctr_cgroup_v1_apply (c->cgroup.v1, writes, "linux.resources", unapplied, error);
    }
  if (c->cgroup.path != NULL
      && !uctr_cgroup_apply (c->cgroup.path, c->writes, "linux.resources", unapplied, error))
    return FALSE;
  /* cgroup v2 has no devices files: the rules are a BPF program, which only
     root may attach (a user's container has only the nodes it was given). */
  if (c->cgroup.path != NULL && !c->cgroup.shared && uctr_cgroup_as_root ())
    {
      g_autoptr(GArray) rules = uctr_resources_device_rules (c->resources);

      if (!uctr_devfilter_attach (c->cgroup.path, (const UctrDeviceRule *) (void *) rules->data, rules->len,
                                  error))
        return FALSE;
    }
  for (i = 0; c->cgroup.path == NULL && i < c->writes->len; i++)
    uctr_cgroup_note_unapplied (unapplied,
                                ((const UctrCgroupWrite *) g_ptr_array_index (c->writes, i))->what);
  return TRUE;
}

/* As root, a limit asked for and not applied stops create: an orchestrator
   does not read warnings, and nothing stands between root and the cgroups. */
static gboolean
refuse_unapplied (Create *c, GPtrArray *unapplied, GError **error)
{
  g_autofree char *names = NULL;
  const char *why = c->cgroup.path == NULL ? c->cgroup.why_none : c->cgroup.why_no_controllers;

  g_ptr_array_add (unapplied, NULL);
  names = g_strjoinv (", ", (char **) unapplied->pdata);
  if (c->cgroup.v1 != NULL)
    return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                       _("linux.resources: %s cannot be applied: this host mounts no cgroup v1 hierarchy with "
                         "that controller (or its kernel lacks the file)"),
                          names);
  if (why != NULL)
    return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                       _("linux.resources: %s cannot be applied: %s"), names, why);
  return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                     _("linux.resources: %s cannot be applied in %s"), names, c->cgroup.path);
}

/* After the init exists and before it runs anything of the container: in
   its own cgroup, with the limits of linux.resources. */
static gboolean
place_cgroup (Create *c, GError **error)
{
  UctrCgroupRequest req = cgroup_request (c);
  g_autoptr(GPtrArray) unapplied = g_ptr_array_new_with_free_func (g_free);
  guint i;

  if (!uctr_cgroup_place (&req, c->state->pid, &c->cgroup, error)
      || (c->cgroup_v1 && !uctr_cgroup_v1_place (&req, c->state->pid, &c->cgroup, error)))
    return FALSE;
  for (i = 0; i < c->cgroup.notes->len; i++)
    g_ptr_array_add (c->opts->warnings, g_strdup (g_ptr_array_index (c->cgroup.notes, i)));
  /* A cgroup shared with other processes gets the limits, but the
     container's processes are found, signalled and counted through its pid
     namespace, as for a container without a cgroup. */
  c->state->cgroup_path = c->cgroup.shared ? NULL : g_strdup (c->cgroup.path);
  c->state->cgroup_v1 = c->cgroup.shared || c->cgroup.v1 == NULL ? NULL : g_ptr_array_ref (c->cgroup.v1);
  c->state->cgroup_unit = g_strdup (c->cgroup.unit);
  c->state->cgroup_note = c->cgroup.shared
      ? g_strdup_printf (_("it shares the cgroup %s with other processes"), c->cgroup.path)
      : g_strdup (c->cgroup.why_none);
  if (!uctr_state_save (c->dfd, c->state, error) || !apply_resources (c, unapplied, error))
    return FALSE;
  if (unapplied->len > 0 && uctr_cgroup_as_root ())
    return refuse_unapplied (c, unapplied, error);
  warn_unapplied (c, unapplied);
  return TRUE;
}

static void
close_plan_host_fds (UctrPlan *plan)
{
  if (plan == NULL)
    return;
  uctr_close_fdp (&plan->fifo_fd);
  uctr_close_fdp (&plan->host_proc_fd);
}

static gboolean
start_init (Create *c, GError **error)
{
  uctr_resolve_no_openat2 = g_getenv ("UCTR_TEST_NO_OPENAT2") != NULL;
  c->stage1 = uctr_sync_fork_stage1 (c->plan, &c->sock, &c->direct, error);
  /* The init has its own: with ours open, `start` (in this process for
     run) would never see the fifo's reader go at execve. */
  close_plan_host_fds (c->plan);
  return c->stage1 > 0;
}

static gboolean
map_and_get_pid (Create *c, GError **error)
{
  UctrSyncMsg m;
  int status;

  /* Cloned straight into its namespaces, the child is the init, and its
     user namespace exists already. */
  if (c->plan->new_userns)
    {
      if (!c->direct && !expect (c, UCTR_SYNC_USERNS_READY, NULL, error))
        return FALSE;
      if (!uctr_idmap_apply (&c->plan->idmap, c->stage1, g_getenv ("UCTR_NEWUIDMAP"),
                             g_getenv ("UCTR_NEWGIDMAP"), error))
        return uctr_prefix_error (error, _("Mapping ids of the user namespace"));
      if (!uctr_sync_send (c->sock, UCTR_SYNC_MAPPED, NULL, 0, error))
        return FALSE;
    }
  if (c->direct)
    c->state->pid = c->stage1;
  else
    {
      if (!expect (c, UCTR_SYNC_PID, &m, error))
        return FALSE;
      (void) TEMP_FAILURE_RETRY (waitpid (c->stage1, &status, 0));
      c->state->pid = (pid_t) m.value;
    }
  c->stage1 = 0;
  c->state->pid_start_time = uctr_proc_start_time (c->state->pid);
  /* state.json comes with the cgroup (place_cgroup); until then init.pid
     is what delete --force stops. */
  return uctr_state_save_init_pid (c->dfd, c->state, error);
}

/* The state the hooks see, as runc: "creating" up to createContainer,
   "created" for startContainer (both in GO's payload, for the init). */
static gboolean
run_runtime_hooks (Create *c, GError **error)
{
  g_autofree char *creating = uctr_state_to_json (c->state, UCTR_STATUS_CREATING, FALSE);
  g_autofree char *created = NULL;
  g_autoptr(GString) both = NULL;

  if (!uctr_hooks_run (c->config, UCTR_HOOK_PRESTART, creating, error)
      || !uctr_hooks_run (c->config, UCTR_HOOK_CREATE_RUNTIME, creating, error))
    return FALSE;
  created = uctr_state_to_json (c->state, UCTR_STATUS_CREATED, FALSE);
  both = g_string_new (creating);
  g_string_append_c (both, '\0');
  g_string_append (both, created);
  return uctr_sync_send (c->sock, UCTR_SYNC_GO, both->str, both->len, error);
}

static gboolean
finish (Create *c, GError **error)
{
  c->state->creating = FALSE;
  if (!uctr_state_save (c->dfd, c->state, error))
    return FALSE;
  if (c->opts->pid_file != NULL && !uctr_write_pid_file (c->opts->pid_file, c->state->pid, error))
    return FALSE;
  if (c->console_fd >= 0 && c->opts->console_socket != NULL)
    {
      gboolean ok = uctr_console_send (c->opts->console_socket, c->console_fd, error);
      close (c->console_fd);
      c->console_fd = -1;
      return ok;
    }
  return TRUE;
}

/* What the caller hands over for the state dir, before anything else is there. */
static gboolean
write_state_files (Create *c, GError **error)
{
  for (gsize i = 0; i < c->opts->n_state_files; i++)
    {
      const UctrStateFile *f = &c->opts->state_files[i];

      g_return_val_if_fail (g_str_has_prefix (f->name, UCTR_STATE_FILE_PREFIX)
                                && strchr (f->name, '/') == NULL,
                            FALSE);
      /* The mode as asked, whatever the umask: the container's users read it. */
      if (!uctr_write_file_atomic_at (c->dfd, f->name, f->contents, strlen (f->contents), f->mode, error)
          || (fchmodat (c->dfd, f->name, f->mode, 0) < 0
              && !uctr_throw_errno (error, _("Setting its mode"))))
        return uctr_prefix_error (error, _("Writing %s/%s/%s"), c->opts->root, c->opts->id, f->name);
    }
  return TRUE;
}

/* A step of create in --debug's trace (time-stamped: bench/startup reads
   the phases from it). */
static gboolean
phase (const char *what)
{
  uctr_debug ("create: %s", what);
  return TRUE;
}

/* The network helper, started before the plan so that its exec and its
   dynamic linking overlap the plan and the init's start: it waits for
   tap0. */
static gboolean
start_net_helper (Create *c, GError **error)
{
  g_autofree char *dir = NULL;

  if (!c->net_enabled)
    return TRUE;
  dir = g_build_filename (c->opts->root, c->opts->id, NULL);
  if (!uctr_net_launch_start (&c->net_launch, c->net_options, dir, (const char *const *) c->publish->pdata,
                              error))
    return uctr_prefix_error (error, "--network slirp");
  return TRUE;
}

/* CVE-2019-5736, where the binary is one the container's ids could write
   (base/selfexe.c): the init execs the process through the sealed
   trampoline, or, where that is not enough, create is undone and uctr
   starts again from a sealed copy of itself. Before anything else exists
   for the container but its state directory. */
static gboolean
protect_binary (Create *c, GError **error)
{
  g_autoptr(GError) local = NULL;
  uctr_autofd int dmz = -1;
  const char *refusal;

  if (!uctr_selfexe_exposed ())
    return TRUE;
  dmz = uctr_selfexe_dmz_open (&local);
  refusal = dmz < 0 ? local->message : uctr_plan_dmz_refusal (c->plan, dmz);
  if (refusal != NULL)
    {
      uctr_debug ("no exec trampoline: %s", refusal);
      c->reexec = TRUE;
      return uctr_throw (error, UCTR_ERROR_FAILED, "internal: create starts again from a sealed copy");
    }
  uctr_debug ("the init execs the process through the sealed exec trampoline");
  uctr_plan_use_dmz (c->plan, uctr_steal_fd (&dmz));
  return TRUE;
}

static gboolean
create_in_dir (Create *c, GError **error)
{
  UctrPlanOptions popts = { .bundle = c->opts->bundle,
                            .no_pivot = c->opts->no_pivot,
                            .preserve_fds = c->opts->preserve_fds,
                            .add_userns = geteuid () != 0,
                            .state_root = c->opts->root };
  uctr_autofd int lock = uctr_state_lock (c->dfd, error);

  if (lock < 0 || !write_state_files (c, error) || !load_config (c, error))
    return FALSE;
  if (c->config->namespaces[UCTR_NS_USER].enabled)
    popts.add_userns = FALSE;
  if (c->config->process != NULL && c->config->process->terminal && c->opts->console_socket == NULL
      && !c->opts->keep_console)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("process.terminal is true: pass --console-socket to receive the terminal"));
  if (c->config->process != NULL && !c->config->process->terminal && c->opts->console_socket != NULL)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--console-socket: process.terminal is false, so there is no terminal to send"));
  if (!parse_network (c, &popts, error) || !prepare_session (c, &popts, error)
      || !check_cgroup_config (c, error))
    return FALSE;
  /* The helper takes longer to start (an exec of uctr) than the init takes
     to make tap0: it starts as soon as its options are known. Should create
     fail or start again from a sealed copy of uctr (protect_binary), it is
     stopped before it has anything of the container. */
  if (!start_net_helper (c, error))
    return FALSE;
  c->plan = uctr_plan_new (c->config, &popts, c->opts->warnings, error);
  if (c->plan == NULL || !protect_binary (c, error) || !plan_ids (c, error) || !make_fifo (c, error)
      || !stage_host_root (c, error) || !prepare_cgroup (c, error))
    return FALSE;
  c->plan->die_with_parent = c->opts->die_with_parent;
  if (!plan_network (c, error))
    return FALSE;
  if (c->opts->stdio != NULL)
    memcpy (c->plan->stdio_fds, c->opts->stdio, sizeof c->plan->stdio_fds);

  c->state = g_new0 (UctrState, 1);
  c->state->id = g_strdup (c->opts->id);
  c->state->bundle = g_strdup (c->opts->bundle);
  c->state->rootfs = g_strdup (c->plan->rootfs);
  c->state->created = uctr_time_rfc3339 (g_get_real_time () * 1000);
  c->state->owner = user_name (geteuid ());
  c->state->annotations = g_hash_table_ref (c->config->annotations);
  c->state->annotation_keys = g_strdupv (c->config->annotation_keys);
  c->state->creating = TRUE;

  return phase ("config and plan ready") && start_init (c, error) && map_and_get_pid (c, error)
         && phase ("ids mapped, the init forked")
         && uctr_idmount_send (c->plan, c->state->pid, c->sock, error) && place_cgroup (c, error)
         && run_runtime_hooks (c, error) && phase ("cgroup placed, hooks run: GO")
         && expect (c, UCTR_SYNC_READY, NULL, error) && phase ("the init is ready: mounts made, pivot done")
         && finish (c, error);
}

static void
abandon (Create *c)
{
  if (c->stage1 > 0)
    {
      (void) kill (c->stage1, SIGKILL);
      (void) TEMP_FAILURE_RETRY (waitpid (c->stage1, NULL, 0));
    }
  if (c->state != NULL && c->state->pid > 0)
    {
      (void) kill (c->state->pid, SIGKILL);
      (void) TEMP_FAILURE_RETRY (waitpid (c->state->pid, NULL, 0));
    }
  if (c->console_fd >= 0)
    close (c->console_fd);
  /* An emptied scope is systemd's to remove; it is asked when it stays. */
  if (c->cgroup.unit != NULL && c->cgroup.path != NULL && !uctr_cgroup_wait_gone (c->cgroup.path, 2000))
    (void) uctr_systemd_stop_unit (c->cgroup.unit, uctr_cgroup_as_root (), NULL);
  uctr_cgroup_placement_undo (&c->cgroup);
  /* A failed create goes on with delete, as the runtime spec says: its
     poststop hooks run once the init existed. */
  if (c->state != NULL && c->state->pid > 0)
    {
      g_autofree char *json = uctr_state_to_json (c->state, UCTR_STATUS_STOPPED, FALSE);
      (void) uctr_hooks_run (c->config, UCTR_HOOK_POSTSTOP, json, NULL);
    }
  uctr_net_launch_clear (&c->net_launch);
  if (c->dfd >= 0)
    uctr_state_end_net_helper (c->dfd);
  (void) uctr_state_remove_dir (c->opts->root, c->opts->id, NULL);
}

void
uctr_created_clear (UctrCreated *created)
{
  g_clear_pointer (&created->loaded.state, uctr_state_free);
  g_clear_pointer (&created->loaded.config, uctr_config_free);
}

gboolean
uctr_container_create (const UctrCreateOptions *opts, UctrCreated *out, GError **error)
{
  Create c = {
    .opts = opts, .dfd = -1, .sock = -1, .console_fd = -1, .cgroup_fd = -1, .net_launch = UCTR_NET_LAUNCH_INIT
  };
  gboolean ok;

  if (!uctr_state_validate_id (opts->id, error))
    return FALSE;
  uctr_reserve_preserved_fds (opts->preserve_fds);
  c.dfd = uctr_state_create_dir (opts->root, opts->id, error);
  if (c.dfd < 0)
    return FALSE;
  if (opts->guard != NULL)
    uctr_guard_arm (opts->guard);
  uctr_net_options_init (&c.net);
  c.publish = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  ok = create_in_dir (&c, error);
  if (ok)
    {
      out->pid = c.state->pid;
      out->console_fd = c.console_fd;
      out->loaded.state = g_steal_pointer (&c.state);
      out->loaded.config = g_steal_pointer (&c.config);
    }
  else
    abandon (&c);
  uctr_net_launch_clear (&c.net_launch);
  if (c.sock >= 0)
    close (c.sock);
  close (c.dfd);
  close_plan_host_fds (c.plan);
  uctr_plan_free (c.plan);
  uctr_state_free (c.state);
  uctr_config_free (c.config);
  uctr_net_options_clear (&c.net);
  g_ptr_array_unref (c.publish);
  uctr_resources_free (c.resources);
  g_clear_pointer (&c.writes, g_ptr_array_unref);
  g_strfreev (c.controllers);
  uctr_close_fdp (&c.cgroup_fd);
  uctr_cgroup_placement_clear (&c.cgroup);
  g_clear_pointer (&c.cgroup_v1_mounts, g_array_unref);
  g_free (c.resolv_conf);
  g_free (c.rootfs_staging);
  g_free (c.notify_dir);
  if (!ok && c.reexec)
    {
      g_clear_error (error);
      return uctr_selfexe_protect (error);
    }
  return ok;
}
