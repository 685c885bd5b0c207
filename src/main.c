/* uctr: the verb table, global options, and the one place that prints errors. */
#include "cli/cli.h"
#include "base/selfexe.h"
#include "base/log.h"
#include "runtime/state.h"
#include "base/messages.h"
#include "logs/logger.h"
#include "store/copyroot.h"
#include "store/helper.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct
{
  const char *name;
  UctrVerbFunc func;
  const char *summary;
  /* Joins a running container: runs from a sealed copy where that matters
     (selfexe.c). create and run decide for themselves, once they know the
     container (runtime/create.c, cli/run.c). */
  gboolean joins_container;
} UctrVerb;

static const UctrVerb verbs[] = {
  { "create", uctr_cmd_create, N_ ("Create a container; it waits for start") },
  { "delete", uctr_cmd_delete, N_ ("Delete a container and its state") },
  { "events", uctr_cmd_events, N_ ("Print a container's statistics and OOM events") },
  { "exec", uctr_cmd_exec, N_ ("Run a new process in a running container"), TRUE },
  { "features", uctr_cmd_features, N_ ("Print what this uctr supports (OCI features JSON)") },
  { "image", uctr_cmd_image, N_ ("Manage the image store: ls, pull, rm, prune, inspect") },
  { "images", uctr_cmd_images, N_ ("List the images in the store") },
  { "kill", uctr_cmd_kill, N_ ("Send a signal to a container's init") },
  { "list", uctr_cmd_list, N_ ("List containers") },
  { "logs", uctr_cmd_logs, N_ ("Print the log of a detached one-line container") },
  { "pause", uctr_cmd_pause, N_ ("Suspend every process of a container") },
  { "port", uctr_cmd_port, N_ ("Publish, list and unpublish ports of a container") },
  { "ps", uctr_cmd_ps, N_ ("List the processes of a container") },
  { "pull", uctr_cmd_pull, N_ ("Pull an image from a registry, an OCI layout or an archive") },
  { "resume", uctr_cmd_resume, N_ ("Resume a paused container") },
  { "rmi", uctr_cmd_rmi, N_ ("Remove images from the store") },
  { "run", uctr_cmd_run, N_ ("Create, start and wait for a container") },
  { "spec", uctr_cmd_spec, N_ ("Write a default config.json") },
  { "start", uctr_cmd_start, N_ ("Start a created container") },
  { "state", uctr_cmd_state, N_ ("Print the state of a container as JSON") },
  { "system", uctr_cmd_system, N_ ("Show what the image store takes on disk (system df)") },
  { "update", uctr_cmd_update, N_ ("Change the resource limits of a container") },
};

static void
print_usage (FILE *out)
{
  gsize i;

  fprintf (out, "%s\n\n%s\n", _("Usage: uctr [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]"), _("Commands:"));
  for (i = 0; i < G_N_ELEMENTS (verbs); i++)
    fprintf (out, "  %-10s %s\n", verbs[i].name, _(verbs[i].summary));
  fprintf (out, "\n%s\n",
           _("Global options:\n"
                            "  --root DIR          state directory (default $XDG_RUNTIME_DIR/uctr)\n"
                            "  --log FILE          write warnings to FILE (not stderr), errors to both\n"
                            "  --log-format FMT    text or json\n"
                            "  --debug             print debug messages\n"
                            "  --systemd-cgroup    the container's cgroup is a transient scope of your systemd\n"
                            "  --rootless VALUE    true, false or auto (auto); uctr is rootless-capable either way\n"
                            "  --version           print the version\n"
                            "\"uctr COMMAND --help\" describes a command."));
}

static GOptionEntry global_entries_template[] = {
  { "root", 0, 0, G_OPTION_ARG_FILENAME, NULL, NULL, NULL },
  { "log", 0, 0, G_OPTION_ARG_FILENAME, NULL, NULL, NULL },
  { "log-format", 0, 0, G_OPTION_ARG_STRING, NULL, NULL, NULL },
  { "debug", 0, 0, G_OPTION_ARG_NONE, NULL, NULL, NULL },
  { "systemd-cgroup", 0, 0, G_OPTION_ARG_NONE, NULL, NULL, NULL },
  { "rootless", 0, 0, G_OPTION_ARG_STRING, NULL, NULL, NULL },
  { "version", 'v', 0, G_OPTION_ARG_NONE, NULL, NULL, NULL },
  { "help", 'h', 0, G_OPTION_ARG_NONE, NULL, NULL, NULL },
  { NULL },
};

static gboolean
parse_global (UctrGlobal *g, int *argc, char ***argv, gboolean *version, gboolean *help, GError **error)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new (NULL);
  GOptionEntry entries[G_N_ELEMENTS (global_entries_template)];

  memcpy (entries, global_entries_template, sizeof entries);
  entries[0].arg_data = &g->root_option;
  entries[1].arg_data = &g->log_path;
  entries[2].arg_data = &g->log_format;
  entries[3].arg_data = &g->debug;
  entries[4].arg_data = &g->systemd_cgroup;
  entries[5].arg_data = &g->rootless;
  entries[6].arg_data = version;
  entries[7].arg_data = help;
  g_option_context_set_help_enabled (ctx, FALSE);
  g_option_context_set_strict_posix (ctx, TRUE);
  g_option_context_add_main_entries (ctx, entries, NULL);
  return g_option_context_parse (ctx, argc, argv, error);
}

static void
global_clear (UctrGlobal *g)
{
  g_free (g->root_option);
  g_free (g->root);
  g_free (g->log_path);
  g_free (g->log_format);
  g_free (g->rootless);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (UctrGlobal, global_clear)

static void
print_error (const GError *error)
{
  g_printerr ("uctr: %s\n", error->message);
  uctr_log ("error", error->message);
}

static int
uctr_main (int argc, char **argv)
{
  g_auto(UctrGlobal) g = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean version = FALSE, help = FALSE;
  const UctrVerb *verb = NULL;
  gsize i;
  int status;

  uctr_selfexe_name (argv[0]);
  /* As given: option parsing rearranges argv, and a re-exec needs it whole. */
  uctr_selfexe_init (argv);
  uctr_messages_init ();

  /* Started by uctr itself, not by users: not in the table. */
  /* Removes a container's writable layer (image store) as the ids it holds. */
  if (argc >= 2 && strcmp (argv[1], "__store-helper") == 0)
    return uctr_store_helper_main (argc, argv, NULL);
  /* Run by a container's init where no overlayfs can mount an image's layers. */
  if (argc >= 2 && strcmp (argv[1], "__copy-root") == 0)
    return uctr_store_copy_root_main (argc, argv);
  /* A detached run's logger (runtime/logs.h). */
  if (argc >= 2 && strcmp (argv[1], "__logger") == 0)
    return uctr_logger_main (argc, argv);
  if (!parse_global (&g, &argc, &argv, &version, &help, &error))
    {
      print_error (error);
      return 1;
    }
  if (version)
    {
      printf ("uctr version %s\nspec: %s\nfeatures: %s\n", PACKAGE_VERSION, UCTR_OCI_VERSION, UCTR_FEATURES);
      return 0;
    }
  if (help || argc < 2)
    {
      print_usage (help ? stdout : stderr);
      return help ? 0 : 1;
    }
  if (g.rootless != NULL && strcmp (g.rootless, "true") != 0 && strcmp (g.rootless, "false") != 0
      && strcmp (g.rootless, "auto") != 0)
    {
      g_set_error (&error, UCTR_ERROR, UCTR_ERROR_INVALID_ARGUMENT,
                   _("--rootless: expected true, false or auto, not \"%s\""), g.rootless);
      print_error (error);
      return 1;
    }
  if (!uctr_log_setup (g.log_path, g.log_format, g.debug, &error))
    {
      print_error (error);
      return 1;
    }
  for (i = 0; i < G_N_ELEMENTS (verbs); i++)
    if (strcmp (argv[1], verbs[i].name) == 0)
      verb = &verbs[i];
  if (verb == NULL)
    {
      g_autofree char *msg
          = g_strdup_printf (_("unknown command \"%s\"; \"uctr --help\" lists them"), argv[1]);
      g_printerr ("uctr: %s\n", msg);
      uctr_log ("error", msg);
      return 1;
    }
  if (verb->joins_container && !uctr_selfexe_protect (&error))
    {
      print_error (error);
      return 1;
    }
  status = verb->func (&g, argc - 1, argv + 1, &error);
  if (status < 0)
    {
      print_error (error);
      status = status == UCTR_CLI_FAILED_255 ? 255 : 1;
    }
  return status;
}

int
main (int argc, char **argv)
{
  int status = uctr_main (argc, argv);

  /* Out without the exit handlers: what they do for uctr is run each
     library's destructors and finalizers (_dl_fini), half a millisecond
     of every start here, for nothing a process that ends needs. What is
     buffered is written first, as exit would. Under AddressSanitizer its
     leak check is such a handler, and runs. */
#ifndef __SANITIZE_ADDRESS__
  (void) fflush (NULL);
  _exit (status);
#endif
  return status;
}
