/* uctr: --init for one-line runs. Without an init, the command is PID 1 of
   its pid namespace, where the kernel drops every signal it has no handler
   for (SIGTERM, ^C's SIGINT) and nobody reaps the orphans it does not wait
   for. --init puts a small init there instead: the host's catatonit (the
   one podman uses), bound read-only into the container, runs the command
   as its child, forwards signals to it, reaps zombies and exits with its
   status. */
#pragma once

#include "base/json.h"
#include "oneline/oneline.h"

/* Where the init is bound in the container: /dev is the container's own
   tmpfs, so the mount point never touches the root (read-only, the host's
   own, or another user's). */
#define UCTR_ONELINE_INIT "/dev/uctr-init"

/* With --init or --init-path: the bind of the init onto UCTR_ONELINE_INIT in
   CONFIG's mounts, and process.args becomes UCTR_ONELINE_INIT -- ARGS.
   Errors name the flag and, when catatonit is missing, how to install it. */
gboolean uctr_oneline_init_apply (json_object *config, const UctrOneLine *o, GError **error);
