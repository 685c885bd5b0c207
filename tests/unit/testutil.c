/* uctr unit tests: shared helpers. */
#include <glib.h>
#include <glib/gstdio.h>

#include "testutil.h"

void
uctr_test_rm_rf (const char *path)
{
  GDir *dir;
  const char *name;

  /* Not a directory (a symlink to one included): just the entry. */
  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      (void) g_unlink (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        uctr_test_rm_rf (child);
      else
        (void) g_unlink (child);
    }
  if (dir != NULL)
    g_dir_close (dir);
  (void) g_rmdir (path);
}

const char *
uctr_test_json_string (json_object *obj, const char *name)
{
  json_object *node = uctr_json_member (obj, name);

  g_assert_true (json_object_is_type (node, json_type_string));
  return json_object_get_string (node);
}

gint64
uctr_test_json_int (json_object *obj, const char *name)
{
  json_object *node = uctr_json_member (obj, name);

  g_assert_true (json_object_is_type (node, json_type_int));
  return json_object_get_int64 (node);
}
