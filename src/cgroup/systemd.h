/* uctr: the container's cgroup as a transient systemd scope, asked for over
   D-Bus (the user's systemd on the session bus, the system's as root), as
   runc and crun do with --systemd-cgroup. */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* linux.cgroupsPath "SLICE:PREFIX:NAME" (NULL: the default, "user.slice:uctr:ID",
   or "system.slice:uctr:ID" as root) -> the slice and the scope's unit name
   ("PREFIX-NAME.scope"). Errors are UCTR_ERROR_INVALID_CONFIG. */
gboolean uctr_systemd_parse_path (const char *cgroups_path, const char *id, gboolean as_root, char **slice,
                                  char **unit, GError **error);

/* Starts the scope with PID in it (Delegate=yes) and waits until systemd has
   moved PID there. UCTR_ERROR_UNSUPPORTED when no bus or no systemd answers,
   so that the caller can do without. */
gboolean uctr_systemd_start_scope (const char *cgroups_path, const char *id, pid_t pid, gboolean as_root,
                                   const GPtrArray *writes, char **unit, GError **error);

/* Stops UNIT; a unit that is gone already is no error. */
gboolean uctr_systemd_stop_unit (const char *unit, gboolean as_root, GError **error);
