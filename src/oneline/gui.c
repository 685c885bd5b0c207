/* uctr: --socket, --gui, --device and --gpu in a one-line run's config
   (see gui.h). */
#include "oneline/gui.h"
#include "base/util.h"
#include "oneline/devices.h"
#include "oneline/extras.h"
#include "oneline/sockets.h"

#include <string.h>
#include <unistd.h>

typedef struct
{
  UctrHostSocket found[UCTR_SOCKET_N];
  gboolean have[UCTR_SOCKET_N];
  GPtrArray *skipped; /* why --gui goes without something, for its warning */
} Desktop;

static void
desktop_clear (Desktop *d)
{
  int k;

  for (k = 0; k < UCTR_SOCKET_N; k++)
    uctr_host_socket_clear (&d->found[k]);
  g_ptr_array_unref (d->skipped);
}

/* The sockets --socket asks for (each must be there) and --gui's (each
   when the host has it). */
static gboolean
find_sockets (const UctrOneLine *o, char **envp, Desktop *d, GError **error)
{
  gboolean must[UCTR_SOCKET_N] = { FALSE };
  UctrSocketKind k;
  char **s;

  for (s = o->sockets; s != NULL && *s != NULL; s++)
    {
      if (!uctr_socket_from_name (*s, &k))
        return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                           _("--socket=%s: expected wayland, x11, pulseaudio, pipewire or session-bus"), *s);
      must[k] = TRUE;
    }
  for (k = 0; k < UCTR_SOCKET_N; k++)
    {
      g_autoptr(GError) local = NULL;
      const char *why;

      if (!must[k] && !o->gui)
        continue;
      d->have[k] = uctr_host_socket_find (k, envp, &d->found[k], &local);
      if (d->have[k])
        continue;
      if (must[k])
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      /* "--socket=wayland: why" under --gui's name: "wayland: why". */
      why = local->message;
      if (g_str_has_prefix (why, "--socket="))
        why += strlen ("--socket=");
      g_ptr_array_add (d->skipped, g_strdup (why));
    }
  return TRUE;
}

/* PATH bound at the same path, for the flag that FMT says. */
static void
bind_same (json_object *config, UctrOneLineExtras *x, const char *path, const char *mode, const char *flag)
{
  json_object *mounts = uctr_json_member (config, "mounts");

  uctr_oneline_flag_next_mount (x, mounts, "%s", flag);
  uctr_oneline_add_bind_mount (mounts, path, path, mode);
}

/* KEY=VALUE ENTRY into the process's environment unless KEY is there
   already (from -e or --env-file, which win). */
static void
env_add (json_object *process, const char *entry)
{
  json_object *env = uctr_json_member (process, "env");
  gsize key_len = strcspn (entry, "=") + 1;
  size_t i;

  for (i = 0; i < json_object_array_length (env); i++)
    {
      json_object *e = json_object_array_get_idx (env, i);

      if (json_object_is_type (e, json_type_string)
          && strncmp (json_object_get_string (e), entry, key_len) == 0)
        return;
    }
  json_object_array_add (env, json_object_new_string (entry));
}

/* process.user's member NAME (uid or gid, from 0 to 2^32 - 1), 0 when it
   has none. */
static gint64
user_id (json_object *process, const char *name)
{
  json_object *id = uctr_json_member (uctr_json_member (process, "user"), name);

  return json_object_is_type (id, json_type_int) ? json_object_get_int64 (id) : 0;
}

/* An empty XDG_RUNTIME_DIR of the process's own at the host's path DIR:
   clients write there, and the host's other sockets stay out. */
static void
private_runtime_dir (json_object *config, json_object *process, UctrOneLineExtras *x, const char *dir)
{
  g_autofree char *uid = g_strdup_printf ("uid=%" G_GINT64_FORMAT, user_id (process, "uid"));
  g_autofree char *gid = g_strdup_printf ("gid=%" G_GINT64_FORMAT, user_id (process, "gid"));
  const char *options[] = { "nosuid", "nodev", "mode=0700", uid, gid, NULL };
  g_autofree char *entry = g_strconcat ("XDG_RUNTIME_DIR=", dir, NULL);
  json_object *mounts = uctr_json_member (config, "mounts");

  uctr_oneline_flag_next_mount (x, mounts, _("XDG_RUNTIME_DIR of --socket (%s)"), dir);
  json_object_array_add (mounts, uctr_oneline_mount_new (dir, "tmpfs", "tmpfs", options));
  env_add (process, entry);
}

/* Whether OBJ (a namespace or a mount) has "type": TYPE. */
static gboolean
is_type (json_object *obj, const char *type)
{
  json_object *t = uctr_json_member (obj, "type");

  return json_object_is_type (t, json_type_string) && strcmp (json_object_get_string (t), type) == 0;
}

/* The host's IPC namespace, for X11's MIT-SHM (System V shared memory
   the server attaches by id). A user namespace cannot mount the mqueue
   file system of an IPC namespace it does not own: /dev/mqueue becomes
   the host's, bound as podman does, or an empty read-only tmpfs when the
   host has none mounted (changed in place: the mounts' indexes name flags). */
static void
share_host_ipc (json_object *config)
{
  json_object *ns = uctr_json_member (uctr_json_member (config, "linux"), "namespaces");
  json_object *mounts = uctr_json_member (config, "mounts");
  gboolean host_has = g_file_test ("/dev/mqueue", G_FILE_TEST_IS_DIR);
  const char *const bind[] = { "rbind", "nosuid", "nodev", "noexec", NULL };
  const char *const empty[] = { "nosuid", "nodev", "noexec", "ro", "size=4k", NULL };
  const char *const members[] = { "type", "source", "options" };
  json_object *n;
  size_t i, j;

  for (i = json_object_is_type (ns, json_type_array) ? json_object_array_length (ns) : 0; i-- > 0;)
    if (is_type (json_object_array_get_idx (ns, i), "ipc"))
      json_object_array_del_idx (ns, i, 1);
  for (i = 0; i < json_object_array_length (mounts); i++)
    {
      json_object *m = json_object_array_get_idx (mounts, i);

      if (!is_type (m, "mqueue"))
        continue;
      n = host_has ? uctr_oneline_mount_new ("/dev/mqueue", "bind", "/dev/mqueue", bind)
                   : uctr_oneline_mount_new ("/dev/mqueue", "tmpfs", "tmpfs", empty);
      /* M takes N's values where it had its own (its members keep their
         order); N goes right after. */
      for (j = 0; j < G_N_ELEMENTS (members); j++)
        uctr_json_add (m, members[j], json_object_get (uctr_json_member (n, members[j])));
      json_object_put (n);
    }
}

static void
add_sockets (json_object *config, const UctrOneLine *o, char **envp, Desktop *d, UctrOneLineExtras *x)
{
  json_object *process = uctr_json_member (config, "process");
  const char *runtime = g_environ_getenv (envp, "XDG_RUNTIME_DIR");
  gboolean in_runtime = FALSE;
  int k;
  char **e;

  for (k = 0; k < UCTR_SOCKET_N; k++)
    in_runtime |= d->have[k] && k != UCTR_SOCKET_X11;
  if (in_runtime && runtime != NULL && g_path_is_absolute (runtime))
    private_runtime_dir (config, process, x, runtime);
  for (k = 0; k < UCTR_SOCKET_N; k++)
    {
      g_autofree char *flag = NULL;

      if (!d->have[k])
        continue;
      flag = g_strconcat ("--socket=", uctr_socket_name (k), NULL);
      bind_same (config, x, d->found[k].path, "rw", flag);
      if (d->found[k].file != NULL)
        bind_same (config, x, d->found[k].file, "ro", flag);
      for (e = d->found[k].env; e != NULL && *e != NULL; e++)
        env_add (process, *e);
    }
  if (d->have[UCTR_SOCKET_X11])
    {
      share_host_ipc (config);
      if (o->hostname == NULL)
        uctr_json_add_string (config, "hostname", g_get_host_name ());
    }
}

static gboolean
add_devices (json_object *config, const UctrOneLine *o, Desktop *d, UctrOneLineExtras *x, GError **error)
{
  json_object *mounts = uctr_json_member (config, "mounts");
  char **dev;

  for (dev = o->devices; dev != NULL && *dev != NULL; dev++)
    {
      uctr_oneline_flag_next_mount (x, mounts, "--device %s", *dev);
      if (!uctr_oneline_add_device (config, *dev, error))
        return FALSE;
    }
  if (o->gpu || o->gui)
    {
      g_auto(GStrv) gpu = uctr_oneline_gpu_nodes ();

      if (gpu[0] == NULL && o->gpu)
        return uctr_throw (error, UCTR_ERROR_NOT_FOUND,
                           _("--gpu: this host has no GPU device nodes (/dev/dri, /dev/nvidia*)"));
      if (gpu[0] == NULL)
        g_ptr_array_add (d->skipped, g_strdup (_("gpu: no /dev/dri or /dev/nvidia*")));
      else
        for (dev = gpu; *dev != NULL; dev++)
          {
            uctr_oneline_flag_next_mount (x, mounts, "--gpu (%s)", *dev);
            if (!uctr_oneline_add_device_paths (config, (char *[]){ *dev, NULL }, "--gpu", error))
              return FALSE;
          }
    }
  return TRUE;
}

void
uctr_oneline_gui_imply (UctrOneLine *o)
{
  gboolean checks_uid = o->gui;
  UctrSocketKind k;
  char **s;

  for (s = o->sockets; s != NULL && *s != NULL; s++)
    checks_uid |= uctr_socket_from_name (*s, &k) && uctr_socket_checks_uid (k);
  if (checks_uid && o->userns == NULL && o->user == NULL && geteuid () != 0)
    o->userns = g_strdup ("keep-id");
}

gboolean
uctr_oneline_gui (json_object *config, const UctrOneLine *o, UctrOneLineExtras *x, GError **error)
{
  g_auto(GStrv) envp = g_get_environ ();
  Desktop d = { .skipped = g_ptr_array_new_with_free_func (g_free) };
  gboolean ok = FALSE;

  if (find_sockets (o, envp, &d, error) && add_devices (config, o, &d, x, error))
    {
      add_sockets (config, o, envp, &d, x);
      ok = TRUE;
    }
  if (ok && d.skipped->len > 0)
    {
      g_autofree char *list = NULL;

      g_ptr_array_add (d.skipped, NULL);
      list = g_strjoinv ("; ", (char **) d.skipped->pdata);
      g_ptr_array_add (x->warnings, g_strdup_printf (_("--gui: left out what this host lacks: %s"), list));
    }
  desktop_clear (&d);
  return ok;
}
