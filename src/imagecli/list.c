/* uctr images, rmi, image prune, image inspect: the store's images. */
#include "imagecli/imagecli.h"
#include "store/containers.h"
#include "store/images.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "base/json.h"
#include "base/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>

/* REPOSITORY and TAG as podman shows them; another transport's name whole. */
static void
split_name (const char *name, char **repository, char **tag)
{
  g_autoptr(UctrReference) ref = uctr_reference_parse (name, NULL);

  if (ref == NULL || ref->kind != UCTR_SOURCE_REGISTRY)
    {
      *repository = g_strdup (name);
      *tag = g_strdup ("<none>");
      return;
    }
  *repository = ref->registry != NULL ? g_strdup_printf ("%s/%s", ref->registry, ref->repository)
                                      : g_strdup (ref->repository);
  *tag = g_strdup (ref->tag != NULL ? ref->tag : "<none>");
}

/* How many images of IMAGES have each layer: layer -> count. */
static GHashTable *
layer_users (GPtrArray *images)
{
  GHashTable *users = g_hash_table_new (g_str_hash, g_str_equal);
  guint i, j;

  for (i = 0; i < images->len; i++)
    {
      const UctrImageRecord *r = g_ptr_array_index (images, i);

      for (j = 0; r->layers[j] != NULL; j++)
        g_hash_table_insert (users, r->layers[j],
                             GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (users, r->layers[j]))
                                               + 1));
    }
  return users;
}

typedef struct
{
  gint64 total;  /* what the layers take unpacked (podman's SIZE); with a
                    layer whose size is not known, the blobs' size */
  gint64 shared; /* of it, in layers other images have too (kept once) */
  gint64 unique; /* in layers of R alone: what rmi would free */
} Sizes;

/* R's sizes, each layer's read once; USERS (layer_users) may be NULL
   when only the total is wanted. */
static Sizes
sizes_of (UctrStore *store, GHashTable *users, const UctrImageRecord *r)
{
  Sizes z = { 0 };
  gboolean known = TRUE;
  guint i;

  for (i = 0; r->layers[i] != NULL; i++)
    {
      gint64 one = uctr_store_layer_size (store, r->layers[i]);

      known = known && one >= 0;
      one = MAX (one, 0);
      z.total += one;
      if (users != NULL && GPOINTER_TO_UINT (g_hash_table_lookup (users, r->layers[i])) > 1)
        z.shared += one;
      else
        z.unique += one;
    }
  if (!known)
    z.total = r->size;
  return z;
}

static char *
created_of (UctrStore *store, const UctrImageRecord *r)
{
  g_autofree char *text = NULL;
  g_autoptr(UctrImageConfig) c = NULL;
  gsize len;

  text = uctr_store_read_blob (store, r->config_digest, &len, NULL);
  c = text != NULL ? uctr_image_config_parse (text, len, r->name, NULL) : NULL;
  return g_strdup (c != NULL && c->created != NULL ? c->created : "");
}

static void
print_json (UctrStore *store, GPtrArray *images)
{
  g_autoptr(json_object) root = json_object_new_array ();
  g_autoptr(GHashTable) users = layer_users (images);
  g_autofree char *text = NULL;
  guint i;

  for (i = 0; i < images->len; i++)
    {
      const UctrImageRecord *r = g_ptr_array_index (images, i);
      g_autofree char *repository = NULL, *tag = NULL;
      g_autofree char *created = created_of (store, r);
      Sizes z = sizes_of (store, users, r);
      json_object *obj = json_object_new_object ();

      split_name (r->name, &repository, &tag);
      json_object_array_add (root, obj);
      uctr_json_add_string (obj, "Name", r->name);
      uctr_json_add_string (obj, "Repository", repository);
      uctr_json_add_string (obj, "Tag", tag);
      uctr_json_add_string (obj, "Id", strchr (r->manifest_digest, ':') + 1);
      uctr_json_add_string (obj, "Digest", r->manifest_digest);
      uctr_json_add_int (obj, "Size", z.total);
      uctr_json_add_int (obj, "SharedSize", z.shared);
      uctr_json_add_int (obj, "UniqueSize", z.unique);
      uctr_json_add_int (obj, "CompressedSize", r->size);
      uctr_json_add_string (obj, "Created", created);
      uctr_json_add_string (obj, "Pulled", r->pulled);
    }
  text = uctr_json_to_string (root, TRUE);
  g_print ("%s\n", text);
}

/* A sha256 digest, written out: "sha256:" and 64 hex digits. */
#define DIGEST_WIDTH 71

static void
print_table (UctrStore *store, GPtrArray *images, gboolean quiet, gboolean digests, gboolean sizes)
{
  g_autoptr(GHashTable) users = sizes ? layer_users (images) : NULL;
  guint i;

  if (!quiet)
    {
      g_print ("%-40s %-16s ", _("REPOSITORY"), _("TAG"));
      if (digests)
        g_print ("%-*s ", DIGEST_WIDTH, _("DIGEST"));
      g_print ("%-12s %10s  ", _("IMAGE ID"), _("SIZE"));
      if (sizes)
        g_print ("%12s %12s  ", _("SHARED SIZE"), _("UNIQUE SIZE"));
      g_print ("%s\n", _("CREATED"));
    }
  for (i = 0; i < images->len; i++)
    {
      const UctrImageRecord *r = g_ptr_array_index (images, i);
      g_autofree char *repository = NULL, *tag = NULL;
      g_autofree char *created = NULL;
      g_autofree char *size = NULL;
      Sizes z;

      if (quiet)
        {
          if (digests)
            g_print ("%s\n", r->manifest_digest);
          else
            g_print ("%.12s\n", strchr (r->manifest_digest, ':') + 1);
          continue;
        }
      split_name (r->name, &repository, &tag);
      created = created_of (store, r);
      z = sizes_of (store, users, r);
      size = g_format_size ((guint64) z.total);
      g_print ("%-40s %-16s ", repository, tag);
      if (digests)
        g_print ("%-*s ", DIGEST_WIDTH, r->manifest_digest);
      g_print ("%.12s %10s  ", strchr (r->manifest_digest, ':') + 1, size);
      if (sizes)
        {
          g_autofree char *shared_text = g_format_size ((guint64) z.shared);
          g_autofree char *unique_text = g_format_size ((guint64) z.unique);

          g_print ("%12s %12s  ", shared_text, unique_text);
        }
      g_print ("%s\n", created);
    }
}

int
uctr_image_cmd_list (int argc, char **argv, GError **error)
{
  g_autofree char *format = NULL;
  gboolean quiet = FALSE, digests = FALSE, sizes = FALSE;
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_ ("table (the default) or json"), N_ ("FORMAT") },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_ ("Print the image ids alone"), NULL },
    { "digests", 0, 0, G_OPTION_ARG_NONE, &digests, N_ ("Show each image's digest (its manifest's) too"),
      NULL },
    { "size", 0, 0, G_OPTION_ARG_NONE, &sizes,
      N_ ("Show too what of each image's size its layers share with other images, and what is its own"),
      NULL },
    { NULL },
  };
  g_autoptr(UctrStore) store = NULL;
  g_autoptr(GPtrArray) images = NULL;

  if (!uctr_image_parse (argv[0], "", _("List the images in the store."), entries, &argc, &argv, error))
    return -1;
  if (argc > 1)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("%s takes no arguments"), argv[0]), -1;
  if (format != NULL && strcmp (format, "json") != 0 && strcmp (format, "table") != 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("--format %s: expected table or json"), format),
                       -1;
  if ((store = uctr_store_open (NULL, error)) == NULL
      || (images = uctr_store_list_images (store, error)) == NULL)
    return -1;
  if (format != NULL && strcmp (format, "json") == 0)
    print_json (store, images);
  else
    print_table (store, images, quiet, digests, sizes);
  return 0;
}

/* An image that containers run from stays, unless --force. */
static gboolean
check_unused (UctrStore *store, const char *name, GError **error)
{
  g_autoptr(UctrImageRecord) r = uctr_store_find_image (store, name, error);
  g_auto(GStrv) ids = NULL;
  g_autofree char *list = NULL;

  if (r == NULL)
    return FALSE;
  ids = uctr_store_containers_of (store, r->manifest_digest);
  if (ids[0] == NULL)
    return TRUE;
  list = g_strjoinv (", ", ids);
  return uctr_throw (error, UCTR_ERROR_BAD_STATE,
                     _("%s is in use by the container(s) %s: delete them first (uctr delete), or give --force"),
                        name, list);
}

/* The names of every image of STORE (--all), NULL-terminated. */
static GStrv
all_names (UctrStore *store, GError **error)
{
  g_autoptr(GPtrArray) images = uctr_store_list_images (store, error);
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  guint i;

  if (images == NULL)
    return NULL;
  for (i = 0; i < images->len; i++)
    g_strv_builder_add (names, ((UctrImageRecord *) g_ptr_array_index (images, i))->name);
  return g_strv_builder_end (names);
}

int
uctr_image_cmd_remove (int argc, char **argv, GError **error)
{
  gboolean force = FALSE, all = FALSE;
  const GOptionEntry entries[] = {
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, N_ ("Remove every image of the store"), NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force,
      N_ ("Remove it even when containers run from it (their layers stay until they are deleted)"), NULL },
    { NULL },
  };
  g_autoptr(UctrStore) store = NULL;
  g_auto(GStrv) every = NULL;
  char **names;
  int i, count, status = 0;

  if (!uctr_image_parse (argv[0], _("NAME..."),
                                     _("Remove images from the store, and the layers no other image has."),
                                        entries, &argc, &argv, error))
    return -1;
  if (all && argc > 1)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("%s: name images or give --all, not both"), argv[0]),
                       -1;
  if (argc < 2 && !all)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("%s: name the image(s) to remove, or give --all"), argv[0]),
                       -1;
  if ((store = uctr_store_open (NULL, error)) == NULL || (all && (every = all_names (store, error)) == NULL))
    return -1;
  names = all ? every : argv + 1;
  count = all ? (int) g_strv_length (every) : argc - 1;
  for (i = 0; i < count; i++)
    {
      g_autoptr(GError) local = NULL;
      g_autoptr(UctrImageRecord) r = NULL;

      if ((force || check_unused (store, names[i], &local))
          && (r = uctr_store_find_image (store, names[i], &local)) != NULL
          && uctr_store_remove_image (store, r->name, &local))
        {
          g_print ("%s\n", r->manifest_digest);
          continue;
        }
      g_printerr ("uctr: %s\n", local->message);
      status = 1;
    }
  return status;
}

int
uctr_image_cmd_prune (int argc, char **argv, GError **error)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr(UctrStore) store = NULL;
  guint layers = 0, blobs = 0;

  if (!uctr_image_parse (argv[0], "",
                         _("Remove the layers and blobs of the store that no image has."), entries, &argc,
                            &argv, error))
    return -1;
  if ((store = uctr_store_open (NULL, error)) == NULL || !uctr_store_prune (store, &layers, &blobs, error))
    return -1;
  g_print (_("Removed %u layer(s) and %u blob(s) that no image or container uses\n"), layers, blobs);
  return 0;
}

int
uctr_image_cmd_inspect (int argc, char **argv, GError **error)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr(UctrStore) store = NULL;
  g_autoptr(UctrImageRecord) r = NULL;
  g_autofree char *text = NULL;
  gsize len;

  if (!uctr_image_parse (argv[0], _("NAME"), _("Print an image's config (OCI image config JSON)."), entries,
                                                 &argc, &argv, error))
    return -1;
  if (argc != 2)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("%s: name one image"), argv[0]), -1;
  if ((store = uctr_store_open (NULL, error)) == NULL
      || (r = uctr_store_find_image (store, argv[1], error)) == NULL
      || (text = uctr_store_read_blob (store, r->config_digest, &len, error)) == NULL)
    return -1;
  fwrite (text, 1, len, stdout);
  g_print ("\n");
  return 0;
}

/* uctr system df */

/* The bytes below DIR of the store (a container's writable layer), as du
   counts them; what we may not read is left out. */
static guint64
tree_bytes (int parent, const char *name)
{
  struct stat st;
  int fd;
  DIR *d;
  struct dirent *de;
  guint64 total;

  if (fstatat (parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return 0;
  total = (guint64) st.st_blocks * 512;
  if (!S_ISDIR (st.st_mode)
      || (fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    return total;
  if ((d = fdopendir (fd)) == NULL)
    {
      close (fd);
      return total;
    }
  while ((de = readdir (d)) != NULL)
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      total += tree_bytes (dirfd (d), de->d_name);
  closedir (d);
  return total;
}

static void
df_images (UctrStore *store, GPtrArray *images, GHashTable *in_use, gint64 *size, gint64 *reclaimable,
           guint *active)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint i, j;

  *size = *reclaimable = 0;
  *active = 0;
  for (i = 0; i < images->len; i++)
    {
      const UctrImageRecord *r = g_ptr_array_index (images, i);
      g_auto(GStrv) ids = uctr_store_containers_of (store, r->manifest_digest);

      if (ids[0] != NULL)
        (*active)++;
      for (j = 0; r->layers[j] != NULL; j++)
        {
          gint64 one = uctr_store_layer_size (store, r->layers[j]);

          if (one < 0 || !g_hash_table_add (seen, r->layers[j]))
            continue;
          *size += one;
          if (!g_hash_table_contains (in_use, r->layers[j]))
            *reclaimable += one;
        }
    }
}

int
uctr_image_cmd_df (int argc, char **argv, GError **error)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autoptr(UctrStore) store = NULL;
  g_autoptr(GPtrArray) images = NULL;
  g_autoptr(GHashTable) in_use = NULL;
  g_autofree char *size_text = NULL, *reclaim_text = NULL, *containers_text = NULL, *zero = NULL;
  gint64 size, reclaimable;
  guint64 containers_bytes = 0, n_containers = 0;
  guint active;
  int fd;
  DIR *d;
  struct dirent *de;

  if (!uctr_image_parse (argv[0], "",
                         _("Show what the image store takes on disk: its images and the writable "
                                        "layers of containers run from them."),
                            entries, &argc, &argv, error))
    return -1;
  if ((store = uctr_store_open (NULL, error)) == NULL
      || (images = uctr_store_list_images (store, error)) == NULL)
    return -1;
  in_use = uctr_store_container_layers (store);
  df_images (store, images, in_use, &size, &reclaimable, &active);
  fd = uctr_store_open_dir (store, "containers", FALSE, NULL);
  if (fd >= 0 && (d = fdopendir (fd)) != NULL)
    {
      while ((de = readdir (d)) != NULL)
        if (de->d_name[0] != '.')
          {
            n_containers++;
            containers_bytes += tree_bytes (dirfd (d), de->d_name);
          }
      closedir (d);
    }
  else if (fd >= 0)
    close (fd);
  size_text = g_format_size ((guint64) size);
  reclaim_text = g_format_size ((guint64) reclaimable);
  containers_text = g_format_size (containers_bytes);
  /* A writable layer goes with its container: nothing to reclaim here. */
  zero = g_format_size (0);
  g_print ("%-12s %6s %7s %12s  %s\n", _("TYPE"), _("TOTAL"), _("ACTIVE"), _("SIZE"), _("RECLAIMABLE"));
  g_print ("%-12s %6u %7u %12s  %s (%d%%)\n", _("Images"), images->len, active, size_text, reclaim_text,
                                                 size > 0 ? (int) (reclaimable * 100 / size) : 0);
  g_print ("%-12s %6" G_GUINT64_FORMAT " %7" G_GUINT64_FORMAT " %12s  %s\n",
           _("Containers"), n_containers, n_containers, containers_text, zero);
  return 0;
}
