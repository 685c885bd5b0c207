#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# Detached one-line runs and their logs: `x=$(uctr run -d --rootfs ...)`
# returns at once with the id while the container runs; its stdout and
# stderr go to a log in the state dir (CRI records, rotated at
# --log-opt max-size), which `uctr logs` prints back on the right streams,
# with --tail, --timestamps and --follow, until delete removes it and its
# logger. uctr-only: runc has neither one-line runs nor logs.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

uctr_only "detached one-line runs and uctr logs" || { done_testing; exit 0; }

ROOT=$T/rootfs
cp -a "$ROOTFS" "$ROOT"
CTL=$T/ctl
mkdir -p "$CTL"

# run_d ARGS...: `x=$(uctr run -d ARGS)` as a script writes it: stdout and
# stderr are a pipe that the shell reads to its end. Sets $x, $status and
# $took (seconds). A run whose pipe stays open (whatever holds it) counts
# as timed out once CALL_TIMEOUT has passed.
run_d ()
{
  local start=$SECONDS sub
  _last_call="x=\$($RT_NAME run -d $*)"
  rm -f "$T/.run_d" "$T/.run_d.out"
  (
    x=$(UCTR_TEST_TAG=$T timeout -k 5 "$CALL_TIMEOUT" "$RT" --root "$R" run -d "$@" </dev/null 2>&1) \
      && echo 0 >"$T/.run_d.rc" || echo $? >"$T/.run_d.rc"
    printf '%s' "$x" >"$T/.run_d.out"
    mv "$T/.run_d.rc" "$T/.run_d"
  ) &
  sub=$!
  track_pid "$sub"
  if wait_until "$CALL_TIMEOUT" test -e "$T/.run_d"; then
    status=$(cat "$T/.run_d")
    x=$(cat "$T/.run_d.out")
  else
    status=124 x=''
    kill -KILL "$sub" 2>/dev/null
  fi
  wait "$sub" 2>/dev/null || true
  took=$((SECONDS - start))
  out=$x err=''
  _note_timeout
}

# --- x=$(uctr run -d ...) ----------------------------------------------------------
# The container waits for $CTL/go: the run must not.
waiter='echo started; echo to-stderr >&2; while [ ! -e /ctl/go ]; do sleep 0.05; done; echo last; echo last-err >&2'
t0=$(date -u +%s)
for net in none slirp; do
  rm -f "$CTL/go"
  run_d --rootfs "$ROOT" --network "$net" --name "w-$net" --bind "$CTL:/ctl" -- sh -c "$waiter"
  is "$status/$x" "0/w-$net" "x=\$(run -d --network $net ...): the id, on stdout, and nothing else"
  check "and it returns while the container still runs ($took s)" test "$took" -lt 5
  is "$(state_of "w-$net")" running "state: the container runs"
done
touch "$CTL/go"
check "both stop once told to" wait_until 10 state_is w-slirp stopped && wait_until 10 state_is w-none stopped
# -f returns once the logger has written all and ended (see below).
rt logs -f w-slirp
is "$out/$err" "$(printf 'started\nlast')/$(printf 'to-stderr\nlast-err')" "the log of the run with a network"
rt logs -f w-none
rt delete w-slirp
nothing_left w-slirp "delete of a stopped container: no log, no logger, no helper left"

# --- logs: the streams, after the container stopped -------------------------------------
rt logs w-none
is "$status/$out" "0/$(printf 'started\nlast')" "logs: stdout's lines on stdout, also once stopped"
is "$err" "$(printf 'to-stderr\nlast-err')" "and stderr's on stderr"
rt logs --tail 1 w-none
is "$out/$err" "/last-err" "--tail 1: the last line of both streams (last-err)"
rt logs --tail 2 w-none
is "$out/$err" "last/last-err" "--tail 2: the last two lines, each on its stream"
rt logs --tail 0 w-none
is "$status/$out$err" "0/" "--tail 0: nothing"
rt logs -t w-none
like "$out" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z started$' \
  "--timestamps: each line after its RFC 3339 time, in nanoseconds, UTC"
ts=$(date -u -d "$(head -n 1 <<<"$out" | cut -d' ' -f1)" +%s)
check "and that time is when the line was written (between the run and now)" \
  test "$t0" -le "$ts" -a "$ts" -le "$(date -u +%s)"
rt state w-none
is "$status/$(jq -r .status <<<"$out")" 0/stopped "state of a container with a log is as ever"
rt list -q
is "$out" w-none "and list shows it"
check "its log is in its state dir, owner-only" test "$(stat -c %a "$R/w-none/container.log")" = 600
rt delete w-none
check "delete removes the state dir, the log with it" test ! -e "$R/w-none"
rt logs w-none
like "$status $err" '^[1-9].* container w-none does not exist' "logs of a deleted container: it does not exist"

# --- -f follows until the container has ended and its logger has drained ------------------
rm -f "$CTL/go"
run_d --rootfs "$ROOT" --network none --name f1 --bind "$CTL:/ctl" -- sh -c "$waiter"
rt_bg "$T/follow.out" logs -f f1
follower=$bg_pid
check "logs -f prints what is there" wait_until 10 grep -qx started "$T/follow.out"
check "and waits while the container runs" alive "$follower"
touch "$CTL/go"
wait_bg
is "$rc" 0 "logs -f ends by itself once the container has ended"
check "with the lines written last (the logger drained before it ended)" grep -qx last-err "$T/follow.out"
is "$(grep -c . "$T/follow.out")" 4 "and every line once"
rt logs -f f1
is "$status/$out" "0/$(printf 'started\nlast')" "logs -f of a stopped container prints the log and ends"
rt delete --force f1
check "delete removes it" test ! -e "$R/f1"

# --- rotation at --log-opt max-size ------------------------------------------------------
run_d --rootfs "$ROOT" --network none --name big --log-opt max-size=64k -- seq 1 30000
is "$status/$x" 0/big "run -d --log-opt max-size=64k"
check "the container writes its 170 kB and stops" wait_until 20 state_is big stopped
rt logs -f big
last=$(tail -n 1 <<<"$out")
first=$(head -n 1 <<<"$out")
is "$last" 30000 "the newest line is kept"
check "the oldest lines went ($first is the first kept)" test "${first:-0}" -gt 1
is "$(awk 'NR > 1 && $1 != p + 1 { bad = 1 } { p = $1 } END { print bad ? "gap" : "none" }' <<<"$out")" none \
  "and what is kept has no gap, across the two files"
size=$(cat "$R/big/container.log" "$R/big/container.log.1" | wc -c)
check "the log on disk stays within 64 KiB ($size bytes in container.log and container.log.1)" test "$size" -le 65536
rt logs --tail 3 big
is "$out" "$(printf '29998\n29999\n30000')" "--tail 3 across the rotated files"
rt delete big
nothing_left big "delete removes the rotated files too"

# --- a terminal: -t with -d --------------------------------------------------------------
run_d -t --rootfs "$ROOT" --network none --name tty1 -- sh -c 'tty; echo on-the-pty >&2'
is "$status/$x" 0/tty1 "run -d -t: the id"
rt logs -f tty1
like "$out" '^/dev/pts/[0-9]+' "the process has a pty, and what it writes there is in the log"
like "$out" 'on-the-pty' "stderr too (a pty is one stream)"
rt delete tty1
check "delete removes it" test ! -e "$R/tty1"

# --- delete --force of a running one stops its logger too ---------------------------------
run_d --rootfs "$ROOT" --network slirp --name busy -- sh -c 'while true; do echo tick; sleep 0.1; done'
check "it writes its log" wait_until 10 grep -q tick "$R/busy/container.log"
logger=$(cut -d' ' -f1 "$R/busy/log.pid")
check "its logger runs, as the user, not dumpable" sh -c "grep -q 'NoNewPrivs:.*1' /proc/$logger/status && ! cat /proc/$logger/environ 2>/dev/null"
rt delete --force busy
is "$status" 0 "delete --force"
check "the logger is gone" dead "$logger"
nothing_left busy "nothing left"

# --- what has no log, and files uctr did not make -------------------------------------------
b=$(mkbundle nolog '.process.args = ["true"]')
rt create --bundle "$b" nolog
rt logs nolog
like "$status $err" "^[1-9].* container nolog keeps no log: only a detached one-line run" \
  "logs of a bundle's container: it keeps no log, and which ones do"
rt delete --force nolog
rt logs nosuch
like "$err" 'container nosuch does not exist' "logs of no container"

run_d --rootfs "$ROOT" --network none --name sym -- echo mine
rt logs -f sym
is "$out" mine "a log of one line"
echo secret >"$T/secret"
rm "$R/sym/container.log"
ln -s "$T/secret" "$R/sym/container.log"
rt logs sym
like "$status $err" '^[1-9].*container.log is a symbolic link' "a log replaced by a symlink is not followed"
unlike "$out" secret "and nothing of its target is printed"
rt delete sym
check "delete removes the symlink" test ! -e "$R/sym"
is "$(cat "$T/secret")" secret "not its target"

# --- bad input ------------------------------------------------------------------------
rt run --rootfs "$ROOT" --network none --log-opt max-size=1m -- true
like "$status $err" '^[1-9].*--log-opt goes with --detach' "--log-opt without -d: refused, and why"
rt run -d --rootfs "$ROOT" --network none --log-opt max-size=10 -- true
like "$err" '--log-opt max-size=10: expected a size from 64k' "a size too small: refused with the range"
rt run -d --rootfs "$ROOT" --network none --log-opt max-file=3 -- true
like "$err" '--log-opt max-file=3: uctr knows one option, max-size=SIZE' "an unknown --log-opt: named"
b=$(mkbundle optb '.process.args = ["true"]')
rt run -d --bundle "$b" --log-opt max-size=1m optb
like "$err" '--log-opt goes with an image or --rootfs' "--log-opt in bundle mode: refused"
rt run -d -t --rootfs "$ROOT" --network none --console-socket "$T/sock" -- true
like "$err" '--console-socket with --detach and --rootfs' "--console-socket with a logged pty: refused"
rt logs --tail -2 x
like "$err" '--tail -2: expected a number of lines' "--tail below -1: refused"
rt list -q
is "$out" "" "and none of them left a container"

done_testing
