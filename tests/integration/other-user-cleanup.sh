#!/bin/bash
# Usage: other-user-cleanup.sh BUILDDIR DIR   (tests/check runs it as uctr-test)
#
# Undoes other-user-setup.sh: the containers of DIR/root and DIR/shared
# (where other-user.sh renamed "mine" to "mine.old"), and the bystander.
# Quiet and never failing: it runs after a test that may have failed anywhere.
builddir=$1 dir=$2
uctr=$builddir/src/uctr
"$uctr" --root "$dir/root" delete --force victim >/dev/null 2>&1
if [ -d "$dir/shared" ]; then
  chmod 0700 "$dir/shared"
  for id in mine mine.old; do
    "$uctr" --root "$dir/shared" delete --force "$id" >/dev/null 2>&1
  done
fi
pid=$(cat "$dir/bystander.pid" 2>/dev/null)
[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sleep ] && kill "$pid" 2>/dev/null
exit 0
