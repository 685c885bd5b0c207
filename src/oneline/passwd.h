/* uctr: a rootfs's /etc/passwd and /etc/group with the caller's entries,
   for --userns=keep-id (keepid.c). Text in, text out. */
#pragma once

#include <glib.h>

typedef struct
{
  const char *name;
  guint32 id;
} UctrGroupEntry;

/* TEXT (an /etc/passwd) without the entries of NAME or UID, then NAME's:
   "NAME:x:UID:GID:GECOS:HOME:SHELL". The fields must hold no ':' or
   newline (GECOS loses them). */
char *uctr_oneline_passwd_with (const char *text, const char *name, guint32 uid, guint32 gid,
                                const char *gecos, const char *home, const char *shell);

/* TEXT (an /etc/group) without the entries of GROUP's name or id, then
   GROUP's with USER as a member, then each of OTHERS (USER's other groups)
   that TEXT has no entry of, by name or id, with USER as a member. */
char *uctr_oneline_group_with (const char *text, const UctrGroupEntry *group, const char *user,
                               const UctrGroupEntry *others, gsize n_others);

/* Whether S can be a field of those files (no ':', no newline, not empty). */
gboolean uctr_oneline_passwd_field_ok (const char *s);
