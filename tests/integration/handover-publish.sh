#!/bin/bash
# --network slirp:publish_tcp=handover: a server in the container that binds
# a published TCP port gets a socket of the host's, bound to the host port,
# in place of its own (same fd number and flags; its options carried over),
# and its clients reach it with no relay between (the peer it sees is the
# client's own address and port), IPv4 and IPv6, from an exec'd process and
# from the init. What cannot be handed over keeps the relay: an IPv6-only
# socket beside the listener of both versions, a port published twice, an
# address the relay does not reach, a port that is not published. Once a
# server holds the host port, the container's ports of that number cannot
# change (port add and remove say why); when it closes its socket, the
# relay answers again. A container without IPv6 too. Without
# allow_host_loopback=true it is refused.
# uctr-only.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

uctr_only "--network slirp" || { done_testing; exit 0; }
: "${TCPPROBE:?meson test sets TCPPROBE}"

free_port () { python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])'; }

# client ADDR PORT: connects from the host and prints "ME PORT SAID", where
# ME PORT is the client's own end and SAID the server's line.
client ()
{
  python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
line = s.makefile().readline().strip()
print(s.getsockname()[0], s.getsockname()[1], line)' "$1" "$2" 2>&1 | tail -1
}

# serve NAME ARGS...: tcpprobe serve ARGS in the background of container ho,
# its output in /NAME there; waits until it listens or failed.
serve ()
{
  local name=$1
  shift
  rt exec ho sh -c "tcpprobe serve $* >/$name 2>&1 &"
  listening () { rt exec ho cat "/$name"; grep -q '^listening$\|^error' <<<"$out"; }
  wait_until 20 listening || true
  served=$out
}

# field NAME [TEXT]: the rest of the first line of TEXT ($served) that starts with NAME.
field () { sed -n "s/^$1 //p" <<<"${2:-$served}" | head -1; }

p_all=$(free_port)
p_lo=$(free_port)
p_lo_dual=$(free_port)
p_twice_a=$(free_port)
p_twice_b=$(free_port)
p_v6only=$(free_port)
p_inside_lo=$(free_port)
p_init=$(free_port)
p_no6=$(free_port)

b=$(mkbundle ho '.process.args = ["sleep", "1000"] | .root.readonly = false')
cp "$TCPPROBE" "$b/rootfs/bin/tcpprobe"

rt run -d --network slirp:publish_tcp=handover --bundle "$b" ho
like "$err" "publish_tcp=handover gives the container sockets of the host's network, which it can connect to the host's loopback: add allow_host_loopback=true" \
  "without allow_host_loopback=true it is refused, saying why"
check "... with a non-zero status" test "$status" -ne 0
nothing_left ho "... and nothing is left"

rt run -d --network slirp:publish_tcp=handover,allow_host_loopback=true \
  -p "$p_all:8080" -p "127.0.0.1:$p_lo:8081" -p "127.0.0.1:$p_lo_dual:8085" -p "$p_twice_a:8082" -p "$p_twice_b:8082" \
  -p "$p_v6only:8083" -p "$p_inside_lo:8084" --bundle "$b" ho
is "$status" 0 "run -d --network slirp:publish_tcp=handover with seven ports"

# --- handed over ---------------------------------------------------------------
serve s1 :: 8080 3
is "$(field local)" ":: $p_all" "a server binding [::]:8080 is given a socket of host port $p_all"
is "$(field fd)" "3 cloexec 0 nonblock 0 reuseport 1 defer 0" "... at the same fd, blocking, no FD_CLOEXEC"
check "... that the host lists as the container process's listener" \
  grep -q tcpprobe <<<"$(ss -Hltnp "sport = :$p_all")"
got=$(client 127.0.0.1 "$p_all")
read -r me_addr me_port said <<<"$got"
is "$said" "peer ::ffff:$me_addr $me_port" "an IPv4 client reaches it straight: the server sees the client's own address and port"
got=$(client ::1 "$p_all")
read -r me_addr me_port said <<<"$got"
is "$said" "peer $me_addr $me_port" "... and so does an IPv6 client"

serve s2 0.0.0.0 8081 1 cloexec
is "$(field local)" "127.0.0.1 $p_lo" "an IPv4 server of a port published on 127.0.0.1 gets that host address and port"
like "$(field fd)" "cloexec 1 nonblock 0" "... keeping FD_CLOEXEC"
got=$(client 127.0.0.1 "$p_lo")
read -r me_addr me_port said <<<"$got"
is "$said" "peer $me_addr $me_port" "... its client reached it straight"

serve s2b :: 8085 1
is "$(field local)" "::ffff:127.0.0.1 $p_lo_dual" "a server of both versions, of a port published on 127.0.0.1, gets that host address and port"
got=$(client 127.0.0.1 "$p_lo_dual")
read -r me_addr me_port said <<<"$got"
is "$said" "peer ::ffff:$me_addr $me_port" "... its client reached it straight"

# --- kept on the relay -------------------------------------------------------------
serve s3 :: 8082 2
is "$(field local)" ":: 8082" "a container port published twice: the server keeps its own socket"
like "$(client 127.0.0.1 "$p_twice_a")" "peer ::ffff:127\\.0\\.0\\.1 " "... and both host ports relay to it"
like "$(client 127.0.0.1 "$p_twice_b")" "peer ::ffff:127\\.0\\.0\\.1 " "... the second too"

serve s4 :: 8083 1 v6only
is "$(field local)" ":: 8083" "an IPv6-only server keeps its own socket (the host's listener takes both versions)"
like "$(client ::1 "$p_v6only")" "peer ::1 " "... and the relay reaches it"

serve s5 127.0.0.1 8084 1
is "$(field local)" "127.0.0.1 8084" "a server on the container's own loopback keeps its socket (the relay does not go there)"
serve s6 :: 9999 1
is "$(field local)" ":: 9999" "a port nobody published stays the container's"

# --- the ports of a server that holds a host port ---------------------------------------
rt port remove ho "$p_all:8080"
is "$status" 1 "port remove of a port whose server holds the host port fails"
like "$err" "the container's server on port 8080/tcp has a socket of host port $p_all of its own \\(publish_tcp=handover\\)" \
  "... saying why"
rt port add ho "$(free_port):8080"
like "$err" "cannot change while the container runs" "port add of another host port for that container port fails too"
rt port remove ho "$p_inside_lo:8084"
is "$status" 0 "port remove of a port still relayed works"
rt port list ho
like "$out" "$p_all +8080 +tcp" "... and the handed-over port is still listed"

# The first server has served its three clients and exited: the relay
# answers the port again, into the container, where nobody listens now.
s1_done () { rt exec ho cat /s1; [ "$(grep -c '^peer ' <<<"$out")" -eq 3 ]; }
wait_until 10 s1_done || true
client 127.0.0.1 "$p_all" >/dev/null
wait_gone () { ! ss -Hltnp "sport = :$p_all" | grep -q tcpprobe; }
check "once the server has closed its socket, the host lists no listener of the container's" wait_until 10 wait_gone
serve s7 :: 8080 1
is "$(field local)" ":: $p_all" "a server that binds again is handed the host port again"
got=$(client 127.0.0.1 "$p_all")
read -r me_addr me_port said <<<"$got"
is "$said" "peer ::ffff:$me_addr $me_port" "... and reached straight"

rt delete --force ho
nothing_left ho "delete --force: no helper, supervisor, socket or listener left"
check "... the host port is free" test -z "$(ss -Hltn "sport = :$p_all")"

# --- a container without IPv6 --------------------------------------------------
# The listener is IPv4 alone, as ::ffff:0.0.0.0: a server of both versions
# joins it there, and IPv6 clients find no listener, as without a handover.
rt run -d --network slirp:publish_tcp=handover,allow_host_loopback=true,ipv6=false -p "$p_no6:8080" \
  --bundle "$b" ho
is "$status" 0 "run -d with ipv6=false"
serve s8 :: 8080 1
is "$(field local)" "::ffff:0.0.0.0 $p_no6" "a server of both versions joins the IPv4 listener as ::ffff:0.0.0.0"
like "$(client ::1 "$p_no6")" "refused" "an IPv6 client finds nobody"
got=$(client 127.0.0.1 "$p_no6")
read -r me_addr me_port said <<<"$got"
is "$said" "peer ::ffff:$me_addr $me_port" "an IPv4 client reaches the server straight"
rt delete --force ho
nothing_left ho "nothing left"

# --- the init itself ----------------------------------------------------------
b2=$(mkbundle hoinit '.process.args = ["tcpprobe", "serve", "0.0.0.0", "8080", "1"]')
cp "$TCPPROBE" "$b2/rootfs/bin/tcpprobe"
rt run -d --network slirp:publish_tcp=handover,allow_host_loopback=true -p "$p_init:8080" --bundle "$b2" hoinit
is "$status" 0 "run -d: the init is the server"
init_listens () { ss -Hltnp "sport = :$p_init" | grep -q tcpprobe; }
check "the init's socket is the host's listener" wait_until 20 init_listens
got=$(client 127.0.0.1 "$p_init")
read -r me_addr me_port said <<<"$got"
is "$said" "peer $me_addr $me_port" "... and its client reached it straight"
rt delete --force hoinit
nothing_left hoinit "nothing left"

done_testing
