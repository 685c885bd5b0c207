/* uctr: NOTIFY_SOCKET. When uctr runs under systemd (a Type=notify unit),
   the container's sd_notify messages reach systemd: create binds a directory
   of the state dir onto /run/notify in the container and points the
   process's NOTIFY_SOCKET there; start and run listen on it and forward
   what arrives, READY=1 with MAINPID= the container's init. */
#pragma once

#include <glib.h>
#include <sys/types.h>
#include "plan/plan.h" /* UCTR_NOTIFY_CONTAINER_DIR, _SOCKET */

#define UCTR_NOTIFY_DIR "notify"

/* create: when $NOTIFY_SOCKET is set, makes <state>/notify and returns its
   host path for the bind mount (else NULL, and no error). */
gboolean uctr_notify_prepare (int state_dfd, const char *state_path, char **host_dir, GError **error);

typedef struct _UctrNotify UctrNotify;

/* start and run, before the init is released: binds <state>/notify/notify.sock.
   NULL (no error) when $NOTIFY_SOCKET is unset or create made no directory. */
UctrNotify *uctr_notify_listen (const char *root, const char *id, GError **error);
int uctr_notify_fd (const UctrNotify *n);
/* Forwards the messages waiting on the socket to $NOTIFY_SOCKET, READY=1
   with MAINPID=MAINPID. TRUE once READY=1 has gone. Failures are warnings. */
gboolean uctr_notify_forward (UctrNotify *n, pid_t mainpid);
/* start and run -d: forwards until READY=1 or until the process of PIDFD exits. */
void uctr_notify_wait_ready (UctrNotify *n, pid_t mainpid, int pidfd);
void uctr_notify_free (UctrNotify *n);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrNotify, uctr_notify_free)

/* run --sdnotify, podman's spelling: who tells the unit it is up. */
typedef enum
{
  UCTR_SDNOTIFY_CONTAINER, /* the container, through the socket above (the default) */
  UCTR_SDNOTIFY_CONMON,    /* uctr, once the container has started: READY=1 */
  UCTR_SDNOTIFY_IGNORE,    /* nobody: NOTIFY_SOCKET is not ours (or the container's) to use */
} UctrSdNotify;

/* TEXT (NULL: the default) as a mode, or an error naming the three. */
gboolean uctr_sdnotify_parse (const char *text, UctrSdNotify *mode, GError **error);
/* Before create: for conmon and ignore, NOTIFY_SOCKET leaves our
   environment, so that neither the container nor a hook gets it; returns
   its value for conmon (NULL when unset, or for the other modes). */
char *uctr_sdnotify_take (UctrSdNotify mode);
/* conmon, once the container has started: READY=1 with MAINPID=MAINPID
   (the process that stays: uctr run in the foreground, else the container's
   init) to TARGET (a NOTIFY_SOCKET value); nothing when TARGET is NULL. A
   failure is a warning. */
void uctr_sdnotify_ready (const char *target, pid_t mainpid);
