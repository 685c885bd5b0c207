/* uctr: linux.resources (runtime-spec) and runc's update flags, turned into
   the cgroup v2 files they set.  Pure logic: cgroup.c does the writing. */
#pragma once

#include <glib.h>
#include "base/json.h"

/* An integer that may be absent. */
typedef struct
{
  gboolean set;
  gint64 value;
} UctrOptInt;

/* blockIO.weightDevice[] and blockIO.throttle*Device[]. */
typedef struct
{
  gint64 major;
  gint64 minor;
  gint64 value; /* weight, or rate (bytes or operations a second; 0: no limit) */
} UctrDeviceValue;

typedef enum
{
  UCTR_THROTTLE_READ_BPS,
  UCTR_THROTTLE_WRITE_BPS,
  UCTR_THROTTLE_READ_IOPS,
  UCTR_THROTTLE_WRITE_IOPS,
  UCTR_THROTTLE_N
} UctrThrottle;

/* linux.resources.devices[]: a rule of the devices cgroup (v1) or of the
   device filter (v2). */
typedef struct
{
  gboolean allow;
  char type;      /* 'a', 'b' or 'c' */
  gint64 major;   /* -1: any */
  gint64 minor;   /* -1: any */
  char access[4]; /* of "rwm" */
} UctrDeviceRule;

typedef struct
{
  UctrOptInt memory_limit; /* bytes; -1 unlimited */
  UctrOptInt memory_reservation;
  UctrOptInt memory_swap; /* memory + swap, as in cgroup v1 and the spec */
  UctrOptInt cpu_shares;  /* cgroup v1 shares: converted to cpu.weight */
  UctrOptInt cpu_quota;
  UctrOptInt cpu_period;
  UctrOptInt cpu_idle;
  char *cpu_cpus; /* NULL when absent */
  char *cpu_mems;
  UctrOptInt pids_limit;   /* <= 0: unlimited */
  UctrOptInt blkio_weight; /* 10..1000 */
  GArray *weight_devices;  /* UctrDeviceValue */
  GArray *throttle[UCTR_THROTTLE_N];
  GPtrArray *hugepage_sizes; /* char *: "2MB" */
  GArray *hugepage_limits;   /* gint64, parallel to hugepage_sizes */
  GPtrArray *unified_keys;   /* char *: "memory.high", in config order */
  GPtrArray *unified_values; /* char *, parallel */
  /* cgroup v1 only */
  UctrOptInt memory_kernel;
  UctrOptInt memory_kernel_tcp;
  UctrOptInt memory_swappiness;
  UctrOptInt memory_disable_oom_killer; /* 0 or 1 */
  UctrOptInt cpu_rt_runtime;
  UctrOptInt cpu_rt_period;
  UctrOptInt blkio_leaf_weight;
  UctrOptInt net_class_id;
  GPtrArray *net_prio_names; /* char *: interface names */
  GArray *net_prio_values;   /* gint64, parallel */
  GArray *devices;           /* UctrDeviceRule, in config order */
  GPtrArray *unsupported;    /* char *: members uctr cannot set on cgroup v2 ("memory.swappiness") */
} UctrResources;

UctrResources *uctr_resources_new (void);
void uctr_resources_free (UctrResources *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrResources, uctr_resources_free)

/* Parses NODE (a linux.resources object; NULL is an empty set). Errors are
   UCTR_ERROR_INVALID_CONFIG and start with WHERE and the member's path:
   "linux.resources.memory.limit: must be an integer". */
UctrResources *uctr_resources_parse (json_object *node, const char *where, GError **error);

/* Sets in BASE what UPDATE sets (runc update: unchanged values may be omitted).
   Device rules are not updated, as in runc. */
void uctr_resources_merge (UctrResources *base, const UctrResources *update);

/* Back to the runtime-spec shape, for the config.json of the state dir. */
json_object *uctr_resources_to_json (const UctrResources *r);

/* One file to write in the container's cgroup. */
typedef struct
{
  char *controller; /* "memory", "pids", "cpu", "cpuset", "io", "hugetlb" ...; "cgroup" for core files */
  char *file;       /* "memory.max" */
  char *value;
  char *alt_file; /* written instead when it exists (io.bfq.weight before io.weight), else NULL */
  char *alt_value;
  char *what; /* the member it comes from, for messages: "memory.limit" */
} UctrCgroupWrite;

void uctr_cgroup_write_free (UctrCgroupWrite *w);

/* A write appended to WRITES, taking VALUE. */
UctrCgroupWrite *uctr_cgroup_write_add (GPtrArray *writes, const char *controller, const char *file,
                                        char *value, const char *what);

/* The writes that set R, in the order runc makes them (a GPtrArray of
   UctrCgroupWrite). Values that cannot go together (a swap limit without a
   memory limit, a weight out of range) are UCTR_ERROR_INVALID_CONFIG errors
   starting with WHERE. */
GPtrArray *uctr_resources_writes (const UctrResources *r, const char *where, GError **error);

/* The writes of R for cgroup v1 hierarchies (resources-v1.c), controller
   being the v1 subsystem ("memory", "cpu", "blkio", "devices" ...). With
   DEVICES, everything denied, then the device rules of R and those runc always allows (the
   null, zero, full, random, urandom, tty, ptmx, pts and tun devices, and
   mknod of any). unified is an error: cgroup v1 has no such files (runc
   refuses it on v1 too). */
GPtrArray *
uctr_resources_writes_v1 (const UctrResources *r, gboolean devices, const char *where, GError **error);

/* The device rules of R followed by those runc always allows (above), in
   the order they apply (UctrDeviceRule). */
GArray *uctr_resources_device_rules (const UctrResources *r);

/* runc's conversions to cgroup v2 values. */
guint64 uctr_resources_shares_to_weight (guint64 shares);
guint64 uctr_resources_blkio_to_io_weight (guint64 weight);

/* A size as runc's update takes it: "1048576", "512k", "1.5g", "100MB" (powers
   of 1024), or -1 for no limit. */
gboolean uctr_resources_parse_size (const char *text, gint64 *out);
