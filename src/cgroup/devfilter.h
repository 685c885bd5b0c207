/* uctr: linux.resources.devices on cgroup v2: an eBPF program of type
   BPF_PROG_TYPE_CGROUP_DEVICE attached to the container's cgroup, as runc
   and crun attach one (cgroup v2 has no devices.allow). Root only. */
#pragma once

#include "cgroup/resources.h"

#include <glib.h>

/* The program for RULES (in config order: the last rule that matches an
   access decides, none matching denies), as instructions (struct bpf_insn). */
GArray *uctr_devfilter_program (const UctrDeviceRule *rules, guint n);

/* Loads the program for RULES and attaches it to the cgroup directory PATH
   (BPF_F_ALLOW_MULTI: a program systemd attached stays, and both must allow). */
gboolean uctr_devfilter_attach (const char *path, const UctrDeviceRule *rules, guint n, GError **error);
