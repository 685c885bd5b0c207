/* uctr: create, the parent side: the state dir, the fork, the id maps, the
   runtime hooks, and the conversation with the container init. */
#pragma once

#include <glib.h>
#include <sys/types.h>
#include "runtime/guard.h"
#include "runtime/lifecycle.h"

/* A file create writes into the container's state dir as soon as the dir
   exists (one-line runs' generated /etc/passwd, bound by path into the
   container), removed with the dir. NAME starts with UCTR_STATE_FILE_PREFIX,
   which no file of the runtime's own does. */
#define UCTR_STATE_FILE_PREFIX "extra-"

typedef struct
{
  const char *name;
  const char *contents;
  mode_t mode;
} UctrStateFile;

typedef struct
{
  const char *root; /* state root (uctr_state_root) */
  const char *id;
  const char *bundle;         /* absolute */
  const char *config_json;    /* the config itself, instead of BUNDLE/config.json (one-line runs); or NULL */
  const char *pid_file;       /* NULL: none */
  const char *console_socket; /* NULL: none */
  int preserve_fds;
  gboolean die_with_parent; /* the init keeps SIGKILL as its parent-death signal (one-line runs) */
  const UctrGuard *guard;   /* armed once the state dir is made; or NULL */
  gboolean no_pivot;
  gboolean keep_console;   /* run: hand the pty master back instead of sending it */
  const char *network;     /* NULL or "none": runc's behaviour; "slirp[:OPTIONS]": tap0 and the helper */
  char **publish;          /* NULL or --publish specs ([HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]) */
  gboolean systemd_cgroup; /* --systemd-cgroup: the cgroup is a transient systemd scope */
  const int *stdio;        /* NULL: the process gets our stdio; else 3 fds: its stdin, stdout, stderr */
  GPtrArray *warnings;     /* messages the caller prints (char *) */
  const UctrStateFile *state_files; /* written into the state dir first; N_STATE_FILES of them */
  gsize n_state_files;
} UctrCreateOptions;

typedef struct
{
  pid_t pid;         /* host pid of the container init (our child until we exit) */
  int console_fd;    /* pty master when keep_console and process.terminal, else -1 */
  UctrLoaded loaded; /* owned: free with uctr_created_clear */
} UctrCreated;

void uctr_created_clear (UctrCreated *created);

/* uctr create: on success the init is blocked on exec.fifo and state.json says
   "created"; on failure nothing is left: no state dir, no process. */
gboolean uctr_container_create (const UctrCreateOptions *opts, UctrCreated *out, GError **error);
