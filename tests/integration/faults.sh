#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# Faults: uctr killed with SIGKILL at each stage of create and run, the
# init killed while it waits for start, a damaged state.json, a read-only
# or full --root. After each, `delete --force` (where a container exists)
# leaves nothing: no state dir, no process, no mount.  uctr-only: these
# check uctr's promises (and its UCTR_NEWUIDMAP test knob).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

uctr_only "faults" || { done_testing; exit 0; }

# uctr_pid_of_bg: the uctr process rt_bg started (under timeout(1)).
uctr_pid_of_bg ()
{
  local p
  for _ in $(seq 100); do
    p=$(pgrep -P "$bg_pid" | head -n1)
    [ -n "$p" ] && { echo "$p"; return 0; }
    sleep 0.05
  done
  echo 0
}

# file_has_pid FILE: FILE holds a pid (a stage the test waits for was reached).
file_has_pid () { [ -s "$1" ] && grep -qE '^[0-9]+$' "$1"; }

# --- SIGKILL while newuidmap runs (before the maps exist) -------------------------
cat >"$T/slow-newuidmap" <<EOF
#!/bin/sh
echo \$\$ >"$T/newuidmap.pid"
exec sleep 30
EOF
chmod +x "$T/slow-newuidmap"
b=$(mkbundle k-map '.process.args = ["true"]')
UCTR_NEWUIDMAP=$T/slow-newuidmap rt_bg "$T/k-map.out" create --bundle "$b" k-map
check "create reaches newuidmap" wait_until 10 file_has_pid "$T/newuidmap.pid"
u=$(uctr_pid_of_bg)
kill -KILL "$u"
kill -KILL "$(cat "$T/newuidmap.pid")" 2>/dev/null || true
wait_bg
rt delete --force k-map
status_is 0 "create killed while mapping ids: delete --force succeeds"
nothing_left k-map "and leaves nothing (the half-made init died with create)"

# --- SIGKILL while a createRuntime hook runs (mapped, init waiting) ----------------
cat >"$T/slow-hook" <<EOF
#!/bin/sh
echo \$\$ >"$T/hook.pid"
exec sleep 30
EOF
chmod +x "$T/slow-hook"
b=$(mkbundle k-hook ".process.args = [\"true\"] | .hooks.createRuntime = [{\"path\": \"$T/slow-hook\"}]")
rt_bg "$T/k-hook.out" create --bundle "$b" k-hook
check "create reaches the createRuntime hook" wait_until 10 file_has_pid "$T/hook.pid"
hook=$(cat "$T/hook.pid")
track_pid "$hook"
init=$(pid_of k-hook)
u=$(uctr_pid_of_bg)
kill -KILL "$u"
wait_bg
check "the hook dies with the uctr that ran it" wait_until 10 dead "$hook"
check "the init dies with create" wait_until 10 dead "$init"
rt delete --force k-hook
status_is 0 "create killed during a hook: delete --force succeeds"
nothing_left k-hook "and leaves nothing"

# --- SIGKILL of run while the container runs ----------------------------------------------
b=$(mkbundle k-run '.process.args = ["sleep", "1000"]')
rt_bg "$T/k-run.out" run --bundle "$b" k-run
check "run starts the container" wait_until 10 state_is k-run running
u=$(uctr_pid_of_bg)
kill -KILL "$u"
wait_bg
is "$(state_of k-run)" running "run killed: the container runs on, as under runc"
rt delete --force k-run
status_is 0 "delete --force of it succeeds"
nothing_left k-run "and leaves nothing"

# --- the init killed while it waits for start ---------------------------------------------
b=$(mkbundle k-init '.process.args = ["true"]')
rt create --bundle "$b" k-init
init=$(pid_of k-init)
kill -KILL "$init"
check "the init killed before start: the container is stopped" wait_until 10 state_is k-init stopped
rt start k-init
check "start then fails" test "$status" -ne 0
like "$err" 'stopped|exited' "with a clear error"
rt delete k-init
status_is 0 "delete (no --force needed) succeeds"
nothing_left k-init "and leaves nothing"

# --- a damaged state.json ---------------------------------------------------------------
for how in garbage half empty; do
  id=bad-state-$how
  b=$(mkbundle "$id" '.process.args = ["true"]')
  rt create --bundle "$b" "$id"
  init=$(pid_of "$id")
  f=$R/$id/state.json
  case $how in
    garbage) printf '{"id": \x01 nonsense' >"$f" ;;
    half) head -c "$(($(wc -c <"$f") / 2))" "$f" >"$f.new" && mv "$f.new" "$f" ;;
    empty) : >"$f" ;;
  esac
  rt state "$id"
  check "state.json $how: state fails" test "$status" -ne 0
  like "$err" "state\\.json" "state.json $how: the error names the file"
  rt delete --force "$id"
  status_is 0 "state.json $how: delete --force succeeds"
  check "state.json $how: and stops the init all the same" wait_until 10 dead "$init"
  nothing_left "$id" "state.json $how: nothing left"
done

# --- a --root that cannot be written ----------------------------------------------------
mkdir -p "$T/ro-root"
chmod 0500 "$T/ro-root"
b=$(mkbundle ro '.process.args = ["true"]')
status=0
err=$(timeout 20 "$RT" --root "$T/ro-root" create --bundle "$b" ro 2>&1 >/dev/null) || status=$?
check "a read-only --root: create fails" test "$status" -ne 0
like "$err" "$T/ro-root.*Permission denied" "with an error naming the directory"
is "$(ls -A "$T/ro-root")" "" "and nothing is left in it"
chmod 0700 "$T/ro-root"

# --- a --root on a full file system ----------------------------------------------------------
# A tiny tmpfs in a user and mount namespace of the test's own, filled up.
mkdir -p "$T/fullfs"
b=$(mkbundle full '.process.args = ["true"]
  | .linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 1}]
  | .linux.gidMappings = [{"containerID": 0, "hostID": 0, "size": 1}]')
res=$(timeout 60 unshare -Urm sh -c '
  mount -t tmpfs -o size=16k tmpfs "$1" || exit 99
  dd if=/dev/zero of="$1/fill" bs=1k count=64 2>/dev/null
  "$2" --root "$1/root" create --bundle "$3" full 2>&1; echo "status=$?"
  ls -A "$1/root" 2>/dev/null | sed "s/^/left: /"' sh "$T/fullfs" "$RT" "$b" 2>&1) || true
like "$res" 'status=[1-9]' "a full --root: create fails"
like "$res" 'No space left on device' "with ENOSPC in the error"
unlike "$res" 'left: ' "and leaves no state dir"

done_testing
