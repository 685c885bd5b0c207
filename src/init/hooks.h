/* uctr: running OCI hooks: the state JSON on stdin, a timeout, no allocation
   (the container init uses this too, between fork and execve). */
#pragma once

#include <stddef.h>

/* Runs PATH with ARGV/ENVP, writes STATE to its stdin, waits at most TIMEOUT
   seconds (0: no limit; the hook is killed after it). Returns 0 and the wait
   status in *STATUS, or -1 with errno (ETIMEDOUT when it was killed). */
int uctr_hook_exec (const char *path, char *const argv[], char *const envp[], const char *state,
                    size_t state_len, int timeout, int *status);
