#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# Options of create/run and the global ones: --pid-file, --preserve-fds,
# --no-pivot, --log/--log-format/--debug; concurrent create of one id.
# Generic: also passes with UCTR_TEST_RUNTIME=runc.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

WAIT='echo ready > /ready; read line < /go'
B=$(mkbundle waiter ".process.args = $(args_json sh -c "$WAIT")")
mkfifo "$B/rootfs/go"

# --- pid file --------------------------------------------------------------
rt create --bundle "$B" --pid-file "$T/c1.pid" c1
status_is 0 "create --pid-file exits 0"
is "$(cat "$T/c1.pid" 2>&1)" "$(pid_of c1)" "create --pid-file: the file holds the init's pid, as state says"
p1=$(cat "$T/c1.pid" 2>/dev/null || echo 0)
if alive "$p1"; then
  pass "the pid file's pid is alive"
else
  fail "the pid file's pid is alive" "pid $p1 is not"
  diag "state: $(timeout 10 "$RT" --root "$R" state c1 2>&1 | tr '\n' ' ')"
  diag "/proc/$p1/stat: $(cat "/proc/$p1/stat" 2>&1)"
  diag "/proc/$p1/status: $(grep -E '^(Name|State|PPid|Uid)' "/proc/$p1/status" 2>&1 | tr '\n' ' ')"
fi
rt delete --force c1

rt run --detach --bundle "$B" --pid-file "$T/r1.pid" r1
status_is 0 "run --detach --pid-file exits 0"
is "$(cat "$T/r1.pid" 2>&1)" "$(pid_of r1)" "run -d --pid-file: the container's pid"
rt delete --force r1

cd "$T"
rt create --bundle "$B" --pid-file rel.pid c2
is "$(cat "$T/rel.pid" 2>&1)" "$(pid_of c2)" "a relative --pid-file is relative to the current directory"
rt delete --force c2

# --- preserve-fds ----------------------------------------------------------
echo fd-three >"$T/f3"
echo fd-four >"$T/f4"
b=$(mkbundle fds '.process.args = ["sh", "-c", "cat <&3; cat <&4; cat <&5 2>/dev/null || echo no-fd-5"]')
rt run --preserve-fds 2 --bundle "$b" fds 3<"$T/f3" 4<"$T/f4" 5<"$T/f4"
is "$status/$out" "0/$(printf 'fd-three\nfd-four\nno-fd-5')" "--preserve-fds 2 passes fds 3 and 4, not 5"
b=$(mkbundle nofds '.process.args = ["sh", "-c", "cat <&3 2>/dev/null || echo no-fd-3"]')
rt run --bundle "$b" nofds 3<"$T/f3"
is "$status/$out" "0/no-fd-3" "without --preserve-fds no extra fd reaches the container"

# --- no-pivot ------------------------------------------------------------------
b=$(mkbundle nopivot '.process.args = ["sh", "-c", "cat /etc/hostname; ls /work 2>/dev/null || echo no-host-fs"]')
rt run --no-pivot --bundle "$b" nopivot
is "$status/$out" "0/$(printf 'uctr\nno-host-fs')" "--no-pivot: the rootfs is / and the host's is out of reach"

# A process that makes a nested user namespace (mapping root there takes
# CAP_SETFCAP since Linux 5.12) may mount a new procfs or sysfs only where
# one is fully visible, none of it covered by the masked paths. pivot_root
# leaves only the container's own, which are masked; --no-pivot must not
# leave the host's /proc and /sys within reach of the kernel's check either.
# The container keeps its own mounts and masked paths.
script='unshare -U -r -m -p -f sh -c "echo nested; mount -t proc proc /mnt 2>/dev/null && echo fresh-procfs"
unshare -U -r -m -n sh -c "echo nested; mount -t sysfs sysfs /mnt 2>/dev/null && echo fresh-sysfs"
for p in /proc/timer_list /proc/keys; do [ -e "$p" ] && echo "$p $(wc -c <"$p")"; done
[ -d /sys/firmware ] && echo "/sys/firmware $(ls -A /sys/firmware | wc -l)"
cut -d" " -f5 /proc/self/mountinfo | grep -xE "/proc|/sys|/dev|/dev/pts" | sort | tr "\n" " "'
want="nested
nested
$(for p in /proc/timer_list /proc/keys; do [ -e "$p" ] && echo "$p 0"; done
  [ -d /sys/firmware ] && echo "/sys/firmware 0")
/dev /dev/pts /proc /sys "
b=$(mkbundle nofreshproc ".process.args = $(args_json sh -c "$script")
  | .process.capabilities |= with_entries(.value += [\"CAP_SETFCAP\"])")
for pivot in --no-pivot ''; do
  rt run $pivot --bundle "$b" nofreshproc
  is "$status/$out" "0/$want" "${pivot:-pivot_root}: no new procfs or sysfs from a nested user namespace; the masks and mounts are there"
done

# --- log, log-format, debug ------------------------------------------------------
b=$(mkbundle norootfs '.root.path = "missing-rootfs"')
rt --log "$T/json.log" --log-format json run --bundle "$b" lj
check "a run that fails exits non-zero" test "$status" -ne 0
if [ -s "$T/json.log" ]; then
  check "--log-format json: every line of the log is a JSON object with level and msg" \
    jq -e -s 'length > 0 and all(.[]; type == "object" and has("level") and has("msg"))' "$T/json.log"
  like "$(jq -r 'select(.level == "error") | .msg' "$T/json.log" 2>&1)" missing-rootfs \
    "--log-format json: the error, naming the missing rootfs, at level error"
else
  fail "--log FILE --log-format json writes the error to FILE" "empty or missing log"
fi
rt --log "$T/text.log" --log-format text run --bundle "$b" lt
like "$(cat "$T/text.log" 2>&1)" missing-rootfs "--log-format text: the error in the log file"
rt --log "$T/dflt.log" run --bundle "$b" ld
like "$(cat "$T/dflt.log" 2>&1)" missing-rootfs "--log without --log-format: text"
b=$(mkbundle dbg '.process.args = ["true"]')
rt --debug --log "$T/debug.log" run --bundle "$b" dbg
status_is 0 "run with --debug --log exits 0"
check "--debug: a successful run writes debug lines to the log" test -s "$T/debug.log"
rt --debug run --bundle "$b" dbg2
like "$(head -1 <<<"$err")" '^time="[0-9TZ:.-]+" level=debug msg=".+"$' "--debug without --log: debug lines on stderr in runc's (logrus) shape"

# With --log, a warning goes to the log, not to stderr: under an engine
# stderr is the container's own (conmon's pipe), as with runc.
b=$(mkbundle warnlog '.process.args = ["true"] | .process.capabilities.bounding += ["CAP_NO_SUCH"]')
rt --log "$T/warn.log" run --bundle "$b" warnlog
is "$status/$err" "0/" "with --log a warning does not reach stderr"
like "$(cat "$T/warn.log" 2>&1)" 'level=warning.*CAP_NO_SUCH' "it is in the log, at level warning"
rt run --bundle "$b" warnlog2
like "$err" 'CAP_NO_SUCH' "without --log the warning is on stderr"

# --- concurrent create -------------------------------------------------------------
# round: two creates of one id at once; prints what went wrong, nothing when right.
concurrent_round ()
{
  local pa pb ra=0 rb=0 loser
  rt_bg "$T/cc-a.out" create --bundle "$B" same
  pa=$bg_pid
  rt_bg "$T/cc-b.out" create --bundle "$B" same
  pb=$bg_pid
  wait "$pa" || ra=$?
  wait "$pb" || rb=$?
  if [ "$ra" -eq 0 ] && [ "$rb" -ne 0 ]; then
    loser=$T/cc-b.out
  elif [ "$rb" -eq 0 ] && [ "$ra" -ne 0 ]; then
    loser=$T/cc-a.out
  else
    echo "exit statuses $ra and $rb: $(cat "$T/cc-a.out" "$T/cc-b.out")"
    return
  fi
  grep -q "already exists" "$loser" || echo "the loser said: $(cat "$loser")"
  [ "$(state_of same)" = created ] || echo "state $(state_of same)"
}

if not_on_runc "two concurrent creates of one id" "both can fail (unable to store init state / exec fifo already exists)"; then
  problem=
  for round in 1 2 3 4 5; do
    problem=$(concurrent_round)
    rt delete --force same
    [ -z "$problem" ] || { problem="round $round: $problem"; break; }
  done
  is "$problem" "" "two concurrent creates of one id: one container, and 'already exists' for the other (5 rounds)"
  nothing_left same "concurrent creates leave nothing behind once deleted"
fi

done_testing
