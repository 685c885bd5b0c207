/* uctr: the binary a container can reach (CVE-2019-5736); see selfexe.c. */
#pragma once

#include <glib.h>

/* For the verbs that start container processes: when the running binary is
   a file a container's ids could write, re-executes ARGV from a sealed
   in-memory copy (returns only on failure, FALSE with ERROR set); TRUE at
   once otherwise. */
gboolean uctr_selfexe_protect (char **argv, GError **error);

/* The directory of the uctr binary that runs (the file's, when this is
   the sealed copy); NULL when it cannot be told. */
char *uctr_selfexe_dir (void);

/* The program NAME that comes with uctr: beside the binary (a build
   tree), else in uctr's libexec directory. */
char *uctr_selfexe_sibling (const char *name);

/* Gives the process ARGV0's name when it runs from that copy. */
void uctr_selfexe_name (const char *argv0);
