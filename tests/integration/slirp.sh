#!/bin/bash
# The network helper (src/net/slirp.c) end to end, as the unprivileged user:
# tap0 in a user+network namespace the test creates, the helper on the host
# side holding its fd, servers on the host's loopback (and, for DNS, in a
# user+network+mount namespace of the test's own). Nothing leaves the machine.
# SLIRP_ECHO names tests/integration/slirp-echo (meson test sets it).
set -uo pipefail
export LC_ALL=C PATH="$PATH:/usr/sbin:/sbin"
: "${SLIRP_ECHO:?SLIRP_ECHO must name tests/integration/slirp-echo (meson test sets it)}"
: "${FRAMES:?FRAMES must name tests/integration/frames.py (meson test sets it)}"
E=$SLIRP_ECHO
F=$FRAMES

_n=0
_failed=0
_bg=()
status=0 out='' err=''

diag () { local l; while IFS= read -r l; do printf '# %s\n' "$l"; done <<<"$*"; }
pass () { _n=$((_n + 1)); printf 'ok %d - %s\n' "$_n" "$1"; }
fail ()
{
  _n=$((_n + 1)) _failed=$((_failed + 1))
  printf 'not ok %d - %s\n' "$_n" "$1"
  shift
  [ $# -gt 0 ] && diag "$@"
  diag "last run: exit $status" "stdout: $out" "stderr: $err"
  return 0
}
skip () { _n=$((_n + 1)); printf 'ok %d - %s # SKIP %s\n' "$_n" "$1" "$2"; }
is () { if [ "$1" = "$2" ]; then pass "$3"; else fail "$3" "got:      '$1'" "expected: '$2'"; fi; }
like () { if grep -qE -- "$2" <<<"$1"; then pass "$3"; else fail "$3" "expected to match: /$2/"; fi; }
# result NAME: what the script inside printed as "NAME=VALUE".
result () { sed -n "s/^$1=//p" <<<"$out" | tail -n 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/uctr-slirp-XXXXXX")
cleanup ()
{
  local p
  for p in "${_bg[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

# gone PID: the process has exited (a zombie nobody reaps counts as gone).
gone ()
{
  local state
  state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) || true
  [ -z "$state" ] || [ "$state" = Z ]
}

# wait_for CONDITION...: up to 5 s.
wait_for ()
{
  local i
  for i in $(seq 50); do "$@" && return 0; sleep 0.1; done
  return 1
}

if ! unshare -Urn true 2>"$T/err"; then
  echo "Bail out! unprivileged user namespaces do not work here: $(cat "$T/err")"
  exit 1
fi
if [ ! -r /dev/net/tun ] || [ ! -w /dev/net/tun ]; then
  echo "Bail out! /dev/net/tun is not read-write for $(id -un); tests/check makes it 0666"
  exit 1
fi

"$E" serve "$T" &
_bg+=($!)
if ! wait_for test -s "$T/ports"; then
  echo "Bail out! the echo server did not start"
  exit 1
fi
read -r ECHO RESET WHOAMI <"$T/ports"
export E F ECHO RESET WHOAMI T
HAVE_IPV6_LO=no
grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null && HAVE_IPV6_LO=yes

# What the container side does with tap0 (uctr's init does it with ioctls).
SETUP4='ip link set lo up && ip link set tap0 mtu ${MTU:-65520} && ip addr add 10.0.2.100/24 dev tap0 && ip link set tap0 up && ip route add default via 10.0.2.2'
SETUP6='ip -6 addr add fd00::100/64 dev tap0 nodad && ip -6 route add default via fd00::2'

# inside OPTIONS SCRIPT: runs SCRIPT in a new namespace behind the helper.
inside ()
{
  local options=$1 script=$2
  rm -f "$T/helper.pid"
  out=$("$E" netns --options "$options" --helper-pid-file "$T/helper.pid" -- \
    bash -c "set -e; $SETUP4; set +e; $script" 2>"$T/stderr")
  status=$?
  err=$(cat "$T/stderr")
}

# --- the helper lives as long as the container's init ---------------------

inside "" 'echo ran=yes'
is "$(result ran)" yes "the command runs behind the helper"
is "$status" 0 "the helper exits 0 by itself once the container init exits"
like "$err" "helper exited 0 after the command" "the harness saw the helper exit after the command"
hp=$(cat "$T/helper.pid" 2>/dev/null)
if [ -n "$hp" ] && gone "$hp"; then pass "no helper process is left"; else fail "no helper process is left" "pid $hp"; fi

# --- host loopback closed by default ----------------------------------------

inside "" '
start=$(date +%s%N)
"$E" client tcp 10.0.2.2 "$ECHO" --timeout 3000; echo tcp=$?
echo tcp_ms=$(( ($(date +%s%N) - start) / 1000000 ))
"$E" client udp 10.0.2.2 "$ECHO" --timeout 2000; echo udp=$?
"$E" client tcp 10.0.2.50 "$ECHO" --timeout 3000; echo other=$?'
# libslirp answers the SYN with an ICMP unreachable: the connect fails at once.
tcp=$(result tcp)
if [[ "$tcp" =~ ^[26]$ ]] && [ "$(result tcp_ms)" -lt 2000 ]; then
  pass "by default TCP to 10.0.2.2 does not reach the host's 127.0.0.1 (fails at once)"
else
  fail "by default TCP to 10.0.2.2 does not reach the host's 127.0.0.1 (fails at once)" \
    "client exit $tcp after $(result tcp_ms) ms (2 refused, 6 unreachable)"
fi
like "$(result udp)" '^[23]$' "by default UDP to 10.0.2.2 gets no echo from the host's 127.0.0.1"
like "$(result other)" '^[23]$' "by default no other address of the network reaches the host's loopback"
is "$status" 0 "the helper exits 0 after the loopback-closed run"

# --- host loopback open: TCP, UDP, big frames, a reset peer, IPv6 ------------

script='
"$E" client tcp 10.0.2.2 "$ECHO"; echo tcp=$?
"$E" client tcp 10.0.2.2 "$ECHO" --size 8388608 --timeout 10000; echo tcp_big=$?
"$E" client udp 10.0.2.2 "$ECHO" --size 32; echo udp=$?
"$E" client udp 10.0.2.2 "$ECHO" --size 65000; echo udp_big=$?
echo whoami=$("$E" client tcp 10.0.2.2 "$WHOAMI" --read)
for i in 1 2 3; do "$E" client tcp 10.0.2.2 "$RESET" --size 1048576 >/dev/null; done
"$E" client tcp 10.0.2.2 "$ECHO"; echo after_reset=$?
loop=$(pgrep -P "$(cat "$T/helper.pid")" | head -n 1)
# The CPU the loop takes in 2 s with no traffic, while libslirp still holds
# the connections above in TIME_WAIT (10 s): their hung-up host sockets
# made every poll() return at once, a CPU busy until they went.
cpu_ms () { awk -v hz="$(getconf CLK_TCK)" "{ print int((\$14 + \$15) * 1000 / hz) }" /proc/$loop/stat; }
before=$(cpu_ms); sleep 2; echo idle_cpu_ms=$(( $(cpu_ms) - before ))
echo rss_kb=$(sed -n "s/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p" /proc/$loop/status)
echo threads=$(sed -n "s/^Threads:[[:space:]]*//p" /proc/$loop/status)
echo watcher_threads=$(sed -n "s/^Threads:[[:space:]]*//p" /proc/$(cat "$T/helper.pid")/status)'
if [ "$HAVE_IPV6_LO" = yes ]; then
  script="$SETUP6 || echo setup6=failed
$script
\"\$E\" client tcp fd00::2 \"\$ECHO\"; echo tcp6=\$?
\"\$E\" client udp fd00::2 \"\$ECHO\"; echo udp6=\$?"
fi
inside "allow_host_loopback=true" "$script"
is "$(result tcp)" 0 "allow_host_loopback=true: TCP echo through 10.0.2.2 from the host's 127.0.0.1"
is "$(result tcp_big)" 0 "8 MiB of TCP come back intact at MTU 65520"
is "$(result udp)" 0 "allow_host_loopback=true: UDP echo through 10.0.2.2"
is "$(result udp_big)" 0 "a 65000-byte UDP datagram goes out and comes back in one frame each way"
is "$(result whoami)" 127.0.0.1 "the host's server sees the connection come from 127.0.0.1"
is "$(result after_reset)" 0 "host peers that reset mid-stream do not take the helper down"
idle=$(result idle_cpu_ms)
if [ -n "$idle" ] && [ "$idle" -lt 500 ]; then
  pass "the helper idles once the connections have ended (${idle} ms of CPU in 2 s)"
else
  fail "the helper idles once the connections have ended" "${idle:-?} ms of CPU in 2 s with no traffic"
fi
if [ "$HAVE_IPV6_LO" = yes ]; then
  is "$(result setup6)" "" "fd00::100/64 can be configured on tap0"
  is "$(result tcp6)" 0 "IPv6: TCP echo through fd00::2 from the host's ::1"
  is "$(result udp6)" 0 "IPv6: UDP echo through fd00::2"
else
  skip "IPv6 through fd00::2" "the host's lo has no ::1"
fi
rss=$(result rss_kb)
diag "helper RSS after the traffic: ${rss:-?} kB"
# Under AddressSanitizer (tests/check with UCTR_SANITIZE) the helper's RSS
# holds the sanitizer's shadow memory and quarantine: the budget is the real build's.
if grep -q __asan_init "$SLIRP_ECHO"; then
  skip "the helper's RSS stays within 8 MiB" "the helper runs with AddressSanitizer"
elif [ -n "$rss" ] && [ "$rss" -le 8192 ]; then pass "the helper's RSS stays within 8 MiB"; else fail "the helper's RSS stays within 8 MiB" "VmRSS $rss kB"; fi
is "$(result threads)/$(result watcher_threads)" 1/1 "the helper's loop and its watcher are single-threaded"
is "$status" 0 "the helper exits 0 after the traffic"

inside "allow_host_loopback=true,ipv6=false" "$SETUP6 >/dev/null 2>&1
\"\$E\" client tcp 10.0.2.2 \"\$ECHO\"; echo tcp=\$?
\"\$E\" client tcp fd00::2 \"\$ECHO\" --timeout 2000; echo tcp6=\$?"
is "$(result tcp)" 0 "ipv6=false: IPv4 still works"
like "$(result tcp6)" '^[1236]$' "ipv6=false: nothing answers at fd00::2"

MTU=1500 inside "allow_host_loopback=true,mtu=1500" '
"$E" client tcp 10.0.2.2 "$ECHO" --size 1048576; echo tcp=$?
"$E" client udp 10.0.2.2 "$ECHO" --size 1400; echo udp=$?
"$E" client udp 10.0.2.2 "$ECHO" --size 3000; echo udp_frag=$?
python3 "$F" udp-reversed 10.0.2.2 "$ECHO" 3000 >/dev/null; echo udp_reversed=$?'
is "$(result tcp)" 0 "mtu=1500: 1 MiB of TCP come back intact"
is "$(result udp)" 0 "mtu=1500: UDP echo"
is "$(result udp_frag)" 0 "mtu=1500: a 3000-byte UDP datagram goes out in fragments and its echo comes back"
is "$(result udp_reversed)" 0 "mtu=1500: ... also when its fragments come last first"

inside "allow_host_loopback=true,outbound_addr=127.0.0.2" 'echo whoami=$("$E" client tcp 10.0.2.2 "$WHOAMI" --read)'
is "$(result whoami)" 127.0.0.2 "outbound_addr=127.0.0.2: the host sees connections come from 127.0.0.2"

# --- signals, a killed parent, stdio ----------------------------------------

# in_background: the harness, with a container that sleeps, in the
# background (stdout and stderr to $T/bg.out and $T/bg.err); sets $harness
# and, once the helper is ready, $hp. A failed test point when it is not.
in_background ()
{
  rm -f "$T/helper.pid"
  "$E" netns --helper-pid-file "$T/helper.pid" -- bash -c "$SETUP4; exec sleep 60" >"$T/bg.out" 2>"$T/bg.err" &
  harness=$!
  _bg+=("$harness")
  if wait_for test -s "$T/helper.pid"; then
    hp=$(cat "$T/helper.pid")
    return 0
  fi
  fail "the helper starts in the background" "$(cat "$T/bg.err")"
  return 1
}

if in_background; then
  is "$(readlink "/proc/$hp/fd/0") $(readlink "/proc/$hp/fd/1") $(readlink "/proc/$hp/fd/2")" \
    "/dev/null /dev/null /dev/null" "once ready, the helper holds none of its caller's stdio"
  is "$(readlink "/proc/$hp/cwd")" / "once ready, the helper's working directory is /"
  # libslirp writes to host sockets without MSG_NOSIGNAL.
  sigign=$(sed -n 's/^SigIgn:[[:space:]]*//p' "/proc/$hp/status")
  is "$(( 0x$sigign >> 12 & 1 ))" 1 "the helper ignores SIGPIPE (a host peer that goes away must not kill it)"
  # The loop, the watcher's child, in its sandbox (sandbox.h).
  loop=$(pgrep -P "$hp" | head -n 1)
  field () { sed -n "s/^$1:[[:space:]]*//p" "/proc/$loop/status"; }
  if grep -q __asan_init "$SLIRP_ECHO"; then
    is "$(field NoNewPrivs)" 1 "the helper's loop runs with no_new_privs"
    skip "the helper's loop runs with a seccomp filter" "not under AddressSanitizer"
  else
    is "$(field NoNewPrivs)/$(field Seccomp)" 1/2 "the helper's loop runs with no_new_privs and a seccomp filter"
  fi
  if [ "$(id -u)" = 0 ]; then
    # Root keeps CAP_NET_BIND_SERVICE (port add below 1024), and may read anything.
    is "$(field CapEff)" 0000000000000400 "the helper's loop, as root, holds CAP_NET_BIND_SERVICE only"
    skip "the helper's loop is not dumpable" "root reads every /proc/PID/environ"
  else
    is "$(field CapEff)" 0000000000000000 "the helper's loop holds no capability"
    if cat "/proc/$loop/environ" >/dev/null 2>&1; then fail "the helper's loop is not dumpable"; else pass "the helper's loop is not dumpable"; fi
  fi
  kill -TERM "$hp"
  wait "$harness"
  status=$?
  out='' err=$(cat "$T/bg.err")
  is "$status" 126 "SIGTERM ends the helper (the harness reports it ended first)"
  like "$err" "helper exited 0 before the command" "the helper exits 0 on SIGTERM"
fi

if in_background; then
  { kill -9 "$harness" && wait "$harness"; } 2>/dev/null
  if wait_for gone "$hp"; then
    pass "after kill -9 of the helper's parent, the container's init dies and the helper with it"
  else
    fail "after kill -9 of the helper's parent, the container's init dies and the helper with it" "pid $hp is still there"
    kill -9 "$hp" 2>/dev/null
  fi
fi

# A loop that dies anyway (here of a signal): its watcher goes with it and says how.
# AddressSanitizer turns a SIGBUS into a report and exit 1: SIGUSR1 then.
sig=BUS signo=7
grep -q __asan_init "$SLIRP_ECHO" && sig=USR1 signo=10
if in_background; then
  kill -"$sig" "$(pgrep -P "$hp" | head -n 1)"
  wait "$harness"
  status=$?
  out='' err=$(cat "$T/bg.err")
  is "$status" 126 "a loop killed by SIG$sig ends the helper before the container"
  like "$err" "helper exited $((128 + signo)) before the command" "the watcher exits 128 + SIG$sig"
fi

# --- the helper's own errors --------------------------------------------------

out=$("$E" helper "" 3</dev/null 4</dev/null 5>"$T/ready" 2>"$T/stderr")
status=$? err=$(cat "$T/stderr")
is "$status" 1 "the helper refuses an fd that is not a tap device"
like "$err" "fd 3 is not a tun/tap device" "... and says which fd"
is "$(cat "$T/ready")" "" "... and does not signal ready"

out=$("$E" helper "mtu=1" 2>"$T/stderr")
status=$? err=$(cat "$T/stderr")
is "$status" 1 "the helper refuses bad options"
like "$err" "--network slirp: mtu must be between 68 and 65521" "... with the option's message"

# --- DNS, from a resolver the test runs -----------------------------------------
# libslirp forwards 10.0.2.3 to the first nameserver of /etc/resolv.conf: a
# user+network+mount namespace of our own gets a resolv.conf that names a
# server on its 127.0.0.1:53, where the test may listen.

cat >"$T/dns.sh" <<'EOF'
set -u
ip link set lo up
echo "nameserver 127.0.0.1" >"$T/resolv.conf"
mount --bind "$T/resolv.conf" /etc/resolv.conf || { echo "dns_setup=bind mount failed"; exit 0; }
mkdir "$T/dns"
"$E" serve "$T/dns" --dns &
server=$!
for i in $(seq 50); do [ -s "$T/dns/ports" ] && break; sleep 0.1; done
"$E" netns -- bash -c "$SETUP4"'
echo answer=$("$E" dns 10.0.2.3 host.uctr.test)
echo missing=$("$E" dns 10.0.2.3 other.uctr.test)'
"$E" netns --options dns=false -- bash -c "$SETUP4"'
"$E" dns 10.0.2.3 host.uctr.test >/dev/null; echo off=$?'
kill "$server"
EOF
out=$(SETUP4=$SETUP4 unshare -Urnm bash "$T/dns.sh" 2>"$T/stderr")
status=$? err=$(cat "$T/stderr")
if [ -n "$(result dns_setup)" ]; then
  fail "DNS through 10.0.2.3" "$(result dns_setup)"
else
  is "$(result answer)" 192.0.2.53 "DNS at 10.0.2.3 is answered by the host's resolver (loopback closed or not)"
  is "$(result missing)" NXDOMAIN "DNS at 10.0.2.3 passes NXDOMAIN through"
  is "$(result off)" 3 "dns=false: nothing answers at 10.0.2.3"
fi

echo "1..$_n"
[ "$_failed" -eq 0 ]
