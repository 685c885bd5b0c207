/* uctr: what the parts of a one-line config add to its extras (oneline.h):
   the flag a config path came from, files for the state dir. */
#pragma once

#include "oneline/oneline.h"

#include "base/json.h"
#include <sys/types.h>

/* Config PATH ("mounts[7]", "process.cwd") came from the flag FMT says. */
void
uctr_oneline_flag_set (UctrOneLineExtras *x, const char *path, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

/* Config path "mounts[N]" of the next mount added to MOUNTS came from the flag FMT says. */
void uctr_oneline_flag_next_mount (UctrOneLineExtras *x, json_object *mounts, const char *fmt, ...)
    G_GNUC_PRINTF (3, 4);

/* CONTENTS for the state dir, as NAME (after UCTR_STATE_FILE_PREFIX), mode
   MODE; its absolute path, or NULL when nothing runs (no state dir). */
char *uctr_oneline_state_file (UctrOneLineExtras *x, const char *name, const char *contents, mode_t mode);

/* OBJ's member NAME, made an empty object when it is missing or is not one. */
json_object *uctr_json_object_member (json_object *obj, const char *name);

/* A bind mount of host path SRC on DEST in MOUNTS (config mounts[]), MODE
   "rw" or "ro". */
void uctr_oneline_add_bind_mount (json_object *mounts, const char *src, const char *dest, const char *mode);
