/* uctr: digests of image blobs.
 *
 * The hashes are nettle's (GnuTLS's crypto library, which libarchive
 * links anyway): it uses the CPU's SHA extensions where there are some,
 * three times GLib's GChecksum on a layer here, and a pull hashes each
 * layer's bytes as they stream.
 */
#include "image/digest.h"
#include "base/util.h"

#include <nettle/sha2.h>
#include <string.h>

typedef enum
{
  ALGORITHM_SHA256,
  ALGORITHM_SHA512,
} Algorithm;

static const struct
{
  const char *name;
  gsize hex_len;
} algorithms[] = { [ALGORITHM_SHA256] = { "sha256", 64 }, [ALGORITHM_SHA512] = { "sha512", 128 } };

/* Hashes */

struct _UctrHash
{
  Algorithm algorithm;
  union
  {
    struct sha256_ctx sha256;
    struct sha512_ctx sha512;
  } ctx;
};

static UctrHash *
hash_new (Algorithm algorithm)
{
  UctrHash *h = g_new0 (UctrHash, 1);

  h->algorithm = algorithm;
  if (algorithm == ALGORITHM_SHA512)
    sha512_init (&h->ctx.sha512);
  else
    sha256_init (&h->ctx.sha256);
  return h;
}

UctrHash *
uctr_hash_new (void)
{
  return hash_new (ALGORITHM_SHA256);
}

void
uctr_hash_update (UctrHash *h, const void *data, gsize len)
{
  if (h->algorithm == ALGORITHM_SHA512)
    sha512_update (&h->ctx.sha512, len, data);
  else
    sha256_update (&h->ctx.sha256, len, data);
}

char *
uctr_hash_finish (UctrHash *h)
{
  guint8 bytes[SHA512_DIGEST_SIZE];
  gsize len = h->algorithm == ALGORITHM_SHA512 ? SHA512_DIGEST_SIZE : SHA256_DIGEST_SIZE;
  GString *out = g_string_new (algorithms[h->algorithm].name);
  gsize i;

  if (h->algorithm == ALGORITHM_SHA512)
    sha512_digest (&h->ctx.sha512, len, bytes);
  else
    sha256_digest (&h->ctx.sha256, len, bytes);
  g_string_append_c (out, ':');
  for (i = 0; i < len; i++)
    g_string_append_printf (out, "%02x", bytes[i]);
  return g_string_free (out, FALSE);
}

void
uctr_hash_free (UctrHash *h)
{
  g_free (h);
}

/* Digests */

struct _UctrDigester
{
  UctrHash *hash;
  char *digest;
  gint64 size; /* expected, -1 when not known */
  gint64 seen;
};

static gboolean
lower_hex (const char *s, gsize len)
{
  gsize i;

  for (i = 0; i < len; i++)
    if (!g_ascii_isdigit (s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
      return FALSE;
  return s[len] == '\0';
}

/* DIGEST's algorithm, checked with its encoding. */
static gboolean
parse (const char *digest, Algorithm *algorithm, char **hex, GError **error)
{
  const char *colon = digest != NULL ? strchr (digest, ':') : NULL;
  gsize i;

  if (colon == NULL)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("\"%s\" is no digest (ALGORITHM:HEX, as sha256:...)"),
                          digest != NULL ? digest : "");
  for (i = 0; i < G_N_ELEMENTS (algorithms); i++)
    {
      const char *name = algorithms[i].name;

      if (strncmp (digest, name, colon - digest) != 0 || name[colon - digest] != '\0')
        continue;
      if (strlen (colon + 1) != algorithms[i].hex_len || !lower_hex (colon + 1, algorithms[i].hex_len))
        return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                           _("digest \"%s\": a %s digest is %u lowercase hex digits"), digest, name,
                              (guint) algorithms[i].hex_len);
      if (algorithm != NULL)
        *algorithm = (Algorithm) i;
      if (hex != NULL)
        *hex = g_strdup (colon + 1);
      return TRUE;
    }
  return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                     _("digest \"%s\": uctr checks sha256 and sha512 digests only"), digest);
}

gboolean
uctr_digest_parse (const char *digest, char **hex, GError **error)
{
  return parse (digest, NULL, hex, error);
}

char *
uctr_digest_of (const void *data, gsize len)
{
  g_autoptr(UctrHash) h = uctr_hash_new ();

  uctr_hash_update (h, data, len);
  return uctr_hash_finish (h);
}

UctrDigester *
uctr_digester_new (const char *digest, gint64 size, GError **error)
{
  Algorithm algorithm;
  UctrDigester *d;

  if (!parse (digest, &algorithm, NULL, error))
    return NULL;
  d = g_new0 (UctrDigester, 1);
  d->hash = hash_new (algorithm);
  d->digest = g_strdup (digest);
  d->size = size;
  return d;
}

void
uctr_digester_free (UctrDigester *d)
{
  if (d == NULL)
    return;
  uctr_hash_free (d->hash);
  g_free (d->digest);
  g_free (d);
}

gboolean
uctr_digester_update (UctrDigester *d, const void *data, gsize len, GError **error)
{
  d->seen += (gint64) len;
  if (d->size >= 0 && d->seen > d->size)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("blob %s: more than the %lld bytes its descriptor says"), d->digest,
                          (long long) d->size);
  uctr_hash_update (d->hash, data, len);
  return TRUE;
}

gboolean
uctr_digester_finish (UctrDigester *d, const char *what, GError **error)
{
  g_autofree char *got = NULL;

  if (d->size >= 0 && d->seen != d->size)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s: %lld bytes where its descriptor says %lld (truncated?)"), what,
                          (long long) d->seen, (long long) d->size);
  got = uctr_hash_finish (d->hash);
  if (strcmp (got, d->digest) != 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s does not match its digest %s (got %s)"), what, d->digest, got);
  return TRUE;
}
