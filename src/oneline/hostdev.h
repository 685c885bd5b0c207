/* uctr: the host's devices for a --privileged one-line run, as rootless
   podman gives them. */
#pragma once

#include "base/json.h"

/* Adds to linux.devices every character and block device under the host's
   /dev (subdirectories included, but pts, shm, mqueue, fd and hidden ones),
   with its type, numbers, mode and owner, except the console, ptmx and the
   ttys, and those the list already has. In a user namespace uctr binds each
   from the host: the host's ownership and mode still decide who may open
   it. */
gboolean uctr_oneline_host_devices (json_object *linux_obj, GError **error);
