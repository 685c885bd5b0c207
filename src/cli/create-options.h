/* uctr: the options create and run share. */
#pragma once

#include "cli/cli.h"
#include "runtime/container.h"

typedef struct
{
  char *bundle;
  char *pid_file;
  char *console_socket;
  int preserve_fds;
  gboolean no_pivot;
  gboolean no_new_keyring;
  gboolean detach;
  gboolean keep;                    /* run: leave the stopped container for delete */
  gboolean no_subreaper;            /* run: accepted; uctr run never is a subreaper */
  char *sdnotify;                   /* run: --sdnotify container|conmon|ignore */
  char *network;                    /* --network none|slirp[:OPTIONS] */
  char **publish;                   /* --publish SPEC, repeated */
  gboolean systemd_cgroup;          /* the global --systemd-cgroup */
  const char *config_json;          /* a one-line run's config (borrowed), instead of the bundle's */
  const UctrStateFile *state_files; /* and the files it names in the state dir (borrowed) */
  gsize n_state_files;
  const int *stdio; /* a detached one-line run's stdin, stdout, stderr (borrowed); NULL: ours */
  char *bundle_abs;
  gboolean die_with_parent; /* the container goes with us (a one-line run in the foreground) */
  const UctrGuard *guard;   /* and its state too; or NULL */
} UctrCreateArgs;

gboolean uctr_create_args_parse (UctrCreateArgs *a, const char *verb, const char *summary,
                                 gboolean with_detach, int *argc, char ***argv, GError **error);
/* The same with EXTRA options (NULL-terminated, or NULL) and usage PARAMS;
   STOP_AT_FIRST_ARG leaves everything from the first non-option on alone. */
gboolean uctr_create_args_parse_with (UctrCreateArgs *a, const char *verb, const char *params,
                                      const char *summary, gboolean with_detach, const GOptionEntry *extra,
                                      gboolean stop_at_first_arg, int *argc, char ***argv, GError **error);
gboolean uctr_create_args_create (UctrCreateArgs *a, const char *root, const char *id, gboolean keep_console,
                                  GPtrArray *warnings, UctrCreated *out, GError **error);
void uctr_create_args_clear (UctrCreateArgs *a);
