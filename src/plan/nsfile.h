/* uctr: namespace files (linux.namespaces[].path): opened, and checked to be
   a namespace of the type the entry names, before fork. */
#pragma once

#include <glib.h>
#include "oci/config.h"

/* The CLONE_NEW* flag of each type: what unshare makes and what setns is
   told to expect, so that the kernel refuses a namespace of another type. */
extern const int uctr_ns_clone_flags[UCTR_NS_N];

/* Opens PATH, the namespace linux.namespaces[NS->index] names, for setns.
   Refuses what is not a namespace file (a regular file, a directory, a
   device: never opened for reading) and a namespace of another type than
   TYPE, with an error that names the entry and both types. */
int uctr_nsfile_open (const UctrNamespace *ns, UctrNsType type, GError **error);
