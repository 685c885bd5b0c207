#!/bin/bash
# Another user's container: every verb refuses, nothing of its state can be
# read or reached (state.json, exec.fifo, the port API socket), and it runs
# on untouched.  tests/check (as root) starts the container as uctr-test with
# other-user-setup.sh and runs this as uctr-test-noid, with UCTR_OTHER_DIR.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

if [ -z "${UCTR_OTHER_DIR:-}" ] || [ ! -r "$UCTR_OTHER_DIR/info" ]; then
  why="UCTR_OTHER_DIR names no container of another user (tests/check as root sets one up)"
  [ -z "${CI:-}" ] || bail_out "$why"
  echo "1..0 # SKIP $why"
  exit 0
fi
# shellcheck disable=SC1091
. "$UCTR_OTHER_DIR/info"
[ "$OTHER_OWNER" != "$MY_USER" ] || bail_out "the container must belong to another user than $MY_USER"

# other VERB...: the verb on the other user's root; sets status, out, err.
other ()
{
  _last_call="$RT_NAME --root $OTHER_ROOT $*"
  status=0
  out=$(timeout -k 5 20 "$RT" --root "$OTHER_ROOT" "$@" 2>"$T/.err" </dev/null) || status=$?
  err=$(cat "$T/.err")
}

refused ()
{
  local what=$1
  shift
  other "$@"
  if [ "$status" -ne 0 ] && grep -qiE 'permission denied|not permitted|does not exist|belongs to uid' <<<"$err"; then
    pass "$what: refused ($err)"
  else
    fail "$what: refused with a permission error"
  fi
}

refused "state" state "$OTHER_ID"
refused "start" start "$OTHER_ID"
refused "kill" kill "$OTHER_ID" KILL
refused "kill --all" kill --all "$OTHER_ID" KILL
refused "exec" exec "$OTHER_ID" true
refused "ps" ps "$OTHER_ID"
refused "delete --force" delete --force "$OTHER_ID"
refused "port list" port list "$OTHER_ID"
refused "port add" port add "$OTHER_ID" "127.0.0.1:$((OTHER_PORT + 1)):80"
other list --format json
unlike "$out" "\"pid\": *$OTHER_PID" "list does not show the other user's container's pid"

d=$OTHER_ROOT/$OTHER_ID
check "its state dir cannot be listed" sh -c "! ls '$d' >/dev/null 2>&1"
check "state.json cannot be read" sh -c "! cat '$d/state.json' >/dev/null 2>&1"
check "exec.fifo cannot be opened" sh -c "! timeout 2 sh -c 'exec 3<>\"$d/exec.fifo\"' 2>/dev/null"
check "the port API socket cannot be reached" python3 - "$d/port.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except OSError:
    sys.exit(0)
sys.exit(1)
PY
check "a signal to its init is refused" sh -c "! kill -0 $OTHER_PID 2>/dev/null"
check "and it is still running" alive "$OTHER_PID"

done_testing
