/* uctr unit tests: shared helpers. */
#pragma once

#include "base/json.h"

/* Removes PATH and everything below it, not following symlinks (PATH may
   be a file or a symlink, which goes alone). */
void uctr_test_rm_rf (const char *path);

/* OBJ's member NAME, which must be a string (borrowed from OBJ). */
const char *uctr_test_json_string (json_object *obj, const char *name);
/* OBJ's member NAME, which must be an integer. */
gint64 uctr_test_json_int (json_object *obj, const char *name);
