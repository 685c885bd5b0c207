/* uctr: idmap (being written) */
#include "util.h"
