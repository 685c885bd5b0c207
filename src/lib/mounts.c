/* uctr: mounts (being written) */
#include "util.h"
