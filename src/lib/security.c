/* uctr: security (being written) */
#include "util.h"
