/* uctr spec */
#include "cli/cli.h"
#include "oci/config.h"
#include "oci/spec.h"
#include "oneline/oneline.h"
#include "oneline/image.h"
#include "runtime/container.h"

#include <stdio.h>

#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>

/* spec with a one-line run's flags: the config that command line would
   use, on stdout. */
static int
print_oneline (int argc, char **argv, GError **error)
{
  UctrOneLine o = { 0 };
  UctrOneLineExtras extras;
  g_autofree GOptionEntry *oneline_entries = uctr_oneline_entries (&o);
  g_autoptr(GArray) entries = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));
  const GOptionEntry image_entry[] = {
    { "image", 0, 0, G_OPTION_ARG_STRING, &o.image,
      N_ ("The config a run of IMAGE would use (its root: the image's layers in the store, read-only)"),
      N_ ("IMAGE") },
  };
  g_autofree char *json = NULL;
  char **command;
  int rc = -1;

  g_array_append_vals (entries, image_entry, G_N_ELEMENTS (image_entry));
  for (GOptionEntry *e = oneline_entries; e->long_name != NULL; e++)
    g_array_append_val (entries, *e);
  if (uctr_cli_parse ("spec",
                      _("--rootfs DIR [OPTIONS] [--] COMMAND [ARG...] | --image IMAGE [OPTIONS] [COMMAND]"),
                         _("Print the config.json a one-line run would use."),
                            (GOptionEntry *) entries->data, TRUE, &argc, &argv, error)
                         && (o.image == NULL || uctr_oneline_image_find (&o, error)))
    {
      command = argv + 1;
      if (command[0] != NULL && strcmp (command[0], "--") == 0)
        command++;
      g_autofree char *id = uctr_oneline_id (&o, command);

      /* No state dir: nothing runs. */
      uctr_oneline_extras_init (&extras, NULL);
      json = uctr_oneline_config (&o, id, command, o.tty, &extras, error);
      if (json != NULL)
        {
          fputs (json, stdout);
          rc = 0;
        }
      uctr_cli_print_warnings (extras.warnings);
      uctr_oneline_extras_clear (&extras);
    }
  uctr_oneline_clear (&o);
  return rc;
}

int
uctr_cmd_spec (UctrGlobal *g, int argc, char **argv, GError **error)
{
  gboolean rootless = FALSE;
  g_autofree char *bundle = NULL;
  g_autofree char *image = NULL;
  GOptionEntry entries[] = {
    { "rootless", 0, 0, G_OPTION_ARG_NONE, &rootless,
      N_ ("Write a config for a user namespace with your subordinate ids"), NULL },
    { "bundle", 'b', 0, G_OPTION_ARG_FILENAME, &bundle,
      N_ ("Write config.json in DIR (default: the current one)"), N_ ("DIR") },
    /* Listed for --help: given, it has made this a one-line spec already (print_oneline). */
    { "image", 0, 0, G_OPTION_ARG_STRING, &image,
      N_ ("Print the config a run of IMAGE would use (see uctr spec --image IMAGE --help)"), N_ ("IMAGE") },
    { NULL },
  };
  const UctrCliVerb verb = {
    "spec",
    "",
    _("Write a default config.json for a bundle whose root is rootfs/; with --rootfs and the one-line options of "
      "run, print the config that run would use."),
       0, 0,
    };
  UctrIdMapping uids[1], gids[1];
  UctrSpecOptions opts = { 0 };
  g_autofree char *json = NULL;
  uctr_autofd int dfd = -1;
  int fd;

  if (uctr_oneline_has_option (argc, argv, "--rootfs") || uctr_oneline_has_option (argc, argv, "--image"))
    return print_oneline (argc, argv, error);
  if (!uctr_cli_parse_verb (&verb, entries, &argc, &argv, error))
    return -1;
  uctr_rootless_spec_options (rootless, &opts, uids, gids);
  json = uctr_spec_default_json (&opts);
  dfd = open (bundle != NULL ? bundle : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return uctr_throw_errno (error, _("--bundle %s"), bundle != NULL ? bundle : "."), -1;
  fd = openat (dfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0 && errno == EEXIST)
    return uctr_throw (error, UCTR_ERROR_EXISTS, _("config.json exists already; remove it first")), -1;
  if (fd < 0)
    return uctr_throw_errno (error, _("Creating config.json")), -1;
  (void) close (fd);
  if (!uctr_write_file_atomic_at (dfd, "config.json", json, strlen (json), 0644, error))
    return -1;
  return 0;
}
