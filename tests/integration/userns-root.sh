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

# --- idmapped binds --------------------------------------------------------------------------
# A directory of the host's root (uid 0) and of uid 1234, bound into the
# container mapped to 100000: plain, its files show as nobody; with idmap
# (the container's mappings) as 0 and 1234, and what the container writes
# is the host's root's; with the mount's own mappings (0 -> 100000, 1000
# ids) 0 shows as 0 and 1234, outside them, as nobody.
SRC=$T/idsrc
mkdir -p "$SRC"
echo zero >"$SRC/zero"
echo other >"$SRC/other"
chown 1234:1234 "$SRC/other"
LIST='stat -c "%n %u" /data/zero /data/other; echo w > /data/new && echo wrote'
for case in plain idmap ridmap own; do
  case $case in
    plain) m="{destination: \"/data\", type: \"bind\", source: \"$SRC\", options: [\"rbind\"]}"; want='65534 65534' ;;
    idmap | ridmap) m="{destination: \"/data\", type: \"bind\", source: \"$SRC\", options: [\"rbind\", \"$case\"]}"; want='0 1234' ;;
    own) m="{destination: \"/data\", type: \"bind\", source: \"$SRC\", options: [\"rbind\"],
           uidMappings: [{containerID: 0, hostID: 100000, size: 1000}], gidMappings: [{containerID: 0, hostID: 100000, size: 1000}]}"
      want='0 65534' ;;
  esac
  b=$(mkbundle "id-$case" --map keep "$userns
    | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .mounts += [$m] | .process.args = $(args_json sh -c "$LIST")")
  chown -R 100000:100000 "$b/rootfs"
  rt run --bundle "$b" "id-$case"
  if uctr_only "$case: the owners the container sees"; then
    is "$(awk 'NR <= 2 { printf "%s%s", (NR > 1 ? " " : ""), $2 }' <<<"$out")" "$want" "$case: the owners of the host's files, as the container sees them"
  fi
  rm -f "$SRC/new"
  nothing_left "id-$case" "$case: nothing left behind"
done
if uctr_only "idmap: writes"; then
  b=$T/id-idmap
  rt run --bundle "$b" id-idmap-w
  is "$status/$(stat -c %u "$SRC/new" 2>&1)" "0/0" "idmap: a file the container's root writes is the host's root's"
  rm -f "$SRC/new"
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
