/* uctr: the runtime as cli/ sees it, and the only header of runtime/ that
   cli/ includes: the container verbs (create, start, kill, delete, exec,
   pause, update), the state and its lookup, and what the verbs need besides
   (the terminal, NOTIFY_SOCKET, a seccomp profile checked on its own, a detached
   run's log). */
#pragma once

#include "runtime/state.h"
#include "runtime/lifecycle.h"
#include "runtime/create.h"
#include "runtime/guard.h"
#include "runtime/exec.h"
#include "runtime/pause.h"
#include "runtime/profile.h"
#include "runtime/rootless.h"
#include "runtime/update.h"
#include "runtime/events.h"
#include "runtime/features.h"
#include "runtime/network.h"
#include "runtime/console.h"
#include "runtime/notify.h"
#include "runtime/logs.h"
