/* uctr port: publish, list and unpublish ports of a running container,
   through the port API of its network helper. */
#include "cli/cli.h"
#include "runtime/container.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#define PORT_PARAMS "add|remove ID SPEC | list ID"
#define COLUMNS 4

/* <root>/<id>/port.sock of an existing container whose helper runs. */
static char *
api_path (UctrGlobal *g, const char *id, GError **error)
{
  const char *root;

  if (!uctr_state_validate_id (id, error) || (root = uctr_global_root (g, error)) == NULL)
    return NULL;
  return uctr_container_port_api (root, id, error);
}

/* Columns as `uctr list` lays them out; "*" is every host address. */
static void
print_table (GPtrArray *specs)
{
  const char *head[COLUMNS] = { "HOST IP", "HOST PORT", "CONTAINER PORT", "PROTO" };
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  guint r, c;

  for (c = 0; c < COLUMNS; c++)
    g_ptr_array_add (cells, g_strdup (head[c]));
  for (r = 0; r < specs->len; r++)
    {
      const UctrPortSpec *s = g_ptr_array_index (specs, r);

      g_ptr_array_add (cells, g_strdup (s->host_ip != NULL ? s->host_ip : "*"));
      g_ptr_array_add (cells, g_strdup_printf ("%u", s->host_port));
      g_ptr_array_add (cells, g_strdup_printf ("%u", s->container_port));
      g_ptr_array_add (cells, g_strdup (s->proto == UCTR_PORT_UDP ? "udp" : "tcp"));
    }
  uctr_cli_print_table (cells, COLUMNS);
}

/* hostIP is "" for every address. */
static void
print_json (GPtrArray *specs)
{
  g_autoptr(json_object) arr = json_object_new_array ();
  guint r;

  for (r = 0; r < specs->len; r++)
    {
      const UctrPortSpec *s = g_ptr_array_index (specs, r);
      json_object *o = json_object_new_object ();

      uctr_json_add_string (o, "hostIP", s->host_ip != NULL ? s->host_ip : "");
      uctr_json_add_int (o, "hostPort", s->host_port);
      uctr_json_add_int (o, "containerPort", s->container_port);
      uctr_json_add_string (o, "protocol", s->proto == UCTR_PORT_UDP ? "udp" : "tcp");
      json_object_array_add (arr, o);
    }
  uctr_cli_print_json_array (arr);
}

static int
port_list (UctrGlobal *g, const char *id, const char *format, GError **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GPtrArray) specs = NULL;

  if (format != NULL && strcmp (format, "table") != 0 && strcmp (format, "json") != 0)
    return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT,
                       _("--format: expected table or json, not \"%s\""), format),
                       -1;
  if ((path = api_path (g, id, error)) == NULL || (specs = uctr_port_client_list (path, error)) == NULL)
    return -1;
  if (g_strcmp0 (format, "json") == 0)
    print_json (specs);
  else
    print_table (specs);
  return 0;
}

/* The spec is checked here too, for an error that names the command. */
static int
port_change (UctrGlobal *g, const char *op, const char *id, const char *text, GError **error)
{
  g_autoptr(UctrPortSpec) spec = g_new0 (UctrPortSpec, 1);
  g_autofree char *canonical = NULL;
  g_autofree char *path = NULL;
  gboolean ok;

  if (!uctr_port_spec_parse (text, spec, error))
    {
      g_prefix_error (error, "port %s ", op);
      return -1;
    }
  canonical = uctr_port_spec_format (spec);
  if ((path = api_path (g, id, error)) == NULL)
    return -1;
  ok = strcmp (op, "add") == 0 ? uctr_port_client_add (path, spec, error)
                               : uctr_port_client_remove (path, spec, error);
  if (!ok)
    return uctr_prefix_error (error, "port %s %s", op, canonical), -1;
  return 0;
}

int
uctr_cmd_port (UctrGlobal *g, int argc, char **argv, GError **error)
{
  g_autofree char *format = NULL;
  GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format, N_ ("list: table (default) or json"), N_ ("FORMAT") },
    { NULL },
  };
  const char *sub;

  if (!uctr_cli_parse ("port", PORT_PARAMS,
                       _("Publish (add), unpublish (remove) and list the ports of a container created with\n"
                         "--network slirp. SPEC is [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]."),
                          entries, FALSE, &argc, &argv, error)
                       || !uctr_cli_want_args ("port", PORT_PARAMS, argc, 2, 3, error))
    return -1;
  sub = argv[1];
  if (strcmp (sub, "list") == 0 && argc == 3)
    return port_list (g, argv[2], format, error);
  if ((strcmp (sub, "add") == 0 || strcmp (sub, "remove") == 0) && argc == 4)
    {
      if (format != NULL)
        return uctr_throw (error, UCTR_ERROR_INVALID_ARGUMENT, _("--format: only port list takes it")), -1;
      return port_change (g, sub, argv[2], argv[3], error);
    }
  uctr_cli_want_args ("port", PORT_PARAMS, 0, 1, 0, error);
  return -1;
}
