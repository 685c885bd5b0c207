/* uctr: state (being written) */
#include "util.h"
