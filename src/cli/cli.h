/* uctr: what every verb gets from main.c. */
#pragma once

#include <glib.h>
#include "base/json.h"
#include "base/util.h"

typedef struct
{
  char *root_option; /* --root */
  char *root;        /* resolved on first use */
  char *log_path;    /* --log */
  char *log_format;  /* --log-format */
  gboolean debug;    /* --debug */
  gboolean systemd_cgroup;
  char *rootless; /* --rootless true|false|auto (accepted as runc does) */
} UctrGlobal;

/* A verb returns the exit status, or -1 with ERROR set (exit status 1), or
   UCTR_CLI_FAILED_255 with ERROR set where runc exits 255 (exec's process
   not started). */
#define UCTR_CLI_FAILED_255 (-255)
typedef int (*UctrVerbFunc) (UctrGlobal *g, int argc, char **argv, GError **error);

const char *uctr_global_root (UctrGlobal *g, GError **error);

/* Parses the verb's options; leaves the positional arguments in argc/argv
   (argv[0] is the verb). */
gboolean uctr_cli_parse (const char *verb, const char *params, const char *summary, GOptionEntry *entries,
                         gboolean stop_at_first_arg, int *argc, char ***argv, GError **error);

/* Exactly N positional arguments (after the verb) or a usage error. */
gboolean
uctr_cli_want_args (const char *verb, const char *params, int argc, int min, int max, GError **error);

/* A verb as its preamble needs it: "uctr NAME PARAMS" and SUMMARY for
   --help and usage errors, MIN_ARGS to MAX_ARGS (-1: any) positional
   arguments, options only before the first argument when STOP_AT_FIRST_ARG. */
typedef struct
{
  const char *name;
  const char *params;
  const char *summary;
  int min_args;
  int max_args;
  gboolean stop_at_first_arg;
} UctrCliVerb;

/* uctr_cli_parse and uctr_cli_want_args of VERB. */
gboolean
uctr_cli_parse_verb (const UctrCliVerb *verb, GOptionEntry *entries, int *argc, char ***argv, GError **error);
/* The preamble of a verb on containers: uctr_cli_parse_verb, then the
   state root (uctr_global_root), which it returns; NULL on error. */
const char *uctr_cli_begin (UctrGlobal *g, const UctrCliVerb *verb, GOptionEntry *entries, int *argc,
                            char ***argv, GError **error);

void uctr_cli_print_warnings (GPtrArray *warnings);

/* CELLS (char *), row by row, COLUMNS a row, the first row the heading. */
void uctr_cli_print_table (GPtrArray *cells, guint columns);
void uctr_cli_print_json_array (json_object *array);

typedef struct _UctrNotify UctrNotify;

typedef struct
{
  int console;                /* a pty master to connect to our terminal, or -1 */
  UctrNotify *notify;         /* sd_notify messages to forward, or NULL */
  gboolean end_with_terminal; /* when our terminal hangs up, so does the process (one-line runs) */
} UctrWaitOptions;

/* Until PID (our child) exits: forwards signals to it, copies between our
   terminal (raw meanwhile) and the console, forwards the notifications;
   with end_with_terminal, a hangup of our terminal sends it SIGHUP, and
   SIGKILL if it is still there 2 s later. Returns its exit status, 128 + N
   for a signal N. */
int uctr_cli_wait_process (pid_t pid, const UctrWaitOptions *opts);
/* Blocks the signals uctr_cli_wait_process forwards, from before create on:
   a ^C or SIGHUP between start and the wait then reaches the container
   instead of ending uctr with it still running. */
void uctr_cli_hold_signals (void);

int uctr_cmd_exec (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_create (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_start (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_run (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_state (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_list (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_logs (UctrGlobal *g, int argc, char **argv, GError **error);
/* The image verbs: uctr-image's (cli/image.c). */
int uctr_cmd_image (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_images (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_pull (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_rmi (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_system (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_kill (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_delete (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_features (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_spec (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_ps (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_port (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_pause (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_resume (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_update (UctrGlobal *g, int argc, char **argv, GError **error);
int uctr_cmd_events (UctrGlobal *g, int argc, char **argv, GError **error);
