/* uctr-image: download progress on a terminal: a line per blob with its
   bytes, total and rate, redrawn in place at most ten times a second;
   nothing when stderr is not a terminal or when quiet. */
#pragma once

#include <glib.h>

typedef struct _UctrProgress UctrProgress;

UctrProgress *uctr_progress_new (gboolean quiet);
void uctr_progress_free (UctrProgress *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrProgress, uctr_progress_free)

/* A line for the blob DIGEST of TOTAL bytes; its index. */
guint uctr_progress_add (UctrProgress *p, const char *digest, gint64 total);

/* Line I: DONE bytes so far; STATE, when not NULL, replaces the byte
   counts ("done", "skipped: already here"). */
void uctr_progress_update (UctrProgress *p, guint i, gint64 done, const char *state);

/* The lines as they are now, drawn once more (at the end). */
void uctr_progress_flush (UctrProgress *p);
