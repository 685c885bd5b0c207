/* uctr: what a one-line run's process may do: capabilities (podman's
   default set, --cap-add, --cap-drop), the seccomp profile (the one built
   in from data/seccomp.json, or --security-opt seccomp=unconfined|PATH),
   no_new_privs (--security-opt no-new-privileges), and --privileged. */
#pragma once

#include "oneline/oneline.h"

#include "base/json.h"

/* Sets process.capabilities, process.noNewPrivileges and linux.seccomp of
   CONFIG (and for --privileged, linux.maskedPaths, linux.readonlyPaths,
   linux.devices and the /sys mounts) from O. Capabilities follow the
   process's final user: call it once process.user is set. Errors name the
   flag. */
gboolean uctr_oneline_security (json_object *config, const UctrOneLine *o, GError **error);
