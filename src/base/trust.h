/* uctr: what uctr trusts on the host: the state root and what it finds
   under it are used only when nobody but the caller (and root) could have
   made or changed them, as ssh's StrictModes does for ~/.ssh. */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* ROOT (absolute, resolved: no symlinks) is a directory owned by the
   caller that nobody else can write, and every directory above it is owned
   by the caller or root and writable by nobody else unless sticky (/tmp):
   no other user can change what is in it, or put another directory in its
   place. uctr, its network helper and the container's init reach the state
   by path, so the path must be one that stays put. */
gboolean uctr_trust_check_root (const char *root, GError **error);

/* Makes the missing directories of ROOT (absolute) 0700, once the part of
   it that exists has passed the check above for a parent: nothing is
   made where the root would then be refused. */
gboolean uctr_trust_make_root (const char *root, GError **error);

/* Opens ROOT, a directory uctr_trust_check_root passed, and checks it again
   (it is the one opened: O_NOFOLLOW). O_RDONLY | O_DIRECTORY | O_CLOEXEC. */
int uctr_trust_open_root (const char *root, GError **error);

typedef enum
{
  UCTR_TRUST_PRIVATE, /* nobody else may write it either */
  UCTR_TRUST_SHARED,  /* others may write it by design (exec.fifo) */
} UctrTrustMode;

/* NAME in the state directory DFD (PATH in messages), opened with FLAGS
   without following a symlink (nor blocking on a fifo) and used only when
   it is of TYPE (S_IFREG, S_IFDIR ...) and the caller's own; O_CREAT makes
   it 0600. No O_DIRECTORY in FLAGS (it turns a symlink into ENOTDIR): TYPE
   S_IFDIR says it. UCTR_ERROR_UNTRUSTED when not; an open that fails is a
   UCTR_ERRNO_ERROR (ENOENT when missing). */
int uctr_trust_openat (int dfd, const char *name, const char *path, int flags, mode_t type,
                       UctrTrustMode mode, GError **error);

/* The regular file NAME of DFD, read as uctr_trust_openat allows it
   (private), at most MAX bytes. */
gboolean
uctr_trust_read_entry (int dfd, const char *name, gsize max, char **contents, gsize *len, GError **error);

/* The path FD is open on, for messages ("?" when unknown), and NAME in it. */
char *uctr_trust_fd_path (int fd);
char *uctr_trust_entry_path (int dfd, const char *name);
