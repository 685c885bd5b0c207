/* uctr: the root of a container run from an image (config annotation
   uctr.image): its writable layer in the image store goes with it. */
#pragma once

#include "oci/config.h"

#include <glib.h>

/* Removes the writable layer of container ID when CONFIG says it was run
   from an image; what fails is a warning. */
void uctr_image_root_remove (const UctrConfig *config, const char *id, GPtrArray *warnings);
