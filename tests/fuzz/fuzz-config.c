/* uctr: a libFuzzer target for config.c.
 *
 * Every input goes to both parsers: as config.json (uctr_config_parse) and as
 * the document of `exec --process` (uctr_process_parse), so one corpus of
 * plain JSON files serves both and a reproducer is a file a user could write.
 * Besides what the sanitizers catch (crashes, leaks, undefined behaviour) it
 * checks what config.h promises:
 *  - a rejected document fails with UCTR_ERROR_INVALID_CONFIG and a message
 *    that starts with the JSON path of the offending value, or with the file
 *    name when the document itself is wrong ("config.json is not valid JSON");
 *  - an accepted one holds what the modules after the parser rely on without
 *    checking again (absolute paths, non-empty args, normalized mount
 *    destinations, mappings that do not wrap, ...).
 * A broken promise aborts with the reason, which libFuzzer reports as a crash.
 */
#include "oci/config.h"
#include "base/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define PROCESS_FILE "process.json"

/* The members of config.json an error message can start with. */
static const char *const top_level_members[] = {
  "ociVersion", "root", "hostname", "domainname", "process", "mounts", "hooks", "annotations", "linux", NULL,
};

static void G_GNUC_NORETURN G_GNUC_PRINTF (1, 2) broken (const char *fmt, ...)
{
  va_list ap;

  fprintf (stderr, "fuzz-config: broken promise: ");
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
  abort ();
}

/* A critical from g_return_if_fail() or a warning is a bug too; GLib's own
   fatal handling would raise SIGTRAP, which libFuzzer does not report. */
static void
log_handler (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    broken ("%s: %s", domain != NULL ? domain : "(no domain)", message);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_log_set_default_handler (log_handler, NULL);
  return 0;
}

/* "process.args[0]: ..." names the member "process"; NAME followed by '.', '[' or ':'. */
static gboolean
starts_with_member (const char *message, const char *name)
{
  gsize len = strlen (name);

  return strncmp (message, name, len) == 0 && strchr (".[:", message[len]) != NULL && message[len] != '\0';
}

static gboolean
starts_with_file (const char *message, const char *file)
{
  g_autofree char *not_json = g_strconcat (file, " is not valid JSON: ", NULL);
  g_autofree char *top = g_strconcat (file, ": the top level must be a JSON object", NULL);

  return g_str_has_prefix (message, not_json) || strcmp (message, top) == 0;
}

static void
check_error (const GError *error, const char *parser)
{
  if (error == NULL)
    broken ("%s failed without an error", parser);
  if (!g_error_matches (error, UCTR_ERROR, UCTR_ERROR_INVALID_CONFIG))
    broken ("%s failed with %s %d, not UCTR_ERROR_INVALID_CONFIG: %s", parser,
            g_quark_to_string (error->domain), error->code, error->message);
  if (error->message == NULL || *error->message == '\0')
    broken ("%s failed with an empty message", parser);
  if (!g_utf8_validate (error->message, -1, NULL))
    broken ("%s failed with a message that is not UTF-8", parser);
}

static void
check_config_error (const GError *error)
{
  const char *const *m;

  check_error (error, "uctr_config_parse");
  if (starts_with_file (error->message, "config.json"))
    return;
  for (m = top_level_members; *m != NULL; m++)
    if (starts_with_member (error->message, *m))
      return;
  broken ("uctr_config_parse: the message names no JSON path: %s", error->message);
}

static void
check_process_error (const GError *error)
{
  const char *prefix = PROCESS_FILE ": ";

  check_error (error, "uctr_process_parse");
  if (starts_with_file (error->message, PROCESS_FILE))
    return;
  if (g_str_has_prefix (error->message, prefix)
      && starts_with_member (error->message + strlen (prefix), "process"))
    return;
  broken ("uctr_process_parse: the message names no file and JSON path: %s", error->message);
}

/* What normalize_destination() promises: "/" or "/a/b", no empty, "." or ".." component. */
static gboolean
is_normalized (const char *path)
{
  g_auto (GStrv) parts = NULL;
  gsize i;

  if (strcmp (path, "/") == 0)
    return TRUE;
  if (path[0] != '/')
    return FALSE;
  parts = g_strsplit (path + 1, "/", -1);
  for (i = 0; parts[i] != NULL; i++)
    if (*parts[i] == '\0' || strcmp (parts[i], ".") == 0 || strcmp (parts[i], "..") == 0)
      return FALSE;
  return TRUE;
}

static void
check_strv (char **strv, const char *what, gboolean absolute, gboolean non_empty)
{
  if (strv == NULL)
    broken ("%s is NULL", what);
  for (; *strv != NULL; strv++)
    {
      if (absolute && !g_path_is_absolute (*strv))
        broken ("%s holds a relative path: %s", what, *strv);
      if (non_empty && **strv == '\0')
        broken ("%s holds an empty string", what);
    }
}

static void
check_mappings (const UctrIdMapping *mappings, gsize n, const char *what)
{
  gsize i;

  if (n > 0 && mappings == NULL)
    broken ("%s: %" G_GSIZE_FORMAT " mappings but no array", what, n);
  for (i = 0; i < n; i++)
    {
      if (mappings[i].size == 0)
        broken ("%s[%" G_GSIZE_FORMAT "]: size 0", what, i);
      if ((guint64) mappings[i].container_id + mappings[i].size - 1 > G_MAXUINT32
          || (guint64) mappings[i].host_id + mappings[i].size - 1 > G_MAXUINT32)
        broken ("%s[%" G_GSIZE_FORMAT "]: goes past 4294967295", what, i);
    }
}

static void
check_rlimits (const UctrProcess *p)
{
  gsize i, j;

  if (p->n_rlimits > 0 && p->rlimits == NULL)
    broken ("process.rlimits: no array");
  for (i = 0; i < p->n_rlimits; i++)
    {
      if (p->rlimits[i].type == NULL || p->rlimits[i].resource < 0
          || uctr_config_rlimit_from_name (p->rlimits[i].type) != p->rlimits[i].resource)
        broken ("process.rlimits[%" G_GSIZE_FORMAT "]: type and resource disagree", i);
      for (j = 0; j < i; j++)
        if (p->rlimits[i].resource == p->rlimits[j].resource)
          broken ("process.rlimits[%" G_GSIZE_FORMAT "]: a duplicate was accepted", i);
    }
}

static void
check_process (const UctrProcess *p)
{
  int set;

  check_strv (p->args, "process.args", FALSE, FALSE);
  if (p->args[0] == NULL || *p->args[0] == '\0')
    broken ("process.args: empty, or args[0] is empty");
  check_strv (p->env, "process.env", FALSE, TRUE);
  if (p->cwd == NULL || !g_path_is_absolute (p->cwd))
    broken ("process.cwd: missing or relative");
  if (p->console_height > G_MAXUINT16 || p->console_width > G_MAXUINT16)
    broken ("process.consoleSize: above 65535");
  if (p->n_additional_gids > 0 && p->additional_gids == NULL)
    broken ("process.user.additionalGids: no array");
  if (p->oom_score_adj < -1000 || p->oom_score_adj > 1000)
    broken ("process.oomScoreAdj: %d", p->oom_score_adj);
  for (set = 0; set < UCTR_CAP_N; set++)
    {
      if (!p->has_capabilities && p->capabilities[set] != NULL)
        broken ("process.capabilities: a set without the object");
      if (p->capabilities[set] != NULL)
        check_strv (p->capabilities[set], uctr_cap_set_name (set), FALSE, FALSE);
    }
  check_rlimits (p);
}

static void
check_mounts_and_hooks (const UctrConfig *c)
{
  gsize i;
  int kind;

  for (i = 0; i < c->n_mounts; i++)
    {
      const UctrMount *m = &c->mounts[i];

      if (m->destination == NULL || !is_normalized (m->destination))
        broken ("mounts[%" G_GSIZE_FORMAT "].destination not normalized: %s", i,
                m->destination != NULL ? m->destination : "(null)");
      check_strv (m->options, "mounts[].options", FALSE, FALSE);
      check_mappings (m->uid_mappings, m->n_uid_mappings, "mounts[].uidMappings");
      check_mappings (m->gid_mappings, m->n_gid_mappings, "mounts[].gidMappings");
    }
  for (kind = 0; kind < UCTR_HOOK_N; kind++)
    for (i = 0; i < c->n_hooks[kind]; i++)
      {
        const UctrHook *h = &c->hooks[kind][i];

        if (h->path == NULL || !g_path_is_absolute (h->path))
          broken ("hooks.%s[%" G_GSIZE_FORMAT "].path: missing or relative", uctr_hook_kind_name (kind), i);
        check_strv (h->args, "hooks[].args", FALSE, FALSE);
        /* NULL when absent: the hook inherits the environment. */
        if (h->env != NULL)
          check_strv (h->env, "hooks[].env", FALSE, FALSE);
        if (h->timeout < 0)
          broken ("hooks.%s[%" G_GSIZE_FORMAT "].timeout: %d", uctr_hook_kind_name (kind), i, h->timeout);
      }
}

static void
check_linux (const UctrConfig *c)
{
  static const char *const device_types[] = { "c", "b", "u", "p", NULL };
  gsize i;
  int ns;

  for (ns = 0; ns < UCTR_NS_N; ns++)
    if (c->namespaces[ns].path != NULL
        && (!c->namespaces[ns].enabled || !g_path_is_absolute (c->namespaces[ns].path)))
      broken ("linux.namespaces: %s has a path but is not enabled, or the path is relative",
              uctr_ns_type_name (ns));
  check_mappings (c->uid_mappings, c->n_uid_mappings, "linux.uidMappings");
  check_mappings (c->gid_mappings, c->n_gid_mappings, "linux.gidMappings");
  if ((c->n_uid_mappings > 0 || c->n_gid_mappings > 0) && !c->namespaces[UCTR_NS_USER].enabled)
    broken ("linux: mappings without a user namespace");
  if (((c->hostname != NULL && *c->hostname != '\0') || (c->domainname != NULL && *c->domainname != '\0'))
      && !c->namespaces[UCTR_NS_UTS].enabled)
    broken ("hostname or domainname without a uts namespace");
  if (c->sysctl == NULL)
    broken ("linux.sysctl is NULL");
  for (i = 0; i < c->n_devices; i++)
    {
      const UctrDevice *d = &c->devices[i];

      if (d->type == NULL || !g_strv_contains (device_types, d->type) || d->path == NULL
          || !g_path_is_absolute (d->path) || d->major < 0 || d->major > G_MAXUINT32 || d->minor < 0
          || d->minor > G_MAXUINT32)
        broken ("linux.devices[%" G_GSIZE_FORMAT "]: bad type, path or numbers", i);
    }
  check_strv (c->masked_paths, "linux.maskedPaths", TRUE, FALSE);
  check_strv (c->readonly_paths, "linux.readonlyPaths", TRUE, FALSE);
  if ((c->resources != NULL && !json_object_is_type (c->resources, json_type_object))
      || (c->seccomp != NULL && !json_object_is_type (c->seccomp, json_type_object)))
    broken ("linux.resources or linux.seccomp kept but not an object");
}

static void
check_config (const UctrConfig *c)
{
  json_object *linux_obj;
  char **key;

  if (c->oci_version == NULL || !g_str_has_prefix (c->oci_version, "1."))
    broken ("ociVersion accepted: %s", c->oci_version != NULL ? c->oci_version : "(null)");
  if (c->root_path == NULL || *c->root_path == '\0')
    broken ("root.path: missing or empty");
  if (!json_object_is_type (c->root_node, json_type_object))
    broken ("the document is not kept");
  linux_obj = uctr_json_member (c->root_node, "linux");
  if (c->resources != uctr_json_member (linux_obj, "resources")
      || c->seccomp != uctr_json_member (linux_obj, "seccomp"))
    broken ("linux.resources or linux.seccomp is not the object of the document");
  if (c->process != NULL)
    check_process (c->process);
  check_mounts_and_hooks (c);
  check_strv (c->annotation_keys, "annotation_keys", FALSE, FALSE);
  for (key = c->annotation_keys; *key != NULL; key++)
    if (!g_hash_table_contains (c->annotations, *key))
      broken ("annotation key %s is not in the table", *key);
  if (g_strv_length (c->annotation_keys) != g_hash_table_size (c->annotations))
    broken ("annotation_keys and the table disagree");
  check_linux (c);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* A copy of exactly SIZE bytes, no NUL after it: reading past the length
     the parsers are given is an overflow ASan sees. */
  g_autofree char *json = g_malloc (MAX (size, 1));
  g_autoptr(GError) config_error = NULL;
  g_autoptr(GError) process_error = NULL;
  g_autoptr(UctrConfig) config = NULL;
  g_autoptr(UctrProcess) process = NULL;

  if (size > G_MAXSSIZE)
    return 0;
  if (size > 0)
    memcpy (json, data, size);

  config = uctr_config_parse (json, (gssize) size, &config_error);
  if (config == NULL)
    check_config_error (config_error);
  else if (config_error != NULL)
    broken ("uctr_config_parse succeeded and set an error");
  else
    check_config (config);

  process = uctr_process_parse (json, (gssize) size, PROCESS_FILE, &process_error);
  if (process == NULL)
    check_process_error (process_error);
  else if (process_error != NULL)
    broken ("uctr_process_parse succeeded and set an error");
  else
    check_process (process);
  return 0;
}
