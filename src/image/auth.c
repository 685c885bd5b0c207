/* uctr: registry credentials, read where podman and docker keep them. */
#include "image/auth.h"
#include "base/json.h"
#include "base/util.h"

#include <fcntl.h>
#include <string.h>

#define AUTH_FILE_MAX (1024 * 1024)
#define DOCKER_HUB "docker.io"

char **
uctr_auth_files (void)
{
  GPtrArray *files = g_ptr_array_new ();
  const char *env = g_getenv ("REGISTRY_AUTH_FILE");
  const char *runtime = g_getenv ("XDG_RUNTIME_DIR");

  if (env != NULL && env[0] != '\0')
    g_ptr_array_add (files, g_strdup (env));
  if (runtime != NULL && runtime[0] != '\0')
    g_ptr_array_add (files, g_build_filename (runtime, "containers", "auth.json", NULL));
  g_ptr_array_add (files, g_build_filename (g_get_user_config_dir (), "containers", "auth.json", NULL));
  g_ptr_array_add (files, g_build_filename (g_get_home_dir (), ".docker", "config.json", NULL));
  g_ptr_array_add (files, NULL);
  return (char **) g_ptr_array_free (files, FALSE);
}

/* An "auths" key as a plain "host[/path]": without a scheme or a trailing
   "/", Docker Hub's legacy names as docker.io. */
static char *
normalize_key (const char *key)
{
  static const char *const hub[] = { "index.docker.io/v1", "index.docker.io", "registry-1.docker.io", NULL };
  const char *scheme = strstr (key, "://");
  g_autofree char *plain = g_strdup (scheme != NULL ? scheme + 3 : key);
  gsize len = strlen (plain);

  while (len > 0 && plain[len - 1] == '/')
    plain[--len] = '\0';
  if (g_strv_contains (hub, plain))
    return g_strdup (DOCKER_HUB);
  return g_steal_pointer (&plain);
}

/* "user:password", base64-encoded. */
static gboolean
decode_auth (const char *auth, const char *file, const char *key, char **user, char **password,
             GError **error)
{
  gsize len = 0;
  g_autofree char *text = (char *) g_base64_decode (auth, &len);
  g_autofree char *plain = g_strndup (text != NULL ? text : "", len);
  char *colon = strchr (plain, ':');

  if (colon == NULL || len == 0 || strlen (plain) != len)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("%s: auths.\"%s\".auth is not base64 of USER:PASSWORD"), file, key);
  *user = g_strndup (plain, colon - plain);
  *password = g_strdup (colon + 1);
  return TRUE;
}

/* The entry of AUTHS for WANT ("quay.io/org/repo"), the most specific first
   (borrowed from AUTHS). */
static json_object *
find_entry (json_object *auths, const char *want, char **key_out)
{
  g_autofree char *scope = g_strdup (want);

  for (;;)
    {
      char *slash;

      json_object_object_foreach (auths, key, value)
        {
          g_autofree char *plain = normalize_key (key);

          if (strcmp (plain, scope) == 0 && json_object_is_type (value, json_type_object))
            {
              *key_out = g_strdup (key);
              return value;
            }
        }
      if ((slash = strrchr (scope, '/')) == NULL)
        return NULL;
      *slash = '\0';
    }
}

/* FALSE with ERROR, or TRUE with *ENTRY the file's entry (or NULL), which
   points into *ROOT (the file's document, owned by the caller). */
static gboolean
entry_in_file (const char *file, const char *want, json_object **root, json_object **entry, char **key,
               GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *text = NULL;
  json_object *auths = NULL;
  gsize len;

  *entry = NULL;
  if (!uctr_read_file_at (AT_FDCWD, file, AUTH_FILE_MAX, &text, &len, &local))
    {
      if (g_error_matches (local, UCTR_ERRNO_ERROR, ENOENT)
          || g_error_matches (local, UCTR_ERRNO_ERROR, ENOTDIR))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!uctr_json_parse (text, (gssize) len, UCTR_JSON_MAX_DEPTH, root, &local)
      || !json_object_is_type (*root, json_type_object))
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("%s is not a JSON object"), file);
  if (!uctr_json_get_object (*root, file, "auths", UCTR_JSON_OPTIONAL, &auths, error))
    return FALSE;
  if (auths != NULL)
    *entry = find_entry (auths, want, key);
  return TRUE;
}

gboolean
uctr_auth_lookup (const char *const *files, const char *registry, const char *repository, char **user,
                  char **password, char **from, GError **error)
{
  g_autofree char *want = g_strdup_printf ("%s/%s", registry, repository);
  guint i;

  *user = *password = NULL;
  if (from != NULL)
    *from = NULL;
  for (i = 0; files[i] != NULL; i++)
    {
      g_autoptr(json_object) root = NULL;
      g_autofree char *key = NULL;
      json_object *entry = NULL;
      const char *auth = NULL;

      if (!entry_in_file (files[i], want, &root, &entry, &key, error))
        return FALSE;
      if (entry == NULL)
        continue;
      if (!uctr_json_get_string (entry, key, "auth", UCTR_JSON_OPTIONAL, &auth, error))
        return uctr_prefix_error (error, "%s", files[i]);
      /* An entry without "auth" (a credential helper's) says nothing here. */
      if (auth == NULL || auth[0] == '\0')
        continue;
      if (!decode_auth (auth, files[i], key, user, password, error))
        return FALSE;
      if (from != NULL)
        *from = g_strdup (files[i]);
      return TRUE;
    }
  return TRUE;
}
