/* uctr: systemd socket activation (see activation.h). */
#include "plan/activation.h"
#include "base/util.h"

#include <unistd.h>

int
uctr_activation_fds (void)
{
  const char *pid = g_getenv ("LISTEN_PID");
  const char *fds = g_getenv ("LISTEN_FDS");
  guint64 p, n;

  if (pid == NULL || fds == NULL || !g_ascii_string_to_unsigned (pid, 10, 1, G_MAXINT32, &p, NULL)
      || (pid_t) p != getpid () || !g_ascii_string_to_unsigned (fds, 10, 1, 4096, &n, NULL))
    return 0;
  return (int) n;
}

char **
uctr_activation_env (char **env, int n)
{
  const char *names = g_getenv ("LISTEN_FDNAMES");
  g_autofree char *fds = g_strdup_printf ("LISTEN_FDS=%d", n);

  env = uctr_env_set (env, fds);
  env = uctr_env_set (env, UCTR_LISTEN_PID_SLOT);
  if (names != NULL)
    {
      g_autofree char *entry = g_strconcat ("LISTEN_FDNAMES=", names, NULL);
      env = uctr_env_set (env, entry);
    }
  return env;
}
