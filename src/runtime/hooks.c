/* uctr: the hooks that run from the parent side (prestart, createRuntime,
   poststart, poststop), each with the state JSON on its stdin and the
   timeout of config.json; a failure names the hook. */
#include "runtime/hooks.h"
#include "init/hooks.h"
#include "base/util.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

gboolean
uctr_hooks_run (const UctrConfig *config, UctrHookKind kind, const char *state_json, GError **error)
{
  gsize i;

  for (i = 0; i < config->n_hooks[kind]; i++)
    {
      const UctrHook *h = &config->hooks[kind][i];
      char *fallback_argv[] = { h->path, NULL };
      int status = 0;

      if (uctr_hook_exec (h->path, h->args[0] != NULL ? h->args : fallback_argv,
                          h->env != NULL ? h->env : environ, state_json, strlen (state_json), h->timeout,
                          &status)
          < 0)
        {
          if (errno == ETIMEDOUT)
            return uctr_throw (error, UCTR_ERROR_FAILED,
                               _("hooks.%s[%zu] (%s): killed after its timeout of %d s"),
                                  uctr_hook_kind_name (kind), i, h->path, h->timeout);
          return uctr_throw_errno (error, _("hooks.%s[%zu] (%s)"), uctr_hook_kind_name (kind), i, h->path);
        }
      if (status != 0)
        {
          if (WIFEXITED (status) && WEXITSTATUS (status) == 127)
            return uctr_throw (error, UCTR_ERROR_FAILED,
                               _("hooks.%s[%zu] (%s): could not be executed (exit status 127)"),
                                  uctr_hook_kind_name (kind), i, h->path);
          if (WIFEXITED (status))
            return uctr_throw (error, UCTR_ERROR_FAILED,
                               _("hooks.%s[%zu] (%s): exited with status %d"), uctr_hook_kind_name (kind), i,
                                  h->path, WEXITSTATUS (status));
          return uctr_throw (error, UCTR_ERROR_FAILED,
                             _("hooks.%s[%zu] (%s): killed by signal %d"), uctr_hook_kind_name (kind), i,
                                h->path, WTERMSIG (status));
        }
    }
  return TRUE;
}
