#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# What a one-line run's process may do, as podman sets it: the default
# capabilities and what they are for (chown, su, apt's privilege drop),
# --cap-add, --cap-drop, ALL, a user other than root, --privileged; the
# built-in seccomp profile, --security-opt seccomp=unconfined|PATH and
# no-new-privileges; bad flags and profiles refused, leaving nothing behind.
# uctr-only: runc has no one-line mode.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

uctr_only "one-line runs: capabilities and seccomp" || { done_testing; exit 0; }
[ -n "$SUBUID" ] || bail_out "$MY_USER has no range in /etc/subuid (tests/check as root gives uctr-test one)"

ROOT=$T/rootfs
cp -a "$ROOTFS" "$ROOT"

# Capability masks as /proc/self/status prints them.
mask ()
{
  local m=0 c
  for c in "$@"; do m=$((m | (1 << c))); done
  printf '%016x\n' "$m"
}
CHOWN=0 DAC_OVERRIDE=1 FOWNER=3 FSETID=4 KILL=5 SETGID=6 SETUID=7 SETPCAP=8 NET_BIND_SERVICE=10 NET_RAW=13
SYS_CHROOT=18 SYS_ADMIN=21 SETFCAP=31
DEFAULT=$(mask $CHOWN $DAC_OVERRIDE $FOWNER $FSETID $KILL $NET_BIND_SERVICE $SETFCAP $SETGID $SETPCAP $SETUID \
  $SYS_CHROOT)
ALL=$(mask $(seq 0 "$(cat /proc/sys/kernel/cap_last_cap)"))
NONE=$(mask)

# status_of ARGS...: "Eff Bnd Inh Amb NoNewPrivs Seccomp" of a one-line run with ARGS.
status_of ()
{
  rt run --rootfs "$ROOT" --network none "$@" -- \
    sh -c 'grep -E "^(Cap(Eff|Bnd|Inh|Amb)|NoNewPrivs|Seccomp):" /proc/self/status'
  awk '{ v[$1] = $2 } END { print v["CapEff:"], v["CapBnd:"], v["CapInh:"], v["CapAmb:"], v["NoNewPrivs:"], v["Seccomp:"] }' \
    <<<"$out"
}

# --- capabilities ------------------------------------------------------------------
is "$(status_of)" "$DEFAULT $DEFAULT $NONE $NONE 0 2" \
  "default: podman's capabilities (effective, bounding), none inheritable or ambient, no no_new_privs, a seccomp filter"
is "$(status_of --cap-add net_raw,CAP_SYS_ADMIN --cap-drop Chown)" \
  "$(mask $DAC_OVERRIDE $FOWNER $FSETID $KILL $NET_BIND_SERVICE $SETFCAP $SETGID $SETPCAP $SETUID $SYS_CHROOT $NET_RAW $SYS_ADMIN) \
$(mask $DAC_OVERRIDE $FOWNER $FSETID $KILL $NET_BIND_SERVICE $SETFCAP $SETGID $SETPCAP $SETUID $SYS_CHROOT $NET_RAW $SYS_ADMIN) $NONE $NONE 0 2" \
  "--cap-add (a comma list, any case, with or without CAP_) and --cap-drop"
is "$(status_of --cap-add ALL)" "$ALL $ALL $NONE $NONE 0 2" "--cap-add ALL: every capability of this kernel"
is "$(status_of --cap-drop all --cap-add kill --cap-add SETUID)" "$(mask $KILL $SETUID) $(mask $KILL $SETUID) $NONE $NONE 0 2" \
  "--cap-drop ALL keeps what --cap-add names (repeatable)"
is "$(status_of -u 1000:1000)" "$NONE $DEFAULT $NONE $NONE 0 2" "-u 1000: no effective capabilities, as podman"
is "$(status_of -u 1000:1000 --cap-add net_raw)" "$(mask $NET_RAW) $(mask $CHOWN $DAC_OVERRIDE $FOWNER $FSETID $KILL $NET_BIND_SERVICE $SETFCAP $SETGID $SETPCAP $SETUID $SYS_CHROOT $NET_RAW) $(mask $NET_RAW) $(mask $NET_RAW) 0 2" \
  "-u 1000 --cap-add: the user keeps what was added (ambient)"

# --- what the default set is for -----------------------------------------------------
mkdir -p "$T/w"
rt run --rootfs "$ROOT" --network none --bind "$T/w:/w" -- sh -c \
  'touch /w/f && chown 1000:1000 /w/f && stat -c %u:%g /w/f; su -s /bin/sh user -c "id -u; id -g"; chroot / true && echo chroot'
is "$status $out" "0 $(printf '1000:1000\n1000\n1000\nchroot')" "chown, su and chroot work as root in the container"
is "$(stat -c %u:%g "$T/w/f" 2>/dev/null)" "$((SUBUID_START + 999)):$((SUBGID_START + 999))" \
  "the chown went to the subordinate ids on the host"
# The host's own programs (glibc, PAM-free): apt's privilege drop (setgroups,
# setresgid, setresuid, then checks that root cannot come back), setpriv.
rt run --rootfs / --network none -- sh -c \
  '/usr/lib/apt/apt-helper drop-privs -- id -u; setpriv --reuid 1000 --regid 1000 --clear-groups id -u'
is "$status $out" "0 $(printf '42\n1000')" "--rootfs /: apt-helper drop-privs (to _apt) and setpriv work under the profile"

# The host's useradd adds a user to a tree of ours (chroot, lock files, chown of the new home).
mkdir -p "$T/sys/etc" "$T/sys/home"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$T/sys/etc/passwd"
printf 'root:x:0:\n' >"$T/sys/etc/group"
printf 'root:*:19000:0:99999:7:::\n' >"$T/sys/etc/shadow"
printf 'root:*::\n' >"$T/sys/etc/gshadow"
rt run --rootfs / --network none --bind "$T/sys" -- sh -c \
  "useradd --root $T/sys -m -u 1234 -U -s /bin/sh bob && stat -c %u:%g $T/sys/home/bob && grep ^bob: $T/sys/etc/passwd"
is "$status $out" "0 $(printf '1234:1234\nbob:x:1234:1234::/home/bob:/bin/sh')" "--rootfs /: useradd --root works"

# --- seccomp ---------------------------------------------------------------------------
rt run --rootfs "$ROOT" --network none -- busybox unshare -U true
like "$status $err" "^1 .*unshare.*Operation not permitted" "the built-in profile refuses unshare with EPERM"
rt run --rootfs "$ROOT" --network none --security-opt seccomp=unconfined -- sh -c \
  'busybox unshare -U true && echo unshared; grep ^Seccomp: /proc/self/status'
is "$status $out" "$(printf '0 unshared\nSeccomp:\t0')" "--security-opt seccomp=unconfined: no filter, unshare works"
is "$(status_of --security-opt no-new-privileges)" "$DEFAULT $DEFAULT $NONE $NONE 1 2" "--security-opt no-new-privileges"
is "$(status_of --security-opt no-new-privileges=true --security-opt no-new-privileges=false)" \
  "$DEFAULT $DEFAULT $NONE $NONE 0 2" "--security-opt no-new-privileges=false (the last one wins)"

# An errno of our choosing (EDQUOT, 122): the file's filter answered.
cat >"$T/profile.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 122}]}
EOF
rt run --rootfs "$ROOT" --network none --security-opt "seccomp=$T/profile.json" -- sh -c \
  'mkdir /tmp/d; busybox unshare -U true && echo unshared'
like "$err" "can't create directory '/tmp/d': Disk quota exceeded" "--security-opt seccomp=PATH: that profile applies"
like "$out" "unshared" "and only that one"

# --- --privileged --------------------------------------------------------------------
rt run --rootfs "$ROOT" --network none --privileged -- sh -c \
  'grep -E "^(CapEff|Seccomp):" /proc/self/status; grep -c -E " /proc/(keys|timer_list|sys) " /proc/self/mountinfo;
   grep " /sys " /proc/self/mountinfo | grep -c " rw,"; test -c /dev/net/tun && echo tun'
is "$status $out" "0 $(printf 'CapEff:\t%s\nSeccomp:\t0\n0\n1\ntun' "$ALL")" \
  "--privileged: every capability, no seccomp, no masked or read-only paths, /sys writable, the host's devices"
rt run --rootfs "$ROOT" --network none -- sh -c 'grep -c -E " /proc/(keys|timer_list|sys) " /proc/self/mountinfo; test -e /dev/net/tun || echo no-tun'
is "$out" "$(printf '3\nno-tun')" "without it: /proc/keys, /proc/timer_list masked, /proc/sys read-only, no host devices"
# The host's rights still hold: a device of root's (0600) cannot be opened.
dev=$(find /dev -maxdepth 1 -type c -user root -perm 0600 ! -name 'tty*' ! -name console ! -name ptmx | head -n 1)
if [ -n "$dev" ]; then
  rt run --rootfs "$ROOT" --network none --privileged -- sh -c "test -c $dev && echo there; cat $dev >/dev/null"
  like "$out $err" "^there .*'$dev': Permission denied" "--privileged: $dev (root's, 0600) is there, but the container's root cannot open it"
else
  skip "--privileged: a host device of root's cannot be opened" "no 0600 device of root's in /dev"
fi
is "$(status_of --privileged --cap-drop sys_admin)" \
  "$(printf '%016x' $((0x$ALL & ~(1 << SYS_ADMIN)))) $(printf '%016x' $((0x$ALL & ~(1 << SYS_ADMIN)))) $NONE $NONE 0 0" \
  "--privileged --cap-drop: dropped even so"

# spec prints such configs; they are valid.
SCHEMA_DIR=${SCHEMA_DIR:-$TESTS_DIR/../../../shared/runtime-spec-schema}
if [ -f "$SCHEMA_DIR/config-schema.json" ]; then
  for flags in "" "--privileged" "-u 1000 --cap-add net_raw"; do
    # shellcheck disable=SC2086 # the flags are words
    rt spec --rootfs "$ROOT" $flags -- true
    is "$(python3 "$TESTS_DIR/../schema-check.py" "$SCHEMA_DIR" config-schema.json <<<"$out" 2>&1)" valid \
      "spec --rootfs ${flags:-(default)}: the config validates"
  done
else
  [ -z "${CI:-}" ] || bail_out "no runtime-spec schemas in $SCHEMA_DIR"
  skip "spec --rootfs with these flags validates" "no runtime-spec schemas in $SCHEMA_DIR"
fi

# --- bad input -------------------------------------------------------------------------
# refused DESC ERE FLAGS...: a named run with FLAGS fails saying ERE, with
# no state dir left (nothing_left, which scans every process, runs once below).
n=0
refused ()
{
  local desc=$1 expect=$2
  shift 2
  n=$((n + 1))
  rt run --rootfs "$ROOT" --network none --name "bad$n" "$@" -- true
  if [ "$status" -ne 0 ] && grep -qE -- "$expect" <<<"$err" && [ ! -e "$R/bad$n" ]; then
    pass "$desc"
  else
    fail "$desc" "expected a failure saying /$expect/ and no $R/bad$n"
  fi
}
refused "an unknown capability is named, with where the list is" \
  '^uctr: --cap-add net_raw,foo: unknown capability CAP_FOO \("uctr features" lists the ones this kernel has' \
  --cap-add net_raw,foo
refused "a capability both added and dropped" 'CAP_KILL: both added \(--cap-add\) and dropped \(--cap-drop\)' \
  --cap-add kill --cap-drop KILL
refused "--cap-add ALL --cap-drop ALL" '--cap-add ALL with --cap-drop ALL: choose one' --cap-add ALL --cap-drop ALL
refused "an unknown --security-opt lists the known ones" \
  '--security-opt label=disable: unknown option "label"; uctr knows seccomp=unconfined, seccomp=PATH and no-new-privileges' \
  --security-opt label=disable
refused "a missing profile is named" "--security-opt seccomp=$T/nosuch.json: .*No such file" \
  --security-opt "seccomp=$T/nosuch.json"
printf '{"defaultAction": "SCMP_ACT_ALLOW",' >"$T/broken.json"
refused "a profile that is not JSON" "--security-opt seccomp=$T/broken.json: " --security-opt "seccomp=$T/broken.json"
printf '{"defaultAction": "SCMP_ACT_FOO"}' >"$T/badaction.json"
refused "a bad profile: its JSON path is named" \
  "--security-opt seccomp=$T/badaction.json: linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\"" \
  --security-opt "seccomp=$T/badaction.json"
printf '{"defaultAction": "SCMP_ACT_ERRNO", "archMap": [], "syscalls": []}' >"$T/podman.json"
refused "podman's profile format is refused, not misread" \
  "--security-opt seccomp=$T/podman.json: archMap: this is podman's \(or docker's\) profile format" \
  --security-opt "seccomp=$T/podman.json"
printf '{"defaultAction": "SCMP_ACT_KILL_PROCESS", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]}' \
  >"$T/kill.json"
refused "a profile that kills the container's init: create fails saying what it must allow" \
  'SIGSYS, from its seccomp filter.*must allow what the container init does' --security-opt "seccomp=$T/kill.json"
rt list -q
is "$out" "" "and no container is left"
nothing_left "bad$n" "nor a process, fifo or mount of theirs"

done_testing
