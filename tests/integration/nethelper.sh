#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# The network helper of --network slirp against its container (issue 12):
# frames a root with CAP_NET_RAW writes to tap0, the helper's sandbox, and
# what state, list, port and delete say when the helper dies anyway.
# uctr-only: runc has no built-in network.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

uctr_only "--network slirp" || { done_testing; exit 0; }

FRAMES=$TESTS_DIR/frames.py

# in_ns ID CMD...: CMD in the container's user and network namespaces, as
# its root with every capability there (CAP_NET_RAW included).
in_ns () { nsenter -t "$(pid_of "$1")" -U -n --preserve-credentials "${@:2}"; }

# The helper is two processes: the watcher create started (net.pid) and
# the loop, its child, that runs libslirp.
watcher_of () { cut -d' ' -f1 "$R/$1/net.pid" 2>/dev/null; }
loop_of () { pgrep -P "$(watcher_of "$1")" 2>/dev/null | head -n 1; }
status_field () { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null; }

# start_udp_echo: a UDP server on 127.0.0.1 that echoes one datagram; sets $port.
start_udp_echo ()
{
  coproc UDP_SRV { exec python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(20)
print(s.getsockname()[1], flush=True)
data, peer = s.recvfrom(65536)
s.sendto(data, peer)'; }
  track_pid "$UDP_SRV_PID"
  read -r port <&"${UDP_SRV[0]}"
}

b=$(mkbundle web '.process.args = ["sleep", "1000"]')
rt run -d --network slirp:allow_host_loopback=true,mtu=1500 --bundle "$b" web
is "$status" 0 "run -d --network slirp"
loop=$(loop_of web)
check "the helper runs as a watcher, its loop, and the loop's agent" test -n "$(pgrep -P "${loop:-0}")"

# --- the helper's sandbox ---------------------------------------------------------
if grep -q __asan_init "$UCTR"; then
  is "$(status_field "$loop" NoNewPrivs)" 1 "the loop runs with no_new_privs"
  skip "the loop runs with a seccomp filter" "not under AddressSanitizer (LeakSanitizer needs ptrace)"
else
  is "$(status_field "$loop" NoNewPrivs)/$(status_field "$loop" Seccomp)" "1/2" \
    "the loop runs with no_new_privs and a seccomp filter"
fi
is "$(status_field "$loop" CapEff)/$(status_field "$loop" CapPrm)" "0000000000000000/0000000000000000" \
  "the loop holds no capability"
check "the loop is not dumpable: its environment is closed even to its own user" sh -c "! cat /proc/$loop/environ 2>/dev/null"
is "$(awk '$1 == "Max" && $2 == "core" { print $5 "/" $6 }' "/proc/$loop/limits")" 0/0 "the loop dumps no core, and cannot raise the limit"

# --- frames from the container -------------------------------------------------------
out=$(in_ns web python3 "$FRAMES" issue 2>&1) || true
is "$out" "sent the frame of issue 12" "the container's root writes the frame of issue 12 (a lone last IPv4 fragment) to tap0"
start_udp_echo
out=$(in_ns web python3 "$FRAMES" udp-reversed 10.0.2.2 "$port" 3000 2>&1) || true
is "$out" "echo 3000 bytes" "a 3000-byte UDP datagram at MTU 1500, fragments sent last first, is reassembled and answered"
check "neither took the helper down: the loop is the same process" test "$(loop_of web)" = "$loop"
rt state web
unlike "$out" networkHelper "the state says nothing of the helper while it runs"

# --- when the helper dies anyway ------------------------------------------------------
# AddressSanitizer turns a SIGBUS into a report and exit 1: SIGUSR1 then.
sig=BUS
grep -q __asan_init "$UCTR" && sig=USR1
hp=$(random_port)
rt port add web "127.0.0.1:$hp:80"
is "$status" 0 "port add while the helper runs"
kill -"$sig" "$loop"
check "the loop dies of SIG$sig" wait_until 10 dead "$loop"
check "the watcher records it and exits" wait_until 10 dead "$(watcher_of web)"
rt state web
is "$(jq -r '.status + " " + .networkHelper' <<<"$out")" "running exited: killed by SIG$sig" \
  "state: the container runs on, and networkHelper says how the helper ended"
printf '%s\n' "$out" >"$T/state.json"
SCHEMA_DIR=${SCHEMA_DIR:-$TESTS_DIR/../../../shared/runtime-spec-schema}
if [ -f "$SCHEMA_DIR/state-schema.json" ]; then
  is "$(python3 "$TESTS_DIR/../schema-check.py" "$SCHEMA_DIR" state-schema.json <"$T/state.json" 2>&1)" valid \
    "... and it validates against state-schema.json"
else
  skip "state with networkHelper validates" "no runtime-spec schemas in $SCHEMA_DIR"
fi
rt list
like "$err" "^uctr: warning: the network helper of web exited: killed by SIG$sig$" "list names it on stderr"
like "$out" "^web +[0-9]+ +running " "... and lists the container, running, as runc does"
rt list --format json
is "$(jq -r '.[] | select(.id == "web") | .networkHelper' <<<"$out")" "exited: killed by SIG$sig" "list --format json has it"
rt port list web
check "port list fails" test "$status" -ne 0
is "$err" "uctr: the network helper of web exited: killed by SIG$sig; the container has no network until it is run again" \
  "port list names the helper's end, not a missing --network slirp"
rt port add web "127.0.0.1:$((hp + 1)):80"
like "$err" "the network helper of web exited: killed by SIG$sig" "port add too"
check "the port API's socket is gone" test ! -e "$R/web/port.sock"
rt delete --force web
is "$status" 0 "delete --force"
nothing_left web "delete leaves nothing: no helper, socket, record or state"

# A helper killed outright: the record says so too.
b=$(mkbundle killed '.process.args = ["sleep", "1000"]')
rt run -d --network slirp --bundle "$b" killed
kill -KILL "$(loop_of killed)"
check "a loop killed with SIGKILL is recorded" wait_until 10 sh -c "grep -qx 'signal 9' '$R/killed/net.exit'"
rt state killed
is "$(jq -r .networkHelper <<<"$out")" "exited: killed by SIGKILL" "state: killed by SIGKILL"
rt delete --force killed
nothing_left killed "and delete leaves nothing"

# The container's own end is no news: nothing is recorded.
b=$(mkbundle ends '.process.args = ["sleep", "1000"]')
rt run -d --network slirp --bundle "$b" ends
watcher=$(watcher_of ends)
rt kill ends KILL
check "the helper goes with the container" wait_until 10 dead "$watcher"
check "with no record" test ! -e "$R/ends/net.exit"
rt state ends
is "$(jq -r '.status + " " + (.networkHelper // "none")' <<<"$out")" "stopped none" "state: stopped, nothing about the helper"
rt delete ends
nothing_left ends "and delete leaves nothing"

done_testing
