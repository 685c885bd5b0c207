#!/bin/bash
# linux.resources.devices on cgroup v2, as root (tests/check runs this as
# root, in the engines-root suite): the runtime runs in a mount namespace
# whose /sys/fs/cgroup is the cgroup2 hierarchy alone, as on a v2-only host,
# so the rules must become an eBPF device filter on the container's cgroup.
# Generic: runc 1.1.5 attaches one there too.
LIB_AS_ROOT=1
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ "$MY_UID" -eq 0 ] || { echo "1..0 # SKIP device filters are root's (tests/check runs this as root)"; exit 0; }
[ -n "$CG_MOUNT" ] || { echo "1..0 # SKIP this host has no cgroup2 (a cgroup v1-only host)"; exit 0; }

# The runtime, seeing cgroup2 alone on /sys/fs/cgroup.
REAL_RT=$RT
RT=$T/rt-v2
cat >"$RT" <<WRAP
#!/bin/sh
exec unshare -m sh -c 'mount --make-rprivate / && umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec "\$0" "\$@"' "$REAL_RT" "\$@"
WRAP
chmod +x "$RT"

rootful='.linux.namespaces |= map(select(.type != "user" and .type != "network"))
  | del(.linux.uidMappings, .linux.gidMappings) | del(.annotations)'
# c 42:42: no driver has major 42 (the kernel's "demo" number): an open the
# device rules let through fails with ENXIO, one they stop with EPERM.
NODE='{path: "/dev/probe", type: "c", major: 42, minor: 42, fileMode: 438, uid: 0, gid: 0}'
PROBE='echo x >/dev/null && echo null-ok; head -c 3 /dev/zero | wc -c
  (: </dev/probe) 2>&1 | grep -q "No such device" && echo probe-read
  (: >/dev/probe) 2>&1 | grep -q "No such device" && echo probe-write
  (: </dev/probe) 2>&1 | grep -q "not permitted" && echo probe-denied
'

run_with () # NAME RULES
{
  local b
  b=$(mkbundle "$1" --map keep "$rootful | .linux.devices = [$NODE] | .linux.resources = {devices: $2}
    | .process.args = $(args_json sh -c "$PROBE")")
  rt run --bundle "$b" "$1"
}

run_with dv-deny '[{allow: false, access: "rwm"}, {allow: true, type: "c", major: 1, minor: 3, access: "rw"}]'
status_is 0 "as root on cgroup v2: run with device rules"
like "$out" 'null-ok' "an allowed device opens (/dev/null)"
like "$out" '^ *3$' "a device runc always allows opens (/dev/zero)"
unlike "$out" 'probe-read|probe-write' "a device no rule allows cannot be opened (c 42:42)"
like "$out" 'probe-denied' "the open fails with EPERM"
nothing_left dv-deny "nothing is left"

run_with dv-read '[{allow: false, access: "rwm"}, {allow: true, type: "c", major: 42, minor: 42, access: "r"}]'
like "$out" 'probe-read' "a rule granting r: the device opens for reading"
unlike "$out" 'probe-write' "and not for writing"
nothing_left dv-read "nothing is left"

run_with dv-all '[{allow: false, access: "rwm"}, {allow: true, access: "rwm"}]'
like "$out" 'probe-read' "a later rule allowing every device wins"
nothing_left dv-all "nothing is left"

run_with dv-last '[{allow: true, access: "rwm"}, {allow: false, type: "c", major: 42, minor: 42, access: "w"}]'
like "$out" 'probe-read' "allowed all, then one device's w denied: it opens for reading"
unlike "$out" 'probe-write' "and not for writing"
nothing_left dv-last "nothing is left"

done_testing
