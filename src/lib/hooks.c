/* uctr: hooks (being written) */
#include "util.h"
