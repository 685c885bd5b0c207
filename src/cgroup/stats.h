/* uctr: what `events` reports of a container's cgroup v2, in the JSON shapes
   of runc's types.Stats. */
#pragma once

#include <glib.h>

/* The "data" object of a stats event: cpu (cpu.stat), memory (memory.current,
   memory.max, memory.stat, swap), pids (pids.current and pids.max, or
   cgroup.procs counted), blkio (io.stat), as far as PATH has them. */
char *uctr_stats_json (const char *path);

/* memory.events oom_kill of PATH (0 without the memory controller). */
guint64 uctr_stats_oom_kills (const char *path);

/* One event line as runc prints it: {"type":TYPE,"id":ID[,"data":DATA]}. */
char *uctr_stats_event (const char *type, const char *id, const char *data);

/* The same of a container's cgroup v1 directories (UctrCgroupV1Dir, v1.h):
   cpuacct and cpu, cpuset, memory (with memsw, kmem), pids, blkio (the
   throttle counters where CFQ's are empty), hugetlb, as runc reads them. */
char *uctr_stats_v1_json (GPtrArray *dirs);

/* memory.oom_control oom_kill of the memory hierarchy's directory. */
guint64 uctr_stats_v1_oom_kills (GPtrArray *dirs);
