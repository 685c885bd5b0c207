/* uctr: content digests of images ("sha256:<hex>"), checked as the bytes
   stream by (image-spec descriptor.md). */
#pragma once

#include <glib.h>

/* DIGEST is "ALGORITHM:ENCODED" with an algorithm uctr can check (sha256,
   sha512) and its encoding (lowercase hex of the right length).
   *HEX (may be NULL) gets the encoded part. Errors are
   UCTR_ERROR_INVALID_IMAGE naming the digest. */
gboolean uctr_digest_parse (const char *digest, char **hex, GError **error);

/* "sha256:<hex>" of DATA. */
char *uctr_digest_of (const void *data, gsize len);

/* A sha256 of bytes fed as they come; finished once, into "sha256:<hex>". */
typedef struct _UctrHash UctrHash;

UctrHash *uctr_hash_new (void);
void uctr_hash_update (UctrHash *h, const void *data, gsize len);
char *uctr_hash_finish (UctrHash *h);
void uctr_hash_free (UctrHash *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrHash, uctr_hash_free)

/* A check of bytes against a descriptor's digest and size, fed as they come. */
typedef struct _UctrDigester UctrDigester;

/* SIZE: the descriptor's (-1: not known). NULL with ERROR for a malformed DIGEST. */
UctrDigester *uctr_digester_new (const char *digest, gint64 size, GError **error);
void uctr_digester_free (UctrDigester *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UctrDigester, uctr_digester_free)

/* FALSE (with ERROR) as soon as the bytes run past the size: a blob that
   claims less than it holds is not read to its end. */
gboolean uctr_digester_update (UctrDigester *d, const void *data, gsize len, GError **error);

/* Once every byte was fed: the size and the digest match, or an error that
   names what was expected and what came (WHAT: "layer 2", "the manifest"). */
gboolean uctr_digester_finish (UctrDigester *d, const char *what, GError **error);
