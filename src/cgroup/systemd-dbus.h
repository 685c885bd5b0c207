/* uctr: the D-Bus half of systemd.c, a module of its own (uctr-systemd.so,
   systemd-dbus.c) that uctr loads when it first asks systemd. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#define UCTR_SYSTEMD_MODULE "uctr-systemd.so"

/* The layout below (its number) and uctr's version: a module left from
   another uctr is refused rather than called with what it does not expect. */
#define UCTR_SYSTEMD_DBUS_ABI "uctr-systemd 1 " PACKAGE_VERSION

typedef struct
{
  const char *abi; /* UCTR_SYSTEMD_DBUS_ABI */
  /* Starts UNIT (a scope in SLICE) with PID in it (Delegate=yes) and waits
     until systemd has moved PID there; UCTR_ERROR_UNSUPPORTED when no bus
     or no systemd answers. */
  gboolean (*start_scope) (const char *slice, const char *unit, const char *id, pid_t pid, gboolean as_root,
                           const GPtrArray *writes, GError **error);
  /* Stops UNIT; a unit that is gone already is no error. */
  gboolean (*stop_unit) (const char *unit, gboolean as_root, GError **error);
} UctrSystemdDbus;
