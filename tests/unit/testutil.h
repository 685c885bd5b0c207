/* uctr unit tests: shared helpers. */
#pragma once

/* Removes PATH and everything below it, not following symlinks. */
void uctr_test_rm_rf (const char *path);
