#!/bin/bash
# Root with a user namespace (tests/check runs this as root, in the
# engines-root suite): mappings that leave out host uid 0, as engines write
# them for a userns-remapped container, and a user namespace without
# mappings. The first used to fail: the clone into the container's cgroup
# was refused to the namespace's root (host uid 100000), after the new pid
# namespace had spent its pid 1, and the retried clone got ENOMEM.
# Generic, but for the case without mappings (runc refuses it; crun and
# uctr map root alone).
LIB_AS_ROOT=1
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ "$MY_UID" -eq 0 ] || { echo "1..0 # SKIP root with a user namespace needs root (tests/check runs this as root)"; exit 0; }

# The namespace's root (host uid 100000) walks to the rootfs.
chmod 0711 "$T"
MAPS='id -u; cat /proc/self/uid_map /proc/self/gid_map; grep "^0::" /proc/self/cgroup'
squeeze () { tr -s ' \t' ' ' | sed 's/^ //'; }
userns='.linux.namespaces |= (map(select(.type != "user" and .type != "network")) + [{type: "user"}])
  | del(.annotations)'

# --- mappings without host uid 0 -----------------------------------------------------------
b=$(mkbundle remap --map keep "$userns
  | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
  | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
  | .process.args = $(args_json sh -c "$MAPS")")
chown -R 100000:100000 "$b/rootfs"
rt run --bundle "$b" remap
is "$status/$(squeeze <<<"$out" | head -3)" "0/$(printf '0\n0 100000 65536\n0 100000 65536')" \
  "as root, container root mapped to 100000: the container runs, as root inside"

if [ -n "$CG_MOUNT" ]; then
  b2=$(mkbundle remap-cg --map keep "$userns
    | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .linux.namespaces |= map(select(.type != \"cgroup\"))
    | .process.args = [\"sleep\", \"600\"]")
  chown -R 100000:100000 "$b2/rootfs"
  rt run -d --bundle "$b2" remap-cg
  status_is 0 "as root, mapped to 100000: run -d"
  pid=$(pid_of remap-cg)
  cg=$(cg_dir_of "$pid")
  [ -n "$cg" ] && [ "$cg" != "$(cg_dir_of $$)" ] && [ -d "$cg" ] \
    && pass "the init is in a cgroup of its own ($cg), moved there by the parent" \
    || fail "the init is in a cgroup of its own" "init's: $cg, ours: $(cg_dir_of $$)"
  rt delete --force remap-cg
  nothing_left remap-cg "the remapped container leaves nothing behind"
fi

# --- a user namespace without mappings -----------------------------------------------------
if uctr_only "a user namespace without mappings as root"; then
  b=$(mkbundle nomaps --map keep "$userns | del(.linux.uidMappings, .linux.gidMappings)
    | .process.args = $(args_json sh -c "$MAPS; ls -ln /dev/pts/ptmx | cut -c1-10")")
  rt run --bundle "$b" nomaps
  is "$status/$(squeeze <<<"$out" | head -3)" "0/$(printf '0\n0 0 1\n0 0 1')" \
    "as root, a user namespace without mappings: root alone is mapped (0 -> 0), as crun"
  like "$out" 'crw-rw-rw-' "and /dev/pts is mounted though gid 5 (tty) is not mapped"
fi

nothing_left remap "nothing is left behind"
done_testing
