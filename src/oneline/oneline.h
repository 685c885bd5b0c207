/* uctr: one-line runs. `uctr run --rootfs DIR ... -- CMD` with no
   config.json: the flags below become an OCI config (the default one of
   `uctr spec`, rootless when the caller is not root), and the run goes
   through the same create/start/delete as a bundle's. `uctr spec` with the
   same flags prints that config. */
#pragma once

#include <glib.h>

typedef struct
{
  char *rootfs;       /* --rootfs DIR ("/" for the host's own, read-only by default) */
  gboolean read_only; /* --read-only */
  gboolean writable;  /* --writable: the host's / too (it is read-only otherwise) */
  char **binds;       /* --bind/-v SRC[:DEST[:ro|rw]] */
  char *workdir;      /* --workdir/-w DIR */
  char **env;         /* --env/-e KEY[=VALUE] or PREFIX* */
  char **env_files;   /* --env-file FILE */
  gboolean tty;       /* --tty/-t: a pty even when stdin is not a terminal */
  char *name;         /* --name: the container id */
  char *user;         /* --user/-u UID[:GID] */
  char *hostname;     /* --hostname */
  gboolean rm;        /* --rm: what a one-shot run does anyway; refused with --detach */
  char **log_opts;    /* --log-opt KEY=VALUE: a detached run's log (logopt.h) */
} UctrOneLine;

/* The options above, for a verb's option table; NULL-terminated. */
GOptionEntry *uctr_oneline_entries (UctrOneLine *o);

/* The long name of the first option of ENTRIES (uctr_oneline_entries')
   that was given, --rootfs aside; NULL when none was. */
const char *uctr_oneline_given (const GOptionEntry *entries);

/* Whether ARGV (before parsing) asks for a one-line run (has --rootfs). */
gboolean uctr_oneline_wanted (int argc, char **argv);

/* The config.json text for COMMAND in container ID (its default hostname);
   TERMINAL says whether it gets a pty. Errors name the flag
   ("--bind /nosuch: ..."). */
char *uctr_oneline_config (const UctrOneLine *o, const char *id, char *const *command, gboolean terminal,
                           GError **error);

/* --name, or one made up from the command ("sh-3f9a2c"). */
char *uctr_oneline_id (const UctrOneLine *o, char *const *command);

void uctr_oneline_clear (UctrOneLine *o);
