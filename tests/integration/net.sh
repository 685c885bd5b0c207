#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# --network slirp: tap0 and its addresses inside, outbound TCP through libslirp
# to a server the test runs on the host's loopback, host loopback closed
# unless asked, bad options, and no network helper left behind.  uctr-only:
# runc has no built-in network.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

uctr_only "--network slirp" || { done_testing; exit 0; }

ECHO=$TESTS_DIR/echo-server.py

# inside NAME NETWORK SCRIPT: run SCRIPT in a container with --network NETWORK.
inside ()
{
  local b
  b=$(mkbundle "$1" ".process.args = $(args_json sh -c "$3")")
  rt run --network "$2" --bundle "$b" "$1"
}

# start_echo: an echo server on 127.0.0.1; sets $port and records its pid.
start_echo ()
{
  coproc ECHO_SRV { exec python3 "$ECHO" --count "${1:-1}"; }
  # bash forgets the coproc's variables once it exits: keep them.
  echo_pid=$ECHO_SRV_PID
  track_pid "$echo_pid"
  read -r port <&"${ECHO_SRV[0]}"
}

# --- the container side ---------------------------------------------------------
inside addrs slirp 'ip -4 addr show tap0 | grep -o "inet [0-9./]*"; ip route | grep default; cat /sys/class/net/tap0/mtu; ip -6 addr show tap0 | grep -o "fd00::100/64"; cat /etc/resolv.conf; ip link show lo | grep -o "UP,LOWER_UP"'
is "$status" 0 "--network slirp: the container runs"
is "$out" "$(printf 'inet 10.0.2.100/24\ndefault via 10.0.2.2 dev tap0 \n65520\nfd00::100/64\nnameserver 10.0.2.3\nnameserver fd00::3\nUP,LOWER_UP')" \
  "tap0 is 10.0.2.100/24 and fd00::100/64, routes via 10.0.2.2, MTU 65520; resolv.conf names slirp's DNS; lo is up"
nothing_left addrs "no network helper left once the container exited"

inside opts 'slirp:mtu=1500,ipv6=false,cidr=10.9.8.0/24,dns=false' \
  'ip -4 addr show tap0 | grep -o "inet [0-9./]*"; ip route | grep default; cat /sys/class/net/tap0/mtu; ip -6 addr show tap0 | grep -c "fd00::100"; test -e /etc/resolv.conf && echo resolv || echo no-resolv'
is "$out" "$(printf 'inet 10.9.8.100/24\ndefault via 10.9.8.2 dev tap0 \n1500\n0\nno-resolv')" \
  "slirp options: cidr, mtu, ipv6=false, dns=false (no resolv.conf of ours)"

inside none none 'ip -o link | grep -c tap0; ip -o link show lo | grep -c UP'
is "$out" "$(printf '0\n1')" "--network none: lo only, and it is up"

# --- the annotation -----------------------------------------------------------------
S=$T/spec-annot
mkdir -p "$S"
rt spec --rootless --bundle "$S"
is "$(jq -r '.annotations["uctr.network"]' "$S/config.json")" slirp \
  "spec --rootless writes the uctr.network annotation: a desktop bundle has a network"

b=$(mkbundle annot '.annotations["uctr.network"] = "slirp:mtu=9000" | .process.args = ["cat", "/sys/class/net/tap0/mtu"]')
rt run --bundle "$b" annot
is "$out" 9000 "the uctr.network annotation turns slirp on, with its options"
rt run --network none --bundle "$b" annot2
check "--network none overrides the annotation" test "$status" -ne 0
like "$err" "tap0/mtu'*: No such file" "without tap0 under --network none"

b=$(mkbundle badannot '.annotations["uctr.network"] = "slirp:bogus=1" | .process.args = ["true"]')
rt run --bundle "$b" badannot
like "$err" 'annotations\["uctr.network"\].*unknown option "bogus"' "a bad annotation: the error names it"
nothing_left badannot "and nothing is left behind"

# --- outbound TCP -----------------------------------------------------------------
start_echo
inside tcp 'slirp:allow_host_loopback=true' "echo hello | nc -w 5 10.0.2.2 $port"
is "$out" "echo:hello" "outbound TCP: 10.0.2.2 reaches the host's 127.0.0.1 with allow_host_loopback=true"
wait "$echo_pid" 2>/dev/null || true

start_echo
inside closed slirp "echo hello | nc -w 3 10.0.2.2 $port; echo nc=\$?"
like "$out" "nc=1" "host loopback is closed by default"
unlike "$out" "echo:" "nothing reached the host's loopback server"
kill "$echo_pid" 2>/dev/null || true

# --- bad input ----------------------------------------------------------------------
b=$(mkbundle badopt '.process.args = ["true"]')
rt run --network slirp:nosuch=1 --bundle "$b" badopt
check "an unknown slirp option fails" test "$status" -ne 0
like "$err" 'unknown option "nosuch"' "the error names the unknown option"
nothing_left badopt "a refused --network leaves nothing behind"

rt run --network slirp:mtu=20 --bundle "$b" badmtu
like "$err" 'mtu must be between' "an out-of-range mtu is refused with the range"

b=$(mkbundle nonetns 'del(.linux.namespaces[] | select(.type == "network")) | .process.args = ["true"]')
rt run --network slirp --bundle "$b" nonetns
like "$err" 'needs a new network namespace' "slirp without a network namespace: a clear error"
nothing_left nonetns "and nothing left behind"

# --- the helper goes with the container ----------------------------------------------
b=$(mkbundle gone '.process.args = ["sh", "-c", "echo ready > /ready; exec sleep 1000"]')
rt run -d --network slirp --bundle "$b" gone
is "$status" 0 "run -d --network slirp"
helper=$(pgrep -f "__net-helper" -u "$(id -u)" -n || true)
check "a network helper runs while the container does" test -n "$helper"
rt delete --force gone
check "delete --force: the helper exits too" wait_until 10 dead "${helper:-0}"
nothing_left gone "delete --force leaves no helper, process or state"

b=$(mkbundle killed '.process.args = ["sh", "-c", "exec sleep 1000"]')
rt run -d --network slirp --bundle "$b" killed
pid=$(pid_of killed)
helper=$(pgrep -f "__net-helper" -u "$(id -u)" -n || true)
kill -KILL "$pid" 2>/dev/null || true
check "the helper exits when the container's init is killed" wait_until 10 dead "${helper:-0}"
rt delete killed

done_testing
