/* uctr: registries.conf, read and merged as c/image's sysregistriesv2
   does it for podman, so that a short name resolves and a pull goes where
   it would with podman on the same machine. */
#include "image/registries.h"
#include "image/toml.h"
#include "base/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define SYSTEM_FILE "/etc/containers/registries.conf"
#define SYSTEM_DIR "/etc/containers/registries.conf.d"
#define SYSTEM_ALIAS_CACHE "/var/cache/containers/short-name-aliases.conf"

typedef enum
{
  MODE_UNSET,
  MODE_ENFORCING,
  MODE_PERMISSIVE,
  MODE_DISABLED,
} ShortNameMode;

typedef enum
{
  PULL_ALL,
  PULL_DIGEST_ONLY,
  PULL_TAG_ONLY,
} PullFromMirror;

typedef struct
{
  char *location;
  gboolean insecure;
  PullFromMirror use;
} Mirror;

typedef struct
{
  char *prefix;
  char *location; /* "" only under a "*." prefix: the name is used as it is */
  gboolean insecure, blocked, mirror_by_digest_only;
  GPtrArray *mirrors; /* Mirror * */
  char *origin;       /* the file */
  guint line;
} Registry;

struct _UctrRegistries
{
  GPtrArray *registries; /* Registry *, sorted by prefix, one a prefix */
  char **search;         /* unqualified-search-registries; NULL: no file set it */
  char *search_origin;
  ShortNameMode mode;
  char *mode_origin;
  GHashTable *aliases;        /* short name -> fully qualified name, "" when erased */
  GHashTable *cached_aliases; /* the same from short-name-aliases.conf, looked up first */
  char *main_file;            /* for messages: the file to edit */
  char *user_dir;             /* the user's registries.conf.d, or NULL */
};

static void
mirror_free (Mirror *m)
{
  g_free (m->location);
  g_free (m);
}

static void
registry_free (Registry *reg)
{
  if (reg == NULL)
    return;
  g_free (reg->prefix);
  g_free (reg->location);
  g_ptr_array_unref (reg->mirrors);
  g_free (reg->origin);
  g_free (reg);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Registry, registry_free)

static UctrRegistries *
registries_new (void)
{
  UctrRegistries *r = g_new0 (UctrRegistries, 1);

  r->registries = g_ptr_array_new_with_free_func ((GDestroyNotify) registry_free);
  r->aliases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r->cached_aliases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return r;
}

void
uctr_registries_free (UctrRegistries *r)
{
  if (r == NULL)
    return;
  g_ptr_array_unref (r->registries);
  g_strfreev (r->search);
  g_free (r->search_origin);
  g_free (r->mode_origin);
  g_hash_table_unref (r->aliases);
  g_hash_table_unref (r->cached_aliases);
  g_free (r->main_file);
  g_free (r->user_dir);
  g_free (r);
}

static void
source_free (UctrRegistrySource *s)
{
  uctr_reference_free (s->ref);
  g_free (s);
}

void
uctr_registry_endpoint_free (UctrRegistryEndpoint *e)
{
  if (e == NULL)
    return;
  g_ptr_array_unref (e->sources);
  g_free (e->origin);
  g_free (e);
}

/* ---- Reading one file: keys of the types c/image decodes ---- */

static const char *
type_name (UctrTomlType type)
{
  switch (type)
    {
    case UCTR_TOML_STRING:
      return _("a string");
    case UCTR_TOML_BOOLEAN:
      return _("true or false");
    case UCTR_TOML_INTEGER:
      return _("a number");
    case UCTR_TOML_ARRAY:
      return _("an array");
    case UCTR_TOML_TABLE:
    default:
      return _("a table");
    }
}

static gboolean
invalid (GError **error, const char *file, guint line, const char *fmt, ...) G_GNUC_PRINTF (4, 5);

/* "FILE:LINE: what is wrong" */
static gboolean
invalid (GError **error, const char *file, guint line, const char *fmt, ...)
{
  g_autofree char *where = g_strdup_printf ("%s:%u", file, line);
  va_list ap;

  va_start (ap, fmt);
  uctr_throw_at_valist (error, UCTR_ERROR_INVALID_CONFIG, where, fmt, ap);
  va_end (ap);
  return FALSE;
}

/* KEY of TABLE, which must be of TYPE when present; *OUT NULL when not. */
static gboolean
lookup (const char *file, const UctrToml *table, const char *key, UctrTomlType type, UctrToml **out,
        GError **error)
{
  UctrToml *v = uctr_toml_get (table, key);

  *out = NULL;
  if (v != NULL && v->type != type)
    return invalid (error, file, v->line, _("%s must be %s"), key, type_name (type));
  *out = v;
  return TRUE;
}

/* *OUT is left alone when KEY is missing. */
static gboolean
get_string (const char *file, const UctrToml *table, const char *key, const char **out, GError **error)
{
  UctrToml *v;

  if (!lookup (file, table, key, UCTR_TOML_STRING, &v, error))
    return FALSE;
  if (v != NULL)
    *out = v->string;
  return TRUE;
}

static gboolean
get_bool (const char *file, const UctrToml *table, const char *key, gboolean *out, GError **error)
{
  UctrToml *v;

  if (!lookup (file, table, key, UCTR_TOML_BOOLEAN, &v, error))
    return FALSE;
  if (v != NULL)
    *out = v->boolean;
  return TRUE;
}

/* An array of strings, NULL when KEY is missing; *LINE its line. */
static gboolean
get_strings (const char *file, const UctrToml *table, const char *key, char ***out, guint *line,
             GError **error)
{
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  UctrToml *v;
  guint i;

  *out = NULL;
  if (!lookup (file, table, key, UCTR_TOML_ARRAY, &v, error))
    return FALSE;
  if (v == NULL)
    return TRUE;
  for (i = 0; i < v->items->len; i++)
    {
      UctrToml *item = v->items->pdata[i];
      if (item->type != UCTR_TOML_STRING)
        return invalid (error, file, item->line, _("%s must be an array of strings"), key);
      g_ptr_array_add (strings, g_strdup (item->string));
    }
  g_ptr_array_add (strings, NULL);
  *out = (char **) g_ptr_array_free (g_steal_pointer (&strings), FALSE);
  *line = v->line;
  return TRUE;
}

/* host[:port][/path] with no trailing "/" and no scheme. */
static gboolean
parse_location (const char *file, guint line, const char *key, const char *in, char **out, GError **error)
{
  g_autofree char *s = g_strdup (in);
  gsize len = strlen (s);

  while (len > 0 && s[len - 1] == '/')
    s[--len] = '\0';
  if (g_str_has_prefix (s, "http://") || g_str_has_prefix (s, "https://"))
    return invalid (error, file, line,
                    _("%s \"%s\": write host[:port][/path], without http:// or https://"), key, in);
  *out = g_steal_pointer (&s);
  return TRUE;
}

static gboolean
parse_pull_from_mirror (const char *file, guint line, const char *value, PullFromMirror *use, GError **error)
{
  if (value[0] == '\0' || strcmp (value, "all") == 0)
    *use = PULL_ALL;
  else if (strcmp (value, "digest-only") == 0)
    *use = PULL_DIGEST_ONLY;
  else if (strcmp (value, "tag-only") == 0)
    *use = PULL_TAG_ONLY;
  else
    return invalid (error, file, line,
                    _("pull-from-mirror \"%s\" is none of all, digest-only, tag-only"), value);
  return TRUE;
}

static gboolean
parse_mirror (const char *file, const Registry *reg, const UctrToml *t, GError **error)
{
  const char *location = "", *use = "";
  Mirror *m;

  if (t->type != UCTR_TOML_TABLE)
    return invalid (error, file, t->line, _("mirror must be an array of tables ([[registry.mirror]])"));
  m = g_new0 (Mirror, 1);
  g_ptr_array_add (reg->mirrors, m);
  if (!get_string (file, t, "location", &location, error)
      || !get_bool (file, t, "insecure", &m->insecure, error)
      || !get_string (file, t, "pull-from-mirror", &use, error)
      || !parse_location (file, t->line, "location", location, &m->location, error))
    return FALSE;
  if (m->location[0] == '\0')
    return invalid (error, file, t->line,
                    _("a mirror of the [[registry]] with prefix \"%s\" has no location"), reg->prefix);
  if (use[0] != '\0' && reg->mirror_by_digest_only)
    return invalid (error, file, t->line,
                    _("the [[registry]] with prefix \"%s\" sets mirror-by-digest-only, its mirror %s cannot set "
                      "pull-from-mirror too"),
                       reg->prefix, m->location);
  return parse_pull_from_mirror (file, t->line, use, &m->use, error);
}

/* prefix and location as c/image's postProcessRegistries has them. */
static gboolean
parse_prefix (const char *file, Registry *reg, const char *prefix, GError **error)
{
  if (prefix[0] == '\0')
    {
      if (reg->location[0] == '\0')
        return invalid (error, file, reg->line, _("a [[registry]] needs a location or a prefix"));
      reg->prefix = g_strdup (reg->location);
      return TRUE;
    }
  if (!parse_location (file, reg->line, "prefix", prefix, &reg->prefix, error))
    return FALSE;
  if (g_str_has_prefix (reg->prefix, "*."))
    {
      if (strpbrk (reg->prefix, "/@:") != NULL)
        return invalid (error, file, reg->line,
                        _("the wildcard prefix \"%s\" must be of the form *.example.com (no port, path, tag "
                          "or digest)"),
                           reg->prefix);
    }
  else if (reg->location[0] == '\0')
    return invalid (error, file, reg->line,
                    _("the [[registry]] with prefix \"%s\" needs a location (only a *.example.com prefix can do "
                      "without)"),
                       reg->prefix);
  return TRUE;
}

static gboolean
parse_registry (const char *file, const UctrToml *t, GPtrArray *into, GError **error)
{
  g_autoptr(Registry) reg = NULL;
  const char *prefix = "", *location = "", *use = "";
  UctrToml *mirrors;
  guint i;

  if (t->type != UCTR_TOML_TABLE)
    return invalid (error, file, t->line, _("registry must be an array of tables ([[registry]])"));
  reg = g_new0 (Registry, 1);
  reg->mirrors = g_ptr_array_new_with_free_func ((GDestroyNotify) mirror_free);
  reg->origin = g_strdup (file);
  reg->line = t->line;
  if (!get_string (file, t, "prefix", &prefix, error) || !get_string (file, t, "location", &location, error)
      || !get_bool (file, t, "insecure", &reg->insecure, error)
      || !get_bool (file, t, "blocked", &reg->blocked, error)
      || !get_bool (file, t, "mirror-by-digest-only", &reg->mirror_by_digest_only, error)
      || !get_string (file, t, "pull-from-mirror", &use, error)
      || !lookup (file, t, "mirror", UCTR_TOML_ARRAY, &mirrors, error)
      || !parse_location (file, t->line, "location", location, &reg->location, error)
      || !parse_prefix (file, reg, prefix, error))
    return FALSE;
  if (use[0] != '\0')
    return invalid (error, file, t->line,
                    _("pull-from-mirror goes in a [[registry.mirror]], not in the [[registry]] with prefix \"%s\""),
                       reg->prefix);
  for (i = 0; mirrors != NULL && i < mirrors->items->len; i++)
    if (!parse_mirror (file, reg, mirrors->items->pdata[i], error))
      return FALSE;
  g_ptr_array_add (into, g_steal_pointer (&reg));
  return TRUE;
}

/* NAME without a registry, a tag or a digest: "alpine", "opensuse/leap". */
static gboolean
is_short_name (const char *name)
{
  g_autoptr(UctrReference) ref = uctr_reference_parse (name, NULL);

  return ref != NULL && ref->registry == NULL && strpbrk (name, ":@") == NULL;
}

/* VALUE fully qualified, without a tag or a digest; normalized as
   "docker.io/library/alpine". */
static char *
alias_target (const char *value)
{
  g_autoptr(UctrReference) ref = uctr_reference_parse (value, NULL);
  const char *slash = strrchr (value, '/');

  if (ref == NULL || ref->registry == NULL || ref->digest != NULL || slash == NULL
      || strchr (slash, ':') != NULL)
    return NULL;
  return g_strdup_printf ("%s/%s", ref->registry, ref->repository);
}

static gboolean
parse_aliases (const char *file, const UctrToml *table, GHashTable *into, GError **error)
{
  guint i;

  for (i = 0; i < table->items->len; i++)
    {
      const char *name = table->keys->pdata[i];
      UctrToml *v = table->items->pdata[i];
      char *target;

      if (v->type != UCTR_TOML_STRING)
        return invalid (error, file, v->line, _("the alias \"%s\" must be a string"), name);
      if (!is_short_name (name))
        return invalid (error, file, v->line,
                        _("the alias \"%s\" is no short name (a name without registry, tag or digest)"),
                           name);
      /* "" erases an alias an earlier file set. */
      target = v->string[0] == '\0' ? g_strdup ("") : alias_target (v->string);
      if (target == NULL)
        return invalid (error, file, v->line,
                        _("the alias \"%s\" = \"%s\" must name a registry and a repository, without a tag or a "
                          "digest (as \"docker.io/library/alpine\")"),
                           name, v->string);
      g_hash_table_replace (into, g_strdup (name), target);
    }
  return TRUE;
}

/* Each entry a host[:port], as reference.c reads a registry. */
static gboolean
set_search (const char *file, UctrRegistries *r, char **taken, guint line, GError **error)
{
  g_auto(GStrv) search = taken;
  guint i;

  for (i = 0; search[i] != NULL; i++)
    {
      g_autofree char *entry = NULL;
      g_autofree char *probe = NULL;
      g_autoptr(UctrReference) ref = NULL;

      if (!parse_location (file, line, "unqualified-search-registries", search[i], &entry, error))
        return FALSE;
      probe = g_strdup_printf ("%s/x", entry);
      ref = uctr_reference_parse (probe, NULL);
      if (ref == NULL || g_strcmp0 (ref->registry, entry) != 0)
        return invalid (error, file, line,
                        _("unqualified-search-registries: \"%s\" is no host[:port] (a name with neither \".\" nor "
                          "\":\", other than localhost, would be read as a Docker Hub namespace)"),
                           search[i]);
      g_free (search[i]);
      search[i] = g_steal_pointer (&entry);
    }
  r->search = g_steal_pointer (&search);
  r->search_origin = g_strdup (file);
  return TRUE;
}

static gboolean
parse_mode (const char *file, const UctrToml *root, UctrRegistries *r, GError **error)
{
  static const char *const names[] = { "enforcing", "permissive", "disabled" };
  static const ShortNameMode modes[] = { MODE_ENFORCING, MODE_PERMISSIVE, MODE_DISABLED };
  UctrToml *v;
  guint i;

  if (!lookup (file, root, "short-name-mode", UCTR_TOML_STRING, &v, error))
    return FALSE;
  if (v == NULL || v->string[0] == '\0')
    return TRUE;
  for (i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (v->string, names[i]) == 0)
      {
        r->mode = modes[i];
        r->mode_origin = g_strdup (file);
        return TRUE;
      }
  return invalid (error, file, v->line,
                  _("short-name-mode \"%s\" is none of enforcing, permissive, disabled"), v->string);
}

static gboolean
parse_v2 (const char *file, const UctrToml *root, UctrRegistries *r, GError **error)
{
  g_auto(GStrv) search = NULL;
  UctrToml *registries, *aliases;
  guint i, line = 0;

  if (!get_strings (file, root, "unqualified-search-registries", &search, &line, error)
      || (search != NULL && !set_search (file, r, g_steal_pointer (&search), line, error))
      || !parse_mode (file, root, r, error)
      || !lookup (file, root, "registry", UCTR_TOML_ARRAY, &registries, error)
      || !lookup (file, root, "aliases", UCTR_TOML_TABLE, &aliases, error))
    return FALSE;
  for (i = 0; registries != NULL && i < registries->items->len; i++)
    if (!parse_registry (file, registries->items->pdata[i], r->registries, error))
      return FALSE;
  return aliases == NULL || parse_aliases (file, aliases, r->aliases, error);
}

/* The table [registries.NAME]'s registries array, NULL when missing. */
static gboolean
get_v1_list (const char *file, const UctrToml *v1, const char *name, char ***out, guint *line, GError **error)
{
  UctrToml *t;

  *out = NULL;
  if (!lookup (file, v1, name, UCTR_TOML_TABLE, &t, error))
    return FALSE;
  return t == NULL || get_strings (file, t, "registries", out, line, error);
}

static Registry *
v1_registry (GPtrArray *registries, const char *location, const char *file, guint line)
{
  Registry *reg;
  guint i;

  for (i = 0; i < registries->len; i++)
    if (strcmp (((Registry *) registries->pdata[i])->location, location) == 0)
      return registries->pdata[i];
  reg = g_new0 (Registry, 1);
  reg->prefix = g_strdup (location);
  reg->location = g_strdup (location);
  reg->mirrors = g_ptr_array_new_with_free_func ((GDestroyNotify) mirror_free);
  reg->origin = g_strdup (file);
  reg->line = line;
  g_ptr_array_add (registries, reg);
  return reg;
}

/* [registries.block] and [registries.insecure] as [[registry]] tables,
   [registries.search] as unqualified-search-registries (ConvertToV2). */
static gboolean
parse_v1 (const char *file, const UctrToml *v1, UctrRegistries *r, GError **error)
{
  g_auto(GStrv) search = NULL, insecure = NULL, block = NULL;
  guint search_line = 0, insecure_line = 0, block_line = 0, i;

  if (!get_v1_list (file, v1, "search", &search, &search_line, error)
      || !get_v1_list (file, v1, "insecure", &insecure, &insecure_line, error)
      || !get_v1_list (file, v1, "block", &block, &block_line, error))
    return FALSE;
  for (i = 0; block != NULL && block[i] != NULL; i++)
    {
      g_autofree char *location = NULL;
      if (!parse_location (file, block_line, "registries", block[i], &location, error))
        return FALSE;
      v1_registry (r->registries, location, file, block_line)->blocked = TRUE;
    }
  for (i = 0; insecure != NULL && insecure[i] != NULL; i++)
    {
      g_autofree char *location = NULL;
      if (!parse_location (file, insecure_line, "registries", insecure[i], &location, error))
        return FALSE;
      v1_registry (r->registries, location, file, insecure_line)->insecure = TRUE;
    }
  return search == NULL || set_search (file, r, g_steal_pointer (&search), search_line, error);
}

/* Whether ROOT sets any key of the version 1 format. */
static gboolean
has_v1 (const UctrToml *v1)
{
  static const char *const lists[] = { "search", "insecure", "block" };
  gsize i;

  for (i = 0; v1 != NULL && i < G_N_ELEMENTS (lists); i++)
    if (uctr_toml_get (uctr_toml_get (v1, lists[i]), "registries") != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
has_v2 (const UctrToml *root)
{
  static const char *const keys[]
      = { "registry", "unqualified-search-registries", "credential-helpers", "aliases" };
  static const char *const strings[] = { "short-name-mode", "additional-layer-store-auth-helper" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (keys); i++)
    if (uctr_toml_get (root, keys[i]) != NULL)
      return TRUE;
  for (i = 0; i < G_N_ELEMENTS (strings); i++)
    {
      UctrToml *v = uctr_toml_get (root, strings[i]);
      if (v != NULL && (v->type != UCTR_TOML_STRING || v->string[0] != '\0'))
        return TRUE;
    }
  return FALSE;
}

static int
compare_prefix (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(Registry *const *) a)->prefix, (*(Registry *const *) b)->prefix);
}

/* One table a prefix (the first of a file, the last of the merged files),
   sorted by prefix, as c/image keeps them: on equal lengths of match the
   first in that order wins. */
static void
one_per_prefix (GPtrArray *registries, gboolean last_wins)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gsize n = 0, i;
  gpointer *all = g_ptr_array_steal (registries, &n);

  for (i = 0; i < n; i++)
    {
      Registry *reg = all[last_wins ? n - 1 - i : i];

      if (g_hash_table_add (seen, reg->prefix))
        g_ptr_array_add (registries, reg);
      else
        registry_free (reg);
    }
  g_free (all);
  g_ptr_array_sort (registries, compare_prefix);
}

/* Tables of one location must agree on insecure and blocked. */
static gboolean
check_conflicts (const char *file, GPtrArray *registries, GError **error)
{
  g_autoptr(GHashTable) first = g_hash_table_new (g_str_hash, g_str_equal);
  guint i;

  for (i = 0; i < registries->len; i++)
    {
      Registry *reg = registries->pdata[i];
      const char *key = reg->location[0] != '\0' ? reg->location : reg->prefix;
      Registry *other = g_hash_table_lookup (first, key);

      if (other == NULL)
        g_hash_table_insert (first, (gpointer) key, reg);
      else if (other->insecure != reg->insecure || other->blocked != reg->blocked)
        return invalid (error, file, reg->line,
                        _("the registry %s is defined more than once, with other insecure or blocked settings "
                          "(line %u)"),
                           key, other->line);
    }
  return TRUE;
}

static gboolean
parse_file (const char *file, const UctrToml *root, gboolean drop_in, UctrRegistries *r, GError **error)
{
  UctrToml *v1;

  if (!lookup (file, root, "registries", UCTR_TOML_TABLE, &v1, error))
    return FALSE;
  if (has_v1 (v1))
    {
      if (drop_in)
        return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                           _("%s: a drop-in must be in the version 2 format: write [registries.search] as "
                             "unqualified-search-registries = [...] and [registries.insecure] and "
                             "[registries.block] as [[registry]] tables (containers-registries.conf(5))"),
                              file);
      if (has_v2 (root))
        return uctr_throw (error, UCTR_ERROR_INVALID_CONFIG,
                           _("%s: mixes the version 1 format ([registries.search], [registries.insecure], "
                             "[registries.block]) with version 2 keys; convert it to version 2 "
                             "(containers-registries.conf(5))"),
                              file);
      if (!parse_v1 (file, v1, r, error))
        return FALSE;
    }
  else if (!parse_v2 (file, root, r, error))
    return FALSE;
  if (!check_conflicts (file, r->registries, error))
    return FALSE;
  one_per_prefix (r->registries, FALSE);
  return TRUE;
}

static UctrToml *
read_toml (const char *file, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!uctr_read_file_at (AT_FDCWD, file, UCTR_TOML_MAX_SIZE, &text, &len, error))
    return NULL;
  return uctr_toml_parse (text, len, file, error);
}

static UctrRegistries *
load_file (const char *file, gboolean drop_in, GError **error)
{
  g_autoptr(UctrRegistries) r = registries_new ();
  g_autoptr(UctrToml) root = read_toml (file, error);

  if (root == NULL || !parse_file (file, root, drop_in, r, error))
    return NULL;
  return g_steal_pointer (&r);
}

/* What a later file sets replaces what an earlier one did
   (updateWithConfigurationFrom); UPDATE is emptied. */
static void
merge (UctrRegistries *r, UctrRegistries *update)
{
  GHashTableIter iter;
  gpointer key, value;

  g_ptr_array_extend_and_steal (r->registries, g_steal_pointer (&update->registries));
  update->registries = g_ptr_array_new ();
  one_per_prefix (r->registries, TRUE);
  if (update->search != NULL)
    {
      g_strfreev (r->search);
      r->search = g_steal_pointer (&update->search);
      g_free (r->search_origin);
      r->search_origin = g_steal_pointer (&update->search_origin);
    }
  if (update->mode != MODE_UNSET)
    {
      r->mode = update->mode;
      g_free (r->mode_origin);
      r->mode_origin = g_steal_pointer (&update->mode_origin);
    }
  g_hash_table_iter_init (&iter, update->aliases);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_hash_table_iter_steal (&iter);
      g_hash_table_replace (r->aliases, key, value);
    }
}

static gboolean
is_missing (const GError *error)
{
  return g_error_matches (error, UCTR_ERRNO_ERROR, ENOENT)
         || g_error_matches (error, UCTR_ERRNO_ERROR, ENOTDIR);
}

/* short-name-aliases.conf: only its [aliases] count. */
static gboolean
load_alias_cache (UctrRegistries *r, const char *file, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(UctrToml) root = read_toml (file, &local);
  UctrToml *aliases;

  if (root == NULL)
    {
      if (is_missing (local))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!lookup (file, root, "aliases", UCTR_TOML_TABLE, &aliases, error))
    return FALSE;
  return aliases == NULL || parse_aliases (file, aliases, r->cached_aliases, error);
}

/* MAIN (a missing one is no error unless REQUIRED), then the DROP_INS,
   then ALIAS_CACHE (may be NULL). */
static UctrRegistries *
load_all (const char *main_file, gboolean required, const char *const *drop_ins, const char *alias_cache,
          GError **error)
{
  g_autoptr(UctrRegistries) r = NULL;
  g_autoptr(GError) local = NULL;
  guint i;

  r = load_file (main_file, FALSE, &local);
  if (r == NULL)
    {
      if (required || !is_missing (local))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      r = registries_new ();
      g_clear_error (&local);
    }
  for (i = 0; drop_ins[i] != NULL; i++)
    {
      g_autoptr(UctrRegistries) update = load_file (drop_ins[i], TRUE, &local);

      /* A drop-in removed since the directory was listed is no error. */
      if (update == NULL && is_missing (local) && !required)
        {
          g_clear_error (&local);
          continue;
        }
      if (update == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      merge (r, update);
    }
  if (alias_cache != NULL && !load_alias_cache (r, alias_cache, error))
    return NULL;
  if (r->mode == MODE_UNSET)
    r->mode = MODE_PERMISSIVE;
  r->main_file = g_strdup (main_file);
  return g_steal_pointer (&r);
}

UctrRegistries *
uctr_registries_load_files (const char *const *files, const char *alias_cache, GError **error)
{
  g_return_val_if_fail (files != NULL && files[0] != NULL, NULL);
  return load_all (files[0], TRUE, files + 1, alias_cache, error);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* DIR's *.conf files (not directories) into FILES, in lexical order. */
static gboolean
list_drop_ins (const char *dir, GPtrArray *files, GError **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  DIR *d = opendir (dir); /* O_CLOEXEC, as glibc opens it */
  struct dirent *de;
  guint i;

  if (d == NULL)
    return errno == ENOENT || errno == ENOTDIR ? TRUE : uctr_throw_errno (error, _("Reading %s"), dir);
  while ((errno = 0, de = readdir (d)) != NULL)
    {
      struct stat st;

      if (!g_str_has_suffix (de->d_name, ".conf"))
        continue;
      if (fstatat (dirfd (d), de->d_name, &st, 0) == 0 && S_ISDIR (st.st_mode))
        continue;
      g_ptr_array_add (names, g_strdup (de->d_name));
    }
  if (errno != 0)
    {
      int errsv = errno;
      closedir (d);
      return uctr_throw_errno_code (error, errsv, _("Reading %s"), dir);
    }
  closedir (d);
  g_ptr_array_sort (names, compare_names);
  for (i = 0; i < names->len; i++)
    g_ptr_array_add (files, g_build_filename (dir, names->pdata[i], NULL));
  return TRUE;
}

/* podman's home: $HOME, else the password database's. */
static const char *
home_dir (void)
{
  const char *home = g_getenv ("HOME");

  return home != NULL && home[0] != '\0' ? home : g_get_home_dir ();
}

static char *
alias_cache_path (void)
{
  const char *cache = g_getenv ("XDG_CACHE_HOME");

  if (geteuid () == 0 && !uctr_running_in_userns ())
    return g_strdup (SYSTEM_ALIAS_CACHE);
  if (cache != NULL && cache[0] != '\0')
    return g_build_filename (cache, "containers", "short-name-aliases.conf", NULL);
  return g_build_filename (home_dir (), ".cache", "containers", "short-name-aliases.conf", NULL);
}

UctrRegistries *
uctr_registries_load (GError **error)
{
  const char *env = g_getenv ("CONTAINERS_REGISTRIES_CONF");
  g_autofree char *user_file
      = g_build_filename (home_dir (), ".config", "containers", "registries.conf", NULL);
  g_autofree char *user_dir = g_strconcat (user_file, ".d", NULL);
  g_autofree char *alias_cache = alias_cache_path ();
  g_autoptr(GPtrArray) drop_ins = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(UctrRegistries) r = NULL;
  const char *main_file = SYSTEM_FILE;
  gboolean required = FALSE;
  struct stat st;

  if (env == NULL || env[0] == '\0')
    env = g_getenv ("REGISTRIES_CONFIG_PATH");
  if (env != NULL && env[0] != '\0')
    {
      main_file = env;
      required = TRUE;
    }
  else if (lstat (user_file, &st) == 0)
    main_file = user_file;
  /* The user's own registries.conf replaces the system's drop-ins too. */
  if (main_file != user_file && !list_drop_ins (SYSTEM_DIR, drop_ins, error))
    return NULL;
  if (!list_drop_ins (user_dir, drop_ins, error))
    return NULL;
  g_ptr_array_add (drop_ins, NULL);
  r = load_all (main_file, required, (const char *const *) drop_ins->pdata, alias_cache, error);
  if (r == NULL)
    return NULL;
  r->user_dir = g_steal_pointer (&user_dir);
  return g_steal_pointer (&r);
}

/* ---- Using it ---- */

/* NAME ("host/repo") with REF's tag and digest, parsed: docker.io's
   one-part names get library/. */
static UctrReference *
qualify (const char *name, const UctrReference *ref, GError **error)
{
  g_autoptr(GString) text = g_string_new (name);

  if (ref->tag != NULL)
    g_string_append_printf (text, ":%s", ref->tag);
  if (ref->digest != NULL)
    g_string_append_printf (text, "@%s", ref->digest);
  return uctr_reference_parse (text->str, error);
}

/* The alias of NAME: the cache's first, then the files'; NULL when none
   (or when the one that counts was erased with ""). */
static const char *
find_alias (UctrRegistries *r, const char *name)
{
  const char *target;

  if (!g_hash_table_lookup_extended (r->cached_aliases, name, NULL, (gpointer *) &target)
      && !g_hash_table_lookup_extended (r->aliases, name, NULL, (gpointer *) &target))
    return NULL;
  return target[0] != '\0' ? target : NULL;
}

static gboolean
no_search_registries (UctrRegistries *r, const UctrReference *ref, GError **error)
{
  const char *file = r->search_origin != NULL ? r->search_origin : r->main_file;
  g_autofree char *hub = g_strdup_printf ("docker.io/%s", ref->repository);
  g_autoptr(UctrReference) example = qualify (hub, ref, NULL);
  g_autofree char *full = example != NULL ? uctr_reference_to_string (example) : g_steal_pointer (&hub);

  if (r->user_dir != NULL)
    return uctr_throw (
        error, UCTR_ERROR_INVALID_ARGUMENT,
        _("\"%s\" is a short name, with no alias and no unqualified-search-registries to complete "
                         "it: add a line such as\n  unqualified-search-registries = [\"docker.io\"]\nto %s, or to "
                         "a new file ending in .conf in %s; or give the full name, such as %s, which needs none"),
           ref->repository, file, r->user_dir, full);
  return uctr_throw (
      error, UCTR_ERROR_INVALID_ARGUMENT,
      _("\"%s\" is a short name, with no alias and no unqualified-search-registries to complete it: "
                       "add a line such as\n  unqualified-search-registries = [\"docker.io\"]\nto %s; or give the "
                       "full name, such as %s, which needs none"),
         ref->repository, file, full);
}

static gboolean
ambiguous (UctrRegistries *r, const UctrReference *ref, GPtrArray *candidates, GError **error)
{
  g_autofree char *list = g_strjoinv (", ", (char **) candidates->pdata);
  g_autoptr(UctrReference) first = uctr_reference_parse (candidates->pdata[0], NULL);

  return uctr_throw (
      error, UCTR_ERROR_INVALID_ARGUMENT,
      _("the short name \"%s\" could be any of %s, and short-name-mode is \"enforcing\" (in %s), "
                       "which does not let uctr choose (it never prompts): give the full name, or add an alias "
                       "such as\n  \"%s\" = \"%s/%s\"\nto the [aliases] table of a registries.conf file"),
         ref->repository, list, r->mode_origin != NULL ? r->mode_origin : r->main_file, ref->repository,
         first->registry, first->repository);
}

char **
uctr_registries_resolve (UctrRegistries *r, const UctrReference *ref, GError **error)
{
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  const char *alias;
  guint i;

  g_return_val_if_fail (ref->kind == UCTR_SOURCE_REGISTRY, NULL);
  if (ref->registry != NULL)
    g_ptr_array_add (candidates, uctr_reference_to_string (ref));
  else if ((alias = find_alias (r, ref->repository)) != NULL)
    {
      g_autoptr(UctrReference) q = qualify (alias, ref, error);
      if (q == NULL)
        return NULL;
      g_ptr_array_add (candidates, uctr_reference_to_string (q));
    }
  else
    for (i = 0; r->search != NULL && r->search[i] != NULL; i++)
      {
        g_autofree char *name = g_strdup_printf ("%s/%s", r->search[i], ref->repository);
        g_autoptr(UctrReference) q = qualify (name, ref, error);
        if (q == NULL)
          return NULL;
        g_ptr_array_add (candidates, uctr_reference_to_string (q));
      }
  if (candidates->len == 0)
    {
      no_search_registries (r, ref, error);
      return NULL;
    }
  g_ptr_array_add (candidates, NULL);
  if (candidates->len > 2 && r->mode == MODE_ENFORCING)
    {
      ambiguous (r, ref, candidates, error);
      return NULL;
    }
  return (char **) g_ptr_array_free (g_steal_pointer (&candidates), FALSE);
}

/* The length of NAME that PREFIX matches, or -1 (refMatchingPrefix):
   up to a "/", ":" or "@" or the end; "*.example.com" in the host only. */
static gssize
match_prefix (const char *name, const char *prefix)
{
  gsize end;

  if (g_str_has_prefix (prefix, "*."))
    {
      const char *hit = strstr (name, prefix + 1);
      const char *slash = strchr (name, '/');

      if (hit == NULL || (slash != NULL && slash < hit))
        return -1;
      end = hit - name + strlen (prefix + 1);
    }
  else if (g_str_has_prefix (name, prefix))
    end = strlen (prefix);
  else
    return -1;
  return strchr (":/@", name[end]) != NULL ? (gssize) end : -1;
}

/* REF at LOCATION: the END bytes of NAME that matched REG's prefix
   replaced by it ("" keeps NAME as it is). */
static gboolean
add_source (UctrRegistryEndpoint *e, const Registry *reg, const char *location, gboolean insecure,
            gboolean mirror, const char *name, gsize end, const UctrReference *ref, GError **error)
{
  g_autofree char *rewritten
      = location[0] != '\0' ? g_strconcat (location, name + end, NULL) : g_strdup (name);
  UctrRegistrySource *s;
  UctrReference *at = qualify (rewritten, ref, error);

  if (at == NULL || at->registry == NULL)
    {
      uctr_reference_free (at);
      if (error != NULL && *error == NULL)
        uctr_throw (error, UCTR_ERROR_INVALID_CONFIG, _("%s has no registry"), rewritten);
      return uctr_prefix_error (error, _("%s:%u: the [[registry]] with prefix \"%s\" rewrites %s to %s"),
                                          reg->origin, reg->line, reg->prefix, name, rewritten);
    }
  s = g_new0 (UctrRegistrySource, 1);
  s->ref = at;
  s->insecure = insecure;
  s->mirror = mirror;
  g_ptr_array_add (e->sources, s);
  return TRUE;
}

static gboolean
mirror_serves (const Registry *reg, const Mirror *m, const UctrReference *ref)
{
  gboolean digest = ref->digest != NULL;

  if (reg->mirror_by_digest_only)
    return digest;
  return m->use == PULL_ALL || (m->use == PULL_DIGEST_ONLY) == digest;
}

UctrRegistryEndpoint *
uctr_registries_endpoint (UctrRegistries *r, const UctrReference *ref, GError **error)
{
  g_autoptr(UctrRegistryEndpoint) e = g_new0 (UctrRegistryEndpoint, 1);
  g_autofree char *name = NULL;
  const Registry *best = NULL;
  gsize best_len = 0, end = 0;
  guint i;

  g_return_val_if_fail (ref->kind == UCTR_SOURCE_REGISTRY && ref->registry != NULL, NULL);
  name = g_strdup_printf ("%s/%s", ref->registry, ref->repository);
  e->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) source_free);
  for (i = 0; i < r->registries->len; i++)
    {
      const Registry *reg = r->registries->pdata[i];
      gssize n = match_prefix (name, reg->prefix);

      if (n >= 0 && strlen (reg->prefix) > best_len)
        {
          best = reg;
          best_len = strlen (reg->prefix);
          end = (gsize) n;
        }
    }
  if (best == NULL)
    {
      UctrRegistrySource *s = g_new0 (UctrRegistrySource, 1);

      /* A copy of REF, contacted as it names it. */
      s->ref = qualify (name, ref, NULL);
      g_ptr_array_add (e->sources, s);
      return g_steal_pointer (&e);
    }
  if (best->blocked)
    {
      uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                  _("pulling %s is blocked: %s:%u has blocked = true for the prefix \"%s\""), name,
                     best->origin, best->line, best->prefix);
      return NULL;
    }
  e->origin = g_strdup (best->origin);
  for (i = 0; i < best->mirrors->len; i++)
    {
      const Mirror *m = best->mirrors->pdata[i];
      if (mirror_serves (best, m, ref)
          && !add_source (e, best, m->location, m->insecure, TRUE, name, end, ref, error))
        return NULL;
    }
  if (!add_source (e, best, best->location, best->insecure, FALSE, name, end, ref, error))
    return NULL;
  return g_steal_pointer (&e);
}
