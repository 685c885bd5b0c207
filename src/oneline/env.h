/* uctr: a one-line run's environment from -e and --env-file, as podman
   reads them. */
#pragma once

#include <glib.h>

/* The KEY=VALUE entries that FILES (--env-file, in order) and then ARGS
   (-e, in order) ask for, a later KEY replacing an earlier one:
   KEY=VALUE as it is; KEY alone is the host's value, or nothing when the
   host has none; KEY* is every host variable whose name starts with KEY.
   In a file, blank lines and lines starting with '#' are skipped.
   NULL with ERROR naming the file or the flag on failure. */
char **uctr_oneline_env_collect (char **files, char **args, GError **error);
