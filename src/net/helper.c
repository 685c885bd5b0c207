/* uctr: the network helper's command line (uctr-net, net/main.c), turned
   into the arguments of its loop (slirp.h). */
#include "net/helper.h"
#include "net/fdpass.h"
#include "net/handoverclient.h"
#include "net/launch.h"
#include "net/options.h"
#include "net/ports.h"
#include "net/slirp.h"
#include "base/util.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HELPER "uctr-net"
#define HELPER_PARAMS "[--await-fds] [--api PATH] [--lock PATH] [--exit PATH] [--publish SPEC]... OPTIONS"

static gboolean
parse_publish (char **texts, GPtrArray *out, GError **error)
{
  for (; texts != NULL && *texts != NULL; texts++)
    {
      UctrPortSpec spec;

      if (!uctr_port_spec_parse (*texts, &spec, error))
        {
          g_prefix_error (error, "--publish ");
          return FALSE;
        }
      g_ptr_array_add (out, g_memdup2 (&spec, sizeof spec));
    }
  return TRUE;
}

/* One OPTIONS argument after the options. */
static gboolean
want_options (int argc, GError **error)
{
  if (argc != 2)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("usage: %s %s (run by uctr)"), HELPER, HELPER_PARAMS);
  return TRUE;
}

/* --await-fds: the tap and the init's pidfd received on the socket on fd
   3, and put on fds 3 and 4. FALSE when the socket ended first. */
static gboolean
await_fds (void)
{
  int fds[2];

  if (!uctr_fdpass_recv (UCTR_NET_HELPER_TAP_FD, fds, 2))
    return FALSE;
  /* The socket and the placeholder on 4 give way. */
  if (dup3 (fds[0], UCTR_NET_HELPER_TAP_FD, O_CLOEXEC) < 0
      || dup3 (fds[1], UCTR_NET_HELPER_PIDFD, O_CLOEXEC) < 0)
    return FALSE;
  close (fds[0]);
  close (fds[1]);
  return TRUE;
}

int
uctr_net_helper_main (int argc, char **argv)
{
  g_auto(UctrNetOptions) opts = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) ctx = g_option_context_new (NULL);
  g_autoptr(GPtrArray) publish = g_ptr_array_new_with_free_func ((GDestroyNotify) uctr_port_spec_free);
  g_autofree char *api = NULL;
  g_autofree char *lock = NULL;
  g_autofree char *exit_path = NULL;
  g_autofree char *handover = NULL;
  g_auto(GStrv) publish_texts = NULL;
  gboolean wait_for_fds = FALSE;
  GOptionEntry entries[] = {
    { "await-fds", 0, 0, G_OPTION_ARG_NONE, &wait_for_fds, NULL, NULL },
    { "api", 0, 0, G_OPTION_ARG_FILENAME, &api, NULL, NULL },
    { "lock", 0, 0, G_OPTION_ARG_FILENAME, &lock, NULL, NULL },
    { "exit", 0, 0, G_OPTION_ARG_FILENAME, &exit_path, NULL, NULL },
    { "publish", 0, 0, G_OPTION_ARG_STRING_ARRAY, &publish_texts, NULL, NULL },
    { NULL },
  };
  UctrNetHelperArgs args = {
    .tap_fd = UCTR_NET_HELPER_TAP_FD,
    .init_pidfd = UCTR_NET_HELPER_PIDFD,
    .ready_fd = UCTR_NET_HELPER_READY_FD,
    .options = &opts,
    .publish = publish,
  };

  uctr_net_options_init (&opts);
  g_option_context_set_help_enabled (ctx, FALSE);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || !parse_publish (publish_texts, publish, &error)
      || !want_options (argc, &error) || !uctr_net_options_parse (&opts, argv[1], &error))
    {
      g_printerr (HELPER ": %s\n", error->message);
      return 1;
    }
  /* The create that started us failed before its init had a tap: it
     says why; we only go. */
  if (wait_for_fds && !await_fds ())
    return 1;
  /* Beside the port API, in the container's state directory. */
  if (uctr_net_options_handover (&opts) != NULL && api != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (api);

      handover = g_build_filename (dir, UCTR_HANDOVER_SOCKET, NULL);
    }
  args.api_path = api;
  args.handover_path = handover;
  args.lock_path = lock;
  args.exit_path = exit_path;
  return uctr_net_helper_run (&args);
}
