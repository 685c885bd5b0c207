/* uctr: a one-line run's way to the desktop, in flatpak's words: --socket
   (wayland, x11, pulseaudio, pipewire, session-bus), --device, --gpu and
   --gui, the usual set of them. Sockets are bound at their host paths,
   and the variables that lead clients there are set, unless -e or
   --env-file gave them. */
#pragma once

#include "oneline/oneline.h"

#include "base/json.h"

/* What these flags imply for the others, before the config is made: a
   caller who is not root and asked for a socket whose server checks its
   client's uid (pulseaudio, pipewire, session-bus; --gui has them) runs as
   itself inside, --userns=keep-id, unless --userns or --user says
   otherwise. */
void uctr_oneline_gui_imply (UctrOneLine *o);

/* O's sockets and devices in CONFIG, made from O's other flags: the
   binds, the environment, and with a socket other than x11 a private
   XDG_RUNTIME_DIR (an empty tmpfs at the host's path, owned by
   process.user). x11 also shares the host's IPC namespace (MIT-SHM is
   System V shared memory) and gives the container the host's hostname
   unless --hostname is given (X11 cookies are keyed by it). With --gui,
   what the host lacks is left out with one warning, in X; the mounts are
   named there by their flags. */
gboolean uctr_oneline_gui (json_object *config, const UctrOneLine *o, UctrOneLineExtras *x, GError **error);
