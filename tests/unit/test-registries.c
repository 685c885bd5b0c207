/* registries.conf as podman reads it (image/registries.c) and the TOML
   reader under it (image/toml.c): short names through aliases and search
   registries, drop-ins in order, [[registry]] rewrites, wildcards, mirrors,
   insecure and blocked, the version 1 format, and what broken files say. */
#include "image/registries.h"
#include "image/reference.h"
#include "image/toml.h"
#include "base/util.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define D1                                                                                                   \
  "sha256:"                                                                                                  \
  "1111111111111111111111111111111111111111111111111111111111111111"

typedef struct
{
  char *dir;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("uctr-registries-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (uctr_remove_tree_at (AT_FDCWD, f->dir), ==, 0);
  g_free (f->dir);
}

/* TEXT as NAME (may hold "/") below the fixture's directory: its path. */
static char *
put (Fixture *f, const char *name, const char *text)
{
  char *path = g_build_filename (f->dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
assert_error_says (GError *error, const char *text)
{
  g_assert_nonnull (error);
  if (strstr (error->message, text) == NULL)
    g_error ("\"%s\" does not say \"%s\"", error->message, text);
}

static UctrRegistries *
load_one (Fixture *f, const char *text)
{
  g_autofree char *file = put (f, "registries.conf", text);
  const char *const files[] = { file, NULL };
  g_autoptr(GError) error = NULL;
  UctrRegistries *r = uctr_registries_load_files (files, NULL, &error);

  g_assert_no_error (error);
  return r;
}

/* The candidates for NAME, joined with " ". */
static char *
resolve (UctrRegistries *r, const char *name, GError **error)
{
  g_autoptr(UctrReference) ref = uctr_reference_parse (name, NULL);
  g_auto(GStrv) candidates = NULL;

  g_assert_nonnull (ref);
  candidates = uctr_registries_resolve (r, ref, error);
  return candidates != NULL ? g_strjoinv (" ", candidates) : NULL;
}

static void
assert_resolves (UctrRegistries *r, const char *name, const char *want)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *got = resolve (r, name, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, want);
}

/* The sources of NAME as "REF[!][~]" joined with " ": ! insecure, ~ a mirror. */
static char *
sources (UctrRegistries *r, const char *name, GError **error)
{
  g_autoptr(UctrReference) ref = uctr_reference_parse (name, NULL);
  g_autoptr(UctrRegistryEndpoint) e = uctr_registries_endpoint (r, ref, error);
  g_autoptr(GString) s = g_string_new (NULL);
  guint i;

  if (e == NULL)
    return NULL;
  for (i = 0; i < e->sources->len; i++)
    {
      UctrRegistrySource *src = e->sources->pdata[i];
      g_autofree char *text = uctr_reference_to_string (src->ref);
      g_string_append_printf (s, "%s%s%s%s", i > 0 ? " " : "", text, src->insecure ? "!" : "",
                              src->mirror ? "~" : "");
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
assert_sources (UctrRegistries *r, const char *name, const char *want)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *got = sources (r, name, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, want);
}

/* TEXT as a registries.conf fails, saying WANT. */
static void
assert_refused (Fixture *f, const char *text, const char *want)
{
  g_autofree char *file = put (f, "bad.conf", text);
  const char *const files[] = { file, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(UctrRegistries) r = uctr_registries_load_files (files, NULL, &error);
  g_autofree char *with_file = g_strdup_printf (want, file);

  g_assert_null (r);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG);
  assert_error_says (error, with_file);
}

static void
test_search (Fixture *f, gconstpointer data)
{
  g_autoptr(UctrRegistries) r
             = load_one (f, "# search\n"
                            "unqualified-search-registries = [\"quay.io\", \"docker.io\"]\n");

  assert_resolves (r, "alpine", "quay.io/alpine:latest docker.io/library/alpine:latest");
  assert_resolves (r, "alpine:3.20", "quay.io/alpine:3.20 docker.io/library/alpine:3.20");
  assert_resolves (r, "foo/bar@" D1, "quay.io/foo/bar@" D1 " docker.io/foo/bar@" D1);
  /* A full name is itself, whatever the search list says. */
  assert_resolves (r, "ghcr.io/x/y:1", "ghcr.io/x/y:1");
  assert_resolves (r, "docker.io/alpine", "docker.io/library/alpine:latest");
}

static void
test_aliases (Fixture *f, gconstpointer data)
{
  g_autoptr(UctrRegistries) r
             = load_one (f, "unqualified-search-registries = ['quay.io', 'docker.io']\n"
                            "[aliases]\n"
                            "  \"alpine\" = \"docker.io/alpine\"\n"
                            "  \"opensuse/leap\" = \"registry.opensuse.org/opensuse/leap\"\n"
                            "  'local' = 'localhost:5000/x/local'\n");

  assert_resolves (r, "alpine", "docker.io/library/alpine:latest");
  assert_resolves (r, "alpine:3.20", "docker.io/library/alpine:3.20");
  assert_resolves (r, "alpine@" D1, "docker.io/library/alpine@" D1);
  assert_resolves (r, "opensuse/leap:15", "registry.opensuse.org/opensuse/leap:15");
  assert_resolves (r, "local", "localhost:5000/x/local:latest");
  /* No alias: the search list. */
  assert_resolves (r, "busybox", "quay.io/busybox:latest docker.io/library/busybox:latest");

  assert_refused (f, "[aliases]\n\"alpine:3\" = \"docker.io/library/alpine\"\n",
                  "%s:2: the alias \"alpine:3\"");
  assert_refused (f, "[aliases]\n\"quay.io/x\" = \"docker.io/library/x\"\n", "is no short name");
  assert_refused (f, "[aliases]\n\"x\" = \"library/x\"\n", "%s:2: the alias \"x\" = \"library/x\" must name");
  assert_refused (f, "[aliases]\n\n\"x\" = \"docker.io/x:1\"\n", "%s:3: the alias \"x\"");
  assert_refused (f, "[aliases]\n\"x\" = \"docker.io/x@" D1 "\"\n", "%s:2:");
  assert_refused (f, "[aliases]\n\"x\" = true\n", "%s:2: the alias \"x\" must be a string");
}

static void
test_alias_cache (Fixture *f, gconstpointer data)
{
  g_autofree char *conf = put (f, "registries.conf",
                               "unqualified-search-registries = ['docker.io']\n"
                               "[aliases]\n"
                               "alpine = 'docker.io/library/alpine'\n"
                               "fedora = 'registry.fedoraproject.org/fedora'\n");
  g_autofree char *cache = put (f, "short-name-aliases.conf",
                                "[aliases]\n"
                                "  alpine = \"quay.io/cached/alpine\"\n"
                                "  fedora = \"\"\n");
  g_autofree char *missing = g_build_filename (f->dir, "none", "short-name-aliases.conf", NULL);
  const char *const files[] = { conf, NULL };
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(UctrRegistries) r = uctr_registries_load_files (files, cache, &error);
    g_assert_no_error (error);
    /* podman's cache comes first; "" there means no alias at all. */
    assert_resolves (r, "alpine:1", "quay.io/cached/alpine:1");
    assert_resolves (r, "fedora", "docker.io/library/fedora:latest");
  }
  {
    g_autoptr(UctrRegistries) r = uctr_registries_load_files (files, missing, &error);
    g_assert_no_error (error);
    assert_resolves (r, "alpine:1", "docker.io/library/alpine:1");
  }
}

static void
test_drop_ins (Fixture *f, gconstpointer data)
{
  g_autofree char *main_file = put (f, "registries.conf",
                                    "unqualified-search-registries = ['a.example.com']\n"
                                    "short-name-mode = 'enforcing'\n"
                                    "[aliases]\n"
                                    "x = 'a.example.com/x'\n"
                                    "z = 'a.example.com/z'\n"
                                    "[[registry]]\n"
                                    "prefix = 'p.example.com'\n"
                                    "location = 'p.example.com'\n"
                                    "insecure = true\n"
                                    "[[registry]]\n"
                                    "location = 'q.example.com'\n");
  g_autofree char *one = put (f, "d/10-one.conf",
                              "unqualified-search-registries = ['b.example.com', 'c.example.com']\n"
                              "[aliases]\n"
                              "x = ''\n"
                              "y = 'b.example.com/y'\n");
  g_autofree char *two = put (f, "d/20-two.conf",
                              "short-name-mode = 'permissive'\n"
                              "[[registry]]\n"
                              "prefix = 'p.example.com'\n"
                              "location = 'p.example.com'\n"
                              "blocked = true\n");
  g_autofree char *empty = put (f, "d/30-empty.conf", "unqualified-search-registries = []\n");
  g_autoptr(GError) error = NULL;

  {
    const char *const files[] = { main_file, one, two, NULL };
    g_autoptr(UctrRegistries) r = uctr_registries_load_files (files, NULL, &error);
    g_autofree char *got = NULL;

    g_assert_no_error (error);
    /* Replaced, not merged; enforcing undone by 20-two.conf. */
    assert_resolves (r, "w", "b.example.com/w:latest c.example.com/w:latest");
    /* Erased by 10-one.conf: the search list. */
    assert_resolves (r, "x", "b.example.com/x:latest c.example.com/x:latest");
    assert_resolves (r, "y", "b.example.com/y:latest");
    assert_resolves (r, "z", "a.example.com/z:latest");
    /* The table of p.example.com replaced as a whole: blocked, no longer insecure. */
    got = sources (r, "p.example.com/img", &error);
    g_assert_null (got);
    g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_ARGUMENT);
    assert_error_says (error, two);
    g_clear_error (&error);
    assert_sources (r, "q.example.com/img", "q.example.com/img:latest");
  }
  {
    const char *const files[] = { main_file, one, two, empty, NULL };
    g_autoptr(UctrRegistries) r = uctr_registries_load_files (files, NULL, &error);
    g_autofree char *got = NULL;

    g_assert_no_error (error);
    got = resolve (r, "w", &error);
    g_assert_null (got);
    /* The file to edit is the one that emptied the list. */
    assert_error_says (error, empty);
    g_clear_error (&error);
  }
  {
    /* A drop-in must be of version 2. */
    g_autofree char *v1 = put (f, "d/40-v1.conf", "[registries.search]\nregistries = ['x.example.com']\n");
    const char *const files[] = { main_file, v1, NULL };
    g_autoptr(UctrRegistries) r = uctr_registries_load_files (files, NULL, &error);

    g_assert_null (r);
    assert_error_says (error, "a drop-in must be in the version 2 format");
    assert_error_says (error, v1);
  }
}

static void
test_rewrite (Fixture *f, gconstpointer data)
{
  g_autoptr(UctrRegistries) r = load_one (f, "[[registry]]\n"
                                              "prefix = \"example.com/foo\"\n"
                                              "location = \"internal.example.net/bar/\"\n"
                                              "[[registry]]\n"
                                              "location = \"example.com\"\n"
                                              "insecure = true\n"
                                              "[[registry]]\n"
                                              "prefix = \"docker.io/library/alpine\"\n"
                                              "location = \"mirror.example.net:5000/hub/alpine\"\n");

  assert_sources (r, "example.com/foo/img:1", "internal.example.net/bar/img:1");
  assert_sources (r, "example.com/foo@" D1, "internal.example.net/bar@" D1);
  /* The prefix ends at a "/": example.com/foobar is example.com's. */
  assert_sources (r, "example.com/foobar/img", "example.com/foobar/img:latest!");
  assert_sources (r, "example.com/other", "example.com/other:latest!");
  assert_sources (r, "docker.io/alpine:3", "mirror.example.net:5000/hub/alpine:3");
  assert_sources (r, "docker.io/alpinex", "docker.io/library/alpinex:latest");
  assert_sources (r, "quay.io/x", "quay.io/x:latest");

  assert_refused (f, "[[registry]]\ninsecure = true\n", "%s:1: a [[registry]] needs a location or a prefix");
  assert_refused (f, "[[registry]]\nprefix = 'x.example.com'\n", "needs a location");
  assert_refused (f, "[[registry]]\nlocation = 'https://x.example.com'\n", "without http:// or https://");
  assert_refused (f,
                  "[[registry]]\nlocation = 'x.example.com'\ninsecure = true\n"
                  "[[registry]]\nprefix = 'y.example.com'\nlocation = 'x.example.com'\n",
                  "%s:4: the registry x.example.com is defined more than once");
  assert_refused (f, "[[registry]]\nlocation = 'x.example.com'\ninsecure = 'yes'\n",
                  "%s:3: insecure must be true or false");
  assert_refused (f, "[registry]\nlocation = 'x.example.com'\n", "registry must be an array");
}

static void
test_wildcard (Fixture *f, gconstpointer data)
{
  g_autoptr(UctrRegistries) r = load_one (f, "[[registry]]\n"
                                              "prefix = '*.example.com'\n"
                                              "insecure = true\n"
                                              "[[registry]]\n"
                                              "prefix = '*.corp.example.com'\n"
                                              "location = 'gateway.example.net/corp'\n");

  assert_sources (r, "a.b.example.com/x", "a.b.example.com/x:latest!");
  assert_sources (r, "a.example.com:5000/x", "a.example.com:5000/x:latest!");
  assert_sources (r, "build.corp.example.com/team/app:2", "gateway.example.net/corp/team/app:2");
  /* The host only, and a whole label. */
  assert_sources (r, "example.com/x", "example.com/x:latest");
  assert_sources (r, "quay.io/a.example.com/x", "quay.io/a.example.com/x:latest");
  assert_sources (r, "a.example.company/x", "a.example.company/x:latest");

  assert_refused (f, "[[registry]]\nprefix = '*.example.com/foo'\nlocation = 'x.example.net'\n",
                  "must be of the form *.example.com");
}

static void
test_blocked (Fixture *f, gconstpointer data)
{
  g_autoptr(UctrRegistries) r = load_one (f, "[[registry]]\n"
                                              "location = 'evil.example.com'\n"
                                              "blocked = true\n"
                                              "[[registry]]\n"
                                              "prefix = 'evil.example.com/ok'\n"
                                              "location = 'evil.example.com/ok'\n");
  g_autoptr(GError) error = NULL;
  g_autofree char *got = sources (r, "evil.example.com/x/y:1", &error);
  g_autofree char *where = g_build_filename (f->dir, "registries.conf:1", NULL);

  g_assert_null (got);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_ARGUMENT);
  assert_error_says (error, "pulling evil.example.com/x/y is blocked");
  assert_error_says (error, where);
  /* The longest prefix decides. */
  assert_sources (r, "evil.example.com/ok/img", "evil.example.com/ok/img:latest");
}

static void
test_mirrors (Fixture *f, gconstpointer data)
{
  g_autoptr(UctrRegistries) r = load_one (f, "[[registry]]\n"
                                              "prefix = 'example.com/foo'\n"
                                              "location = 'internal.example.net/bar'\n"
                                              "[[registry.mirror]]\n"
                                              "location = 'mirror-0.local/mirror-for-foo'\n"
                                              "[[registry.mirror]]\n"
                                              "location = 'mirror-1.local/mirrors/foo'\n"
                                              "insecure = true\n"
                                              "pull-from-mirror = 'digest-only'\n"
                                              "[[registry.mirror]]\n"
                                              "location = 'mirror-2.local/foo'\n"
                                              "pull-from-mirror = 'tag-only'\n"
                                              "\n"
                                              "[[registry]]\n"
                                              "location = 'docker.io'\n"
                                              "mirror-by-digest-only = true\n"
                                              "mirror = [ { location = 'hub-mirror.local' }, ]\n");

  assert_sources (r, "example.com/foo/image:latest",
                  "mirror-0.local/mirror-for-foo/image:latest~ mirror-2.local/foo/image:latest~ "
                  "internal.example.net/bar/image:latest");
  assert_sources (r, "example.com/foo/image@" D1,
                  "mirror-0.local/mirror-for-foo/image@" D1 "~ mirror-1.local/mirrors/foo/image@" D1 "!~ "
                  "internal.example.net/bar/image@" D1);
  assert_sources (r, "docker.io/alpine", "docker.io/library/alpine:latest");
  assert_sources (r, "docker.io/alpine@" D1,
                  "hub-mirror.local/library/alpine@" D1 "~ docker.io/library/alpine@" D1);

  assert_refused (f, "[[registry]]\nlocation = 'x.example.com'\npull-from-mirror = 'all'\n",
                  "pull-from-mirror goes in a [[registry.mirror]]");
  assert_refused (f,
                  "[[registry]]\nlocation = 'x.example.com'\n[[registry.mirror]]\nlocation = 'm.local'\n"
                  "pull-from-mirror = 'sometimes'\n",
                  "%s:3: pull-from-mirror \"sometimes\" is none of");
  assert_refused (f,
                  "[[registry]]\nlocation = 'x.example.com'\nmirror-by-digest-only = true\n"
                  "[[registry.mirror]]\nlocation = 'm.local'\npull-from-mirror = 'all'\n",
                  "cannot set pull-from-mirror too");
  assert_refused (f, "[[registry]]\nlocation = 'x.example.com'\n[[registry.mirror]]\ninsecure = true\n",
                  "%s:3: a mirror of the [[registry]] with prefix \"x.example.com\" has no location");
}

static void
test_v1 (Fixture *f, gconstpointer data)
{
  g_autoptr(UctrRegistries) r
             = load_one (f, "[registries.search]\n"
                            "registries = ['registry1.com', 'registry2.com']\n"
                            "\n"
                            "[registries.insecure]\n"
                            "registries = ['registry3.com']\n"
                            "\n"
                            "[registries.block]\n"
                            "registries = ['registry.untrusted.com', 'registry.unsafe.com']\n");
  g_autoptr(GError) error = NULL;
  g_autofree char *got = NULL;

  assert_resolves (r, "img", "registry1.com/img:latest registry2.com/img:latest");
  assert_sources (r, "registry3.com/x", "registry3.com/x:latest!");
  got = sources (r, "registry.unsafe.com/x", &error);
  g_assert_null (got);
  assert_error_says (error, "blocked");

  assert_refused (f, "unqualified-search-registries = ['docker.io']\n[registries.search]\nregistries = []\n",
                  "%s: mixes the version 1 format");
}

static void
test_enforcing (Fixture *f, gconstpointer data)
{
  g_autoptr(UctrRegistries) two
             = load_one (f, "short-name-mode = \"enforcing\"\n"
                            "unqualified-search-registries = [\"quay.io\", \"docker.io\"]\n"
                            "[aliases]\n"
                            "\"fedora\" = \"registry.fedoraproject.org/fedora\"\n");
  g_autoptr(GError) error = NULL;
  g_autofree char *got = resolve (two, "alpine:3", &error);

  g_assert_null (got);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_ARGUMENT);
  assert_error_says (error, "quay.io/alpine:3, docker.io/library/alpine:3");
  assert_error_says (error, "\"alpine\" = \"quay.io/alpine\"");
  assert_error_says (error, "enforcing");
  /* An alias is no ambiguity. */
  assert_resolves (two, "fedora:40", "registry.fedoraproject.org/fedora:40");
  {
    g_autoptr(UctrRegistries) one = load_one (f, "short-name-mode = \"enforcing\"\n"
                                                  "unqualified-search-registries = [\"docker.io\"]\n");
    assert_resolves (one, "alpine", "docker.io/library/alpine:latest");
  }
  {
    g_autoptr(UctrRegistries) disabled
               = load_one (f, "short-name-mode = \"disabled\"\n"
                              "unqualified-search-registries = [\"quay.io\", \"docker.io\"]\n");
    assert_resolves (disabled, "alpine", "quay.io/alpine:latest docker.io/library/alpine:latest");
  }
  assert_refused (f, "short-name-mode = \"prompt\"\n", "%s:1: short-name-mode \"prompt\" is none of");
}

static void
test_no_config (Fixture *f, gconstpointer data)
{
  g_autoptr(UctrRegistries) r = load_one (f, "# nothing\n");
  g_autoptr(GError) error = NULL;
  g_autofree char *got = resolve (r, "alpine", &error);
  g_autofree char *file = g_build_filename (f->dir, "registries.conf", NULL);

  g_assert_null (got);
  g_assert_error (error, UCTR_ERROR, UCTR_ERROR_INVALID_ARGUMENT);
  assert_error_says (error, "unqualified-search-registries = [\"docker.io\"]");
  assert_error_says (error, file);
  assert_error_says (error, "docker.io/library/alpine:latest");
  /* A full name needs no configuration. */
  assert_resolves (r, "docker.io/library/alpine", "docker.io/library/alpine:latest");
  assert_sources (r, "docker.io/library/alpine", "docker.io/library/alpine:latest");

  assert_refused (f, "unqualified-search-registries = ['myregistry']\n", "\"myregistry\" is no host[:port]");
  assert_refused (f, "unqualified-search-registries = ['docker.io', 1]\n", "must be an array of strings");
}

static void
test_syntax (Fixture *f, gconstpointer data)
{
  static const char *const bad[][2] = {
    { "a = \n", "%s:1: a value is missing" },
    { "\n\nx = [\"a\" \"b\"]\n", "%s:3: a \",\" or \"]\" is missing" },
    { "x = \"abc\n", "%s:1: a string that does not end on its line" },
    { "x = 'a'\nx = 'b'\n", "%s:2: x is defined twice" },
    { "[aliases]\n[aliases]\n", "%s:2: [aliases] is defined twice" },
    { "x = \"\\q\"\n", "%s:1: an unknown escape sequence \\q" },
    { "x = 1.5\n", "%s:1: \"1.5\" is no value" },
    { "x = 1979-05-27\n", "no floats, dates or times" },
    { "[[registry]\nlocation = 'x'\n", "%s:1: a \"]]\" is missing" },
    { "x = 'a' y = 'b'\n", "%s:1: unexpected text after the end" },
    { "x = [\n 'a',\n ,\n]\n", "%s:3: a value is missing" },
    { "x = { a = 1,\n b = 2 }\n", "%s:1: a key is missing" },
    { "x = 'a'\n[x]\n", "%s:2: [x] is defined twice" },
    { "x = 'a'\n[x.y]\n", "%s:2: [x.y]: a part of it is already defined" },
    { "= 1\n", "%s:1: a key is missing" },
    { "x = \"\"\"never\nends\n", "%s:3: a string that does not end" },
    { "x = \"\\uD800\"\n", "not a Unicode scalar value" },
    { "x = 99999999999999999999\n", "does not fit in 64 bits" },
    { "a.b = 1\n[a]\n", "%s:2: [a] is defined twice" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_refused (f, bad[i][0], bad[i][1]);
  {
    /* Not UTF-8 (and a NUL byte), with the line. */
    g_autofree char *file = g_build_filename (f->dir, "binary.conf", NULL);
    const char *const files[] = { file, NULL };
    g_autoptr(GError) error = NULL;
    g_autoptr(UctrRegistries) r = NULL;
    g_autofree char *want = g_strdup_printf ("%s:2: not UTF-8", file);

    g_assert_true (g_file_set_contents (file, "# ok\nx = '\xff'\n", -1, NULL));
    r = uctr_registries_load_files (files, NULL, &error);
    g_assert_null (r);
    assert_error_says (error, want);
    g_clear_error (&error);
    g_assert_true (g_file_set_contents (file, "x = 1\n\0y = 2\n", 13, NULL));
    r = uctr_registries_load_files (files, NULL, &error);
    g_assert_null (r);
    assert_error_says (error, "NUL");
  }
}

/* What TOML allows, in the shapes registries.conf files take. */
static void
test_toml (void)
{
  static const char text[] = "# top\n"
                             "title = \"caf\\u00e9 \\\"q\\\"\" # comment\n"
                             "literal = 'C:\\path'\n"
                             "multi = \"\"\"\n"
                             "one \\\n"
                             "    two\"\"\"\n"
                             "raw = '''\n"
                             "a\n"
                             "b''''\n"
                             "list = [\n"
                             "  \"a\", # first\n"
                             "  'b',\n"
                             "]\n"
                             "nested = [ [1, -2], [] ]\n"
                             "dotted.key = true\n"
                             "\"quoted key\" = false\n"
                             "inline = { x = 1, y.z = 'w' }\r\n"
                             "[t.u]\n"
                             "v = +1_000\n"
                             "[[arr]]\n"
                             "[[arr]]\n"
                             "n = 2\n"
                             "[arr.sub]\n"
                             "k = 'v'\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(UctrToml) root = uctr_toml_parse (text, sizeof text - 1, "t.toml", &error);
  UctrToml *v;

  g_assert_no_error (error);
  g_assert_cmpstr (uctr_toml_get (root, "title")->string, ==, "caf\xc3\xa9 \"q\"");
  g_assert_cmpuint (uctr_toml_get (root, "title")->line, ==, 2);
  g_assert_cmpstr (uctr_toml_get (root, "literal")->string, ==, "C:\\path");
  g_assert_cmpstr (uctr_toml_get (root, "multi")->string, ==, "one two");
  g_assert_cmpstr (uctr_toml_get (root, "raw")->string, ==, "a\nb'");
  v = uctr_toml_get (root, "list");
  g_assert_cmpuint (v->items->len, ==, 2);
  g_assert_cmpstr (((UctrToml *) v->items->pdata[1])->string, ==, "b");
  v = uctr_toml_get (root, "nested");
  g_assert_cmpint (((UctrToml *) ((UctrToml *) v->items->pdata[0])->items->pdata[1])->integer, ==, -2);
  g_assert_true (uctr_toml_get (uctr_toml_get (root, "dotted"), "key")->boolean);
  g_assert_false (uctr_toml_get (root, "quoted key")->boolean);
  g_assert_cmpstr (uctr_toml_get (uctr_toml_get (uctr_toml_get (root, "inline"), "y"), "z")->string, ==, "w");
  g_assert_cmpint (uctr_toml_get (uctr_toml_get (uctr_toml_get (root, "t"), "u"), "v")->integer, ==, 1000);
  v = uctr_toml_get (root, "arr");
  g_assert_cmpuint (v->items->len, ==, 2);
  g_assert_cmpstr (uctr_toml_get (uctr_toml_get (v->items->pdata[1], "sub"), "k")->string, ==, "v");
  {
    /* Deep nesting is refused, not recursed into. */
    g_autoptr(GString) deep = g_string_new ("x = ");
    g_autoptr(UctrToml) none = NULL;
    guint i;

    for (i = 0; i < 10000; i++)
      g_string_append_c (deep, '[');
    none = uctr_toml_parse (deep->str, deep->len, "deep.toml", &error);
    g_assert_null (none);
    assert_error_says (error, "deep.toml:1: arrays and inline tables nested more than");
  }
}

static void
test_too_large (Fixture *f, gconstpointer data)
{
  g_autofree char *big = g_strnfill (UCTR_TOML_MAX_SIZE + 1, '#');
  g_autofree char *file = put (f, "big.conf", big);
  const char *const files[] = { file, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(UctrRegistries) r = uctr_registries_load_files (files, NULL, &error);

  g_assert_null (r);
  assert_error_says (error, file);
  assert_error_says (error, "larger than");
}

/* Debian's own files, as podman on this machine reads them. */
static void
test_system_files (void)
{
  const char *conf = "/etc/containers/registries.conf";
  const char *shortnames = "/etc/containers/registries.conf.d/shortnames.conf";
  g_autoptr(GError) error = NULL;

  if (!g_file_test (conf, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no /etc/containers/registries.conf (apt-get install podman)");
      return;
    }
  {
    const char *const files[] = { conf, NULL };
    g_autoptr(UctrRegistries) r = uctr_registries_load_files (files, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (r);
  }
  if (g_file_test (shortnames, G_FILE_TEST_EXISTS))
    {
      const char *const files[] = { conf, shortnames, NULL };
      g_autoptr(UctrRegistries) r = uctr_registries_load_files (files, NULL, &error);
      g_assert_no_error (error);
      assert_resolves (r, "alpine:3.20", "docker.io/library/alpine:3.20");
      assert_resolves (r, "fedora", "registry.fedoraproject.org/fedora:latest");
    }
}

/* uctr_registries_load's own choice of files, from the environment. */
static void
test_lookup_order (Fixture *f, gconstpointer data)
{
  g_autofree char *home = g_build_filename (f->dir, "home", NULL);
  g_autofree char *user_conf = put (f, "home/.config/containers/registries.conf",
                                    "unqualified-search-registries = ['user.example.com']\n");
  g_autofree char *user_drop_in = put (f, "home/.config/containers/registries.conf.d/50-mine.conf",
                                       "[aliases]\n'mine' = 'user.example.com/me/mine'\n");
  g_autofree char *env_conf = put (f, "env.conf", "unqualified-search-registries = ['env.example.com']\n");
  g_autofree char *cache = put (f, "cache/containers/short-name-aliases.conf",
                                "[aliases]\n'cached' = 'cache.example.com/cached'\n");
  g_autofree char *cache_home = g_build_filename (f->dir, "cache", NULL);
  g_autofree char *old_home = g_strdup (g_getenv ("HOME"));
  g_autoptr(GError) error = NULL;

  g_unsetenv ("CONTAINERS_REGISTRIES_CONF");
  g_unsetenv ("REGISTRIES_CONFIG_PATH");
  g_setenv ("HOME", home, TRUE);
  g_setenv ("XDG_CACHE_HOME", cache_home, TRUE);
  {
    /* The user's registries.conf and only the user's drop-ins: not
       /etc/containers/registries.conf.d/shortnames.conf's fedora alias. */
    g_autoptr(UctrRegistries) r = uctr_registries_load (&error);
    g_assert_no_error (error);
    assert_resolves (r, "fedora", "user.example.com/fedora:latest");
    assert_resolves (r, "mine", "user.example.com/me/mine:latest");
    /* The alias cache: root's in /var/cache, a user's in $XDG_CACHE_HOME. */
    assert_resolves (r, "cached",
                     geteuid () == 0 && !uctr_running_in_userns () ? "user.example.com/cached:latest"
                                                                   : "cache.example.com/cached:latest");
  }
  {
    /* $CONTAINERS_REGISTRIES_CONF instead, the drop-ins as before. */
    g_autoptr(UctrRegistries) r = NULL;
    g_setenv ("CONTAINERS_REGISTRIES_CONF", env_conf, TRUE);
    r = uctr_registries_load (&error);
    g_assert_no_error (error);
    assert_resolves (r, "no-alias-here", "env.example.com/no-alias-here:latest");
    assert_resolves (r, "mine", "user.example.com/me/mine:latest");
  }
  {
    /* Named by the environment, it must exist. */
    g_autofree char *gone = g_build_filename (f->dir, "gone.conf", NULL);
    g_autoptr(UctrRegistries) r = NULL;
    g_setenv ("CONTAINERS_REGISTRIES_CONF", gone, TRUE);
    r = uctr_registries_load (&error);
    g_assert_null (r);
    g_assert_error (error, UCTR_ERRNO_ERROR, ENOENT);
    assert_error_says (error, gone);
    g_clear_error (&error);
  }
  {
    /* A broken drop-in is an error that names it. */
    g_autofree char *broken = put (f, "home/.config/containers/registries.conf.d/60-broken.conf", "x = [\n");
    g_autoptr(UctrRegistries) r = NULL;
    g_unsetenv ("CONTAINERS_REGISTRIES_CONF");
    r = uctr_registries_load (&error);
    g_assert_null (r);
    assert_error_says (error, broken);
    g_clear_error (&error);
    g_assert_cmpint (g_unlink (broken), ==, 0);
  }
  g_assert_cmpint (g_unlink (user_conf), ==, 0);
  {
    /* No user file: /etc/containers's, which may be missing. */
    g_autoptr(UctrRegistries) r = uctr_registries_load (&error);
    g_assert_no_error (error);
    assert_resolves (r, "mine:2", "user.example.com/me/mine:2");
  }
  (void) user_drop_in;
  (void) cache;
  g_setenv ("HOME", old_home, TRUE);
  g_unsetenv ("XDG_CACHE_HOME");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/registries/toml", test_toml);
  g_test_add_func ("/registries/system-files", test_system_files);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/registries/search", test_search);
  ADD ("/registries/aliases", test_aliases);
  ADD ("/registries/alias-cache", test_alias_cache);
  ADD ("/registries/drop-ins", test_drop_ins);
  ADD ("/registries/rewrite", test_rewrite);
  ADD ("/registries/wildcard", test_wildcard);
  ADD ("/registries/blocked", test_blocked);
  ADD ("/registries/mirrors", test_mirrors);
  ADD ("/registries/v1", test_v1);
  ADD ("/registries/enforcing", test_enforcing);
  ADD ("/registries/no-config", test_no_config);
  ADD ("/registries/syntax", test_syntax);
  ADD ("/registries/too-large", test_too_large);
  ADD ("/registries/lookup-order", test_lookup_order);
#undef ADD
  return g_test_run ();
}
