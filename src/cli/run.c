/* uctr run: create, start, wait; forward signals; the exit status of the process. */
#include "cli/cli.h"
#include "cli/create-options.h"
#include "base/selfexe.h"
#include "oneline/oneline.h"
#include "oneline/logopt.h"
#include "oneline/image.h"
#include "base/log.h"
#include "runtime/container.h"

#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

typedef enum
{
  RUN_BUNDLE, /* run [OPTIONS] ID, with a bundle */
  RUN_ROOTFS, /* run --rootfs DIR [OPTIONS] [--] COMMAND */
  RUN_IMAGE,  /* run [OPTIONS] IMAGE [COMMAND] */
} RunMode;

/* One argument and no one-line flag, with a config.json where the bundle
   is (--bundle, or here): runc's run of container ID. Anything else names
   an image (or --rootfs a directory), as with podman. */
static gboolean
parse_run (UctrCreateArgs *a, UctrOneLine *o, int *argc, char ***argv, RunMode *mode, GError **error)
{
  g_autofree GOptionEntry *entries = uctr_oneline_entries (o);
  const char *given;

  if (!uctr_create_args_parse_with (
          a, "run",
          _("ID | IMAGE [COMMAND [ARG...]] | --rootfs DIR [--] COMMAND [ARG...]"),
             _("Run a container: a bundle's (ID), an image's, or a directory's with no "
                                      "config.json (the flags make the config); wait for it and exit with its status."),
                TRUE, entries, TRUE, argc, argv, error))
    return FALSE;
  given = uctr_oneline_given (entries);
  if (o->rootfs != NULL)
    *mode = RUN_ROOTFS;
  else if (*argc < 2 || strcmp ((*argv)[1], "--") == 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("run: give a container ID (its bundle has a config.json), an IMAGE, or --rootfs DIR"));
  else if (a->bundle != NULL
           || (*argc == 2 && given == NULL && g_file_test ("config.json", G_FILE_TEST_EXISTS)))
    {
      *mode = RUN_BUNDLE;
      if (given != NULL)
        return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                           _("--%s goes with an image or --rootfs; a bundle has its own config.json"),
                              given);
      return uctr_cli_want_args ("run", "ID", *argc, 1, 1, error);
    }
  else
    {
      *mode = RUN_IMAGE;
      o->image = g_strdup ((*argv)[1]);
      /* The command follows the image. */
      (*argv)++;
      (*argc)--;
    }
  return TRUE;
}

/* -P's ports join --publish's. */
static void
add_publish (UctrCreateArgs *a, GPtrArray *more)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  if (more->len == 0)
    return;
  if (a->publish != NULL)
    g_strv_builder_addv (b, (const char **) a->publish);
  for (guint i = 0; i < more->len; i++)
    g_strv_builder_add (b, g_ptr_array_index (more, i));
  g_strfreev (a->publish);
  a->publish = g_strv_builder_end (b);
}

/* A one-line run (--rootfs or an image): the config from the flags (and
   the files it names in the state dir, in X), an id from --name or the
   command, a pty when stdin is a terminal. */
static gboolean
prepare_oneline (UctrGlobal *g, UctrCreateArgs *a, UctrOneLine *o, UctrOneLineExtras *x, char **argv,
                 char **id, char **json, GError **error)
{
  g_autofree char *state_dir = NULL;
  const char *root;
  char **command;
  gboolean terminal;

  command = argv + 1;
  if (command[0] != NULL && strcmp (command[0], "--") == 0)
    command++;
  if (o->rm && a->keep)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("--rm and --keep: choose one"));
  /* Nobody would be there to delete it when it ends. */
  if (o->rm && a->detach)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--rm with --detach: uctr does not stay to delete a detached container; "
                         "run \"uctr delete\" once it has ended"));
  if (o->image != NULL && !uctr_oneline_image_find (o, error))
    return FALSE;
  terminal = o->tty || (!a->detach && isatty (STDIN_FILENO));
  *id = uctr_oneline_id (o, command);
  if ((root = uctr_global_root (g, error)) == NULL)
    return FALSE;
  state_dir = g_build_filename (root, *id, NULL);
  uctr_oneline_extras_init (x, state_dir);
  *json = uctr_oneline_config (o, *id, command, terminal, x, error);
  if (*json == NULL)
    return FALSE;
  a->state_files = (const UctrStateFile *) x->state_files->data;
  a->n_state_files = x->state_files->len;
  add_publish (a, x->publish);
  return TRUE;
}

/* A detached one-line run: its stdout and stderr (or its pty, with -t) go
   to its log, stdin is /dev/null; none of ours is left to it, so that
   `x=$(uctr run -d ...)` returns at once. */
static gboolean
prepare_log (UctrCreateArgs *a, const UctrOneLine *o, UctrLogPipes *log, guint64 *max_size, GError **error)
{
  if (!uctr_oneline_log_max_size (o, a->detach, max_size, error))
    return FALSE;
  if (!a->detach)
    return TRUE;
  if (a->console_socket != NULL)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--console-socket with --detach and --rootfs: the pty goes to the container's log "
                         "(uctr logs); leave --console-socket out"));
  if (!uctr_log_pipes_open (log, o->tty, error))
    return FALSE;
  a->stdio = log->stdio;
  return TRUE;
}

/* A one-line run in the foreground goes, container and all, with us. */
static gboolean
tie_to_us (UctrCreateArgs *a, UctrGuard *guard, const char *root, const char *id, GError **error)
{
  a->die_with_parent = TRUE;
  /* --keep: the stopped container stays, as after a run that ends well. */
  if (a->keep)
    return TRUE;
  a->guard = guard;
  return uctr_guard_start (guard, root, id, error);
}

int
uctr_cmd_run (UctrGlobal *g, int argc, char **argv, GError **error)
{
  UctrCreateArgs a = { 0 };
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local = NULL;
  UctrCreated created = { .console_fd = -1 };
  g_autoptr(UctrNotify) notify = NULL;
  UctrOneLine o = { 0 };
  UctrOneLineExtras extras = { 0 };
  UctrGuard guard = UCTR_GUARD_INIT;
  UctrSdNotify sdnotify;
  g_autofree char *ready_socket = NULL;
  g_autofree char *oneline_id = NULL;
  g_autofree char *oneline_json = NULL;
  gboolean oneline = FALSE;
  RunMode mode = RUN_BUNDLE;
  g_auto(UctrLogPipes) log = UCTR_LOG_PIPES_INIT;
  guint64 log_max_size = 0;
  const char *root;
  const char *id;
  int status = -1;

  if (!parse_run (&a, &o, &argc, &argv, &mode, error))
    goto out;
  oneline = mode != RUN_BUNDLE;
  /* A one-line run makes its image's root, a guard and its log before the
     container: where the binary needs it, it runs from a sealed copy from
     the start (a bundle's run decides in create, see base/selfexe.c). */
  if (oneline && !uctr_selfexe_protect (error))
    goto out;
  if (oneline)
    {
      if (!prepare_oneline (g, &a, &o, &extras, argv, &oneline_id, &oneline_json, error)
          || !prepare_log (&a, &o, &log, &log_max_size, error))
        goto out;
      id = oneline_id;
      a.config_json = oneline_json;
    }
  else
    id = argv[1];
  if (!uctr_sdnotify_parse (a.sdnotify, &sdnotify, error) || (root = uctr_global_root (g, error)) == NULL)
    goto out;
  ready_socket = uctr_sdnotify_take (sdnotify);
  a.systemd_cgroup = g->systemd_cgroup;
  if (!a.detach)
    uctr_cli_hold_signals ();
  if (oneline && !a.detach && !tie_to_us (&a, &guard, root, id, error))
    goto out;
  /* A detached run's pty goes to its logger. */
  if (!uctr_create_args_create (&a, root, id, !a.detach || log.terminal, warnings, &created, error))
    goto out;
  if (!a.detach)
    {
      /* Said before the command runs (a shell may run for hours), and once. */
      uctr_cli_print_warnings (extras.warnings);
      uctr_cli_print_warnings (warnings);
      g_ptr_array_set_size (warnings, 0);
      if (extras.warnings != NULL)
        g_ptr_array_set_size (extras.warnings, 0);
    }
  /* The process starts with our window size, not with the next SIGWINCH. */
  if (created.console_fd >= 0)
    uctr_console_resize (created.console_fd);
  /* Listening before the process runs: it may notify at once. */
  notify = uctr_notify_listen (root, id, error);
  if ((notify == NULL && error != NULL && *error != NULL)
      || (a.stdio != NULL && !uctr_log_start (root, id, &log, created.console_fd, log_max_size, error))
      || !uctr_container_start (root, id, &created.loaded, warnings, error))
    {
      (void) uctr_container_delete (root, id, TRUE, &created.loaded, NULL, NULL);
      goto out;
    }
  /* What stays once we say so: uctr run, or in the background the init. */
  uctr_sdnotify_ready (ready_socket, a.detach ? created.pid : getpid ());
  if (a.detach)
    {
      status = 0;
      if (notify != NULL)
        {
          uctr_autofd int pidfd = pidfd_open (created.pid, 0);
          uctr_notify_wait_ready (notify, created.pid, pidfd);
        }
      /* As podman's run -d: the id, for $(...) and for uctr logs. */
      if (a.stdio != NULL)
        g_print ("%s\n", id);
    }
  else
    {
      UctrWaitOptions w = { .console = created.console_fd, .notify = notify, .end_with_terminal = oneline };

      uctr_debug ("started %s; waiting for pid %d", id, (int) created.pid);
      status = uctr_cli_wait_process (created.pid, &w);
      uctr_debug ("%s exited with status %d", id, status);
      if (!a.keep && !uctr_container_delete (root, id, TRUE, &created.loaded, warnings, &local))
        g_ptr_array_add (warnings, g_strdup (local->message));
      else if (!a.keep)
        uctr_debug ("deleted %s", id);
    }
out:
  /* A container that was not made (or was deleted): the writable layer
     made for its image is ours to remove. */
  if (error != NULL && *error != NULL)
    uctr_oneline_image_abandon (&o);
  uctr_guard_stop (&guard);
  if (created.console_fd >= 0)
    close (created.console_fd);
  uctr_created_clear (&created);
  if (error != NULL && *error != NULL)
    uctr_oneline_name_flags (&extras, *error);
  uctr_cli_print_warnings (extras.warnings);
  uctr_cli_print_warnings (warnings);
  uctr_oneline_extras_clear (&extras);
  uctr_create_args_clear (&a);
  uctr_oneline_clear (&o);
  return status;
}
