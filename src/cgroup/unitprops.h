/* uctr: linux.resources as systemd unit properties, for the transient scope
   of --systemd-cgroup. systemd writes a unit's properties to its cgroup
   again on every daemon-reload, so limits only written to the files would
   be reset to its defaults. */
#pragma once

#include <glib.h>

/* Adds to B (an "a(sv)" builder) the properties that say what WRITES
   (UctrCgroupWrite, from uctr_resources_writes) set: MemoryMax, MemoryHigh,
   MemoryLow, MemorySwapMax, TasksMax, CPUWeight, CPUQuotaPerSecUSec and
   CPUQuotaPeriodUSec, AllowedCPUs, AllowedMemoryNodes, IOWeight. The rest
   (device lines, hugetlb, rdma, cpu.idle) is left to the file writes,
   which are made as well. Returns how many it added. */
guint uctr_unit_add_resources (GVariantBuilder *b, const GPtrArray *writes);
