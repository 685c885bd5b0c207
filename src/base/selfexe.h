/* uctr: the binary a container can reach (CVE-2019-5736); see selfexe.c. */
#pragma once

#include <glib.h>

/* Keeps ARGV (main's, untouched by option parsing) for uctr_selfexe_protect. */
void uctr_selfexe_init (char **argv);

/* Whether the running binary is a file a container's ids could write (and
   not already the sealed copy). */
gboolean uctr_selfexe_exposed (void);

/* Before uctr starts container processes, where the trampoline cannot
   serve: when exposed, re-executes the argv given to uctr_selfexe_init
   from a sealed in-memory copy (returns only on failure, FALSE with ERROR
   set); TRUE at once otherwise. Call it before anything exists that the
   new process would not know of. */
gboolean uctr_selfexe_protect (GError **error);

/* A sealed memfd (O_CLOEXEC) of the exec trampoline (dmz/dmz.c), for the
   init to exec the container's process through; -1 with ERROR set. */
int uctr_selfexe_dmz_open (GError **error);

/* The directory of the uctr binary that runs (the file's, when this is
   the sealed copy); NULL when it cannot be told. */
char *uctr_selfexe_dir (void);

/* The program NAME that comes with uctr: beside the binary (a build
   tree), else in uctr's libexec directory. */
char *uctr_selfexe_sibling (const char *name);

/* PATH (a program that comes with uctr, such as uctr-net) opened to be
   executed (O_CLOEXEC). Where uctr runs from its sealed copy (the
   container may see our processes: no pid namespace of its own) and the
   file is one a container's ids could write, a sealed in-memory copy of
   it, so that the container does not reach the file through the
   program's /proc/PID/exe (CVE-2019-5736); else the file itself, which a
   container in a pid namespace of its own never sees (and a copy would
   cost each container half a megabyte). -1 with ERROR set. */
int uctr_selfexe_open_program (const char *path, GError **error);

/* Gives the process ARGV0's name when it runs from that copy. */
void uctr_selfexe_name (const char *argv0);
