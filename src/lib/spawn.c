/* uctr: spawn (being written) */
#include "util.h"
