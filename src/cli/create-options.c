/* uctr: the options create and run share. */
#include "cli/create-options.h"
#include "base/log.h"
#include "runtime/container.h"

/* Before anything exists; create checks them again with the annotation. */
static gboolean
check_publish (char **publish, GError **error)
{
  for (; publish != NULL && *publish != NULL; publish++)
    {
      g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func ((GDestroyNotify) uctr_port_spec_free);

      if (!uctr_port_spec_parse_ranges (*publish, specs, error))
        {
          g_prefix_error (error, "--publish ");
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
uctr_create_args_parse (UctrCreateArgs *a, const char *verb, const char *summary, gboolean with_detach,
                        int *argc, char ***argv, GError **error)
{
  return uctr_create_args_parse_with (a, verb, "ID", summary, with_detach, NULL, FALSE, argc, argv, error);
}

gboolean
uctr_create_args_parse_with (UctrCreateArgs *a, const char *verb, const char *params, const char *summary,
                             gboolean with_detach, const GOptionEntry *extra, gboolean stop_at_first_arg,
                             int *argc, char ***argv, GError **error)
{
  g_autoptr(GArray) all = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));
  GOptionEntry entries[] = {
    { "bundle", 'b', 0, G_OPTION_ARG_FILENAME, &a->bundle, N_ ("Bundle directory (default: the current one)"),
      N_ ("DIR") },
    { "pid-file", 0, 0, G_OPTION_ARG_FILENAME, &a->pid_file, N_ ("Write the container's pid to FILE"),
      N_ ("FILE") },
    { "console-socket", 0, 0, G_OPTION_ARG_FILENAME, &a->console_socket,
      N_ ("Send the pty master of process.terminal over this unix socket"), N_ ("PATH") },
    { "preserve-fds", 0, 0, G_OPTION_ARG_INT, &a->preserve_fds,
      N_ ("Pass N fds after stdio (3..N+2) to the container"), "N" },
    { "no-pivot", 0, 0, G_OPTION_ARG_NONE, &a->no_pivot, N_ ("Use MS_MOVE and chroot instead of pivot_root"),
      NULL },
    { "no-new-keyring", 0, 0, G_OPTION_ARG_NONE, &a->no_new_keyring,
      N_ ("Accepted for runc compatibility; uctr creates no session keyring"), NULL },
    { "network", 0, 0, G_OPTION_ARG_STRING, &a->network,
      N_ ("none: only lo (the default); slirp[:OPTIONS]: a user-mode network through tap0 (see uctr-run(1))"),
      N_ ("MODE") },
    { "publish", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &a->publish,
      N_ ("Publish a container port on the host, with --network slirp (repeatable)"),
      N_ ("[HOSTIP:]HOSTPORT[-LAST]:CONTAINERPORT[-LAST][/tcp|/udp]") },
    { "detach", 'd', 0, G_OPTION_ARG_NONE, &a->detach, N_ ("Return once the process has started"), NULL },
    { NULL },
  };

  const GOptionEntry run_entries[] = {
    { "keep", 0, 0, G_OPTION_ARG_NONE, &a->keep,
      N_ ("Do not delete the container once its process has exited"), NULL },
    { "no-subreaper", 0, 0, G_OPTION_ARG_NONE, &a->no_subreaper,
      N_ ("Accepted for runc compatibility; uctr run never makes itself a subreaper"), NULL },
    { "sdnotify", 0, 0, G_OPTION_ARG_STRING, &a->sdnotify,
      N_ ("Under a Type=notify unit: container (its READY=1 is forwarded; the default), conmon (uctr says "
          "READY=1 once it has started) or ignore"),
      N_ ("MODE") },
    { NULL },
  };

  if (!with_detach)
    entries[G_N_ELEMENTS (entries) - 2] = (GOptionEntry){ NULL };
  for (gsize i = 0; entries[i].long_name != NULL; i++)
    g_array_append_val (all, entries[i]);
  for (gsize i = 0; with_detach && run_entries[i].long_name != NULL; i++)
    g_array_append_val (all, run_entries[i]);
  for (; extra != NULL && extra->long_name != NULL; extra++)
    g_array_append_val (all, *extra);
  if (!uctr_cli_parse (verb, params, summary, (GOptionEntry *) all->data, stop_at_first_arg, argc, argv,
                       error))
    return FALSE;
  if (a->preserve_fds < 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("--preserve-fds: must not be negative"));
  if (!check_publish (a->publish, error))
    return FALSE;
  a->bundle_abs = uctr_absolute_path (a->bundle != NULL ? a->bundle : ".");
  return TRUE;
}

gboolean
uctr_create_args_create (UctrCreateArgs *a, const char *root, const char *id, gboolean keep_console,
                         GPtrArray *warnings, UctrCreated *out, GError **error)
{
  UctrCreateOptions o = {
    .root = root,
    .id = id,
    .bundle = a->bundle_abs,
    .pid_file = a->pid_file,
    .console_socket = a->console_socket,
    .preserve_fds = a->preserve_fds,
    .no_pivot = a->no_pivot,
    .keep_console = keep_console,
    .network = a->network,
    .publish = a->publish,
    .systemd_cgroup = a->systemd_cgroup,
    .config_json = a->config_json,
    .die_with_parent = a->die_with_parent,
    .guard = a->guard,
    .stdio = a->stdio,
    .warnings = warnings,
    .state_files = a->state_files,
    .n_state_files = a->n_state_files,
  };

  uctr_debug ("creating %s from bundle %s under %s", id, o.bundle, root);
  if (!uctr_container_create (&o, out, error))
    return FALSE;
  uctr_debug ("created %s: init pid %d waits on exec.fifo", id, (int) out->pid);
  return TRUE;
}

void
uctr_create_args_clear (UctrCreateArgs *a)
{
  g_free (a->bundle);
  g_free (a->pid_file);
  g_free (a->console_socket);
  g_free (a->network);
  g_free (a->sdnotify);
  g_strfreev (a->publish);
  g_free (a->bundle_abs);
}
