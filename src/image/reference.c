/* uctr: image references, as the distribution project's grammar has them
 * (reference/regexp.go there):
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] component ( "/" component )*
 *   domain     := host [ ":" port ]      a first part with "." or ":", or "localhost"
 *   component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 *
 * and docker.io's one-part names in "library/". A name without a domain is
 * a short name: which registry it means is registries.conf's to say.
 */
#include "image/reference.h"
#include "image/digest.h"
#include "base/util.h"

#include <string.h>

#define NAME_MAX_LEN 255
#define TAG_MAX_LEN 128
#define DOCKER_HUB "docker.io"

void
uctr_reference_free (UctrReference *r)
{
  if (r == NULL)
    return;
  g_free (r->registry);
  g_free (r->repository);
  g_free (r->tag);
  g_free (r->digest);
  g_free (r->path);
  g_free (r->ref);
  g_free (r);
}

static gboolean
lower_alnum (char c)
{
  return (c >= 'a' && c <= 'z') || g_ascii_isdigit (c);
}

/* [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )* */
static gboolean
valid_component (const char *s, gsize len)
{
  gsize i = 0;

  while (i < len)
    {
      gsize run = 0, sep = i;

      while (i < len && lower_alnum (s[i]))
        i++, run++;
      if (run == 0)
        return FALSE;
      if (i == len)
        return TRUE;
      if (s[i] == '.')
        i++;
      else if (s[i] == '_')
        i += (i + 1 < len && s[i + 1] == '_') ? 2 : 1;
      else
        while (i < len && s[i] == '-')
          i++;
      if (i == sep + run || i == len)
        return FALSE;
    }
  return FALSE;
}

/* host[:port]: labels of letters, digits and inner "-", or [IPv6]. */
static gboolean
valid_domain (const char *s)
{
  const char *colon = s[0] == '[' ? strstr (s, "]:") : strrchr (s, ':');
  g_autofree char *host = colon != NULL ? g_strndup (s, colon - s + (s[0] == '[' ? 1 : 0)) : g_strdup (s);
  const char *port = colon != NULL ? colon + (s[0] == '[' ? 2 : 1) : NULL;
  g_auto(GStrv) labels = NULL;
  guint i;

  if (port != NULL && (port[0] == '\0' || strspn (port, "0123456789") != strlen (port)))
    return FALSE;
  if (host[0] == '[')
    return g_str_has_suffix (host, "]") && strlen (host) > 2
           && strspn (host + 1, "0123456789abcdefABCDEF:.") == strlen (host) - 2;
  labels = g_strsplit (host, ".", -1);
  for (i = 0; labels[i] != NULL; i++)
    {
      gsize len = strlen (labels[i]);

      if (len == 0 || !g_ascii_isalnum (labels[i][0]) || !g_ascii_isalnum (labels[i][len - 1]))
        return FALSE;
      if (strspn (labels[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != len)
        return FALSE;
    }
  return TRUE;
}

static gboolean
valid_tag (const char *s)
{
  gsize len = strlen (s);

  return len > 0 && len <= TAG_MAX_LEN && (g_ascii_isalnum (s[0]) || s[0] == '_')
         && strspn (s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == len;
}

/* A first part that is a domain: "quay.io", "localhost:5000", "localhost". */
static gboolean
looks_like_domain (const char *first)
{
  return strchr (first, '.') != NULL || strchr (first, ':') != NULL || strcmp (first, "localhost") == 0
         || first[0] == '[';
}

static gboolean
bad (GError **error, const char *text, const char *why)
{
  return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                     _("\"%s\" is not an image reference: %s"), text, why);
}

static gboolean
parse_name (UctrReference *r, const char *text, char *name, GError **error)
{
  char *slash = strchr (name, '/');
  g_auto(GStrv) parts = NULL;
  guint i;

  if (slash != NULL)
    {
      *slash = '\0';
      if (looks_like_domain (name))
        {
          if (!valid_domain (name))
            return bad (error, text, _("its registry is no host[:port]"));
          r->registry = g_strdup (name);
          name = slash + 1;
        }
      else
        *slash = '/';
    }
  if (strlen (name) > NAME_MAX_LEN)
    return bad (error, text, _("its name is longer than 255 characters"));
  parts = g_strsplit (name, "/", -1);
  for (i = 0; parts[i] != NULL; i++)
    if (!valid_component (parts[i], strlen (parts[i])))
      return bad (error, text,
                  strpbrk (parts[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != NULL
                  ? _("repository names are lowercase")
                  : _("a part of its name is not made of a-z, 0-9 and inner . _ -"));
  /* Docker Hub's official images live in library/. */
  if (g_strcmp0 (r->registry, DOCKER_HUB) == 0 && g_strv_length (parts) == 1)
    r->repository = g_strconcat ("library/", name, NULL);
  else
    r->repository = g_strdup (name);
  return TRUE;
}

static gboolean
parse_registry_reference (UctrReference *r, const char *text, GError **error)
{
  g_autofree char *copy = g_strdup (text);
  char *at = strchr (copy, '@');
  char *last_slash, *colon;

  if (at != NULL)
    {
      *at = '\0';
      if (!uctr_digest_parse (at + 1, NULL, error))
        return uctr_prefix_error (error, "\"%s\"", text);
      r->digest = g_strdup (at + 1);
    }
  last_slash = strrchr (copy, '/');
  colon = strrchr (last_slash != NULL ? last_slash : copy, ':');
  if (colon != NULL)
    {
      *colon = '\0';
      if (!valid_tag (colon + 1))
        return bad (error, text,
                    _("its tag is not 1 to 128 of A-Z, a-z, 0-9, _ . - (not starting with . or -)"));
      r->tag = g_strdup (colon + 1);
    }
  if (copy[0] == '\0')
    return bad (error, text, _("it has no name"));
  if (!parse_name (r, text, copy, error))
    return FALSE;
  if (r->tag == NULL && r->digest == NULL)
    r->tag = g_strdup ("latest");
  return TRUE;
}

/* "TRANSPORT:PATH[:REF]" */
static gboolean
parse_transport (UctrReference *r, const char *text, const char *rest, GError **error)
{
  const char *colon = strchr (rest, ':');

  r->path = colon != NULL ? g_strndup (rest, colon - rest) : g_strdup (rest);
  r->ref = colon != NULL && colon[1] != '\0' ? g_strdup (colon + 1) : NULL;
  if (r->path[0] == '\0')
    return bad (error, text, _("it names no directory or file"));
  return TRUE;
}

UctrReference *
uctr_reference_parse (const char *text, GError **error)
{
  static const struct
  {
    const char *prefix;
    UctrSourceKind kind;
  } transports[] = {
    { "oci:", UCTR_SOURCE_OCI_LAYOUT },
    { "oci-archive:", UCTR_SOURCE_OCI_ARCHIVE },
    { "docker-archive:", UCTR_SOURCE_DOCKER_ARCHIVE },
    { "containers-storage:", UCTR_SOURCE_CONTAINERS_STORAGE },
  };
  g_autoptr(UctrReference) r = g_new0 (UctrReference, 1);
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (transports); i++)
    if (g_str_has_prefix (text, transports[i].prefix))
      {
        r->kind = transports[i].kind;
        return parse_transport (r, text, text + strlen (transports[i].prefix), error) ? g_steal_pointer (&r)
                                                                                      : NULL;
      }
  r->kind = UCTR_SOURCE_REGISTRY;
  if (!parse_registry_reference (r, g_str_has_prefix (text, "docker://") ? text + strlen ("docker://") : text,
                                 error))
    return NULL;
  return g_steal_pointer (&r);
}

static const char *
transport_prefix (UctrSourceKind kind)
{
  switch (kind)
    {
    case UCTR_SOURCE_OCI_LAYOUT:
      return "oci:";
    case UCTR_SOURCE_OCI_ARCHIVE:
      return "oci-archive:";
    case UCTR_SOURCE_DOCKER_ARCHIVE:
      return "docker-archive:";
    case UCTR_SOURCE_CONTAINERS_STORAGE:
      return "containers-storage:";
    case UCTR_SOURCE_REGISTRY:
    default:
      return "";
    }
}

char *
uctr_reference_to_string (const UctrReference *r)
{
  GString *s = g_string_new (NULL);

  if (r->kind != UCTR_SOURCE_REGISTRY)
    {
      g_autofree char *path = r->kind != UCTR_SOURCE_CONTAINERS_STORAGE
                                  ? g_canonicalize_filename (r->path, NULL)
                                  : g_strdup (r->path);

      g_string_append_printf (s, "%s%s", transport_prefix (r->kind), path);
      if (r->ref != NULL)
        g_string_append_printf (s, ":%s", r->ref);
      return g_string_free (s, FALSE);
    }
  if (r->registry != NULL)
    g_string_append_printf (s, "%s/", r->registry);
  g_string_append (s, r->repository);
  if (r->tag != NULL)
    g_string_append_printf (s, ":%s", r->tag);
  if (r->digest != NULL)
    g_string_append_printf (s, "@%s", r->digest);
  return g_string_free (s, FALSE);
}
