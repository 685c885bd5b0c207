/* uctr: whether the init may exec the container's process through the exec
   trampoline (dmz/dmz.c, base/selfexe.c) rather than have uctr re-execute
   itself from a sealed copy. The trampoline keeps the uctr binary out of
   the one execve that the container's files take part in; it is enough
   when nothing else of the container can reach the init, or a program it
   runs, while the init is still uctr, and when its extra execve changes
   nothing of what the process gets. Otherwise a reason, for --debug. */
#include "plan/plan.h"
#include "base/dmz-argv.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/syscall.h>

/* Whether linux.seccomp lets the init call execveat (DMZ_FD, "", argv, envp,
   AT_EMPTY_PATH): the filter is loaded before it. */
static gboolean
filter_allows_dmz (const UctrSeccomp *seccomp, int dmz_fd)
{
  struct seccomp_data call = {
    .nr = __NR_execveat,
    .arch = seccomp_arch_native (),
    .args = { (guint64) dmz_fd, 0, 0, 0, AT_EMPTY_PATH },
  };
  guint32 ret;

  /* The path, argv and envp are addresses: a filter that looks at them
     gets no answer, which is a no. */
  if (!uctr_seccomp_answer (seccomp, &call, (1u << 0) | (1u << 4), &ret))
    return FALSE;
  ret &= SECCOMP_RET_ACTION_FULL;
  return ret == SECCOMP_RET_ALLOW || ret == SECCOMP_RET_LOG;
}

const char *
uctr_plan_dmz_refusal (const UctrPlan *plan, int dmz_fd)
{
  if (plan->exec)
    return "exec joins a running container, whose processes can reach it";
  if (plan->n_create_container_hooks > 0 || plan->n_start_container_hooks > 0)
    return "createContainer and startContainer hooks run in the container, from the init";
  if ((plan->unshare_flags & CLONE_NEWPID) == 0 || plan->ns_fds[UCTR_NS_PID] >= 0)
    return "the container shares a pid namespace, whose processes can reach the init";
  /* As runc did for its own trampoline: for a user other than root, keep
     capabilities through a single execve. */
  if (plan->uid != 0
      && (plan->cap_permitted | plan->cap_effective | plan->cap_inheritable | plan->cap_ambient) != 0)
    return "the process's user is not root and has capabilities";
  if (plan->seccomp != NULL && !filter_allows_dmz (plan->seccomp, dmz_fd))
    return "linux.seccomp may refuse the trampoline's execveat";
  return NULL;
}

void
uctr_plan_use_dmz (UctrPlan *plan, int dmz_fd)
{
  gsize n = g_strv_length (plan->argv);
  gsize i;

  g_return_if_fail (plan->dmz_fd < 0);
  plan->dmz_fd = dmz_fd;
  plan->dmz_argv = g_new0 (char *, n + 3);
  plan->dmz_argv[0] = (char *) UCTR_DMZ_ARGV0;
  /* [1]: the executable's path, which the init finds after fork. */
  for (i = 0; i < n; i++)
    plan->dmz_argv[i + 2] = plan->argv[i];
}
