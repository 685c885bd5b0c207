/* uctr pull: an image into the store, from a registry (regpull.c), an OCI
   image layout, or an archive of one (archive.c). */
#include "imagecli/imagecli.h"
#include "imagecli/archive.h"
#include "imagecli/regpull.h"
#include "store/images.h"
#include "store/pull.h"
#include "image/reference.h"
#include "base/util.h"

#include <fcntl.h>
#include <string.h>

/* What the unpack left out, said once. */
static void
warn_report (const char *name, const UctrUnpackReport *report)
{
  if (report->devices_skipped > 0)
    g_printerr (_("uctr: warning: %s: %u device node(s) left out: a user namespace may not make them\n"),
                   name, report->devices_skipped);
  if (report->xattrs_skipped > 0)
    g_printerr (_("uctr: warning: %s: %u extended attribute(s) left out: only user.* and file capabilities are "
                  "kept\n"),
        name, report->xattrs_skipped);
}

static gboolean
pull_archive (UctrStore *store, const UctrReference *ref, const char *name, UctrUnpackReport *report,
              GError **error)
{
  g_autofree char *dir = NULL;
  gboolean docker = ref->kind == UCTR_SOURCE_DOCKER_ARCHIVE;
  gboolean ok;

  if (!uctr_archive_extract (store, ref->path, &dir, error))
    return FALSE;
  ok = (!docker || uctr_archive_docker_to_layout (dir, ref->ref, error))
       && uctr_store_pull_layout (store, dir, docker ? NULL : ref->ref, name, report, error);
  (void) uctr_remove_tree_at (AT_FDCWD, dir);
  return ok;
}

static gboolean
pull_one (UctrStore *store, const char *text, gboolean quiet, GError **error)
{
  g_autoptr(UctrReference) ref = uctr_reference_parse (text, error);
  g_autoptr(UctrImageRecord) r = NULL;
  g_autofree char *name = NULL;
  UctrUnpackReport report = { 0 };
  gboolean ok = FALSE;

  if (ref == NULL)
    return FALSE;
  name = uctr_reference_to_string (ref);
  switch (ref->kind)
    {
    case UCTR_SOURCE_OCI_LAYOUT:
      ok = uctr_store_pull_layout (store, ref->path, ref->ref, name, &report, error);
      break;
    case UCTR_SOURCE_OCI_ARCHIVE:
    case UCTR_SOURCE_DOCKER_ARCHIVE:
      ok = pull_archive (store, ref, name, &report, error);
      break;
    case UCTR_SOURCE_CONTAINERS_STORAGE:
      return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                         _("%s: uctr does not read podman's storage; "
                           "\"podman save --format oci-archive -o img.tar %s\" then \"uctr pull oci-archive:img.tar\""),
                            text, ref->path);
    case UCTR_SOURCE_REGISTRY:
    default:
      g_clear_pointer (&name, g_free);
      ok = uctr_regpull (store, ref, quiet, &name, &report, error);
      break;
    }
  if (!ok)
    return FALSE;
  warn_report (name, &report);
  r = uctr_store_find_image (store, name, error);
  if (r == NULL)
    return FALSE;
  g_print ("%s\n", r->manifest_digest);
  return TRUE;
}

int
uctr_image_cmd_pull (int argc, char **argv, GError **error)
{
  gboolean quiet = FALSE;
  const GOptionEntry entries[] = {
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_ ("No progress, only the image's digest"), NULL },
    { NULL },
  };
  g_autoptr(UctrStore) store = NULL;
  int i;

  if (!uctr_image_parse (
          argv[0],
          _("NAME..."),
             _("Pull images into the store: from a registry (docker.io/library/alpine:3.20, or a short "
                           "name as registries.conf resolves it), oci:DIR[:TAG], oci-archive:FILE[:TAG] or "
                           "docker-archive:FILE[:NAME:TAG]."),
                entries, &argc, &argv, error))
    return -1;
  if (argc < 2)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("%s: name the image(s) to pull"), argv[0]), -1;
  if ((store = uctr_store_open (NULL, error)) == NULL)
    return -1;
  for (i = 1; i < argc; i++)
    if (!pull_one (store, argv[i], quiet, error))
      return uctr_prefix_error (error, _("Pulling %s"), argv[i]), -1;
  return 0;
}
