/* uctr: config (being written) */
#include "util.h"
