/* uctr: registry credentials from the files podman and docker already
   write (no login command of uctr's own is needed): auth.json's "auths",
   looked up as podman looks them up. */
#pragma once

#include <glib.h>

/* The files to read, in podman's order: $REGISTRY_AUTH_FILE,
   $XDG_RUNTIME_DIR/containers/auth.json, $XDG_CONFIG_HOME/containers/auth.json,
   ~/.docker/config.json (NULL-terminated; those unset are left out). */
char **uctr_auth_files (void);

/* The credentials for REPOSITORY (as "library/alpine") on REGISTRY (as
   "docker.io") in the first of FILES that has an entry for it: the most
   specific entry of that file ("quay.io/org/repo" before "quay.io/org"
   before "quay.io"; docker.io also as Docker's "https://index.docker.io/v1/";
   keys with a scheme or a trailing "/" match too). TRUE with *USER and
   *PASSWORD (and *FROM, the file, when not NULL) set, TRUE with them NULL
   when no file has any, FALSE with ERROR for a file that is not JSON or an
   entry whose "auth" is no base64 of USER:PASSWORD. */
gboolean uctr_auth_lookup (const char *const *files, const char *registry, const char *repository,
                           char **user, char **password, char **from, GError **error);
