/* uctr: a seccomp profile checked on its own, before any config holds it
   (a one-line run's --security-opt seccomp=PATH). */
#pragma once

#include "base/json.h"

/* Whether PROFILE, a linux.seccomp object, compiles here as create would
   compile it (libseccomp, this kernel's flags). Errors name the JSON path
   from linux.seccomp: "linux.seccomp.syscalls[3].action: ...". */
gboolean uctr_seccomp_profile_check (json_object *profile, GError **error);
