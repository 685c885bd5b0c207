#!/bin/bash
# --network slirp:outbound_tcp=handover: the container's connect() gets a
# socket of the host's where the destination allows it (the container's end
# is then the host connection's own: getsockname says 127.0.0.1 where the
# proxy would leave 10.0.2.100), for the init and for exec's processes,
# blocking and not, IPv4 and IPv6, with the caller's fd flags and options;
# every other connect() stays the container's own (a bound socket, UDP, a
# nested network namespace, the container's loopback, host loopback closed);
# and a second thread rewriting the address while connect() waits never
# sends a connection where the supervisor did not decide to. uctr-only.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

uctr_only "--network slirp" || { done_testing; exit 0; }
: "${TCPPROBE:?meson test sets TCPPROBE}"

# whoami ADDR [TAG]: a server on ADDR that tells each client where it came
# from ("peer ADDR PORT", or TAG), and logs it in $T/whoami.<port>; sets $port.
whoami ()
{
  coproc WHOAMI {
    exec python3 -c '
import socket, sys
addr, tag = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
s.bind((addr, 0))
s.listen(64)
port = s.getsockname()[1]
print(port, flush=True)
while True:
    c, a = s.accept()
    line = tag if tag else "peer %s %d" % (a[0], a[1])
    with open(sys.argv[3] + "/whoami.%d" % port, "a") as log:
        log.write(line + "\n")
    try:
        c.sendall((line + "\n").encode())
    except OSError:
        pass
    c.close()' "$1" "${2:-}" "$T"
  }
  track_pid "$WHOAMI_PID"
  read -r port <&"${WHOAMI[0]}"
}

# field NAME: the rest of the line of $out that starts with NAME.
field () { sed -n "s/^$1 //p" <<<"$out" | head -1; }

whoami 127.0.0.1
good=$port
whoami ::1
good6=$port
whoami 127.0.0.1 SECRET
secret=$port

b=$(mkbundle ho '.process.args = ["sleep", "1000"]')
cp "$TCPPROBE" "$b/rootfs/bin/tcpprobe"
rt run -d --network slirp:outbound_tcp=handover,allow_host_loopback=true --bundle "$b" ho
is "$status" 0 "run -d --network slirp:outbound_tcp=handover"

# --- handed over ------------------------------------------------------------
rt exec ho tcpprobe connect 10.0.2.2 "$good"
local_end=$(field local)
is "${local_end% *}" 127.0.0.1 "exec'd process: its socket's own end is on the host's loopback, not 10.0.2.100"
is "$(field line)" "peer $local_end" "... and it is the end the server sees (the same port: no relay between)"
is "$(field fd)" "3 cloexec 0 nonblock 0 nodelay 0" "same fd number, no FD_CLOEXEC, blocking, as the socket was"

rt exec ho tcpprobe connect 10.0.2.2 "$good" cloexec
like "$(field fd)" "cloexec 1 nonblock 0" "a socket made with SOCK_CLOEXEC keeps FD_CLOEXEC"
rt exec ho tcpprobe connect 10.0.2.2 "$good" nonblock
like "$out" "inprogress" "a non-blocking connect() says EINPROGRESS"
is "$(field local | cut -d' ' -f1)" 127.0.0.1 "... and is handed over too"
like "$(field fd)" "cloexec 0 nonblock 1" "... still non-blocking"
like "$(field line)" "^peer 127\\.0\\.0\\.1 " "... and connects"
rt exec ho tcpprobe connect 10.0.2.2 "$good" timeout
is "$(field local | cut -d' ' -f1)" 127.0.0.1 "a socket with SO_SNDTIMEO and TCP_NODELAY set before connect() is handed over"
like "$(field fd)" "nodelay 1" "... with TCP_NODELAY carried over"

# A server whose accept queue is full drops SYNs: a blocking connect()
# with SO_SNDTIMEO gives up with EINPROGRESS, as the kernel's does.
coproc FULL {
  exec python3 -c '
import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
fill = []
for _ in range(4):
    c = socket.socket()
    c.setblocking(False)
    c.connect_ex(s.getsockname())
    fill.append(c)
print(s.getsockname()[1], flush=True)
time.sleep(60)'
}
track_pid "$FULL_PID"
read -r full <&"${FULL[0]}"
rt exec ho tcpprobe connect 10.0.2.2 "$full" sndtimeo
is "$out" "error Operation now in progress" "a blocking connect() past its SO_SNDTIMEO says EINPROGRESS"
# One whose caller is killed while it waits: its host socket goes too.
syn_sent () { ss -Htn state syn-sent "dport = :$full" | wc -l; }
before=$(syn_sent)
rt exec ho timeout 1 tcpprobe connect 10.0.2.2 "$full"
back_to_before () { [ "$(syn_sent)" -le "$before" ]; }
check "a blocking connect() whose caller was killed leaves no host socket connecting" wait_until 10 back_to_before
kill "$FULL_PID" 2>/dev/null || true

rt exec ho tcpprobe connect fd00::2 "$good6"
local_end=$(field local)
is "${local_end% *}" ::1 "IPv6: fd00::2 reaches the host's ::1 through a socket of the host's"
is "$(field line)" "peer $local_end" "... the same connection at both ends"

# --- left to the container's kernel ------------------------------------------------
rt exec ho tcpprobe connect 10.0.2.2 "$good" bound
is "$(field local | cut -d' ' -f1)" 10.0.2.100 "a socket bound before connect() stays the container's"
like "$(field line)" "^peer 127\\.0\\.0\\.1 " "... and still reaches the host (through the proxy or libslirp)"
rt exec ho tcpprobe connect 10.0.2.2 "$good" udp
is "$(field local | cut -d' ' -f1)" 10.0.2.100 "a UDP socket stays the container's"
rt exec ho tcpprobe connect 10.0.2.2 "$good" nested
like "$out" "^error " "a socket of a network namespace made inside the container is not handed the host's network"
unlike "$out" "^local 127" "... nor is it connected from the host"
rt exec ho tcpprobe connect 127.0.0.1 "$secret"
is "$out" "error Connection refused" "127.0.0.1 is the container's own loopback, where nobody listens"
check "... and the host's server on that port saw nobody" test ! -e "$T/whoami.$secret"

# --- the address changes while the supervisor looks ----------------------------------
rt exec ho tcpprobe race 10.0.2.2 "$good" 127.0.0.1 "$secret" 300
like "$(field "done")" '^[0-9]+ [0-9]+$' "300 connect() calls while another thread flips the address to 127.0.0.1"
unlike "$out" SECRET "none reached the host's loopback server the container named its own loopback for"
check "... which saw no connection at all" test ! -e "$T/whoami.$secret"
check "... and some reached the good server" grep -q '^line peer 127\.0\.0\.1 ' <<<"$out"
rt exec ho tcpprobe race fd00::2 "$good6" ::ffff:127.0.0.1 "$secret" 300
like "$(field "done")" '^[0-9]+ [0-9]+$' "the same over IPv6, flipping to ::ffff:127.0.0.1"
check "... and the host's loopback server still saw nobody" test ! -e "$T/whoami.$secret"

rt delete --force ho
nothing_left ho "delete --force: no helper, supervisor or socket left"

# The init itself: a container whose process is the probe.
b2=$(mkbundle hoinit ".process.args = [\"tcpprobe\", \"connect\", \"10.0.2.2\", \"$good\"]")
cp "$TCPPROBE" "$b2/rootfs/bin/tcpprobe"
rt run --network slirp:outbound_tcp=handover,allow_host_loopback=true --bundle "$b2" hoinit
is "$(field local | cut -d' ' -f1)" 127.0.0.1 "the container's init process is handed over too"
nothing_left hoinit "no helper, supervisor or socket left once it exited"


# --- host loopback closed ----------------------------------------------------------
# A socket of the host's can be disconnected and connected again anywhere,
# the host's loopback too: a handover cannot keep allow_host_loopback=false.
b3=$(mkbundle hoclosed ".process.args = [\"tcpprobe\", \"connect\", \"10.0.2.2\", \"$secret\"]")
cp "$TCPPROBE" "$b3/rootfs/bin/tcpprobe"
rt run --network slirp:outbound_tcp=handover --bundle "$b3" hoclosed
like "$err" "outbound_tcp=handover gives the container sockets of the host's network, which it can connect to the host's loopback: add allow_host_loopback=true" \
  "without allow_host_loopback=true it is refused, saying why"
check "... the container never ran: the host's server saw nobody" test ! -e "$T/whoami.$secret"
nothing_left hoclosed "nothing left"

done_testing
