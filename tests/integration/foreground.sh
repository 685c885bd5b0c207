#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# One-line runs in the foreground: --init as PID 1 (signals reach the
# command, zombies are reaped), the container going with its `uctr run`
# however that ends (SIGKILL, a hangup of its terminal; a bundle's run keeps
# runc's behaviour), and the terminal uctr proxies (fully raw, restored, its
# size).  The terminal is a pty of ptyrun.py's, as a terminal emulator's.
# uctr-only: runc has no one-line runs.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

uctr_only "one-line runs in the foreground" || { done_testing; exit 0; }

PTYRUN=$TESTS_DIR/ptyrun.py
ROOT=$T/rootfs
cp -a "$ROOTFS" "$ROOT"
INIT=/dev/uctr-init

# run_fg NAME ARGS...: `uctr run --rootfs $ROOT --name NAME ARGS` in the
# background, as from a terminal: SIGINT and SIGQUIT not ignored (a
# script's background job ignores them).  Its pid in $fg_pid.
run_fg ()
{
  local name=$1
  shift
  UCTR_TEST_TAG=$T env --default-signal=INT,QUIT "$RT" --root "$R" run --rootfs "$ROOT" --name "$name" "$@" \
    </dev/null >"$T/$name.out" 2>&1 &
  fg_pid=$!
  track_pid "$fg_pid"
}

# wait_fg: waits (at most CALL_TIMEOUT) for the last run_fg; its status in $rc.
wait_fg ()
{
  rc=0
  if ! wait_until "$CALL_TIMEOUT" dead "$fg_pid"; then
    rc=timeout
    return 0
  fi
  { wait "$fg_pid"; } 2>/dev/null || rc=$?
}

# pty_run NAME [PTYRUN-OPTION...] -- ARGS...: `uctr run --rootfs $ROOT ARGS`
# on a pty of ptyrun.py's, as in a terminal emulator; what it wrote in
# $T/NAME.out, ptyrun's report in $T/NAME.rep.
pty_run ()
{
  local name=$1 opts=()
  shift
  while [ "$1" != -- ]; do
    opts+=("$1")
    shift
  done
  shift
  python3 "$PTYRUN" --report "$T/$name.rep" "${opts[@]}" -- \
    env UCTR_TEST_TAG="$T" "$RT" --root "$R" run --rootfs "$ROOT" "$@" >"$T/$name.out"
}

# report NAME KEY...: those lines of the report of pty_run NAME.
report () { grep -E "^($(IFS='|'; echo "${*:2}"))=" "$T/$1.rep"; }

# others ID: "COMM STATE" of each process of container ID but its PID 1
# (and the shell that looks), sorted.
others ()
{
  rt exec "$1" sh -c 'for p in /proc/[0-9]*; do [ "${p#/proc/}" = $$ ] || { read -r l <"$p/stat" && echo "$l"; }; done'
  awk '$1 != 1 { print $2, $3 }' <<<"$out" | sort
}
others_are () { [ "$(others "$1")" = "$2" ]; }

# ---- --init -----------------------------------------------------------------------------
run_fg noinit --network none -- sleep 1000
wait_until 10 state_is noinit running || true
pid=$(pid_of noinit)
kill -TERM "$fg_pid" 2>/dev/null || true
if wait_until 1 dead "$pid"; then
  fail "without --init, sleep as PID 1 ignores the SIGTERM uctr forwards (today's behaviour)"
else
  pass "without --init, sleep as PID 1 ignores the SIGTERM uctr forwards (it has no handler)"
fi
kill -KILL "$fg_pid" 2>/dev/null || true
wait_fg
check "and SIGKILL to uctr run ends it" wait_until 10 dead "$pid"

for sig in TERM INT; do
  run_fg "init-$sig" --network none --init -- sleep 1000
  check "--init: running (SIG$sig)" wait_until 10 state_is "init-$sig" running
  is "$(proc_cmdline "$(pid_of "init-$sig")")" "$INIT -- sleep 1000" "--init: the init is PID 1, the command its child"
  kill "-$sig" "$fg_pid" 2>/dev/null || true
  wait_fg
  is "$rc" $((128 + $(kill -l "$sig"))) "--init: SIG$sig to uctr run ends sleep, and uctr with its status"
  nothing_left "init-$sig" "--init, SIG$sig: nothing left"
done

# An orphan's zombie: PID 1 reaps it with --init, nobody does without.
run_fg zomb --network none -- sh -c '(sleep 0.2 &); exec sleep 1000'
wait_until 10 state_is zomb running || true
check "without --init, an orphan stays a zombie" wait_until 10 others_are zomb "(sleep) Z"
kill -KILL "$fg_pid" 2>/dev/null || true
wait_fg
run_fg zomb2 --network none --init -- sh -c '(sleep 0.2 &); exec sleep 1000'
wait_until 10 state_is zomb2 running || true
check "with --init, the orphan is reaped: the command alone is left" \
  wait_until 10 others_are zomb2 "(sleep) S"
kill -TERM "$fg_pid" 2>/dev/null || true
wait_fg
nothing_left zomb2 "nothing left"

rt run --rootfs "$ROOT" --network none --read-only -u 1000:1000 --init -- \
  sh -c 'echo "$$ $(id -u)"; tr "\0" "\n" </proc/1/cmdline | head -2; exit 5'
is "$status/$out" "5/2 1000
$INIT
--" "--init with --read-only and --user: the command is pid 2, its exit status is run's"
check "the init's mount point is not made in the root" test ! -e "$ROOT$INIT"

echo '#!/bin/sh' >"$T/not-exec"
rt run --rootfs "$ROOT" --network none --init-path "$T/nosuch" -- true
like "$status $err" "^[1-9][0-9]* uctr: --init-path $T/nosuch: No such file" "--init-path: a missing file is named"
rt run --rootfs "$ROOT" --network none --init-path "$T/not-exec" -- true
like "$err" "--init-path $T/not-exec: not an executable file" "--init-path: a file that is no program is named"
out=$(UCTR_TEST_TAG=$T env PATH="$T/empty" "$RT" --root "$R" run --rootfs "$ROOT" --network none --init -- true 2>&1) \
  && status=0 || status=$?
like "$status $out" "^[1-9][0-9]* uctr: --init: catatonit.* is not installed: apt-get install catatonit" \
  "--init without catatonit says how to install it"
rt list -q
is "$out" "" "refused --init runs leave nothing behind"

# ---- the container goes with its uctr run -------------------------------------------------
# kill_run NAME ARGS...: SIGKILL to a running `uctr run`: its init, the
# network helper and the state go.
kill_run ()
{
  local name=$1 init watcher
  shift
  run_fg "$name" "$@" -- sleep 1000
  wait_until 10 state_is "$name" running || true
  init=$(pid_of "$name")
  watcher=$(cut -d' ' -f1 "$R/$name/net.pid" 2>/dev/null) || true
  kill -KILL "$fg_pid" 2>/dev/null || true
  wait_fg
  check "SIGKILL to uctr run $*: the container's init goes" wait_until 10 dead "$init"
  check "its state goes" wait_until 10 test ! -e "$R/$name"
  if [ -n "$watcher" ]; then
    check "the network helper goes" wait_until 10 dead "$watcher"
  fi
  nothing_left "$name" "nothing left"
}
kill_run k-net --network slirp
# The switch to the process's user clears the parent-death signal.
kill_run k-user --network none -u 1000:1000

run_fg k-keep --network none --keep -- sleep 1000
wait_until 10 state_is k-keep running || true
pid=$(pid_of k-keep)
kill -KILL "$fg_pid" 2>/dev/null || true
wait_fg
check "--keep: the container's init goes with a killed uctr run too" wait_until 10 dead "$pid"
check "and the stopped container stays for delete" wait_until 10 state_is k-keep stopped
rt delete k-keep

# A bundle's run is runc's: a killed `runc run` leaves its container running.
B=$(mkbundle bundle '.process.args = ["sleep", "1000"]')
UCTR_TEST_TAG=$T "$RT" --root "$R" run --bundle "$B" k-bundle </dev/null >/dev/null 2>&1 &
fg_pid=$!
track_pid "$fg_pid"
wait_until 10 state_is k-bundle running || true
kill -KILL "$fg_pid" 2>/dev/null || true
wait_fg
if wait_until 1 dead "$(pid_of k-bundle)"; then
  fail "run --bundle killed: the container runs on, as with runc"
else
  pass "run --bundle killed: the container runs on, as with runc"
fi
rt delete --force k-bundle

# A hangup: the container gets SIGHUP (a shell with a handler ends then)...
pty_run hup --on START hangup -- --network none --name hup -- \
  sh -c 'trap "exit 7" HUP; echo START; while :; do sleep 0.1; done'
is "$(report hup status timeout)" "status=7" \
  "its terminal hung up: the container gets SIGHUP, and uctr run its status"
nothing_left hup "nothing left"
# ... and SIGKILL when it ignores SIGHUP, as PID 1 without a handler does.
pty_run hup2 --on START hangup -- --network slirp --name hup2 -- sh -c 'echo START; exec sleep 1000'
is "$(report hup2 status timeout)" "status=137" \
  "a container that ignores SIGHUP gets SIGKILL after the grace period"
nothing_left hup2 "nothing left, network helper included"

# ---- the terminal -------------------------------------------------------------------------
pty_run raw --size 30x100 -- --network none -- \
  sh -c 'stty size; echo START; stty -onlcr; printf "a\nb\n"'
is "$(od -An -c "$T/raw.out" | tr -s ' \n' ' ')" " 3 0 1 0 0 \\r \\n S T A R T \\r \\n a \\n b \\n " \
  "fully raw: the bytes as the container's pty wrote them (no \\r after its stty -onlcr), at our window size"
is "$(report raw status timeout restored)" "status=0
restored=yes" "our terminal is restored after"
# Raw while the container runs: looked at while it waits for a line.
pty_run rawmode --on START termios --on READY 'send:x\r' -- --network none -- sh -c 'echo START; echo READY; read x'
is "$(report rawmode raw status timeout)" "raw=yes
status=0" "our terminal is raw while the pty is proxied"

pty_run winch --size 30x100 --on START resize:40x120 -- --network none -- \
  sh -c 'trap "stty size; exit 0" WINCH; echo START; i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; exit 9'
like "$(tr -d '\r' <"$T/winch.out")" '^40 120$' "a resized window resizes the container's pty (SIGWINCH)"
is "$(report winch status timeout)" "status=0" "and the container hears of it"

# A fatal signal that uctr does not forward ends it with the terminal restored.
pty_run alrm --on START termios -- --network none --name alrm -- sh -c 'echo START; exec sleep 1000' &
alrm=$!
track_pid "$alrm"
wait_until 10 grep -qs "^raw=yes" "$T/alrm.rep" || true
kill -ALRM "$(sed -n 's/^pid=//p' "$T/alrm.rep")" 2>/dev/null || true
wait_until "$CALL_TIMEOUT" dead "$alrm" || true
is "$(report alrm status timeout restored)" "status=142
restored=yes" "uctr killed by SIGALRM restores the terminal first"
# The guard deletes the container once uctr is gone: a moment later.
check "its guard deletes the container" wait_until 20 test ! -e "$R/alrm"
nothing_left alrm "and its container goes with it"

done_testing
