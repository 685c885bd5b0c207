/* uctr: reading an OCI image layout.
 *
 * A layout is a directory someone else wrote, so it is read as hostile:
 * every file is opened below the layout's own fd with O_NOFOLLOW (a blob
 * that is a symlink to /etc/shadow is refused, never read), documents are
 * read up to their bound and checked against the digest and size of the
 * descriptor that led to them before they are parsed.
 */
#include "image/layout.h"
#include "base/json.h"
#include "base/util.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LAYOUT_FILE_MAX (64 * 1024)
#define NESTED_INDEX_MAX 8

struct _UctrLayout
{
  char *dir;
  int dirfd;
  UctrIndex *index;
};

void
uctr_layout_free (UctrLayout *layout)
{
  if (layout == NULL)
    return;
  if (layout->dirfd >= 0)
    close (layout->dirfd);
  uctr_index_free (layout->index);
  g_free (layout->dir);
  g_free (layout);
}

void
uctr_layout_image_free (UctrLayoutImage *image)
{
  if (image == NULL)
    return;
  g_free (image->manifest_digest);
  uctr_manifest_free (image->manifest);
  uctr_image_config_free (image->config);
  g_free (image->config_digest);
  g_free (image);
}

/* NAME below DIRFD, a regular file and no symlink, opened to read. */
static int
open_regular (int dirfd, const char *name, const char *shown, GError **error)
{
  int fd = openat (dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  struct stat st;

  if (fd < 0 && errno == ELOOP)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s is a symlink: a layout's files are read as they are, "
                                                          "never through links"),
                          shown),
                       -1;
  if (fd < 0)
    return uctr_throw_errno (error, _("Opening %s"), shown), -1;
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE, _("%s is not a regular file"), shown), -1;
    }
  return fd;
}

/* All of FD, at most MAX bytes (more is an error naming SHOWN). */
static char *
read_all (int fd, gsize max, gsize *len, const char *shown, GError **error)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  guint8 chunk[16384];

  for (;;)
    {
      ssize_t n = read (fd, chunk, sizeof chunk);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return uctr_throw_errno (error, _("Reading %s"), shown), NULL;
      if (n == 0)
        break;
      if (buf->len + (gsize) n > max)
        return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                           _("%s: more than %lu bytes"), shown, (unsigned long) max),
                           NULL;
      g_byte_array_append (buf, chunk, (guint) n);
    }
  *len = buf->len;
  g_byte_array_append (buf, (const guint8 *) "", 1);
  return (char *) g_byte_array_free (g_steal_pointer (&buf), FALSE);
}

static char *
read_layout_file (UctrLayout *layout, const char *name, gsize *len, GError **error)
{
  g_autofree char *shown = g_build_filename (layout->dir, name, NULL);
  uctr_autofd int fd = open_regular (layout->dirfd, name, shown, error);

  return fd >= 0 ? read_all (fd, UCTR_IMAGE_JSON_MAX, len, shown, error) : NULL;
}

static gboolean
check_version (UctrLayout *layout, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(json_object) root = NULL;
  json_object *version;
  gsize len;

  text = read_layout_file (layout, "oci-layout", &len, error);
  if (text == NULL)
    return uctr_prefix_error (error, _("%s is not an OCI image layout"), layout->dir);
  if (!uctr_json_parse (text, (gssize) len, UCTR_JSON_MAX_DEPTH, &root, NULL)
      || !json_object_is_type (version = uctr_json_member (root, "imageLayoutVersion"), json_type_string))
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s/oci-layout: no imageLayoutVersion"), layout->dir);
  if (!g_str_has_prefix (json_object_get_string (version), "1.0."))
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s/oci-layout: imageLayoutVersion %s (uctr reads 1.0.x)"), layout->dir,
                          json_object_get_string (version));
  return TRUE;
}

UctrLayout *
uctr_layout_open (const char *dir, GError **error)
{
  g_autoptr(UctrLayout) layout = g_new0 (UctrLayout, 1);
  g_autofree char *text = NULL;
  g_autofree char *what = NULL;
  gsize len;

  layout->dir = g_strdup (dir);
  layout->dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (layout->dirfd < 0)
    return uctr_throw_errno (error, _("Opening the image layout %s"), dir), NULL;
  if (!check_version (layout, error) || (text = read_layout_file (layout, "index.json", &len, error)) == NULL)
    return NULL;
  what = g_build_filename (dir, "index.json", NULL);
  layout->index = uctr_index_parse (text, len, what, error);
  return layout->index != NULL ? g_steal_pointer (&layout) : NULL;
}

int
uctr_layout_open_blob (UctrLayout *layout, const UctrDescriptor *d, UctrDigester **digester, GError **error)
{
  g_autofree char *algorithm = NULL;
  g_autofree char *shown = NULL;
  uctr_autofd int blobs = -1;
  uctr_autofd int alg = -1;
  const char *hex;
  int fd;

  /* A checked digest is also a safe file name: letters and digits. */
  if (!uctr_digest_parse (d->digest, NULL, error))
    return -1;
  hex = strchr (d->digest, ':') + 1;
  algorithm = g_strndup (d->digest, hex - 1 - d->digest);
  shown = g_strdup_printf ("%s/blobs/%s/%s", layout->dir, algorithm, hex);
  blobs = openat (layout->dirfd, "blobs", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  alg = blobs >= 0 ? openat (blobs, algorithm, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
  if (alg < 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s/blobs/%s: no such directory (or a symlink)"), layout->dir, algorithm),
                       -1;
  fd = open_regular (alg, hex, shown, error);
  if (fd < 0)
    return -1;
  *digester = uctr_digester_new (d->digest, d->size, error);
  return fd;
}

char *
uctr_layout_read_document (UctrLayout *layout, const UctrDescriptor *d, const char *what, gsize *len,
                           GError **error)
{
  g_autoptr(UctrDigester) digester = NULL;
  uctr_autofd int fd = -1;
  g_autofree char *text = NULL;

  if (d->size > UCTR_IMAGE_JSON_MAX)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s: declares %lld bytes"), what, (long long) d->size),
                       NULL;
  fd = uctr_layout_open_blob (layout, d, &digester, error);
  if (fd < 0 || (text = read_all (fd, UCTR_IMAGE_JSON_MAX, len, what, error)) == NULL)
    return NULL;
  if (!uctr_digester_update (digester, text, *len, error) || !uctr_digester_finish (digester, what, error))
    return NULL;
  return g_steal_pointer (&text);
}

static char *
list_tags (const UctrIndex *index)
{
  g_autoptr(GString) s = g_string_new (NULL);
  guint i;

  for (i = 0; i < index->manifests->len; i++)
    {
      const UctrDescriptor *d = g_ptr_array_index (index->manifests, i);
      if (d->ref_name != NULL && strstr (s->str, d->ref_name) == NULL)
        g_string_append_printf (s, "%s%s", s->len > 0 ? ", " : "", d->ref_name);
    }
  return s->len > 0 ? g_string_free (g_steal_pointer (&s), FALSE) : g_strdup (_("none"));
}

/* The entries of index.json that REF names. */
static UctrIndex *
entries_for (UctrLayout *layout, const char *ref, GError **error)
{
  g_autoptr(UctrIndex) picked = g_new0 (UctrIndex, 1);
  gboolean by_digest = ref != NULL && uctr_digest_parse (ref, NULL, NULL);
  g_autofree char *tags = list_tags (layout->index);
  guint i;

  picked->manifests = g_ptr_array_new ();
  for (i = 0; i < layout->index->manifests->len; i++)
    {
      UctrDescriptor *d = g_ptr_array_index (layout->index->manifests, i);

      if (ref == NULL || ref[0] == '\0' || (by_digest && strcmp (d->digest, ref) == 0)
          || (!by_digest && g_strcmp0 (d->ref_name, ref) == 0))
        g_ptr_array_add (picked->manifests, d);
    }
  if (picked->manifests->len == 0)
    return uctr_throw (error, UCTR_ERROR_NOT_FOUND,
                       _("%s has no image \"%s\" (its tags: %s)"), layout->dir, ref, tags),
                       NULL;
  return g_steal_pointer (&picked);
}

/* One descriptor among PICKED: the only one, else the one for this machine. */
static const UctrDescriptor *
choose (UctrLayout *layout, UctrIndex *picked, const char *ref, GError **error)
{
  const char *os, *arch, *variant;
  g_autofree char *tags = NULL;

  if (picked->manifests->len == 1)
    return g_ptr_array_index (picked->manifests, 0);
  uctr_image_host_platform (&os, &arch, &variant);
  if (((const UctrDescriptor *) g_ptr_array_index (picked->manifests, 0))->os != NULL)
    return uctr_index_select (picked, os, arch, variant, layout->dir, error);
  tags = list_tags (layout->index);
  if (ref != NULL && ref[0] != '\0')
    uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                _("%s holds %u images named %s: name one by its digest"), layout->dir,
                   picked->manifests->len, ref);
  else
    uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                _("%s holds %u images: name one with :TAG (tags: %s)"), layout->dir, picked->manifests->len,
                   tags);
  return NULL;
}

/* Down through nested indexes to a manifest for this machine. */
static UctrDescriptor *
descend (UctrLayout *layout, const UctrDescriptor *d, GError **error)
{
  g_autoptr(UctrDescriptor) at = g_new0 (UctrDescriptor, 1);
  int depth;

  at->media_type = g_strdup (d->media_type);
  at->digest = g_strdup (d->digest);
  at->size = d->size;
  for (depth = 0; uctr_blob_kind (at->media_type) == UCTR_BLOB_INDEX; depth++)
    {
      g_autofree char *what = g_strdup_printf (_("the index %s"), at->digest);
      g_autofree char *text = NULL;
      g_autoptr(UctrIndex) index = NULL;
      const UctrDescriptor *next;
      const char *os, *arch, *variant;
      gsize len;

      if (depth >= NESTED_INDEX_MAX)
        return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                           _("%s: indexes nested more than %d deep"), layout->dir, NESTED_INDEX_MAX),
                           NULL;
      if ((text = uctr_layout_read_document (layout, at, what, &len, error)) == NULL
          || (index = uctr_index_parse (text, len, what, error)) == NULL)
        return NULL;
      uctr_image_host_platform (&os, &arch, &variant);
      if ((next = uctr_index_select (index, os, arch, variant, what, error)) == NULL)
        return NULL;
      g_free (at->media_type);
      g_free (at->digest);
      at->media_type = g_strdup (next->media_type);
      at->digest = g_strdup (next->digest);
      at->size = next->size;
    }
  if (uctr_blob_kind (at->media_type) != UCTR_BLOB_MANIFEST)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s: %s is a \"%s\", not an image manifest"), layout->dir, at->digest,
                          at->media_type),
                       NULL;
  return g_steal_pointer (&at);
}

static gboolean
check_image (UctrLayoutImage *image, const char *what, GError **error)
{
  const char *os, *arch, *variant;

  uctr_image_host_platform (&os, &arch, &variant);
  if (strcmp (image->config->os, os) != 0 || strcmp (image->config->architecture, arch) != 0)
    return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                       _("%s is an image for %s/%s; this machine runs %s/%s"), what, image->config->os,
                          image->config->architecture, os, arch);
  if (g_strv_length (image->config->diff_ids) != image->manifest->layers->len)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s: the manifest has %u layers and the config %u (rootfs.diff_ids)"), what,
                          image->manifest->layers->len, g_strv_length (image->config->diff_ids));
  return TRUE;
}

UctrLayoutImage *
uctr_layout_resolve (UctrLayout *layout, const char *ref, GError **error)
{
  g_autoptr(UctrLayoutImage) image = g_new0 (UctrLayoutImage, 1);
  g_autoptr(UctrIndex) picked = entries_for (layout, ref, error);
  g_autoptr(UctrDescriptor) manifest = NULL;
  g_autofree char *text = NULL;
  g_autofree char *what = NULL;
  const UctrDescriptor *d;
  gsize len;

  if (picked == NULL || (d = choose (layout, picked, ref, error)) == NULL
      || (manifest = descend (layout, d, error)) == NULL)
    return NULL;
  what = g_strdup_printf (_("the manifest %s"), manifest->digest);
  if ((text = uctr_layout_read_document (layout, manifest, what, &len, error)) == NULL
      || (image->manifest = uctr_manifest_parse (text, len, what, error)) == NULL)
    return NULL;
  image->manifest_digest = g_strdup (manifest->digest);
  image->manifest_size = manifest->size;
  g_clear_pointer (&text, g_free);
  g_free (what);
  what = g_strdup_printf (_("the config %s"), image->manifest->config->digest);
  if ((text = uctr_layout_read_document (layout, image->manifest->config, what, &len, error)) == NULL
      || (image->config = uctr_image_config_parse (text, len, what, error)) == NULL)
    return NULL;
  image->config_digest = g_strdup (image->manifest->config->digest);
  g_free (what);
  what = g_strdup_printf ("%s:%s", layout->dir, ref != NULL ? ref : "");
  return check_image (image, what, error) ? g_steal_pointer (&image) : NULL;
}
