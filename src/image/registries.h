/* uctr: registries.conf as podman reads it (containers-registries.conf(5),
   containers-registries.conf.d(5)): which registries a short name such as
   "alpine" may mean, and for a fully qualified name where to pull it from
   (a [[registry]] table's location, mirrors, insecure, blocked).

   Files, in podman's order (c/image's sysregistriesv2), later ones
   overriding earlier ones:
     - $CONTAINERS_REGISTRIES_CONF (else $REGISTRIES_CONFIG_PATH) when set:
       that file, which must exist; else $HOME/.config/containers/registries.conf
       when it exists (for root too, as podman has it); else
       /etc/containers/registries.conf, which may be missing;
     - the drop-ins, *.conf in lexical order: those of
       /etc/containers/registries.conf.d (unless the user's registries.conf
       was read), then those of $HOME/.config/containers/registries.conf.d.
       unqualified-search-registries and short-name-mode are replaced by a
       later file that sets them, [[registry]] tables replaced by prefix,
       [aliases] merged key by key (an alias set to "" is erased);
     - the alias cache podman writes when a user picks a registry,
       /var/cache/containers/short-name-aliases.conf for root (outside a
       user namespace), else $XDG_CACHE_HOME/containers/short-name-aliases.conf
       ($HOME/.cache when unset). Its [aliases] come BEFORE those of the
       registries.conf files, as the man page says.

   The version 1 format ([registries.search], [registries.insecure],
   [registries.block] with registries = [...]) is read in the main file as
   podman reads it (search as unqualified-search-registries, the others as
   [[registry]] tables); in a drop-in, or mixed with version 2 keys, it is
   an error, as in podman. Syntax errors, and values of the wrong type for
   the keys uctr knows, are errors with FILE:LINE; unknown keys are ignored
   (credential-helpers among them: uctr reads auth.json, see auth.h). */
#pragma once

#include "image/reference.h"

#include <glib.h>

typedef struct _UctrRegistries UctrRegistries;

/* The files above, read now. Errors name the file (and line). */
UctrRegistries *uctr_registries_load (GError **error);

/* FILES (NULL-terminated, each must exist): the first as registries.conf
   (either format), the others as its drop-ins (version 2), in order; then
   ALIAS_CACHE, a short-name-aliases.conf, when not NULL (a missing one is
   no error). For tests. */
UctrRegistries *
uctr_registries_load_files (const char *const *files, const char *alias_cache, GError **error);

void uctr_registries_free (UctrRegistries *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrRegistries, uctr_registries_free)

/* The fully qualified names to try for REF, in order, each one that
   uctr_reference_parse reads ("docker.io/library/alpine:latest"):
     - REF itself when it names a registry;
     - for a short name (REF->registry NULL), its alias, with REF's tag and
       digest ("alpine:3.20" -> "docker.io/library/alpine:3.20"); else each
       unqualified-search-registries entry with the name (docker.io's one-part
       names in library/).
   Errors (UCTR_ERROR_INVALID_ARGUMENT): no alias and no search registry (the
   message says which file to edit, with an example line, and that a fully
   qualified name needs none); short-name-mode "enforcing" with more than
   one candidate: podman would prompt on a terminal, uctr never does, so the
   error lists the candidates and says to use a full name or an alias
   ("permissive", the default, and "disabled" try them in order). */
char **uctr_registries_resolve (UctrRegistries *r, const UctrReference *ref, GError **error);

/* One place to pull an image from. */
typedef struct
{
  UctrReference *ref; /* the image there: registry to contact, repository, tag, digest */
  gboolean insecure;  /* plain HTTP, and TLS without verifying the certificate, allowed */
  gboolean mirror;    /* one of the table's mirrors (FALSE: its location) */
} UctrRegistrySource;

typedef struct
{
  /* UctrRegistrySource *, in the order to try: the mirrors that the table's
     pull-from-mirror (or mirror-by-digest-only) lets serve REF, then the
     location; REF itself, secure, when no [[registry]] table matches. */
  GPtrArray *sources;
  char *origin; /* the file of the matching [[registry]] table, or NULL */
} UctrRegistryEndpoint;

void uctr_registry_endpoint_free (UctrRegistryEndpoint *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrRegistryEndpoint, uctr_registry_endpoint_free)

/* Where to pull REF (fully qualified) from: the [[registry]] table whose
   prefix matches REF's name the longest ("example.com/foo" matches
   example.com/foo and example.com/foo/bar; "*.example.com" any host below
   example.com), its prefix rewritten to its location and to each mirror's.
   A blocked table is an error (UCTR_ERROR_INVALID_ARGUMENT) naming its file;
   so is a rewrite that makes no image reference. */
UctrRegistryEndpoint *uctr_registries_endpoint (UctrRegistries *r, const UctrReference *ref, GError **error);
