/* uctr: names that two layers which cannot include each other must agree on. */
#pragma once

/* The container's end of the user-mode network: the init makes it
   (init/nettap.c), the network helper's agent routes through it
   (net/inside/inside.c). */
#define UCTR_NET_TAP_NAME "tap0"
