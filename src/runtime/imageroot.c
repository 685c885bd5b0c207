/* uctr: the writable layer of a container run from an image (runtime/imageroot.h). */
#include "runtime/imageroot.h"
#include "store/containers.h"
#include "base/util.h"

void
uctr_image_root_remove (const UctrConfig *config, const char *id, GPtrArray *warnings)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UctrStore) store = NULL;

  if (config->annotations == NULL || g_hash_table_lookup (config->annotations, UCTR_ANNOTATION_IMAGE) == NULL)
    return;
  store = uctr_store_open (NULL, &error);
  if (store == NULL || !uctr_store_remove_container (store, id, &error))
    {
      if (warnings != NULL)
        g_ptr_array_add (warnings,
                         g_strdup_printf (_("Removing the writable layer of %s: %s"), id, error->message));
    }
}
