/* uctr: the annotations an image gives its containers (image/convert.h).
 *
 * image-spec conversion.md: the fields of the image's config that have no
 * place of their own in config.json become annotations under
 * org.opencontainers.image.*, and Config.Labels become annotations as they
 * are, winning where both name the same key. The image is someone else's
 * input: the names uctr acts on are not its to set.
 */
#include "image/convert.h"
#include "base/util.h"

#define IMAGE_ANNOTATION(name) "org.opencontainers.image." name

static void
put (GHashTable *out, const char *key, const char *value)
{
  if (value != NULL)
    g_hash_table_replace (out, g_strdup (key), g_strdup (value));
}

GHashTable *
uctr_image_config_annotations (const UctrImageConfig *c, GPtrArray *skipped)
{
  GHashTable *out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *ports = NULL;
  GHashTableIter iter;
  gpointer key, value;

  put (out, IMAGE_ANNOTATION ("os"), c->os);
  put (out, IMAGE_ANNOTATION ("architecture"), c->architecture);
  put (out, IMAGE_ANNOTATION ("variant"), c->variant);
  put (out, IMAGE_ANNOTATION ("os.version"), c->os_version);
  put (out, IMAGE_ANNOTATION ("author"), c->author);
  put (out, IMAGE_ANNOTATION ("created"), c->created);
  put (out, IMAGE_ANNOTATION ("stopSignal"), c->stop_signal);
  if (c->exposed_ports != NULL && c->exposed_ports[0] != NULL)
    {
      ports = g_strjoinv (",", c->exposed_ports);
      put (out, IMAGE_ANNOTATION ("exposedPorts"), ports);
    }
  if (c->labels == NULL)
    return out;
  g_hash_table_iter_init (&iter, c->labels);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (g_str_has_prefix (key, UCTR_ANNOTATION_PREFIX))
        {
          if (skipped != NULL)
            g_ptr_array_add (skipped, g_strdup (key));
          continue;
        }
      put (out, key, value);
    }
  if (skipped != NULL)
    g_ptr_array_sort (skipped, uctr_compare_strs);
  return out;
}
