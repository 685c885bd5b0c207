/* uctr: plan (being written) */
#include "util.h"
