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

# start_echo [COUNT [ARGS]]: an echo server on 127.0.0.1 (echo-server.py
# ARGS); sets $port and records its pid.
start_echo ()
{
  local count=${1:-1}
  shift || true
  coproc ECHO_SRV { exec python3 "$ECHO" --count "$count" "$@"; }
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

# --- outbound TCP through the proxy (outbound_tcp=splice, the default) ------------
# nft_in NAME ARGS...: nft(8) in container NAME's user and network namespaces.
nft_in ()
{
  local p
  p=$(pid_of "$1")
  nsenter -t "$p" -U -n --preserve-credentials nft "${@:2}"
}

has_table () { nft_in "$1" list table inet uctr >/dev/null 2>&1; }

b=$(mkbundle proxy '.process.args = ["sleep", "1000"]')
rt run -d --network slirp:allow_host_loopback=true --bundle "$b" proxy
is "$status" 0 "run -d --network slirp: outbound TCP through the proxy by default"
# The proxy is set up once the container has started: wait for its table.
check "the outbound proxy's table appears" wait_until 10 has_table proxy
like "$(nft_in proxy list table inet uctr)" 'tcp dport @reached .*redirect to :[0-9]+' \
  "the container's network namespace redirects TCP to destinations libslirp reached"
start_echo 2
rt exec proxy sh -c "echo one | nc -w 5 10.0.2.2 $port"
is "$out" "echo:one" "the first connection to a host and port goes through libslirp"
like "$(nft_in proxy list set inet uctr reached)" "10\\.0\\.2\\.2 \\. $port " "its SYN-ACK teaches the set that destination"
like "$(nft_in proxy list chain inet uctr outbound)" "ip daddr . tcp dport @reached .*counter packets 0 " \
  "nothing has been redirected yet"
rt exec proxy sh -c "echo two | nc -w 5 10.0.2.2 $port"
is "$out" "echo:two" "the second goes through the proxy, to the same server"
like "$(nft_in proxy list chain inet uctr outbound)" "ip daddr . tcp dport @reached .*counter packets 1 " \
  "the redirect rule took it"
wait "$echo_pid" 2>/dev/null || true

# Bytes both ways, and half-close: the server answers only after the
# container's EOF, which the proxy must pass on (shutdown) and not drop.
start_echo 2 --digest
rt exec proxy sh -c "echo learn | nc -w 5 10.0.2.2 $port >/dev/null; head -c 12000000 /dev/urandom >/tmp/blob; sha256sum </tmp/blob | cut -d' ' -f1; nc -w 5 10.0.2.2 $port </tmp/blob; echo"
sent=$(sed -n 1p <<<"$out")
is "$(sed -n 2p <<<"$out")" "12000000 $sent" "12 MB from the container arrive whole, then the answer after its EOF"
wait "$echo_pid" 2>/dev/null || true
start_echo 2 --send 16000000
rt exec proxy sh -c "nc -w 5 10.0.2.2 $port </dev/null >/dev/null; nc -w 5 10.0.2.2 $port </dev/null | sha256sum | cut -d' ' -f1"
is "$out" "$(python3 "$ECHO" --send-digest 16000000)" "16 MB from the host arrive whole"
like "$(nft_in proxy list chain inet uctr outbound)" "counter packets 3 " "both through the proxy"
wait "$echo_pid" 2>/dev/null || true
learnt=$port
like "$(nft_in proxy list set inet uctr reached)" "10\\.0\\.2\\.2 \\. $learnt " "that destination is learnt"

start_echo 2 --ipv6
rt exec proxy sh -c "echo six | nc -w 5 fd00::2 $port; echo seven | nc -w 5 fd00::2 $port"
is "$out" "$(printf 'echo:six\necho:seven')" "IPv6: fd00::2 reaches the host's ::1, learnt the same way"
like "$(nft_in proxy list chain inet uctr outbound)" "ip6 daddr . tcp dport @reached6 .*counter packets 1 " \
  "IPv6: the second connection through the proxy"
wait "$echo_pid" 2>/dev/null || true

# A learnt destination that stops answering: that connection is reset, the
# destination forgotten, and the next one refused by libslirp as the host does.
rt exec proxy sh -c "nc -w 3 10.0.2.2 $learnt </dev/null; echo nc=\$?"
unlike "$out" "echo:" "the server is gone"
unlike "$(nft_in proxy list set inet uctr reached)" "10\\.0\\.2\\.2 \\. $learnt " "a refused destination is forgotten"
rt exec proxy sh -c "nc -w 3 10.0.2.2 $learnt </dev/null; echo nc=\$?"
like "$err" "Connection refused" "the next connection is refused, as the host refuses it"
like "$out" "nc=1" "and nc fails"
rt exec proxy sh -c 'netstat -ltn | sed -n "s/.*127\.0\.0\.1:\([0-9]*\) .*/\1/p"'
listener=$out
like "$listener" '^[0-9]+$' "the proxy listens on the container's 127.0.0.1"
# nc's stdin stays open and empty (a fifo it holds both ends of): it ends
# when the proxy closes the connection, not when it has nothing to send,
# and whether its own write or the reset comes first does not matter.
start=$(date +%s%N)
rt exec proxy sh -c "mkfifo /dev/shm/in; exec 3<>/dev/shm/in; nc 127.0.0.1 $listener <&3 | wc -c"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
is "$out" 0 "a connection made to the proxy's listener itself gets nothing"
check "... and is closed at once (${ms} ms)" test "$ms" -lt 5000
rt delete --force proxy
nothing_left proxy "no helper, agent or proxy left after delete --force"

# Host loopback closed: the set learns nothing of 10.0.2.2.
b=$(mkbundle proxyclosed '.process.args = ["sleep", "1000"]')
rt run -d --network slirp --bundle "$b" proxyclosed
check "the table appears with host loopback closed too" wait_until 10 has_table proxyclosed
start_echo 1
rt exec proxyclosed sh -c "echo x | nc -w 3 10.0.2.2 $port; echo x | nc -w 3 10.0.2.2 $port; echo nc=\$?"
like "$out" "nc=1" "host loopback stays closed with the proxy"
unlike "$(nft_in proxyclosed list table inet uctr)" "ip saddr 10\\.0\\.2\\.2 " "no rule learns the host address"
kill "$echo_pid" 2>/dev/null || true
rt delete --force proxyclosed

# The container's root may route the host's loopback range out of tap0
# (route_localnet): libslirp would connect() to 127.0.0.99 on the host as
# asked, past allow_host_loopback=false. The helper drops such frames.
b=$(mkbundle loopleak '.process.args = ["sleep", "1000"]')
rt run -d --network slirp --bundle "$b" loopleak
coproc LOOP_SRV { exec python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.99", 0))
s.listen(1)
s.settimeout(10)
print(s.getsockname()[1], flush=True)
try:
    c, _ = s.accept()
    c.sendall(b"LEAKED\n")
except OSError:
    pass'; }
loop_pid=$LOOP_SRV_PID
track_pid "$loop_pid"
read -r lport <&"${LOOP_SRV[0]}"
in_ns () { nsenter -t "$(pid_of loopleak)" -U -n --preserve-credentials "$@"; }
in_ns sysctl -qw net.ipv4.conf.all.route_localnet=1 net.ipv4.conf.tap0.route_localnet=1
in_ns ip route add 127.0.0.99/32 via 10.0.2.2 dev tap0
rt exec loopleak sh -c "echo hi | nc -w 2 127.0.0.99 $lport; echo nc=\$?"
unlike "$out" "LEAKED" "127.0.0.99 routed out of tap0 does not reach the host's loopback"
kill "$loop_pid" 2>/dev/null || true
rt delete --force loopleak

b=$(mkbundle noproxy '.process.args = ["sleep", "1000"]')
rt run -d --network slirp:outbound_tcp=slirp,allow_host_loopback=true --bundle "$b" noproxy
is "$(nft_in noproxy list tables)" "" "outbound_tcp=slirp: no table in the container"
start_echo 2
rt exec noproxy sh -c "echo a | nc -w 5 10.0.2.2 $port; echo b | nc -w 5 10.0.2.2 $port"
is "$out" "$(printf 'echo:a\necho:b')" "outbound_tcp=slirp: libslirp carries outbound TCP"
wait "$echo_pid" 2>/dev/null || true
rt delete --force noproxy

rt run --network slirp:outbound_tcp=fast --bundle "$b" badproxy
like "$err" 'outbound_tcp must be splice, handover or slirp, not "fast"' "a bad outbound_tcp: the error names the choices"
nothing_left badproxy "and nothing is left behind"

# --- ping -----------------------------------------------------------------------------
# Any group of the container may open ICMP echo sockets (no CAP_NET_RAW), as
# under Docker and podman; libslirp answers for its own addresses.
inside pingrange slirp 'cat /proc/sys/net/ipv4/ping_group_range'
like "$out" '^0[[:space:]]+65536$' "--network slirp: net.ipv4.ping_group_range spans the container's mapped groups"
inside pingnone none 'cat /proc/sys/net/ipv4/ping_group_range'
# Turned off ("1 0", kept as the initial namespace's groups, which read as
# the overflow group inside).
off='^(1[[:space:]]+0|65534[[:space:]]+65534)$'
like "$out" "$off" "--network none: the kernel's default (off), as runc leaves it"
b=$(mkbundle pingsysctl '.linux.sysctl["net.ipv4.ping_group_range"] = "1 0" | .process.args = ["cat", "/proc/sys/net/ipv4/ping_group_range"]')
rt run --network slirp --bundle "$b" pingsysctl
like "$out" "$off" "linux.sysctl's ping_group_range wins"
b=$(mkbundle ping '.process.args = ["sleep", "1000"]')
rt run -d --network slirp --bundle "$b" ping
# shellcheck disable=SC2016 # a python program
out=$(nsenter -t "$(pid_of ping)" -U -n --preserve-credentials python3 -c '
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
s.settimeout(5)
s.sendto(struct.pack("!BBHHH", 8, 0, 0, 0, 1) + b"uctr", ("10.0.2.2", 0))
data, peer = s.recvfrom(128)
print(peer[0], data[0], data[8:].decode())' 2>&1)
is "$out" "10.0.2.2 0 uctr" "an ICMP echo socket in the container (no CAP_NET_RAW) gets slirp's echo reply"
rt delete --force ping

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

# uctr finds its network helper, uctr-net, beside itself (or in its
# libexec directory): a uctr copied alone says what is missing, and
# leaves nothing.
if uctr_only "a uctr without its helper program: the error says so"; then
  mkdir -p "$T/alone"
  cp "$RT" "$T/alone/uctr"
  b=$(mkbundle alone '.process.args = ["true"]')
  UCTR_TEST_TAG=$T timeout -k 5 "$CALL_TIMEOUT" "$T/alone/uctr" --root "$R" run --network slirp --bundle "$b" alone \
    </dev/null >"$T/alone.out" 2>"$T/alone.err" && st=0 || st=$?
  check "a uctr without its helper program: run --network slirp fails" test "$st" -ne 0
  like "$(cat "$T/alone.err")" "Starting the network helper \(is uctr installed whole\?\): Opening .*/uctr-net: No such file" \
    "a uctr without its helper program: the error says so"
  nothing_left alone "a uctr without its helper program: nothing left"
fi

# A config refused after the network helper has started (it starts as soon
# as its options are known): create stops it; nothing is left.
b=$(mkbundle badmount '.mounts += [{destination: "/x", type: "bind", source: "/nonexistent-uctr-test", options: ["bind"]}] | .process.args = ["true"]')
rt run --network slirp --bundle "$b" badmount
like "$err" 'nonexistent-uctr-test' "a bad mount with --network slirp: the error names the source"
nothing_left badmount "a config refused once the helper started: no helper, no state left"

# --- the helper goes with the container ----------------------------------------------
b=$(mkbundle gone '.process.args = ["sh", "-c", "echo ready > /ready; exec sleep 1000"]')
rt run -d --network slirp --bundle "$b" gone
is "$status" 0 "run -d --network slirp"
# Its own helper, by the pid create saved: other tests of the same user
# may run helpers at the same time.
helper=$(cut -d' ' -f1 "$R/gone/net.pid" 2>/dev/null || true)
check "a network helper runs while the container does" kill -0 "${helper:-none}"
rt delete --force gone
check "delete --force: the helper exits too" wait_until 10 dead "${helper:-0}"
nothing_left gone "delete --force leaves no helper, process or state"

b=$(mkbundle killed '.process.args = ["sh", "-c", "exec sleep 1000"]')
rt run -d --network slirp --bundle "$b" killed
pid=$(pid_of killed)
helper=$(cut -d' ' -f1 "$R/killed/net.pid" 2>/dev/null || true)
kill -KILL "$pid" 2>/dev/null || true
check "the helper exits when the container's init is killed" wait_until 10 dead "${helper:-0}"
rt delete killed

# --- published ports ----------------------------------------------------------------
# free_port: a TCP port nobody listens on now.
free_port ()
{
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# tcp_echo PORT DATA [HOST]: sends DATA, shuts the write side, prints what
# comes back; fails when the connection is refused.
tcp_echo ()
{
  python3 - "${3:-127.0.0.1}" "$1" "$2" <<'PY'
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
c.sendall(sys.argv[3].encode())
c.shutdown(socket.SHUT_WR)
data = b""
while True:
    d = c.recv(4096)
    if not d:
        break
    data += d
print(data.decode())
PY
}

# echoes_back PORT DATA [HOST]: the container's server answered with DATA.
echoes_back () { [ "$(tcp_echo "$@" 2>/dev/null)" = "$2" ]; }
refused () { ! tcp_echo "$@" >/dev/null 2>&1; }

# A container whose port 80 echoes each connection (busybox nc, persistent).
SERVER='.process.args = ["nc", "-ll", "-p", "80", "-e", "cat"]'

hp=$(free_port)
b=$(mkbundle web "$SERVER")
rt run -d --network slirp -p "$hp:80" --bundle "$b" web
is "$status" 0 "run -d --network slirp -p $hp:80"
check "a host client gets its data back through the published port" wait_until 10 echoes_back "$hp" hello-web
check "port.sock in the state dir is owner-only" test "$(stat -c %a "$R/web/port.sock")" = 600

rt port list web
is "$out" "$(printf '%-12s%-12s%-17s%s\n%-12s%-12s%-17s%s' 'HOST IP' 'HOST PORT' 'CONTAINER PORT' PROTO '*' "$hp" 80 tcp)" \
  "port list: a table of the published ports"
rt port list web --format json
is "$(jq -c . <<<"$out")" "[{\"hostIP\":\"\",\"hostPort\":$hp,\"containerPort\":80,\"protocol\":\"tcp\"}]" \
  "port list --format json: hostIP, hostPort, containerPort, protocol"

hp2=$(free_port)
rt port add web "127.0.0.1:$hp2:80"
is "$status" 0 "port add at runtime"
check "the added port carries data" wait_until 5 echoes_back "$hp2" hello-added
rt port list web --format json
is "$(jq -c '.[1]' <<<"$out")" "{\"hostIP\":\"127.0.0.1\",\"hostPort\":$hp2,\"containerPort\":80,\"protocol\":\"tcp\"}" \
  "port list shows the added port"
rt port add web "127.0.0.1:$hp2:80"
check "publishing the same port twice is refused" test "$status" -ne 0
like "$err" "port add 127.0.0.1:$hp2:80/tcp: " "the error names the spec"

rt port remove web "127.0.0.1:$hp2:80/tcp"
is "$status" 0 "port remove"
check "the removed port refuses connections" refused "$hp2" x
rt port list web --format json
is "$(jq length <<<"$out")" 1 "port list no longer shows it"
rt port remove web "127.0.0.1:$hp2:80/tcp"
like "$err" "not published" "removing a port that is not published: a clear error"

rt port add web 8080
like "$err" '^uctr: port add "8080": expected \[HOSTIP:\]HOSTPORT:CONTAINERPORT\[/tcp\|/udp\]$' "port add: a bad spec is refused"

# An echo server nobody connects to holds the port, for as long as the
# checks below take even on a loaded machine (it is killed after them).
start_echo 1 --timeout 600
busy=$port
rt port add web "127.0.0.1:$busy:80"
check "port add: a busy host port is refused" test "$status" -ne 0
like "$err" "127.0.0.1:$busy:80/tcp" "the error names the busy spec"
rt port list web --format json
is "$(jq length <<<"$out")" 1 "and nothing was added"
check "the helper serves on after the refusals" echoes_back "$hp" still-here

helper=$(pgrep -f "^uctr-net --await-fds --api $R/web/" -u "$(id -u)" -o || true)
check "the helper of a container with published ports is found" test -n "$helper"
# Its program, uctr-net, runs from its file: the container, in a pid
# namespace of its own, never sees the helper's process.
net_program=$(dirname "$RT")/uctr-net
if uctr_only "the helper of a container with its own pid namespace runs from uctr-net's file"; then
  is "$(readlink "/proc/$helper/exe" 2>&1)" "$net_program" \
    "the helper of a container with its own pid namespace runs from uctr-net's file"
fi
rt delete --force web
check "delete --force: the helper with published ports exits" wait_until 10 dead "${helper:-0}"
check "the published port is closed after delete" wait_until 5 refused "$hp" x
nothing_left web "delete leaves no helper, socket or state"

# A container in the host's pid namespace sees the helper's process: where
# uctr-net is a file the container's ids could write (the build tree's, or
# any as root), the helper runs from a sealed copy of it, as uctr itself
# then does (CVE-2019-5736).
if uctr_only "a container without a pid namespace: its helper runs from a sealed copy of uctr-net"; then
  b=$(mkbundle nopid 'del(.linux.namespaces[] | select(.type == "pid")) | .process.args = ["sleep", "1000"]')
  rt run -d --network slirp --bundle "$b" nopid
  status_is 0 "a container without a pid namespace runs with --network slirp"
  helper=$(pgrep -f "^uctr-net --await-fds --api $R/nopid/" -u "$(id -u)" -o || true)
  if [ "$(id -u)" = 0 ] || [ "$(stat -c %u "$net_program")" != 0 ] || [ -n "$(find "$net_program" -perm /022)" ]; then
    like "$(readlink "/proc/${helper:-0}/exe" 2>&1)" "^/memfd:uctr-net" \
      "a container without a pid namespace: its helper runs from a sealed copy of uctr-net"
  else
    is "$(readlink "/proc/${helper:-0}/exe" 2>&1)" "$net_program" \
      "a container without a pid namespace: an installed uctr-net, root's, runs from its file"
  fi
  rt delete --force nopid
  nothing_left nopid "a container without a pid namespace: nothing left"
fi

b=$(mkbundle busy "$SERVER")
rt run -d --network slirp -p "127.0.0.1:$busy:80" --bundle "$b" busy
check "create with a busy host port fails" test "$status" -ne 0
like "$err" "--publish 127.0.0.1:$busy:80/tcp" "the error names the busy --publish"
nothing_left busy "a busy --publish leaves nothing behind (no state dir, no helper)"
kill "$echo_pid" 2>/dev/null || true

b=$(mkbundle badpub '.process.args = ["true"]')
rt run --network slirp -p 127.0.0.1:99999:80 --bundle "$b" badpub
is "$err" 'uctr: --publish "127.0.0.1:99999:80": the host port must be 1..65535' "a bad --publish: the error says what is wrong"
nothing_left badpub "and nothing is left behind"
# The helper starts with the init and waits for tap0: a create that fails
# before the init made it (a createRuntime hook that fails) ends it too.
b=$(mkbundle hookfail '.process.args = ["true"] | .hooks.createRuntime = [{"path": "/bin/false"}]')
rt run --network slirp -p "127.0.0.1:$(free_port):80" --bundle "$b" hookfail
check "a create that fails before the init has tap0 fails" test "$status" -ne 0
like "$err" "createRuntime" "its error is the hook's"
nothing_left hookfail "the network helper it started goes with it"
rt run --network none -p "$(free_port):80" --bundle "$b" nonet
is "$err" "uctr: --publish needs --network slirp" "--publish without slirp is refused"
nothing_left nonet "and nothing is left behind"

b=$(mkbundle nonetport '.process.args = ["sleep", "1000"]')
rt run -d --network none --bundle "$b" nonetport
rt port list nonetport
is "$err" "uctr: container nonetport has no port API: it was not created with --network slirp" \
  "port list on a container without slirp: a clear error"
rt delete --force nonetport
rt port list nosuch
like "$err" "nosuch does not exist" "port list on no container: a clear error"

hp=$(free_port)
b=$(mkbundle annotpub "$SERVER | .annotations[\"uctr.network\"] = \"slirp\" | .annotations[\"uctr.publish\"] = \"127.0.0.1:$hp:80\"")
rt run -d --bundle "$b" annotpub
is "$status" 0 "the uctr.publish annotation publishes"
check "a client reaches the annotation's port" wait_until 10 echoes_back "$hp" hello-annot
rt delete --force annotpub
nothing_left annotpub "nothing left after the annotated container"
# The port is free the moment delete returns: the next container takes it at once.
b=$(mkbundle repub "$SERVER")
rt run -d --network slirp -p "127.0.0.1:$hp:80" --bundle "$b" repub
is "$status" 0 "right after delete, another container publishes the same host port"
check "and serves it" wait_until 10 echoes_back "$hp" hello-again
rt delete --force repub

# --- the client's own address reaches the container -------------------------------
# busybox httpd hands a CGI script the peer address as REMOTE_ADDR. A client
# bound to 127.0.0.2 stands in for a remote one: 127/8 is all local on the
# host, and the container must see that address, not 127.0.0.1 or 10.0.2.2.
hport=$(random_port)
b=$(mkbundle peer '.process.args = ["httpd", "-f", "-p", "80", "-h", "/www"]')
mkdir -p "$b/rootfs/www/cgi-bin"
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "peer=$REMOTE_ADDR"\n' >"$b/rootfs/www/cgi-bin/peer"
chmod +x "$b/rootfs/www/cgi-bin/peer"
rt run -d -p "127.0.0.1:$hport:80" --bundle "$b" peer
is "$status" 0 "run -d -p with an HTTP server inside"
# peer_of HOST PORT [BIND]: what the CGI script says of the client that
# connects to HOST:PORT (from address BIND when given).
peer_of ()
{
  python3 - "$@" <<'PY'
import socket, sys, time
host, port = sys.argv[1], int(sys.argv[2])
for _ in range(50):
    try:
        s = socket.create_connection((host, port), timeout=5,
                                     source_address=(sys.argv[3], 0) if len(sys.argv) > 3 else None)
        break
    except OSError:
        time.sleep(0.1)
s.sendall(b"GET /cgi-bin/peer HTTP/1.0\r\n\r\n")
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(data.decode(errors="replace").strip().splitlines()[-1])
PY
}
like "$(peer_of 127.0.0.1 "$hport" 127.0.0.2)" '^peer=(\[::ffff:)?127\.0\.0\.2\]?$' "a published TCP port keeps the client's address (127.0.0.2)"
like "$(peer_of 127.0.0.1 "$hport" 127.9.8.7)" '^peer=(\[::ffff:)?127\.9\.8\.7\]?$' "and another one (127.9.8.7)"
rt delete --force peer
nothing_left peer "delete --force of a container with published ports leaves nothing"

# --- IPv6 clients -------------------------------------------------------------------
# Published on every address, a port takes IPv6 clients too; one published
# on [::1] only takes IPv6 ones. The container sees ::1 itself.
h6=$((hport + 10))
b=$(mkbundle peer6 '.process.args = ["httpd", "-f", "-p", "80", "-h", "/www"]')
cp -a "$T/peer/rootfs/www" "$b/rootfs/" 2>/dev/null || {
  mkdir -p "$b/rootfs/www/cgi-bin"
  printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "peer=$REMOTE_ADDR"\n' >"$b/rootfs/www/cgi-bin/peer"
  chmod +x "$b/rootfs/www/cgi-bin/peer"
}
rt run -d -p "$h6:80" -p "[::1]:$((h6 + 1)):80" --bundle "$b" peer6
is "$status" 0 "run -d -p PORT:80 -p [::1]:PORT:80"
is "$(peer_of ::1 "$h6")" "peer=[::1]" "a port published on every address takes an IPv6 client, seen as ::1"
is "$(peer_of 127.0.0.1 "$h6")" "peer=[::ffff:127.0.0.1]" "and an IPv4 one on the same port"
is "$(peer_of ::1 $((h6 + 1)))" "peer=[::1]" "a port published on [::1] takes IPv6 clients"
check "and not IPv4 ones" sh -c "! timeout 5 python3 -c 'import socket, sys; socket.create_connection((\"127.0.0.1\", int(sys.argv[1])), timeout=2)' $((h6 + 1)) 2>/dev/null"
rt port list peer6 --format json
is "$(jq -r '.[] | select(.hostIP == "::1") | .hostPort' <<<"$out")" "$((h6 + 1))" "port list shows the IPv6 one"
rt delete --force peer6
nothing_left peer6 "and nothing is left behind"

b=$(mkbundle nov6 '.process.args = ["true"]')
rt run --network slirp:ipv6=false -p "[::1]:$((h6 + 2)):80" --bundle "$b" nov6
like "$err" 'the container has no IPv6' "an IPv6 host address with ipv6=false: a clear error"
nothing_left nov6 "and nothing is left behind"

# --- two containers, each with its own published port -------------------------------
h1=$((hport + 1))
h2=$((hport + 2))
for n in 1 2; do
  b=$(mkbundle "two$n" '.process.args = ["httpd", "-f", "-p", "80", "-h", "/www"]')
  mkdir -p "$b/rootfs/www"
  echo "container $n" >"$b/rootfs/www/index.html"
done
rt run -d -p "127.0.0.1:$h1:80" --bundle "$T/two1" two1
rt run -d -p "127.0.0.1:$h2:80" --bundle "$T/two2" two2
get_index () { python3 -c 'import sys, urllib.request; print(urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=5).read().decode().strip())' "$1" 2>&1; }
is "$(get_index "$h1")/$(get_index "$h2")" "container 1/container 2" "two containers publish different ports side by side, each reaching its own"
rt delete --force two1
rt delete --force two2
nothing_left two1 "the first leaves nothing behind"
nothing_left two2 "the second leaves nothing behind"

# add_iperf3 BUNDLE: iperf3 and the libraries ldd names, into the bundle's root.
add_iperf3 ()
{
  local f
  for f in /usr/bin/iperf3 $(ldd /usr/bin/iperf3 | grep -o '/[^ ]*'); do
    mkdir -p "$1/rootfs$(dirname "$f")"
    cp -L "$f" "$1/rootfs$f"
  done
}

# --- UDP through a published port, end to end ------------------------------------------
# iperf_udp HOST PORT: iperf3 -u's JSON report, once the server in the
# container answers (polled: its control connection is refused until then).
iperf_udp ()
{
  local deadline=$((SECONDS + 60)) r
  while :; do
    r=$(timeout 20 iperf3 -c "$1" -p "$2" -u -b 20M -t 1 -J 2>/dev/null) && break
    [ "$SECONDS" -lt "$deadline" ] || break
    sleep 0.2
  done
  printf '%s\n' "$r"
}
# iperf3 -u: its control connection on the published TCP port, the datagrams
# on the published UDP port of the same number. The container's root holds
# iperf3 and the libraries ldd names.
b=$(mkbundle udp '.process.args = ["iperf3", "-s", "-p", "5201", "-1"] | .process.env += ["TMPDIR=/dev/shm"]')
add_iperf3 "$b"
uport=$((hport + 3))
rt run -d -p "127.0.0.1:$uport:5201/tcp" -p "127.0.0.1:$uport:5201/udp" --bundle "$b" udp
is "$status" 0 "run -d with the same port published for TCP and UDP"
res=$(iperf_udp 127.0.0.1 "$uport")
got=$(jq -r '.end.sum.packets // 0' <<<"$res" 2>/dev/null || echo 0)
lost=$(jq -r '.end.sum.lost_percent // 100' <<<"$res" 2>/dev/null || echo 100)
check "UDP datagrams reach the container through the published port ($got packets, $lost% lost)" \
  awk -v n="$got" -v l="$lost" 'BEGIN { exit !(n > 0 && l < 50) }'
rt delete --force udp
nothing_left udp "and nothing is left behind"

b=$(mkbundle udp6 '.process.args = ["iperf3", "-s", "-p", "5201", "-1"] | .process.env += ["TMPDIR=/dev/shm"]')
add_iperf3 "$b"
u6=$((uport + 2))
rt run -d -p "[::1]:$u6:5201/tcp" -p "[::1]:$u6:5201/udp" --bundle "$b" udp6
is "$status" 0 "run -d with a port published on [::1] for TCP and UDP"
res=$(iperf_udp ::1 "$u6")
got=$(jq -r '.end.sum.packets // 0' <<<"$res" 2>/dev/null || echo 0)
lost=$(jq -r '.end.sum.lost_percent // 100' <<<"$res" 2>/dev/null || echo 100)
check "UDP over IPv6 reaches the container and back ($got packets, $lost% lost)" \
  awk -v n="$got" -v l="$lost" 'BEGIN { exit !(n > 0 && l < 50) }'
rt delete --force udp6
nothing_left udp6 "and nothing is left behind"

# --- a UDP service that connect()s its socket to the client ---------------------------
# iperf3 -s and many DNS servers do: from then on the kernel gives that socket
# only what the client sends to the address it answers from, 127.0.0.1 for a
# host-loopback client, not the container's 10.0.2.100.
up=$((uport + 4))
for mode in plain --connect; do
  name=udp${mode#--}
  rt run -d --name "$name" --rootfs / -p "127.0.0.1:$up:9999/udp" -- \
    python3 "$TESTS_DIR/udp-echo.py" serve 9999 "$mode"
  is "$status" 0 "run -d of a UDP echo service ($mode) with its port published"
  is "$(timeout 90 python3 "$TESTS_DIR/udp-echo.py" ask 127.0.0.1 "$up" 20)" 20 \
    "a published UDP port: 20 of 20 datagrams echoed by a $mode service"
  rt delete --force "$name"
  nothing_left "$name" "and nothing is left behind"
  up=$((up + 1))
done

# --- a client in its own network namespace, with its own address --------------------
# The test's user+network namespace stands in for the host; the client sits in
# a second one behind a veth pair. The container sees 192.168.77.2 for TCP and UDP.
# In that namespace our uid is 0 and the only id there is: map just it.
b=$(mkbundle nsclient '.process.args = ["iperf3", "-s", "-p", "5201", "-1", "--logfile", "/iperf.log"]
  | .process.env += ["TMPDIR=/dev/shm"]
  | .linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 1}]
  | .linux.gidMappings = [{"containerID": 0, "hostID": 0, "size": 1}]')
add_iperf3 "$b"
if unshare -Urn true 2>/dev/null; then
  log=$(timeout 60 unshare -Urn bash "$TESTS_DIR/netns-client.sh" "$RT" "$R" "$b" "$((uport + 1))" 2>&1) || true
  like "$log" "Accepted connection from 192\.168\.77\.2, port" \
    "a published TCP port: the container sees the client's own address (192.168.77.2, another netns)"
  like "$log" "connected to 192\.168\.77\.2 port" \
    "a published UDP port: the datagrams come from the client's own address too"
else
  fail "unshare -Urn: the test cannot make its own user and network namespaces"
fi
nothing_left nsclient "and nothing is left behind"

done_testing
