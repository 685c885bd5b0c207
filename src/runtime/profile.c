/* uctr: a seccomp profile checked on its own (see profile.h). */
#include "runtime/profile.h"
#include "plan/seccomp.h"

gboolean
uctr_seccomp_profile_check (json_object *profile, GError **error)
{
  g_autoptr(UctrSeccomp) compiled = NULL;

  return uctr_seccomp_compile (profile, &compiled, error);
}
