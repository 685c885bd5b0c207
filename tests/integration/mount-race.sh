#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# The symlink-exchange attack on mount destinations (CVE-2021-30465).
# Container A, running, swaps a directory of a volume it shares with
# container B for a symlink (to / or to a host path outside every rootfs),
# and a directory for one at another depth, as fast as it can, while B is
# created again and again with mounts whose destinations go through them.
# Whatever B's init finds on its way, nothing of B may land outside B's
# rootfs, and the options of a mount (the remount of a read-only bind, the
# recursive rro, a propagation) must apply to that mount, never to another
# one the swap puts on its path, such as B's root. A run of B may fail,
# cleanly. Generic: also passes with UCTR_TEST_RUNTIME=runc; the rounds with
# the by-hand walk (UCTR_TEST_NO_OPENAT2) and without the mount API
# (UCTR_TEST_NO_MOUNT_API) and with the mount points in throwaway layers
# (uctr.mountpoints, as one-line runs make them) are uctr's.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

: "${SWAPRACE:?SWAPRACE must name the swaprace helper (meson test sets it)}"

RUNS=${UCTR_TEST_RACE_RUNS:-60} # creations of B per round
ROUND_SECONDS=6                 # and at most this long
V=$T/vol                        # the shared volume
OUTSIDE=$T/outside              # outside every rootfs: nothing may appear here
SRC=$T/race-src                 # bound read-only through the volume
mkdir -p "$V/sub" "$V/a/b/c/d" "$V/x/c/d" "$OUTSIDE" "$SRC"
ln -s / "$V/to-root"
ln -s "$OUTSIDE" "$V/to-outside"
# Five levels up from a/b/c/d is B's root; one more once a/b, with a lookup
# in it, has traded places with x: the directory that holds B's rootfs.
ln -s a/b/c/d/../../../../../t "$V/up"

# B: the volume, twelve tmpfs through it (a wide window), then one mount
# on the swapped directory itself whose options need a second step: ro on a
# bind (a remount), rro on an rbind (mount_setattr), shared on a tmpfs (the
# propagation). Through the symlink to /, a second lookup of the path would
# find B's root there. B says what its root and the bound directory are.
# The fourth B has its twelve tmpfs through "up" instead.
check='touch /.rw-check 2>/dev/null || echo "/ is read-only"
awk '\''$5 == "/" && $4 ~ /\/rootfs$/ { for (i = 7; $i != "-"; i++) if ($i ~ /^shared:/) print "/ is shared" }
$4 ~ /\/race-src$/ && $6 !~ /^ro/ { print "a writable bind of race-src on " $5 }'\'' /proc/self/mountinfo
echo checked'
lasts=("{destination: \"/vol/sub\", type: \"bind\", source: \"$SRC\", options: [\"bind\", \"ro\"]}"
       "{destination: \"/vol/sub\", type: \"bind\", source: \"$SRC\", options: [\"rbind\", \"rro\"]}"
       '{destination: "/vol/sub", type: "tmpfs", source: "tmpfs", options: ["shared"]}'
       '{destination: "/vol/up/m", type: "tmpfs", source: "tmpfs"}')
bs=()
for v in 0 1 2 3; do
  via=sub
  [ "$v" -lt 3 ] || via=up
  bs+=("$(mkbundle "b$v" ".process.args = $(args_json sh -c "$check")
    | .mounts += [{destination: \"/vol\", type: \"bind\", source: \"$V\", options: [\"bind\"]}]
      + [range(12) | {destination: \"/vol/$via/t\\(.)\", type: \"tmpfs\", source: \"tmpfs\"}]
      + [${lasts[v]}]")")
  # Through the symlink to OUTSIDE, B's init must find B's own copy of that path.
  mkdir -p "${bs[v]}/rootfs$OUTSIDE" "${bs[v]}/rootfs/t" "${bs[v]}/t"
done

# A: the swapper, for two minutes at most (normally until $V/stop appears).
a=$(mkbundle swapper ".process.args = $(args_json /bin/swaprace 120 1000000000 sub to-root sub to-outside a/b x)
  | .process.cwd = \"/vol\" | .mounts += [{destination: \"/vol\", type: \"bind\", source: \"$V\", options: [\"bind\"]}]")
cp "$SWAPRACE" "$a/rootfs/bin/swaprace"
CALL_TIMEOUT=150 rt_bg "$T/swapper.out" run --bundle "$a" swapper
swapper=$bg_pid
wait_until 10 test -e "$V/ready" || bail_out "the swapper did not start: $(cat "$T/swapper.out")"

# Every other run is the fourth B: the walk through "up" needs more tries.
order=(0 3 1 3 2 3)

# round NAME: creates B up to RUNS times and checks each; one test point.
round ()
{
  local name=$1 i v ok=0 refused=0 wrong='' deadline=$((SECONDS + ROUND_SECONDS)) errs='' outside made
  alive "$swapper" || { fail "$name: the swapper is running" "$(cat "$T/swapper.out")"; return 0; }
  for ((i = 0; i < RUNS && SECONDS < deadline; i++)); do
    v=${order[i % 6]}
    rt run --bundle "${bs[v]}" b
    if [ "$status" -eq 0 ] && [ "$out" = checked ]; then
      ok=$((ok + 1))
    elif [ "$status" -eq 0 ]; then
      wrong+="run $i (${lasts[v]}): $out"$'\n'
    else
      refused=$((refused + 1))
      errs+="${err##*$'\n'}"$'\n'
    fi
    # With the mount points in layers, none is made in B's rootfs or the volume.
    if [ -n "${LAYERS:-}" ]; then
      made=$(find "${bs[v]}/rootfs" "$V" -name 'layered-*' 2>/dev/null || true)
      [ -z "$made" ] || wrong+="run $i: made in B's rootfs or the volume: $made"$'\n'
    fi
    # The fourth B makes its mount points again each time.
    rm -rf "${bs[3]:?}"/rootfs/t/*
    outside=$(find "$OUTSIDE" "${bs[3]}/t" -mindepth 1)
    if [ -n "$outside" ]; then
      wrong+="run $i: outside B's rootfs: $outside"$'\n'
      rm -rf "${OUTSIDE:?}"/* "${bs[3]:?}"/t/*
    fi
  done
  # runc refuses most runs under the swap (its check of each path after the
  # fact), so only uctr must also get some through.
  if [ -z "$wrong" ] && { [ "$ok" -gt 0 ] || [ "$RT_NAME" = runc ]; }; then
    pass "$name: $ok runs of B with every option on its own mount, $refused refused, nothing outside its rootfs"
    [ "$refused" -eq 0 ] || diag "why:" "$(sort <<<"${errs%$'\n'}" | uniq -c)"
  else
    fail "$name: under the swap, every mount of B and its options stay where B's init found them" \
      "$ok right, $refused refused, wrong:" "$wrong" "why the others were refused:" "$(sort <<<"${errs%$'\n'}" | uniq -c)"
  fi
  check "$name: B's state is gone after each run" test ! -e "$R/b"
}

round "the swap"
if uctr_only "the by-hand walk and the mount(2) fallback under the swap"; then
  UCTR_TEST_NO_OPENAT2=1 round "the swap, with the by-hand walk"
  UCTR_TEST_NO_MOUNT_API=1 round "the swap, without the mount API"
  # One-line runs' layers (uctr.mountpoints): made over whatever directory
  # the walk stops in, under the same swaps. The mount points get names
  # that the rounds before did not make: every run makes its layers.
  for v in 0 1 2 3; do
    jq '.annotations["uctr.mountpoints"] = "tmpfs"
      | .mounts |= map(.destination |= sub("/(?<n>t[0-9]+|m)$"; "/layered-\(.n)"))' \
      "${bs[v]}/config.json" >"$T/c" && mv "$T/c" "${bs[v]}/config.json"
  done
  LAYERS=1 round "the swap, with the mount points in layers"
fi

touch "$V/stop"
bg_pid=$swapper
wait_bg
swaps=$(tail -n 1 "$T/swapper.out")
check "the swapper ran all along and swapped ($swaps times)" test "$rc" -eq 0 -a "${swaps:-0}" -gt 0
check "A's state is gone" test ! -e "$R/swapper"
nothing_left b "B and A left nothing behind"

done_testing
