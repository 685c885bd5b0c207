/* uctr: the network helper's sandbox. libslirp parses what the container
   sends, in a process of the user's on the host; should it be taken over
   anyway, this is what it can still do. Private to src/net. */
#pragma once

#include <glib.h>

/* From the start, before the agent is forked (it inherits all three): no
   new privileges, no core dumps, and not dumpable, so that no process of
   the same uid (the container's root is one) may ptrace it or read its
   memory. The agent still joins the container's namespaces through the
   init's pidfd: setns() asks about the init's dumpability, not ours. */
gboolean uctr_net_sandbox_harden (GError **error);

/* Once the loop is set up, before it reads the first frame:

   - no capabilities, but CAP_NET_BIND_SERVICE when it has it (as root:
     port add may publish ports below 1024);
   - Landlock, where the kernel has it: no file may be opened, written,
     made or removed, but READ_DIR's regular files may be read (the
     directory of resolv.conf, which libslirp reads again when it
     changes; NULL: none), and no signal or abstract unix socket reaches
     beyond the helper;
   - a seccomp filter: the syscalls the loop makes and nothing else; no
     exec, fork, ptrace or unix socket; files opened read-only only;
     memory never mapped executable.

   Without Landlock (a kernel before 5.13, or one that leaves it out of
   lsm=) the helper can still open files the user can read, read-only. In
   a build with AddressSanitizer, Landlock and seccomp are left out:
   LeakSanitizer needs ptrace, /proc and its log files. *LANDLOCK_ABI gets
   the Landlock ABI used, 0 without. */
gboolean uctr_net_sandbox_enter (const char *read_dir, int *landlock_abi, GError **error);

/* The handover supervisor's (handover.h), once it listens: no
   capabilities (as above), and a seccomp filter of what it makes: IP
   sockets, reading the memory and fds of the container's processes
   (process_vm_readv, pidfd_getfd, which Landlock would forbid), answering
   seccomp notifications, and opening read-only, beneath PROC_FD (the
   host's /proc), the fdinfo files of the callers' fds. No exec, fork,
   ptrace or unix socket; memory never mapped executable. */
gboolean uctr_net_sandbox_enter_handover (int proc_fd, GError **error);
