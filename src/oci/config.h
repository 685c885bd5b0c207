/* uctr: config.json (OCI runtime-spec v1.x, Linux) parsed into typed structs. */
#pragma once

#include <glib.h>
#include "base/json.h"

typedef enum
{
  UCTR_NS_USER, /* first: every other namespace is created inside it */
  UCTR_NS_MOUNT,
  UCTR_NS_PID,
  UCTR_NS_NETWORK,
  UCTR_NS_IPC,
  UCTR_NS_UTS,
  UCTR_NS_CGROUP,
  UCTR_NS_TIME,
  UCTR_NS_N
} UctrNsType;

typedef enum
{
  UCTR_HOOK_PRESTART,
  UCTR_HOOK_CREATE_RUNTIME,
  UCTR_HOOK_CREATE_CONTAINER,
  UCTR_HOOK_START_CONTAINER,
  UCTR_HOOK_POSTSTART,
  UCTR_HOOK_POSTSTOP,
  UCTR_HOOK_N
} UctrHookKind;

typedef enum
{
  UCTR_CAP_BOUNDING,
  UCTR_CAP_EFFECTIVE,
  UCTR_CAP_INHERITABLE,
  UCTR_CAP_PERMITTED,
  UCTR_CAP_AMBIENT,
  UCTR_CAP_N
} UctrCapSet;

typedef struct
{
  gboolean enabled; /* listed in linux.namespaces */
  char *path;       /* join this namespace instead of creating one; NULL to create */
  guint index;      /* its place in linux.namespaces, for messages */
} UctrNamespace;

typedef struct
{
  guint32 container_id;
  guint32 host_id;
  guint32 size;
} UctrIdMapping;

typedef struct
{
  char *destination;           /* absolute (validated) */
  char *type;                  /* may be NULL (bind mounts) */
  char *source;                /* may be NULL */
  char **options;              /* NULL-terminated, never NULL */
  UctrIdMapping *uid_mappings; /* idmapped mounts; n may be 0 */
  gsize n_uid_mappings;
  UctrIdMapping *gid_mappings;
  gsize n_gid_mappings;
} UctrMount;

typedef struct
{
  char *path;  /* absolute (validated) */
  char **args; /* NULL-terminated; may be empty (then argv[0] is path) */
  char **env;  /* NULL-terminated, may be empty; NULL when absent: the hook
                  inherits the runtime's environment (the process's for the
                  hooks the init runs), as with runc and crun */
  int timeout; /* seconds; 0 = none given */
} UctrHook;

typedef struct
{
  char *type;   /* "RLIMIT_NOFILE" */
  int resource; /* RLIMIT_NOFILE */
  guint64 soft;
  guint64 hard;
} UctrRlimit;

typedef struct
{
  char *type; /* "c", "b", "u", "p" */
  char *path; /* absolute, in the container */
  gint64 major;
  gint64 minor;
  gboolean has_file_mode;
  guint32 file_mode;
  gboolean has_uid;
  guint32 uid;
  gboolean has_gid;
  guint32 gid;
} UctrDevice;

typedef struct
{
  gboolean terminal;
  guint console_height; /* 0 when not given */
  guint console_width;

  guint32 uid;
  guint32 gid;
  guint32 *additional_gids;
  gsize n_additional_gids;
  gboolean has_umask;
  guint32 umask;

  char **args; /* NULL-terminated, at least one element (validated) */
  char **env;  /* NULL-terminated, never NULL */
  char *cwd;   /* absolute (validated); "/" when absent */

  /* NULL when the set is absent from config.json; else NULL-terminated names
     as written ("CAP_KILL"). Mapping to numbers is seccomp.c's job. */
  char **capabilities[UCTR_CAP_N];
  gboolean has_capabilities;

  UctrRlimit *rlimits;
  gsize n_rlimits;

  gboolean no_new_privileges;
  gboolean has_oom_score_adj;
  int oom_score_adj;
  char *apparmor_profile;
  char *selinux_label;
} UctrProcess;

typedef struct
{
  char *oci_version;
  char *root_path; /* as written; relative to the bundle when not absolute */
  gboolean root_readonly;
  char *hostname;   /* NULL when absent */
  char *domainname; /* NULL when absent */

  UctrProcess *process; /* NULL when absent (valid for create per spec; start needs it) */

  UctrMount *mounts;
  gsize n_mounts;

  UctrHook *hooks[UCTR_HOOK_N];
  gsize n_hooks[UCTR_HOOK_N];

  /* string -> string, insertion order kept in annotation_keys */
  GHashTable *annotations;
  char **annotation_keys; /* NULL-terminated, never NULL */

  gboolean has_linux;
  UctrNamespace namespaces[UCTR_NS_N];
  UctrIdMapping *uid_mappings;
  gsize n_uid_mappings;
  UctrIdMapping *gid_mappings;
  gsize n_gid_mappings;
  GHashTable *sysctl; /* string -> string; never NULL */
  UctrDevice *devices;
  gsize n_devices;
  char *cgroups_path;       /* NULL when absent */
  char *rootfs_propagation; /* NULL when absent; validated to a known value */
  char **masked_paths;      /* NULL-terminated, never NULL */
  char **readonly_paths;    /* NULL-terminated, never NULL */
  char *mount_label;

  /* Parts later modules interpret themselves; NULL when absent. Owned. */
  json_object *resources; /* linux.resources */
  json_object *seccomp;   /* linux.seccomp */
  json_object *root_node; /* the whole document */
} UctrConfig;

/* Parses and validates. Errors are UCTR_ERROR_INVALID_CONFIG with a message that
   starts with the JSON path: "process.args: must be a non-empty array of strings". */
UctrConfig *uctr_config_parse (const char *json, gssize len, GError **error);

void uctr_config_free (UctrConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrConfig, uctr_config_free)

/* A process object on its own (exec --process FILE); FILE names it in errors. */
UctrProcess *uctr_process_parse (const char *json, gssize len, const char *file, GError **error);
void uctr_process_free (UctrProcess *process);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrProcess, uctr_process_free)

const char *uctr_ns_type_name (UctrNsType type);     /* "user", "mount", "pid", "network", ... */
const char *uctr_hook_kind_name (UctrHookKind kind); /* "prestart", "createRuntime", ... */
const char *uctr_cap_set_name (UctrCapSet set);      /* "bounding", ... */
int uctr_config_rlimit_from_name (const char *name); /* -1 when unknown */

/* config.json annotations uctr reads (documented in README.md):
   "uctr.network": what --network takes, "none" or "slirp[:OPTIONS]"; the flag wins.
   "uctr.publish": what --publish takes, specs separated by commas; the flags win.
   "uctr.mountpoints": where missing mount points are made, "rootfs" (runc's
   way, the default) or "tmpfs" (throwaway layers: one-line runs).
   "uctr.subids": "true" extends a mapping of the caller's own ids alone
   (runc's `spec --rootless`) with the caller's subordinate ranges.
   "uctr.rootfs.overlay": "lowerdir=DIR[:DIR...],upperdir=DIR,workdir=DIR":
   root.path is an overlayfs of these, mounted in the container's own
   namespaces (an image's layers: `uctr run IMAGE`); the lower directories
   share one parent.
   "uctr.image": the image a one-line run was made from (its name); its
   writable layer in the image store goes with the container. */
#define UCTR_ANNOTATION_NETWORK "uctr.network"
#define UCTR_ANNOTATION_PUBLISH "uctr.publish"
#define UCTR_ANNOTATION_MOUNTPOINTS "uctr.mountpoints"
#define UCTR_ANNOTATION_SUBIDS "uctr.subids"
#define UCTR_ANNOTATION_ROOTFS_OVERLAY "uctr.rootfs.overlay"
#define UCTR_ANNOTATION_IMAGE "uctr.image"
/* The image-spec's annotation for an image's StopSignal: `uctr kill` sends it when told no signal. */
#define UCTR_ANNOTATION_IMAGE_STOP_SIGNAL "org.opencontainers.image.stopSignal"
