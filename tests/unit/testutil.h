/* uctr unit tests: shared helpers. */
#pragma once

/* Removes PATH and everything below it, not following symlinks (PATH may
   be a file or a symlink, which goes alone). */
void uctr_test_rm_rf (const char *path);
