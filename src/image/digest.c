/* uctr: digests of image blobs. */
#include "image/digest.h"
#include "base/util.h"

#include <string.h>

struct _UctrDigester
{
  GChecksum *sum;
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

gboolean
uctr_digest_parse (const char *digest, GChecksumType *algorithm, char **hex, GError **error)
{
  static const struct
  {
    const char *name;
    GChecksumType type;
    gsize hex_len;
  } known[] = { { "sha256", G_CHECKSUM_SHA256, 64 }, { "sha512", G_CHECKSUM_SHA512, 128 } };
  const char *colon = digest != NULL ? strchr (digest, ':') : NULL;
  gsize i;

  if (colon == NULL)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("\"%s\" is no digest (ALGORITHM:HEX, as sha256:...)"),
                          digest != NULL ? digest : "");
  for (i = 0; i < G_N_ELEMENTS (known); i++)
    {
      if (strncmp (digest, known[i].name, colon - digest) != 0 || known[i].name[colon - digest] != '\0')
        continue;
      if (strlen (colon + 1) != known[i].hex_len || !lower_hex (colon + 1, known[i].hex_len))
        return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                           _("digest \"%s\": a %s digest is %u lowercase hex digits"), digest, known[i].name,
                              (guint) known[i].hex_len);
      if (algorithm != NULL)
        *algorithm = known[i].type;
      if (hex != NULL)
        *hex = g_strdup (colon + 1);
      return TRUE;
    }
  return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                     _("digest \"%s\": uctr checks sha256 and sha512 digests only"), digest);
}

char *
uctr_digest_of (const void *data, gsize len)
{
  g_autofree char *hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);

  return g_strconcat ("sha256:", hex, NULL);
}

UctrDigester *
uctr_digester_new (const char *digest, gint64 size, GError **error)
{
  GChecksumType type;
  UctrDigester *d;

  if (!uctr_digest_parse (digest, &type, NULL, error))
    return NULL;
  d = g_new0 (UctrDigester, 1);
  d->sum = g_checksum_new (type);
  d->digest = g_strdup (digest);
  d->size = size;
  return d;
}

void
uctr_digester_free (UctrDigester *d)
{
  if (d == NULL)
    return;
  g_checksum_free (d->sum);
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
  g_checksum_update (d->sum, data, len);
  return TRUE;
}

gboolean
uctr_digester_finish (UctrDigester *d, const char *what, GError **error)
{
  const char *colon = strchr (d->digest, ':');

  if (d->size >= 0 && d->seen != d->size)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s: %lld bytes where its descriptor says %lld (truncated?)"), what,
                          (long long) d->seen, (long long) d->size);
  if (strcmp (g_checksum_get_string (d->sum), colon + 1) != 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_IMAGE,
                       _("%s does not match its digest %s (got %.*s:%s)"), what, d->digest,
                          (int) (colon - d->digest), d->digest, g_checksum_get_string (d->sum));
  return TRUE;
}
