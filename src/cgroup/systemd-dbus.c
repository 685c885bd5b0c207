/* uctr: a transient systemd scope for the container, over D-Bus (GDBus).
 *
 * A user's own systemd (user@UID.service, Delegate=yes) is the one thing on
 * a desktop that may create cgroups with controllers for that user: asked
 * for a scope with Delegate=yes, it moves the container's init there and
 * enables what the user's subtree has.  It is reached on the session bus
 * (DBUS_SESSION_BUS_ADDRESS, or $XDG_RUNTIME_DIR/bus) or, without a bus
 * daemon, on its private socket ($XDG_RUNTIME_DIR/systemd/private); root
 * asks the system instance the same way.  No threads exist before the
 * container's init is forked: GDBus starts its worker only here, after.
 *
 * Built as a module of its own (uctr-systemd.so), which uctr loads only
 * when it asks systemd (systemd.c): GIO and GObject, which it needs, cost
 * every other start of uctr a few milliseconds to load.
 */
#include "cgroup/systemd-dbus.h"
#include "cgroup/unitprops.h"
#include "base/util.h"

#include <gio/gio.h>
#include <gmodule.h>
#include <string.h>

#define SYSTEMD_NAME "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define MANAGER_IFACE "org.freedesktop.systemd1.Manager"
#define CALL_TIMEOUT_MS 10000
#define JOB_TIMEOUT_MS 10000

/* The bus, else systemd's private socket (peer to peer: no bus name). */
typedef struct
{
  GDBusConnection *conn;
  const char *dest; /* SYSTEMD_NAME on a bus, NULL on the private socket */
} Manager;

static void
manager_clear (Manager *m)
{
  if (m->conn != NULL)
    (void) g_dbus_connection_close_sync (m->conn, NULL, NULL);
  g_clear_object (&m->conn);
}

static GDBusConnection *
connect_to (const char *address, gboolean bus, GError **error)
{
  GDBusConnectionFlags flags = G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT;

  if (bus)
    flags |= G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION;
  return g_dbus_connection_new_for_address_sync (address, flags, NULL, NULL, error);
}

static gboolean
manager_open (Manager *m, gboolean as_root, GError **error)
{
  const char *runtime = g_getenv ("XDG_RUNTIME_DIR");
  const char *env = g_getenv (as_root ? "DBUS_SYSTEM_BUS_ADDRESS" : "DBUS_SESSION_BUS_ADDRESS");
  g_autofree char *bus = NULL;
  g_autofree char *private_path = NULL;
  g_autofree char *private_address = NULL;
  g_autoptr(GError) bus_error = NULL;
  g_autoptr(GError) private_error = NULL;

  if (env != NULL && env[0] != '\0')
    bus = g_strdup (env);
  else if (as_root)
    bus = g_strdup ("unix:path=/run/dbus/system_bus_socket");
  else if (runtime != NULL && runtime[0] != '\0')
    bus = g_strdup_printf ("unix:path=%s/bus", runtime);
  if (as_root)
    private_path = g_strdup ("/run/systemd/private");
  else if (runtime != NULL && runtime[0] != '\0')
    private_path = g_build_filename (runtime, "systemd", "private", NULL);
  if (bus != NULL && (m->conn = connect_to (bus, TRUE, &bus_error)) != NULL)
    {
      m->dest = SYSTEMD_NAME;
      return TRUE;
    }
  if (private_path != NULL)
    {
      private_address = g_strdup_printf ("unix:path=%s", private_path);
      if ((m->conn = connect_to (private_address, FALSE, &private_error)) != NULL)
        return TRUE;
    }
  return uctr_throw (error, UCTR_ERROR_UNSUPPORTED,
                     _("no systemd %s instance is reachable (%s: %s; %s: %s)"), as_root
                        ? _("system")
                        : _("user"), bus != NULL ? bus
                                                  : _("no session bus address"),
                                                       bus_error != NULL
                                                           ? bus_error->message
                                                           : _("XDG_RUNTIME_DIR is not set"),
                                                                private_path != NULL ? private_path
                                                                                     : "systemd/private",
                                                                private_error != NULL ? private_error->message
                                                                                      : _("not tried"));
}

/* A call error that means "nobody to talk to" rather than "systemd said no". */
static gboolean
is_unreachable (const GError *e)
{
  return g_error_matches (e, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN)
         || g_error_matches (e, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER)
         || g_error_matches (e, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD)
         || g_error_matches (e, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT)
         || g_error_matches (e, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

static GVariant *
manager_call (Manager *m, const char *method, GVariant *args, const GVariantType *reply, GError **error)
{
  g_autoptr(GError) local = NULL;
  GVariant *ret = g_dbus_connection_call_sync (m->conn, m->dest, SYSTEMD_PATH, MANAGER_IFACE, method, args,
                                               reply, G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, &local);

  if (ret != NULL)
    return ret;
  g_dbus_error_strip_remote_error (local);
  if (is_unreachable (local))
    uctr_throw (error, UCTR_ERROR_UNSUPPORTED, _("no systemd answers on the bus (%s)"), local->message);
  else
    g_propagate_error (error, g_steal_pointer (&local));
  return NULL;
}

/* JobRemoved (id, job, unit, result) signals, kept until the job is known. */
typedef struct
{
  GHashTable *results; /* job path -> result */
} Jobs;

static void
on_job_removed (GDBusConnection *conn, const char *sender, const char *path, const char *iface,
                const char *signal, GVariant *params, gpointer user_data)
{
  Jobs *jobs = user_data;
  guint32 id;
  const char *job, *unit, *result;

  if (!g_variant_is_of_type (params, G_VARIANT_TYPE ("(uoss)")))
    return;
  g_variant_get (params, "(u&o&s&s)", &id, &job, &unit, &result);
  g_hash_table_replace (jobs->results, g_strdup (job), g_strdup (result));
}

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static GVariant *
scope_properties (const char *slice, const char *id, pid_t pid, const GPtrArray *writes)
{
  GVariantBuilder b;
  g_autofree char *description = g_strdup_printf ("uctr container %s", id);
  guint32 p = (guint32) pid;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(sv)"));
  g_variant_builder_add (&b, "(sv)", "Description", g_variant_new_string (description));
  g_variant_builder_add (&b, "(sv)", "Slice", g_variant_new_string (slice));
  g_variant_builder_add (&b, "(sv)", "PIDs",
                         g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, &p, 1, sizeof p));
  g_variant_builder_add (&b, "(sv)", "Delegate", g_variant_new_boolean (TRUE));
  g_variant_builder_add (&b, "(sv)", "DefaultDependencies", g_variant_new_boolean (FALSE));
  /* A failed scope is not kept around for `systemctl reset-failed`. */
  g_variant_builder_add (&b, "(sv)", "CollectMode", g_variant_new_string ("inactive-or-failed"));
  /* Accounting makes systemd enable the controllers on the way down. */
  g_variant_builder_add (&b, "(sv)", "MemoryAccounting", g_variant_new_boolean (TRUE));
  g_variant_builder_add (&b, "(sv)", "CPUAccounting", g_variant_new_boolean (TRUE));
  g_variant_builder_add (&b, "(sv)", "TasksAccounting", g_variant_new_boolean (TRUE));
  g_variant_builder_add (&b, "(sv)", "IOAccounting", g_variant_new_boolean (TRUE));
  (void) uctr_unit_add_resources (&b, writes);
  return g_variant_builder_end (&b);
}

/* Waits for JOB's JobRemoved; its result must be "done". */
static gboolean
wait_job (GMainContext *ctx, Jobs *jobs, const char *job, const char *unit, GError **error)
{
  gboolean timed_out = FALSE;
  g_autoptr(GSource) timeout = g_timeout_source_new (JOB_TIMEOUT_MS);
  const char *result;

  g_source_set_callback (timeout, on_timeout, &timed_out, NULL);
  g_source_attach (timeout, ctx);
  while ((result = g_hash_table_lookup (jobs->results, job)) == NULL && !timed_out)
    g_main_context_iteration (ctx, TRUE);
  g_source_destroy (timeout);
  if (result == NULL)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("systemd did not start %s within %d s"), unit, JOB_TIMEOUT_MS / 1000);
  if (strcmp (result, "done") != 0)
    return uctr_throw (error, UCTR_ERROR_FAILED,
                       _("systemd could not start %s (job result \"%s\"%s)"), unit, result,
                          strcmp (result, "resources") == 0
                          ? _(": it could not move the container's process into the scope; uctr must run inside "
                            "the cgroup tree of that systemd instance")
                          : "");
  return TRUE;
}

static gboolean
start_scope (Manager *m, GMainContext *ctx, const char *slice, const char *unit, const char *id, pid_t pid,
             const GPtrArray *writes, GError **error)
{
  Jobs jobs = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free) };
  g_autoptr(GVariant) ret = NULL;
  const char *job;
  guint sub;
  gboolean ok;

  sub = g_dbus_connection_signal_subscribe (m->conn, m->dest, MANAGER_IFACE, "JobRemoved", SYSTEMD_PATH, NULL,
                                            G_DBUS_SIGNAL_FLAGS_NONE, on_job_removed, &jobs, NULL);
  /* Signals go out only to subscribers; a refusal here costs nothing. */
  ret = manager_call (m, "Subscribe", NULL, NULL, NULL);
  g_clear_pointer (&ret, g_variant_unref);
  ret = manager_call (m, "StartTransientUnit",
                      g_variant_new ("(ss@a(sv)@a(sa(sv)))", unit, "fail",
                                     scope_properties (slice, id, pid, writes),
                                     g_variant_new_array (G_VARIANT_TYPE ("(sa(sv))"), NULL, 0)),
                      G_VARIANT_TYPE ("(o)"), error);
  ok = ret != NULL;
  if (ok)
    {
      g_variant_get (ret, "(&o)", &job);
      ok = wait_job (ctx, &jobs, job, unit, error);
    }
  g_dbus_connection_signal_unsubscribe (m->conn, sub);
  g_hash_table_unref (jobs.results);
  return ok;
}

static gboolean
dbus_start_scope (const char *slice, const char *unit, const char *id, pid_t pid, gboolean as_root,
                  const GPtrArray *writes, GError **error)
{
  g_autoptr(GMainContext) ctx = NULL;
  Manager m = { 0 };
  gboolean ok;

  /* Signals are dispatched in the context that was the thread's default
     when they were subscribed to: ours, iterated in wait_job. */
  ctx = g_main_context_new ();
  g_main_context_push_thread_default (ctx);
  ok = manager_open (&m, as_root, error) && start_scope (&m, ctx, slice, unit, id, pid, writes, error);
  manager_clear (&m);
  g_main_context_pop_thread_default (ctx);
  return ok;
}

static gboolean
dbus_stop_unit (const char *unit, gboolean as_root, GError **error)
{
  g_autoptr(GVariant) ret = NULL;
  g_autoptr(GError) local = NULL;
  Manager m = { 0 };

  if (!manager_open (&m, as_root, error))
    return FALSE;
  ret = manager_call (&m, "StopUnit", g_variant_new ("(ss)", unit, "replace"), G_VARIANT_TYPE ("(o)"),
                      &local);
  manager_clear (&m);
  /* NoSuchUnit: systemd collected it once its last process was gone. */
  if (ret != NULL || strstr (local->message, "not loaded") != NULL)
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

/* What uctr's loader (systemd.c) looks up: the one symbol the module exports. */
G_MODULE_EXPORT const UctrSystemdDbus uctr_systemd_dbus = {
  .abi = UCTR_SYSTEMD_DBUS_ABI,
  .start_scope = dbus_start_scope,
  .stop_unit = dbus_stop_unit,
};
