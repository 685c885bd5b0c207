/* uctr: one-line runs. `uctr run --rootfs DIR ... -- CMD` with no
   config.json: the flags below become an OCI config (the default one of
   `uctr spec`, rootless when the caller is not root), and the run goes
   through the same create/start/delete as a bundle's. `uctr spec` with the
   same flags prints that config. */
#pragma once

#include <glib.h>

typedef struct _UctrOneLineImage UctrOneLineImage;

typedef struct
{
  char *rootfs;         /* --rootfs DIR ("/" for the host's own, read-only by default) */
  char *image;          /* or an image: `run [OPTIONS] IMAGE [COMMAND]` (image.h) */
  char *entrypoint;     /* --entrypoint CMD: instead of the image's */
  gboolean publish_all; /* --publish-all/-P: the image's ExposedPorts on free host ports */
  char *pull;           /* --pull missing|always|never */
  gboolean interactive; /* -i: stdin stays attached (as it is anyway in the foreground) */
  UctrOneLineImage *image_state;
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
  char *userns;       /* --userns: "keep-id" (podman's): you, as yourself, in the container */

  /* What the process may do (security.c) */
  char **cap_add;       /* --cap-add CAP[,CAP...] or ALL */
  char **cap_drop;      /* --cap-drop CAP[,CAP...] or ALL */
  gboolean privileged;  /* --privileged */
  char **security_opts; /* --security-opt seccomp=unconfined|PATH, no-new-privileges[=true|false] */
  char **devices;       /* --device HOST[:DEST][:PERMS] */
  gboolean gpu;         /* --gpu: /dev/dri and NVIDIA's nodes */
  char **sockets;       /* --socket NAME: wayland, x11, pulseaudio, pipewire, session-bus */
  gboolean gui;         /* --gui: the sockets and --gpu, those the host has */
  gboolean init;        /* --init: catatonit as PID 1 (init.h) */
  char *init_path;      /* --init-path FILE: another init (implies --init) */
  char **log_opts;      /* --log-opt KEY=VALUE: a detached run's log (logopt.h) */
} UctrOneLine;

/* What a one-line run hands create besides its config, and what it says. */
typedef struct
{
  char *state_dir;     /* the container's state dir to be (ROOT/ID); NULL when nothing runs (spec) */
  GArray *state_files; /* UctrStateFile, strings owned: create writes them into STATE_DIR */
  GPtrArray *warnings; /* char *: for the caller to print */
  GHashTable *flags;   /* config path ("mounts[7]", "process.cwd") -> the flag that made it */
  GPtrArray *publish;  /* char *: ports to publish besides --publish's (-P), for the caller */
} UctrOneLineExtras;

/* STATE_DIR as above. */
void uctr_oneline_extras_init (UctrOneLineExtras *x, const char *state_dir);
void uctr_oneline_extras_clear (UctrOneLineExtras *x);

/* Errors about a config path (mounts[7] ...) name the flag it came from
   instead ("--bind ~/www:/www"): a one-line run's user wrote no config. */
void uctr_oneline_name_flags (const UctrOneLineExtras *x, GError *error);

/* The options above, for a verb's option table; NULL-terminated. */
GOptionEntry *uctr_oneline_entries (UctrOneLine *o);

/* The long name of the first option of ENTRIES (uctr_oneline_entries')
   that was given, --rootfs aside; NULL when none was. */
const char *uctr_oneline_given (const GOptionEntry *entries);

/* Whether ARGV (before parsing) has OPTION ("--rootfs"), alone or with
   "=VALUE", before any "--". */
gboolean uctr_oneline_has_option (int argc, char **argv, const char *option);

/* The config.json text for COMMAND in container ID (its default hostname);
   TERMINAL says whether it gets a pty; EXTRAS gets the rest. O gets what
   its flags imply (--socket=session-bus: --userns=keep-id). Errors name
   the flag ("--bind /nosuch: ..."). */
char *uctr_oneline_config (UctrOneLine *o, const char *id, char *const *command, gboolean terminal,
                           UctrOneLineExtras *extras, GError **error);

/* --name, or one made up from the command ("sh-3f9a2c"). */
char *uctr_oneline_id (const UctrOneLine *o, char *const *command);

void uctr_oneline_clear (UctrOneLine *o);
