/* uctr: runs a libFuzzer target over files, without libFuzzer.
 *
 * Usage: fuzz-TARGET PATH...  where a PATH is a file or a directory of files.
 * The normal build runs the seed corpus and the reproducers of fixed bugs
 * through the target this way, as a unit test (TAP); the target aborts on a
 * broken promise, so a failure is a crash with its reason on stderr.
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
run_file (const char *path, int *n)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      printf ("not ok %d - %s\n# %s\n", ++*n, path, error->message);
      return;
    }
  (void) LLVMFuzzerTestOneInput ((const uint8_t *) contents, len);
  printf ("ok %d - %s\n", ++*n, path);
  fflush (stdout);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

static void
run_path (const char *path, int *n)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;
  guint i;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      run_file (path, n);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    {
      printf ("not ok %d - %s\n# cannot open the directory\n", ++*n, path);
      return;
    }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_names);
  for (i = 0; i < names->len; i++)
    run_file (names->pdata[i], n);
}

int
main (int argc, char **argv)
{
  int i, n = 0;

  (void) LLVMFuzzerInitialize (&argc, &argv);
  for (i = 1; i < argc; i++)
    run_path (argv[i], &n);
  printf ("1..%d\n", n);
  return 0;
}
