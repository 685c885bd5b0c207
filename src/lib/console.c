/* uctr: console (being written) */
#include "util.h"
