/* uctr kill */
#include "cli/cli.h"
#include "base/log.h"
#include "oci/config.h"
#include "runtime/container.h"

#include <signal.h>

/* Without a SIGNAL: the stop signal of the image the container was run
   from (the annotation an image's StopSignal becomes, as podman writes it
   too), else TERM as runc. */
static int
default_signal (const char *root, const char *id)
{
  UctrLoaded loaded = { 0 };
  const char *v = NULL;
  int sig;

  if (!uctr_container_load (root, id, &loaded, NULL, NULL))
    return SIGTERM;
  if (loaded.config->annotations != NULL)
    v = g_hash_table_lookup (loaded.config->annotations, UCTR_ANNOTATION_IMAGE_STOP_SIGNAL);
  sig = v != NULL ? uctr_signal_from_name (v) : -1;
  uctr_state_free (loaded.state);
  uctr_config_free (loaded.config);
  return sig > 0 ? sig : SIGTERM;
}

int
uctr_cmd_kill (UctrGlobal *g, int argc, char **argv, GError **error)
{
  gboolean all = FALSE;
  GOptionEntry entries[] = {
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, N_ ("Signal every process of the container, not just its init"),
      NULL },
    { NULL },
  };
  const UctrCliVerb verb
      = { "kill", "ID [SIGNAL]",
          _("Send a signal to a container (default: the stop signal of its image, else TERM)."), 1, 2 };
  const char *root;
  int sig = SIGTERM;

  if (!uctr_cli_parse_verb (&verb, entries, &argc, &argv, error))
    return -1;
  if (argc == 3 && (sig = uctr_signal_from_name (argv[2])) < 0)
    {
      uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                  _("unknown signal \"%s\"; use a name like TERM or a number"), argv[2]);
      return -1;
    }
  if ((root = uctr_global_root (g, error)) == NULL)
    return -1;
  if (argc == 2)
    sig = default_signal (root, argv[1]);
  uctr_debug ("sending signal %d to %s%s", sig, argv[1], all ? " (all processes)" : "");
  return uctr_container_kill (root, argv[1], sig, all, error) ? 0 : -1;
}
