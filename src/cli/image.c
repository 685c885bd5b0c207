/* uctr pull, images, rmi, image: the image verbs are uctr-image's, a
   program of its own, so that the libraries they need (libarchive for
   layers, libsoup for registries) are loaded by them alone and not by
   every start of a container. */
#include "cli/cli.h"
#include "base/selfexe.h"
#include "base/util.h"

#include <errno.h>
#include <unistd.h>

static int
run_image_program (int argc, char **argv, GError **error)
{
  g_autofree char *program = uctr_selfexe_sibling ("uctr-image");
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  int i;

  g_ptr_array_add (args, program);
  for (i = 0; i < argc; i++)
    g_ptr_array_add (args, argv[i]);
  g_ptr_array_add (args, NULL);
  execv (program, (char **) args->pdata);
  uctr_throw_errno (error, _("Running %s (uctr's image program: is uctr installed whole?)"), program);
  return -1;
}

int
uctr_cmd_image (UctrGlobal *g, int argc, char **argv, GError **error)
{
  return run_image_program (argc, argv, error);
}

int
uctr_cmd_images (UctrGlobal *g, int argc, char **argv, GError **error)
{
  return run_image_program (argc, argv, error);
}

int
uctr_cmd_pull (UctrGlobal *g, int argc, char **argv, GError **error)
{
  return run_image_program (argc, argv, error);
}

int
uctr_cmd_rmi (UctrGlobal *g, int argc, char **argv, GError **error)
{
  return run_image_program (argc, argv, error);
}

int
uctr_cmd_system (UctrGlobal *g, int argc, char **argv, GError **error)
{
  return run_image_program (argc, argv, error);
}
