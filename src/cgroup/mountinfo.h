/* uctr: the cgroup file systems of a /proc/self/mountinfo text. */
#pragma once

#include <glib.h>

/* The cgroup2 mount point in a mountinfo text; NULL when there is none (a
   cgroup v1-only host). Where several exist, the first that no later mount
   hides. */
char *uctr_cgroup_find_v2_mount (const char *mountinfo);

/* A cgroup v1 hierarchy as mounted. */
typedef struct
{
  char *controllers; /* from the super options, comma-separated: "cpu,cpuacct", "name=systemd" */
  char *root;        /* the hierarchy's directory at the mount point ("/" unless bound or namespaced) */
  char *point;       /* the mount point */
} UctrCgroupV1Mount;

void uctr_cgroup_v1_mount_free (UctrCgroupV1Mount *m);

/* The cgroup v1 hierarchies of a mountinfo text that a path lookup reaches
   (none hidden by a later mount), each once (UctrCgroupV1Mount). */
GPtrArray *uctr_cgroup_find_v1_mounts (const char *mountinfo);
