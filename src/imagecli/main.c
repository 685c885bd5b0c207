/* uctr-image: the image verbs (imagecli.h), and the image store's helper
   with the job that needs libarchive (unpacking a layer). */
#include "imagecli/imagecli.h"
#include "store/helper.h"
#include "store/pull.h"
#include "store/unpacker.h"
#include "base/util.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

typedef struct
{
  const char *name;
  UctrImageVerb func;
} Verb;

/* `uctr pull` and `uctr image pull` are one verb: the table has both spellings. */
static const Verb verbs[] = {
  { "pull", uctr_image_cmd_pull },
  { "images", uctr_image_cmd_list },
  { "rmi", uctr_image_cmd_remove },
  { "image pull", uctr_image_cmd_pull },
  { "image ls", uctr_image_cmd_list },
  { "image list", uctr_image_cmd_list },
  { "image rm", uctr_image_cmd_remove },
  { "image prune", uctr_image_cmd_prune },
  { "image inspect", uctr_image_cmd_inspect },
  { "system df", uctr_image_cmd_df },
};

gboolean
uctr_image_parse (const char *verb, const char *params, const char *summary, const GOptionEntry *entries,
                  int *argc, char ***argv, GError **error)
{
  /* GOption starts the usage with argv[0], "uctr pull". */
  g_autoptr(GOptionContext) ctx = g_option_context_new (params);

  g_option_context_set_summary (ctx, summary);
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  return g_option_context_parse (ctx, argc, argv, error);
}

static void
usage (FILE *out)
{
  fprintf (out, "%s\n",
           _("Usage: uctr pull NAME...\n"
             "       uctr images [--format json] [--quiet]\n"
             "       uctr rmi [--force] NAME...\n"
             "       uctr image ls | pull | rm | prune | inspect\n"
             "       uctr system df\n"
             "NAME: a registry's image (docker.io/library/alpine:3.20, or a short name that\n"
             "registries.conf resolves), oci:DIR[:TAG], oci-archive:FILE[:TAG] or\n"
             "docker-archive:FILE."));
}

static const Verb *
find_verb (int argc, char **argv, int *skip)
{
  g_autofree char *two = argc >= 3 ? g_strdup_printf ("%s %s", argv[1], argv[2]) : NULL;
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (verbs); i++)
    {
      if (two != NULL && strcmp (verbs[i].name, two) == 0)
        return *skip = 2, &verbs[i];
      if (strcmp (verbs[i].name, argv[1]) == 0)
        return *skip = 1, &verbs[i];
    }
  return NULL;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  const Verb *verb;
  int skip = 1, status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("UCTR_LOCALEDIR") != NULL && *g_getenv ("UCTR_LOCALEDIR") != '\0'
                                       ? g_getenv ("UCTR_LOCALEDIR")
                                       : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  if (argc >= 2 && strcmp (argv[1], "__store-helper") == 0)
    return uctr_store_helper_main (argc, argv, uctr_store_unpack_job);
  /* A layer's unpack that stops (a hostile entry) closes the pipe its
     download fills: that write fails, and says so, rather than kill us. */
  (void) signal (SIGPIPE, SIG_IGN);
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || ((strcmp (argv[1], "image") == 0 || strcmp (argv[1], "system") == 0)
          && (argc == 2 || strcmp (argv[2], "--help") == 0 || strcmp (argv[2], "-h") == 0)))
    {
      usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 1 : 0;
    }
  if ((verb = find_verb (argc, argv, &skip)) == NULL)
    {
      g_printerr ("uctr: %s\n", argc >= 3 && strcmp (argv[1], "image") == 0
                  ? _("unknown image command: ls, pull, rm, prune or inspect")
                  : argc >= 3 && strcmp (argv[1], "system") == 0
                  ? _("unknown system command: df")
                  : _("unknown image command"));
      return 1;
    }
  /* The verb sees "uctr pull" or "uctr image pull" as its argv[0]. */
  argv[skip] = g_strdup_printf ("uctr %s", verb->name);
  status = verb->func (argc - skip, argv + skip, &error);
  if (status < 0)
    {
      g_printerr ("uctr: %s\n", error->message);
      return 1;
    }
  return status;
}
