/* uctr: --device and --gpu in a one-line run: host device nodes bound into
   the container, where they keep the host's owner and mode. A user
   namespace cannot make device nodes, and a bind works for root too, so
   every node is bound (as podman does rootless). */
#pragma once

#include "base/json.h"

/* A config mounts[] entry (the devices' binds are made with it). */
json_object *uctr_oneline_mount_new (const char *destination, const char *type, const char *source,
                                     const char *const *options);

/* --device HOST[:DEST][:PERMS] (podman's form) added to CONFIG: HOST, a
   character or block device or a directory holding some (such as
   /dev/dri), bound at DEST (default HOST). PERMS is accepted when it
   grants rw: uctr sets no device cgroup that could give less. */
gboolean uctr_oneline_add_device (json_object *config, const char *spec, GError **error);

/* Each of PATHS (host paths, none missing) bound at the same path; WHAT
   names them in errors ("--gpu"). */
gboolean
uctr_oneline_add_device_paths (json_object *config, char *const *paths, const char *what, GError **error);

/* What --gpu binds, of what this host has: /dev/dri (the DRM card and
   render nodes, for Mesa) and NVIDIA's nodes (/dev/nvidiactl,
   /dev/nvidia-modeset, /dev/nvidia-uvm, /dev/nvidia-uvm-tools,
   /dev/nvidiaN, /dev/nvidia-caps). Empty when it has none. */
char **uctr_oneline_gpu_nodes (void);
