/* uctr: one-line runs of an image (`uctr run [OPTIONS] IMAGE [COMMAND]`):
   the image from the store (pulled first when it is missing: uctr-image),
   its config (Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts,
   StopSignal) under the flags, the root an overlayfs of its layers with a
   writable layer of the container's own in the store. */
#pragma once

#include "oneline/oneline.h"

#include "base/json.h"

/* o->image found in the store, or pulled as o->pull says (missing,
   always, never); what follows reads it. */
gboolean uctr_oneline_image_find (UctrOneLine *o, GError **error);

/* The process's argv: --entrypoint or the image's Entrypoint, then
   COMMAND or the image's Cmd. An error when that is empty. */
char **uctr_oneline_image_command (const UctrOneLine *o, char *const *command, GError **error);

/* CONFIG's root made the image's (with a writable layer for ID when
   MAKE_LAYER; `spec` makes none) and its process given the image's
   environment, working directory and user where no flag says otherwise;
   -P's ports in X->publish. */
gboolean uctr_oneline_image_apply (json_object *config, UctrOneLine *o, const char *id, gboolean make_layer,
                                   UctrOneLineExtras *x, GError **error);

/* Removes the writable layer made for a container that was not created. */
void uctr_oneline_image_abandon (UctrOneLine *o);

void uctr_oneline_image_free (UctrOneLineImage *img);
