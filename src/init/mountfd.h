/* uctr: a mount made detached and attached onto a destination fd, so that
   an fd of the mount itself is left for its options (mountfd.c). Runs in
   the container init: no allocation, no stdio, no GLib. Cloning and staging
   return -1 with ENOSYS when the kernel or a seccomp filter lacks the mount
   API (uctr_mountfd_no_api is then set): mount(2) as before. */
#pragma once

extern int uctr_mountfd_no_api;
/* A detached copy of the mount tree at PATH (at DIRFD itself for ""). */
int uctr_mountfd_clone (int dirfd, const char *path, int recursive);
/* Attaches MNTFD on top of whatever is mounted on DSTFD. */
int uctr_mountfd_attach (int mntfd, int dstfd);
/* A private tmpfs stacked on DSTFD for a moment: mount on *SPOT, a
   directory in it that nothing else can reach; returns the stage's fd. */
int uctr_mountfd_stage (int dstfd, int *spot);
/* Removes the stage; with KEEP, returns a detached copy of what was mounted
   on the spot first (a mount that is unmounted cannot be attached again). */
int uctr_mountfd_unstage (int stagefd, int keep);
