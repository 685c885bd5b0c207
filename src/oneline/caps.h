/* uctr: a one-line run's capabilities, as podman computes them: a default
   set (podman's), --cap-add and --cap-drop over it, ALL for every one this
   kernel has. Sets are masks of capability numbers. */
#pragma once

#include <glib.h>

/* podman's default set: CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL,
   NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT. */
guint64 uctr_oneline_caps_default (void);

/* Every capability this kernel has (0 to cap_last_cap). */
guint64 uctr_oneline_caps_all (void);

/* The capabilities ARGS name, each a comma-separated list of names with or
   without CAP_, in any case, or ALL; *ALL says whether ALL was among them.
   An unknown name is an error that names FLAG and the name. */
gboolean
uctr_oneline_caps_parse (char **args, const char *flag, guint64 *mask, gboolean *all, GError **error);

/* podman's merge: BASE without --cap-drop DROPS, with --cap-add ADDS
   (-> *SET); *ADDED is what ADDS alone name (ALL: every one). --cap-drop
   ALL leaves only ADDS; naming a capability (or ALL) in both is an error. */
gboolean uctr_oneline_caps_merge (guint64 base, char **adds, char **drops, guint64 *set, guint64 *added,
                                  GError **error);

/* "CAP_CHOWN", ... for MASK, in the kernel's order; NULL-terminated. */
char **uctr_oneline_caps_names (guint64 mask);
