#!/bin/bash
# Mount propagation, as root (tests/check runs this in the engines-root
# suite): with rootfsPropagation rshared, a volume bound rshared from a
# shared mount of the host propagates the mounts the container makes in it
# back to the host, as with runc; with the default (rslave) nothing does.
# rootfsPropagation is applied before the container's mounts are made, and
# the pivot_root sequence leaves the new root's mounts as they are.
# Generic: also passes with UCTR_TEST_RUNTIME=runc.
LIB_AS_ROOT=1
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ "$MY_UID" -eq 0 ] || { echo "1..0 # SKIP propagation to the host needs root (tests/check runs this as root)"; exit 0; }

# Outside $T: the check for leftovers counts every mount below $T.
VOL=$(mktemp -d /tmp/uctr-vol.XXXXXX)
cleanup_hook ()
{
  umount "$VOL/in" 2>/dev/null
  umount "$VOL/in" 2>/dev/null
  umount "$VOL" 2>/dev/null
  rmdir "$VOL/in" "$VOL" 2>/dev/null
  return 0
}
mkdir -p "$VOL/in"
mount --bind "$VOL" "$VOL"
mount --make-shared "$VOL"

# host_sees: whether a mount is on $VOL/in in our own mount namespace.
host_sees () { awk -v p="$VOL/in" '$5 == p { f = 1 } END { exit !f }' /proc/self/mountinfo; }

admin='(.process.capabilities | .bounding, .effective, .permitted) += ["CAP_SYS_ADMIN"]'
root_own='.linux.namespaces |= map(select(.type != "user" and .type != "network"))
  | del(.linux.uidMappings, .linux.gidMappings) | del(.annotations)
  | del(.mounts[] | select(.destination == "/sys/fs/cgroup"))'
for prop in rshared rslave; do
  b=$(mkbundle "prop-$prop" --map keep "$root_own | $admin | .linux.rootfsPropagation = \"$prop\"
    | .mounts += [{destination: \"/vol\", type: \"bind\", source: \"$VOL\", options: [\"rbind\", \"rshared\"]}]
    | .process.args = [\"sh\", \"-c\", \"mount -t tmpfs tmpfs /vol/in && echo mounted\"]")
  rt run --bundle "$b" "prop-$prop"
  is "$status/$out" 0/mounted "rootfsPropagation $prop: the container mounts a tmpfs in its rshared volume"
  if [ $prop = rshared ]; then
    check "rootfsPropagation rshared: the mount propagates to the host's source" host_sees
  else
    check "rootfsPropagation rslave: nothing propagates to the host" sh -c "! awk -v p='$VOL/in' '\$5 == p { f = 1 } END { exit !f }' /proc/self/mountinfo"
  fi
  umount "$VOL/in" 2>/dev/null || true
  nothing_left "prop-$prop" "rootfsPropagation $prop: nothing left behind"
done

done_testing
