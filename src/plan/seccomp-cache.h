/* uctr: compiled seccomp filters kept in the state root, so that the next
   container with the same linux.seccomp loads the program without
   compiling it again. An engine hands every container its default profile
   (podman's: some 400 syscalls); libseccomp takes milliseconds to turn that
   into BPF, reading the program back takes microseconds. */
#pragma once

#include "plan/seccomp.h"

/* The directory of the state root that holds them. Not a container id (ids
   have no '@'), so listing and every id lookup pass it by. */
#define UCTR_SECCOMP_CACHE_DIR "@seccomp-cache"
/* How many filters it keeps; the oldest go first. */
#define UCTR_SECCOMP_CACHE_MAX 32

/* The key of NODE's filter: SHA-256 over NODE as JSON, the build ids of
   uctr and every library it has loaded (libseccomp's among them),
   libseccomp's version and API level, and the kernel's uname (the flags and
   actions uctr checks it has). FALSE when uctr has no build id to tell one
   build from another: then nothing is cached. */
gboolean uctr_seccomp_cache_key (json_object *node, guint8 key[32]);

/* As uctr_seccomp_compile, through the cache in STATE_ROOT (a root that
   uctr_trust_check_root passes; NULL: no cache). An entry is used only
   when its file is the caller's own, private, not a symlink, well formed
   and made for this key; anything else is compiled anew and put in its
   place. Trouble with the cache is said at debug level and never fails the
   compile. */
gboolean
uctr_seccomp_compile_cached (json_object *node, const char *state_root, UctrSeccomp **out, GError **error);

/* The file format (native byte order, for this host only): packed with
   KEY, and unpacked only when it holds KEY and is whole. */
GBytes *uctr_seccomp_cache_pack (const UctrSeccomp *seccomp, const guint8 key[32]);
UctrSeccomp *uctr_seccomp_cache_unpack (const char *data, gsize len, const guint8 key[32]);
