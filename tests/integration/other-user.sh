#!/bin/bash
# Another user's container: every verb refuses, nothing of its state can be
# read or reached (state.json, exec.fifo, the port API socket), and it runs
# on untouched.  tests/check (as root) starts the container as uctr-test with
# other-user-setup.sh and runs this as uctr-test-noid, with UCTR_OTHER_DIR.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

other_user_info
[ "$OTHER_OWNER" != "$MY_USER" ] || bail_out "the container must belong to another user than $MY_USER"

# other VERB...: the verb on the other user's root; sets status, out, err.
other () { rt_at "$OTHER_ROOT" "$@"; }

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

# --- a root the owner let others write --------------------------------------
# The attack other-user-owner.sh then checks uctr does not fall for: the
# owner's container "mine" moved aside and one of ours put in its place,
# whose state points at an unrelated process of the owner (the bystander)
# and whose config has a poststop hook, with a lock anyone can write; and
# "evil", a symlink to it. Old uctr signalled the bystander on `kill mine`
# and ran the hook as the owner on `delete --force mine`.
if [ -n "${SHARED_ROOT:-}" ]; then
  s=$SHARED_ROOT
  start=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$BYSTANDER_PID/stat")
  check "the owner's root is open to us" test -w "$s"
  check "we can move the owner's container aside" mv "$s/mine" "$s/mine.old"
  mkdir -m 0755 "$s/mine"
  jq -n --argjson pid "$BYSTANDER_PID" --arg start "$start" --arg owner "$OTHER_OWNER" \
    '{id: "mine", pid: $pid, pid_start_time: $start, bundle: "/", rootfs: "/", created: "2024-01-01T00:00:00Z",
      owner: $owner, creating: false}' >"$s/mine/state.json"
  printf '%s %s\n' "$BYSTANDER_PID" "$start" >"$s/mine/init.pid"
  jq -n --arg hook "echo planted-hook-ran >$UCTR_OTHER_DIR/hooked" \
    '{ociVersion: "1.0.2", root: {path: "/"}, process: {args: ["true"], cwd: "/"},
      hooks: {poststop: [{path: "/bin/sh", args: ["sh", "-c", $hook]}]}}' >"$s/mine/config.json"
  touch "$s/mine/lock"
  chmod 0644 "$s/mine/state.json" "$s/mine/init.pid" "$s/mine/config.json"
  chmod 0666 "$s/mine/lock"
  ln -s "$s/mine" "$s/evil"
  check "we can put a container of ours in its place" test -O "$s/mine/state.json"
fi

done_testing
