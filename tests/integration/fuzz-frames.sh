#!/bin/bash
# Hostile frames into the network helper: the frame of issue 12, a
# fragmented datagram sent last fragment first, then a few thousand random
# and mutated frames (tests/integration/frames.py fuzz), written to tap0 by the
# container's side as a root with CAP_NET_RAW can. The helper must live
# through them with its network working, and exit 0 at the end: in a build
# with AddressSanitizer (tests/check with UCTR_SANITIZE=1) a memory error
# or a leak would end it otherwise.
#
# Everything runs in a user+network+mount namespace of the test's own:
# the helper's "host" there has only lo, with the echo server on it, and a
# resolv.conf naming 127.0.0.1, so no frame reaches beyond it.
# SLIRP_ECHO and FRAMES name tests/integration/slirp-echo and tests/integration/frames.py;
# FUZZ_SEED and FUZZ_FRAMES change the fuzzer's seed and frame count.
set -uo pipefail
export LC_ALL=C PATH="$PATH:/usr/sbin:/sbin"
: "${SLIRP_ECHO:?SLIRP_ECHO must name tests/integration/slirp-echo (meson test sets it)}"
: "${FRAMES:?FRAMES must name tests/integration/frames.py (meson test sets it)}"
export E=$SLIRP_ECHO F=$FRAMES
export SEED=${FUZZ_SEED:-12} COUNT=${FUZZ_FRAMES:-2500}

T=$(mktemp -d "${TMPDIR:-/tmp}/uctr-fuzz-XXXXXX")
export T
trap 'rm -rf "$T"' EXIT

if ! unshare -Urnm true 2>"$T/err"; then
  echo "Bail out! unprivileged user namespaces do not work here: $(cat "$T/err")"
  exit 1
fi

# What runs behind the helper, in the container's network namespace.
# alive: the helper's two processes are there (a zombie is not).
cat >"$T/inside.sh" <<'EOF'
set -u
ip link set lo up && ip link set tap0 mtu "$MTU" && ip addr add 10.0.2.100/24 dev tap0 \
  && ip link set tap0 up && ip route add default via 10.0.2.2 || echo setup=failed
running () { local s; s=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null); [ -n "$s" ] && [ "$s" != Z ]; }
watcher=$(cat "$T/helper.pid")
loop=$(pgrep -P "$watcher" | head -n 1)
alive () { running "$watcher" && running "$loop" && echo yes || echo no; }
python3 "$F" issue >/dev/null
echo issue_alive=$(alive)
"$E" client udp 10.0.2.2 "$ECHO" --size 100 >/dev/null; echo issue_udp=$?
python3 "$F" udp-reversed 10.0.2.2 "$ECHO" 3000 >/dev/null; echo reversed=$?
echo fuzz=$(python3 "$F" fuzz "$COUNT" "$SEED")
echo fuzz_alive=$(alive)
loop_after=$(pgrep -P "$watcher" | head -n 1)
echo same_loop=$([ "$loop_after" = "$loop" ] && echo yes || echo no)
# The fuzzer's ARP may have taught libslirp a wrong address for 10.0.2.100,
# and the kernel one for 10.0.2.2, as any root in a container can: undo it.
ip neigh flush dev tap0
python3 "$F" arp-announce >/dev/null
"$E" client udp 10.0.2.2 "$ECHO" --size 1000 >/dev/null; echo udp=$?
"$E" client tcp 10.0.2.2 "$ECHO" --size 1048576 >/dev/null; echo tcp=$?
python3 "$F" udp-reversed 10.0.2.2 "$ECHO" 3000 >/dev/null; echo reversed_after=$?
EOF

# In the test's own namespaces: the host side of the helper.
cat >"$T/host.sh" <<'EOF'
set -u
ip link set lo up
echo "nameserver 127.0.0.1" >"$T/resolv.conf"
mount --bind "$T/resolv.conf" /etc/resolv.conf || echo "host_setup=bind mount failed"
mkdir "$T/srv"
"$E" serve "$T/srv" &
server=$!
for _ in $(seq 50); do [ -s "$T/srv/ports" ] && break; sleep 0.1; done
read -r ECHO _ <"$T/srv/ports"
export ECHO
for MTU in 1500 65520; do
  export MTU
  echo "mtu=$MTU"
  "$E" netns --options "allow_host_loopback=true,mtu=$MTU" --helper-pid-file "$T/helper.pid" -- bash "$T/inside.sh"
  echo "harness=$?"
  SEED=$((SEED + 1))
done
kill "$server"
EOF

out=$(timeout 300 unshare -Urnm bash "$T/host.sh" 2>"$T/stderr")
err=$(cat "$T/stderr")
n=0 failed=0
ok () { n=$((n + 1)); printf 'ok %d - %s\n' "$n" "$1"; }
not_ok ()
{
  n=$((n + 1)) failed=$((failed + 1))
  printf 'not ok %d - %s\n' "$n" "$1"
  { echo "$2"; echo "output:"; echo "$out"; echo "stderr:"; echo "$err"; } | head -n 80 | sed 's/^/# /'
}
is () { if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3" "got '$1', expected '$2'"; fi; }
# results MTU NAME: what the run at MTU printed as NAME=VALUE.
result () { awk -v m="mtu=$1" -v k="$2=" '$0 == m { on = 1; next } /^mtu=/ { on = 0 } on && index($0, k) == 1 { print substr($0, length(k) + 1) }' <<<"$out" | tail -n 1; }

echo "# seed $SEED, $COUNT frames a run (FUZZ_SEED, FUZZ_FRAMES)"
is "$(sed -n 's/^host_setup=//p' <<<"$out")" "" "the test's own namespace with a resolv.conf of its own"
for mtu in 1500 65520; do
  is "$(result $mtu setup)" "" "mtu $mtu: tap0 is configured"
  is "$(result $mtu issue_alive)" yes "mtu $mtu: the frame of issue 12 (a lone last fragment) does not take the helper down"
  is "$(result $mtu issue_udp)" 0 "mtu $mtu: ... and UDP still goes through"
  is "$(result $mtu reversed)" 0 "mtu $mtu: a 3000-byte UDP datagram sent last fragment first is reassembled and echoed"
  is "$(result $mtu fuzz_alive)" yes "mtu $mtu: the helper lives through $(result $mtu fuzz) of the fuzzer"
  is "$(result $mtu same_loop)" yes "mtu $mtu: ... in the same loop process"
  is "$(result $mtu udp)" 0 "mtu $mtu: UDP echo after the fuzzing"
  is "$(result $mtu tcp)" 0 "mtu $mtu: 1 MiB of TCP after the fuzzing"
  is "$(result $mtu reversed_after)" 0 "mtu $mtu: reassembly still works after the fuzzing"
  is "$(result $mtu harness)" 0 "mtu $mtu: the helper exits 0 with the container (no memory error or leak under ASan)"
done
grep -q "helper exited 0 after the command" <<<"$err" || not_ok "the harness saw the helper's exit" "$err"
echo "1..$n"
[ "$failed" -eq 0 ]
