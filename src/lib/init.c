/* uctr: init (being written) */
#include "util.h"
