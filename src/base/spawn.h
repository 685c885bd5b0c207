/* uctr: starting a helper of our own that outlives us (the network helper,
   the logger of a detached container). */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* The most fds uctr_spawn_detached hands over. */
#define UCTR_SPAWN_MAX_FDS 4

/* Runs the program open on PROGRAM_FD (uctr_selfexe_open_program), or this
   uctr binary when -1 (/proc/self/exe: a sealed copy has no path), with
   ARGV (NULL-terminated), detached from us: not our child (cloned twice),
   the leader of a session of its own, with FDS[i] (N_FDS of them, at most
   UCTR_SPAWN_MAX_FDS) as its fd 3 + i and none other of ours. STDIO, when
   not NULL, gives its stdin, stdout and stderr (-1: ours for that one, to
   say why it could not start); NULL keeps all three of ours. Nothing is
   allocated after the clones, which share our memory until the exec, as
   posix_spawn's do. *PID gets its pid. */
gboolean uctr_spawn_detached (int program_fd, char **argv, const int *fds, int n_fds, const int *stdio,
                              pid_t *pid, GError **error);
