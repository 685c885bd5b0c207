/* uctr exec: run a new process in a running container, with runc's flags.
   The process is config.json's own with the flags applied on top, or the
   one --process names. */
#include "cli/cli.h"
#include "runtime/container.h"
#include "base/log.h"

#include <fcntl.h>
#include <string.h>

typedef struct
{
  char *console_socket;
  char *cwd;
  char **env;
  gboolean tty;
  char *user;
  char **additional_gids;
  char *process;
  gboolean detach;
  char *pid_file;
  char *process_label;
  char *apparmor;
  gboolean no_new_privs;
  char **caps;
  int preserve_fds;
  gboolean ignore_paused;
  char *cgroup;
} ExecArgs;

static void
exec_args_clear (ExecArgs *a)
{
  g_free (a->console_socket);
  g_free (a->cwd);
  g_strfreev (a->env);
  g_free (a->user);
  g_strfreev (a->additional_gids);
  g_free (a->process);
  g_free (a->pid_file);
  g_free (a->process_label);
  g_free (a->apparmor);
  g_strfreev (a->caps);
  g_free (a->cgroup);
}

static gboolean
parse_id (const char *flag, const char *text, guint32 *out, GError **error)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32 - 1, &v, NULL))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("%s: \"%s\" is not a numeric id"), flag, text);
  *out = (guint32) v;
  return TRUE;
}

/* --user UID[:GID]: numbers only, as runc; without GID the config's stays. */
static gboolean
apply_user (UctrProcess *p, const char *user, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (user, ":", 2);

  if (!parse_id ("--user", parts[0], &p->uid, error))
    return FALSE;
  return parts[1] == NULL || parse_id ("--user", parts[1], &p->gid, error);
}

static gboolean
apply_gids (UctrProcess *p, char **gids, GError **error)
{
  gsize n = g_strv_length (gids);
  gsize i;

  p->additional_gids = g_renew (guint32, p->additional_gids, p->n_additional_gids + n);
  for (i = 0; i < n; i++)
    if (!parse_id ("--additional-gids", gids[i], &p->additional_gids[p->n_additional_gids++], error))
      return FALSE;
  return TRUE;
}

/* KEY=VALUE entries after the config's; a later one replaces an earlier
   one with the same KEY in place, as runc's init does. */
static void
apply_env (UctrProcess *p, char **env)
{
  for (; env != NULL && *env != NULL; env++)
    p->env = uctr_env_set (p->env, *env);
}

static void
strv_append (char ***v, const char *s)
{
  gsize n = *v != NULL ? g_strv_length (*v) : 0;

  *v = g_renew (char *, *v, n + 2);
  (*v)[n] = g_strdup (s);
  (*v)[n + 1] = NULL;
}

/* --cap: bounding, effective and permitted; never inheritable (a process
   could otherwise keep it across execve of a setuid program: CVE-2022-29162). */
static void
apply_caps (UctrProcess *p, char **caps)
{
  char **c;

  for (c = caps; c != NULL && *c != NULL; c++)
    {
      g_autofree char *name = g_ascii_strup (*c, -1);
      g_autofree char *full
          = g_str_has_prefix (name, "CAP_") ? g_strdup (name) : g_strconcat ("CAP_", name, NULL);

      strv_append (&p->capabilities[UCTR_CAP_BOUNDING], full);
      strv_append (&p->capabilities[UCTR_CAP_EFFECTIVE], full);
      strv_append (&p->capabilities[UCTR_CAP_PERMITTED], full);
    }
}

/* The command line on top of config.json's process, as runc's exec does. */
static gboolean
apply_flags (UctrProcess *p, ExecArgs *a, char **command, GError **error)
{
  g_strfreev (p->args);
  p->args = g_strdupv (command);
  if (a->cwd != NULL)
    {
      if (!g_path_is_absolute (a->cwd))
        return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                           _("--cwd: \"%s\" is not an absolute path"), a->cwd);
      g_free (p->cwd);
      p->cwd = g_strdup (a->cwd);
    }
  apply_caps (p, a->caps);
  apply_env (p, a->env);
  p->terminal = a->tty;
  if (a->no_new_privs)
    p->no_new_privileges = TRUE;
  if (a->user != NULL && !apply_user (p, a->user, error))
    return FALSE;
  return a->additional_gids == NULL || apply_gids (p, a->additional_gids, error);
}

static UctrProcess *
load_process_file (const char *path, GError **error)
{
  g_autofree char *json = NULL;
  gsize len = 0;

  if (!uctr_read_file_at (AT_FDCWD, path, 4 * 1024 * 1024, &json, &len, error))
    return uctr_prefix_error (error, "--process"), NULL;
  return uctr_process_parse (json, len, path, error);
}

static gboolean
check_args (ExecArgs *a, int argc, gboolean has_command, GError **error)
{
  if (a->process == NULL && !has_command)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("usage: uctr exec [OPTIONS] ID COMMAND [ARG...], or uctr exec --process FILE ID"));
  if (a->process != NULL && argc > 2)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--process: give the command in the file, not after the ID"));
  if (a->preserve_fds < 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("--preserve-fds: must not be negative"));
  if (a->apparmor != NULL)
    return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                       _("--apparmor: uctr does not support AppArmor profiles"));
  if (a->process_label != NULL)
    return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                       _("--process-label: uctr does not support SELinux labels"));
  return TRUE;
}

/* --cgroup [CONTROLLERS:]PATH, as runc takes it; on cgroup v2 one tree
   holds every controller, so CONTROLLERS says nothing. PATH is relative to
   the container's cgroup and stays below it. */
static gboolean
parse_cgroup (const char *arg, const char **sub, GError **error)
{
  const char *colon = arg != NULL ? strchr (arg, ':') : NULL;
  const char *path = colon != NULL ? colon + 1 : arg;
  g_auto(GStrv) parts = NULL;

  *sub = NULL;
  if (arg == NULL)
    return TRUE;
  parts = g_strsplit (path, "/", -1);
  for (gsize i = 0; parts[i] != NULL; i++)
    if (strcmp (parts[i], "..") == 0)
      return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                         _("--cgroup %s: the path must stay below the container's cgroup"), arg);
  while (*path == '/')
    path++;
  if (*path == '\0')
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--cgroup %s: expected a cgroup below the container's, as in --cgroup sub or --cgroup cpu,memory:sub"),
                          arg);
  *sub = path;
  return TRUE;
}

/* A terminal needs somewhere to go: our own (in the foreground) or the
   console socket; runc refuses the other combinations the same way. */
static gboolean
check_terminal (const UctrProcess *p, const ExecArgs *a, GError **error)
{
  if (p->terminal && a->detach && a->console_socket == NULL)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("a terminal with --detach needs --console-socket to send it to"));
  if (!p->terminal && a->console_socket != NULL)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--console-socket: the process has no terminal (pass --tty)"));
  return TRUE;
}

/* The process to run, in LOADED's config (where errors about it look). */
static gboolean
choose_process (UctrLoaded *loaded, const char *id, ExecArgs *a, char **command, GError **error)
{
  UctrConfig *config = loaded->config;

  if (a->process != NULL)
    {
      UctrProcess *p = load_process_file (a->process, error);
      if (p == NULL)
        return FALSE;
      uctr_process_free (config->process);
      config->process = p;
    }
  else if (config->process == NULL)
    return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                       _("container %s: config.json has no process to start from"), id);
  else if (!apply_flags (config->process, a, command, error))
    return FALSE;
  return check_terminal (config->process, a, error);
}

static int
exec_in (const char *root, const char *id, ExecArgs *a, char **command, GPtrArray *warnings, GError **error)
{
  UctrLoaded loaded = { 0 };
  UctrExecuted done = { .console_fd = -1 };
  UctrStatus status;
  const char *sub_cgroup = NULL;
  int rc = -1;

  if (parse_cgroup (a->cgroup, &sub_cgroup, error) && uctr_container_load (root, id, &loaded, &status, error)
      && choose_process (&loaded, id, a, command, error))
    {
      UctrExecOptions o = {
        .process = loaded.config->process,
        .pid_file = a->pid_file,
        .console_socket = a->console_socket,
        .keep_console = !a->detach && a->console_socket == NULL,
        .preserve_fds = a->preserve_fds,
        .ignore_paused = a->ignore_paused,
        .sub_cgroup = sub_cgroup,
        .root = root,
        .warnings = warnings,
      };

      if (!a->detach)
        uctr_cli_hold_signals ();
      if (uctr_container_exec (&loaded, status, &o, &done, error))
        {
          UctrWaitOptions w = { .console = done.console_fd };

          uctr_debug ("exec in %s: pid %d", id, (int) done.pid);
          rc = a->detach ? 0 : uctr_cli_wait_process (done.pid, &w);
        }
    }
  if (done.console_fd >= 0)
    close (done.console_fd);
  uctr_state_free (loaded.state);
  uctr_config_free (loaded.config);
  return rc;
}

int
uctr_cmd_exec (UctrGlobal *g, int argc, char **argv, GError **error)
{
  ExecArgs a = { 0 };
  GOptionEntry entries[] = {
    { "console-socket", 0, 0, G_OPTION_ARG_FILENAME, &a.console_socket,
      N_ ("Send the pty master over this unix socket"), N_ ("PATH") },
    { "cwd", 0, 0, G_OPTION_ARG_FILENAME, &a.cwd, N_ ("Working directory in the container"), N_ ("DIR") },
    { "env", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &a.env, N_ ("Set an environment variable (repeatable)"),
      N_ ("KEY=VALUE") },
    { "tty", 't', 0, G_OPTION_ARG_NONE, &a.tty, N_ ("Give the process a pty"), NULL },
    { "user", 'u', 0, G_OPTION_ARG_STRING, &a.user, N_ ("Run as UID, and GID (numbers)"), N_ ("UID[:GID]") },
    { "additional-gids", 'g', 0, G_OPTION_ARG_STRING_ARRAY, &a.additional_gids,
      N_ ("An additional group (repeatable)"), N_ ("GID") },
    { "process", 'p', 0, G_OPTION_ARG_FILENAME, &a.process,
      N_ ("The process as JSON (config.json's process object)"), N_ ("FILE") },
    { "detach", 'd', 0, G_OPTION_ARG_NONE, &a.detach, N_ ("Return once the process has started"), NULL },
    { "pid-file", 0, 0, G_OPTION_ARG_FILENAME, &a.pid_file, N_ ("Write the process's host pid to FILE"),
      N_ ("FILE") },
    { "process-label", 0, 0, G_OPTION_ARG_STRING, &a.process_label, N_ ("SELinux label (not supported)"),
      N_ ("LABEL") },
    { "apparmor", 0, 0, G_OPTION_ARG_STRING, &a.apparmor, N_ ("AppArmor profile (not supported)"),
      N_ ("PROFILE") },
    { "no-new-privs", 0, 0, G_OPTION_ARG_NONE, &a.no_new_privs, N_ ("Set no_new_privs"), NULL },
    { "cap", 'c', 0, G_OPTION_ARG_STRING_ARRAY, &a.caps, N_ ("Add a capability (repeatable)"), N_ ("CAP") },
    { "preserve-fds", 0, 0, G_OPTION_ARG_INT, &a.preserve_fds, N_ ("Pass N fds after stdio (3..N+2)"), "N" },
    { "ignore-paused", 0, 0, G_OPTION_ARG_NONE, &a.ignore_paused,
      N_ ("Exec even when the container is paused"), NULL },
    { "cgroup", 0, 0, G_OPTION_ARG_STRING, &a.cgroup,
      N_ ("Run in this existing cgroup below the container's ([CONTROLLERS:]PATH)"), N_ ("PATH") },
    { NULL },
  };
  const UctrCliVerb verb
      = { "exec", "ID COMMAND [ARG...]", _("Run a new process in a running container."), 1, -1, TRUE };
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  const char *root;
  char **command;
  int rc = -1;

  if (!uctr_cli_parse_verb (&verb, entries, &argc, &argv, error))
    goto out;
  command = argv + MIN (argc, 2);
  if (command[0] != NULL && strcmp (command[0], "--") == 0)
    command++;
  if (!check_args (&a, argc, command[0] != NULL, error))
    {
      /* An ID and no command: runc's "process args cannot be empty", 255. */
      if (argc >= 2 && a.process == NULL && command[0] == NULL)
        rc = UCTR_CLI_FAILED_255;
      goto out;
    }
  if ((root = uctr_global_root (g, error)) == NULL)
    goto out;
  /* As runc: once the arguments are right, a process that could not be
     started is exit status 255, which engines read as exec's own failure. */
  rc = exec_in (root, argv[1], &a, command, warnings, error);
  if (rc < 0)
    rc = UCTR_CLI_FAILED_255;
out:
  uctr_cli_print_warnings (warnings);
  exec_args_clear (&a);
  return rc;
}
