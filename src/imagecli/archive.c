/* uctr-image: image archives into OCI image layouts (imagecli/archive.h). */
#include "imagecli/archive.h"
#include "image/digest.h"
#include "image/unpack.h"
#include "base/json.h"
#include "base/util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MANIFEST_MAX (4 * 1024 * 1024)

/* Extracting */

static gboolean
extract_entries (struct archive *in, struct archive *out, const char *dir, const char *file, GError **error)
{
  struct archive_entry *e;
  int r;

  while ((r = archive_read_next_header (in, &e)) == ARCHIVE_OK)
    {
      mode_t type = archive_entry_filetype (e);
      g_autofree char *rel = uctr_unpack_entry_path (archive_entry_pathname (e));
      g_autofree char *path = NULL;

      /* Blobs and documents: nothing else is needed, nothing else is made. */
      if (type != AE_IFREG && type != AE_IFDIR)
        continue;
      if (rel == NULL)
        return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                           _("%s: the entry \"%s\" climbs out of the archive"), file,
                              archive_entry_pathname (e));
      path = g_build_filename (dir, rel, NULL);
      archive_entry_set_pathname (e, path);
      archive_entry_set_perm (e, type == AE_IFDIR ? 0700 : 0600);
      if (archive_write_header (out, e) != ARCHIVE_OK)
        return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE, _("%s: %s"), file, archive_error_string (out));
      if (type == AE_IFREG)
        {
          const void *buf;
          size_t len;
          la_int64_t off;

          while ((r = archive_read_data_block (in, &buf, &len, &off)) == ARCHIVE_OK)
            if (archive_write_data_block (out, buf, len, off) != ARCHIVE_OK)
              return uctr_throw (error, UCTR_ERROR_FAILED, _("%s: %s"), file, archive_error_string (out));
          if (r != ARCHIVE_EOF)
            return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                               _("%s: %s"), file, archive_error_string (in));
        }
      if (archive_write_finish_entry (out) != ARCHIVE_OK)
        return uctr_throw (error, UCTR_ERROR_FAILED, _("%s: %s"), file, archive_error_string (out));
    }
  if (r != ARCHIVE_EOF)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s: not an image archive (%s)"), file, archive_error_string (in));
  return TRUE;
}

gboolean
uctr_archive_extract (UctrStore *store, const char *file, char **dir, GError **error)
{
  g_autofree char *tmp
      = g_build_filename (uctr_store_root (store), UCTR_STORE_TEMP_PREFIX "archive-XXXXXX", NULL);
  struct archive *in = archive_read_new ();
  struct archive *out = archive_write_disk_new ();
  gboolean ok;

  archive_read_support_format_tar (in);
  archive_read_support_filter_all (in);
  /* Entries are made relative (uctr_unpack_entry_path) and put below the
     new directory, an absolute path; no symlink is made or followed. */
  archive_write_disk_set_options (out, ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS
                                           | ARCHIVE_EXTRACT_PERM);
  if (g_mkdtemp_full (tmp, 0700) == NULL)
    ok = uctr_throw_errno (error, _("Making a directory in %s"), uctr_store_root (store));
  else if (archive_read_open_filename (in, file, 1 << 16) != ARCHIVE_OK)
    ok = uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("%s: %s"), file, archive_error_string (in));
  else
    ok = extract_entries (in, out, tmp, file, error);
  archive_read_free (in);
  archive_write_free (out);
  if (!ok)
    {
      (void) uctr_remove_tree_at (AT_FDCWD, tmp);
      return FALSE;
    }
  *dir = g_steal_pointer (&tmp);
  return TRUE;
}

/* docker save's format */

/* FILE (relative to DIR) moved to blobs/sha256/HEX of its digest; *DIGEST
   and *SIZE get what a descriptor says of it. */
static gboolean
to_blob (const char *dir, const char *file, char **digest, gint64 *size, GError **error)
{
  g_autofree char *path = NULL;
  g_autoptr(UctrHash) sum = uctr_hash_new ();
  g_autofree char *blob = NULL;
  uctr_autofd int fd = -1;
  guint8 buf[1 << 16];
  ssize_t n;

  if (strstr (file, "..") != NULL || g_path_is_absolute (file))
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("manifest.json names %s, outside the archive"), file);
  path = g_build_filename (dir, file, NULL);
  fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return uctr_throw_errno (error, _("The archive's %s"), file);
  *size = 0;
  while ((n = read (fd, buf, sizeof buf)) > 0)
    {
      uctr_hash_update (sum, buf, n);
      *size += n;
    }
  if (n < 0)
    return uctr_throw_errno (error, _("Reading the archive's %s"), file);
  *digest = uctr_hash_finish (sum);
  blob = g_build_filename (dir, "blobs", "sha256", *digest + strlen ("sha256:"), NULL);
  if (rename (path, blob) < 0 && errno != EEXIST)
    return uctr_throw_errno (error, _("Moving the archive's %s"), file);
  return TRUE;
}

static gboolean
write_blob (const char *dir, const char *text, char **digest, GError **error)
{
  g_autofree char *hex = NULL;
  g_autofree char *path = NULL;

  *digest = uctr_digest_of (text, strlen (text));
  hex = g_strdup (strchr (*digest, ':') + 1);
  path = g_build_filename (dir, "blobs", "sha256", hex, NULL);
  if (!g_file_set_contents (path, text, -1, error))
    return FALSE;
  return TRUE;
}

/* The entry of manifest.json NAME picks ("NAME:TAG" among its RepoTags),
   borrowed from ENTRIES. */
static json_object *
pick (json_object *entries, const char *name, GError **error)
{
  gsize i, j;

  if (name == NULL)
    {
      if (json_object_array_length (entries) == 1
          && json_object_is_type (json_object_array_get_idx (entries, 0), json_type_object))
        return json_object_array_get_idx (entries, 0);
      return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                         _("the archive has %u images: name one (docker-archive:FILE:NAME:TAG)"),
                            (guint) json_object_array_length (entries)),
                         NULL;
    }
  for (i = 0; i < json_object_array_length (entries); i++)
    {
      json_object *e = json_object_array_get_idx (entries, i);
      json_object *tags = uctr_json_member (e, "RepoTags");

      if (!json_object_is_type (tags, json_type_array))
        continue;
      for (j = 0; j < json_object_array_length (tags); j++)
        {
          json_object *tag = json_object_array_get_idx (tags, j);

          if (json_object_is_type (tag, json_type_string) && strcmp (json_object_get_string (tag), name) == 0)
            return e;
        }
    }
  return uctr_throw (error, UCTR_ERROR_NOT_FOUND, _("the archive has no image %s"), name), NULL;
}

static char *
manifest_json (const char *config_digest, gint64 config_size, GPtrArray *layers)
{
  GString *s = g_string_new (NULL);
  guint i;

  g_string_append_printf (s,
                          "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                          "\"config\":{\"mediaType\":\"application/"
                          "vnd.oci.image.config.v1+json\",\"digest\":\"%s\","
                          "\"size\":%" G_GINT64_FORMAT "},\"layers\":[",
                          config_digest, config_size);
  for (i = 0; i < layers->len; i += 2)
    g_string_append_printf (
        s, "%s{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":%s}",
        i > 0 ? "," : "", (char *) g_ptr_array_index (layers, i), (char *) g_ptr_array_index (layers, i + 1));
  g_string_append (s, "]}");
  return g_string_free (s, FALSE);
}

static gboolean
convert (const char *dir, json_object *entry, GError **error)
{
  g_autoptr(GPtrArray) layers = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *config_digest = NULL, *manifest = NULL, *manifest_digest = NULL, *index = NULL;
  g_autofree char *blobs = g_build_filename (dir, "blobs", "sha256", NULL);
  g_autofree char *layout_file = g_build_filename (dir, "oci-layout", NULL);
  g_autofree char *index_file = g_build_filename (dir, "index.json", NULL);
  const char *config = NULL;
  json_object *paths = NULL;
  gint64 config_size, size;
  gsize i;

  if (!uctr_json_get_string (entry, "manifest.json", "Config", UCTR_JSON_REQUIRED, &config, error)
      || !uctr_json_get_array (entry, "manifest.json", "Layers", UCTR_JSON_REQUIRED, &paths, error))
    return FALSE;
  if (g_mkdir_with_parents (blobs, 0700) < 0)
    return uctr_throw_errno (error, _("Making %s"), blobs);
  if (!to_blob (dir, config, &config_digest, &config_size, error))
    return FALSE;
  for (i = 0; i < json_object_array_length (paths); i++)
    {
      json_object *item = json_object_array_get_idx (paths, i);
      const char *path = json_object_is_type (item, json_type_string) ? json_object_get_string (item) : NULL;
      char *digest = NULL;

      if (path == NULL || !to_blob (dir, path, &digest, &size, error))
        return path == NULL ? uctr_json_invalid (error, "manifest.json", _("Layers holds a non-string"))
                                                 : FALSE;
      g_ptr_array_add (layers, digest);
      g_ptr_array_add (layers, g_strdup_printf ("%" G_GINT64_FORMAT, size));
    }
  manifest = manifest_json (config_digest, config_size, layers);
  if (!write_blob (dir, manifest, &manifest_digest, error))
    return FALSE;
  index = g_strdup_printf ("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/"
                           "vnd.oci.image.manifest.v1+json\","
                           "\"digest\":\"%s\",\"size\":%zu}]}",
                           manifest_digest, strlen (manifest));
  return g_file_set_contents (index_file, index, -1, error)
         && g_file_set_contents (layout_file, "{\"imageLayoutVersion\":\"1.0.0\"}", -1, error);
}

gboolean
uctr_archive_docker_to_layout (const char *dir, const char *name, GError **error)
{
  g_autofree char *path = g_build_filename (dir, "manifest.json", NULL);
  g_autofree char *index = g_build_filename (dir, "index.json", NULL);
  g_autofree char *text = NULL;
  g_autoptr(json_object) root = NULL;
  json_object *entry;
  gsize len;

  if (g_file_test (index, G_FILE_TEST_IS_REGULAR) && name == NULL)
    return TRUE;
  if (!uctr_read_file_at (AT_FDCWD, path, MANIFEST_MAX, &text, &len, error))
    return uctr_prefix_error (error, _("not a docker-archive (docker save, podman save)"));
  if (!uctr_json_parse (text, (gssize) len, UCTR_JSON_MAX_DEPTH, &root, NULL)
      || !json_object_is_type (root, json_type_array))
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("the archive's manifest.json is not a list of images"));
  entry = pick (root, name, error);
  if (entry == NULL)
    return FALSE;
  /* A layout of Docker 25's save is replaced by the one made here from its manifest.json. */
  (void) unlink (index);
  return convert (dir, entry, error);
}
