/* uctr-image: pulling from a registry: short names resolved as
   registries.conf says, each candidate's mirrors and location tried in
   turn, the platform's manifest picked from an index, layers downloaded
   several at a time (a progress line each on a terminal), kept once
   verified so that a pull cut short does not fetch them again, and
   unpacked in order. */
#pragma once

#include "store/store.h"
#include "image/reference.h"
#include "image/unpack.h"

#include <glib.h>

/* REF (a registry reference) into STORE; *NAME gets the name it is kept
   as ("docker.io/library/alpine:3.20"). QUIET: no progress. */
gboolean uctr_regpull (UctrStore *store, const UctrReference *ref, gboolean quiet, char **name,
                       UctrUnpackReport *report, GError **error);
