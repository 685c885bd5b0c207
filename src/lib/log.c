/* uctr: log (being written) */
#include "util.h"
