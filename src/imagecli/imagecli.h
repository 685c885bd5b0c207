/* uctr-image: the image verbs of uctr (`uctr pull`, `uctr images` ...;
   uctr runs this program for them: cli/image.c). */
#pragma once

#include "store/store.h"

#include <glib.h>

/* A verb: ARGV[0] is its name; < 0 with ERROR set on failure, else the
   exit status. */
typedef int (*UctrImageVerb) (int argc, char **argv, GError **error);

int uctr_image_cmd_pull (int argc, char **argv, GError **error);
int uctr_image_cmd_list (int argc, char **argv, GError **error);
int uctr_image_cmd_remove (int argc, char **argv, GError **error);
int uctr_image_cmd_prune (int argc, char **argv, GError **error);
int uctr_image_cmd_inspect (int argc, char **argv, GError **error);
int uctr_image_cmd_df (int argc, char **argv, GError **error);

/* ENTRIES parsed off *ARGV (its [0] is the verb), with PARAMS and SUMMARY
   for --help (which prints and exits 0). */
gboolean uctr_image_parse (const char *verb, const char *params, const char *summary,
                           const GOptionEntry *entries, int *argc, char ***argv, GError **error);
