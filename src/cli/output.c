/* uctr: the two output shapes of list-like verbs, as runc prints them. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

void
uctr_cli_print_table (GPtrArray *cells, guint columns)
{
  g_autofree gsize *width = g_new0 (gsize, columns);
  guint i;

  /* As runc's tabwriter lays them out: at least 12 wide, 3 apart. */
  for (i = 0; i < cells->len; i++)
    width[i % columns] = MAX (width[i % columns], MAX (strlen (g_ptr_array_index (cells, i)) + 3, 12));
  for (i = 0; i < cells->len; i++)
    {
      const char *cell = g_ptr_array_index (cells, i);
      if (i % columns == columns - 1)
        printf ("%s\n", cell);
      else
        printf ("%-*s", (int) width[i % columns], cell);
    }
}

void
uctr_cli_print_json_array (json_object *array)
{
  g_autofree char *text = uctr_json_to_string (array, FALSE);

  printf ("%s\n", text);
}
