#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# What the container process sees and is: id maps, hostname, env and cwd,
# rlimits, capabilities, user switch and umask, no_new_privs, oom score,
# exit statuses and signals.  Generic (also passes with UCTR_TEST_RUNTIME=runc)
# except where uctr_only says otherwise.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# inside NAME JQ-FILTER SCRIPT: runs SCRIPT with sh -c in a fresh bundle
# (JQ-FILTER applied to its config); sets $status $out $err.
inside ()
{
  local b
  b=$(mkbundle "$1" "$2 | .process.args = $(args_json sh -c "$3")")
  rt run --bundle "$b" "$1"
}

# --- id maps ---------------------------------------------------------------------
inside maps . 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map; echo --; cat /proc/self/setgroups'
maps=$(tr -s ' \t' ' ' <<<"$out" | sed 's/^ //')
is "$(sed -n '1,/^--$/p' <<<"$maps" | sed '$d')" "$(printf '0 %s 1\n1 %s %s' "$MY_UID" "$SUBUID_START" "$MAP_COUNT")" \
  "uid_map inside: 0 -> caller, 1.. -> the subordinate range"
is "$(sed -n '/^--$/,/^--$/p' <<<"$maps" | sed '1d;$d')" "$(printf '0 %s 1\n1 %s %s' "$MY_GID" "$SUBGID_START" "$MAP_COUNT")" \
  "gid_map inside: 0 -> caller's group, 1.. -> the subordinate range"
is "$(tail -n1 <<<"$maps")" allow "setgroups is allowed with newgidmap mappings"

# mappings other than the default are honoured as written
b=$(mkbundle maps2 ".linux.uidMappings = [{containerID: 0, hostID: $MY_UID, size: 1}, {containerID: 1000, hostID: $((SUBUID_START + 5)), size: 10}]
  | .linux.gidMappings = [{containerID: 0, hostID: $MY_GID, size: 1}, {containerID: 500, hostID: $((SUBGID_START + 7)), size: 3}]
  | .process.args = [\"sh\", \"-c\", \"cat /proc/self/uid_map /proc/self/gid_map\"]")
rt run --bundle "$b" maps2
is "$(tr -s ' \t' ' ' <<<"$out" | sed 's/^ //')" \
  "$(printf '0 %s 1\n1000 %s 10\n0 %s 1\n500 %s 3' "$MY_UID" "$((SUBUID_START + 5))" "$MY_GID" "$((SUBGID_START + 7))")" \
  "config uidMappings/gidMappings are written as given"

inside ids . 'id -u; id -g; echo $$'
is "$out" "$(printf '0\n0\n1')" "the process is root in its user namespace and PID 1 of its pid namespace"

# --- hostname, env, cwd -------------------------------------------------------------
HOST_NAME=$(cat /proc/sys/kernel/hostname)
inside host '.hostname = "box-one"' 'hostname; cat /proc/sys/kernel/hostname'
is "$out" "$(printf 'box-one\nbox-one')" "hostname from config.json"
is "$(cat /proc/sys/kernel/hostname)" "$HOST_NAME" "the host's hostname is untouched"

inside env '.process.env = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY="] | .process.cwd = "/tmp"' \
  'echo "$FOO"; pwd; echo "${EMPTY-unset}"; env | grep -E "^(UCTR_TEST_TAG|LC_ALL|USER|LOGNAME|XDG_RUNTIME_DIR)=" || true'
is "$out" "$(printf 'bar baz\n/tmp\n')" "process.env and process.cwd, and no variable of the runtime's environment"

inside cwdnew '.process.cwd = "/does/not/exist"' 'pwd'
is "$status/$out" "0//does/not/exist" "a missing process.cwd is created"

# --- rlimits ------------------------------------------------------------------
inside rlim '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 123, hard: 456}, {type: "RLIMIT_CORE", soft: 0, hard: 0}]' \
  'ulimit -n; ulimit -H -n; ulimit -c; grep -E "^Max (open files|core)" /proc/self/limits | tr -s " "'
is "$out" "$(printf '123\n456\n0\nMax core file size 0 0 bytes \nMax open files 123 456 files ')" "process.rlimits"

# --- capabilities ------------------------------------------------------------------
# CAP_CHOWN (0), CAP_KILL (5), CAP_NET_BIND_SERVICE (10): 0x421.
CAPS='["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"]'
inside caps ".process.capabilities = {bounding: $CAPS, effective: $CAPS, permitted: $CAPS, inheritable: [], ambient: []}" \
  'grep ^Cap /proc/self/status'
is "$out" "$(printf 'CapInh:\t0000000000000000\nCapPrm:\t0000000000000421\nCapEff:\t0000000000000421\nCapBnd:\t0000000000000421\nCapAmb:\t0000000000000000')" \
  "capabilities: the five sets as configured, inheritable empty"

inside capsnone '.process.capabilities = {bounding: [], effective: [], permitted: [], inheritable: [], ambient: []}' \
  'grep -E "^Cap(Eff|Bnd)" /proc/self/status; chown 1 /tmp 2>/dev/null && echo chown-allowed || echo chown-denied'
is "$out" "$(printf 'CapEff:\t0000000000000000\nCapBnd:\t0000000000000000\nchown-denied')" \
  "no capabilities: root inside cannot chown"

# A non-root user keeps the ambient set across exec.
NBS='["CAP_NET_BIND_SERVICE"]'
inside capsamb ".process.user = {uid: 1000, gid: 1000} | .process.capabilities = {bounding: $NBS, effective: $NBS, permitted: $NBS, inheritable: $NBS, ambient: $NBS}" \
  'grep -E "^Cap(Inh|Eff|Amb)" /proc/self/status'
is "$out" "$(printf 'CapInh:\t0000000000000400\nCapEff:\t0000000000000400\nCapAmb:\t0000000000000400')" \
  "capabilities: ambient set for a non-root user"

inside nnp '.process.noNewPrivileges = true' 'grep ^NoNewPrivs /proc/self/status'
is "$out" "$(printf 'NoNewPrivs:\t1')" "noNewPrivileges: true"
inside nnp0 '.process.noNewPrivileges = false' 'grep ^NoNewPrivs /proc/self/status'
is "$out" "$(printf 'NoNewPrivs:\t0')" "noNewPrivileges: false"

inside oom '.process.oomScoreAdj = 123' 'cat /proc/self/oom_score_adj'
is "$out" 123 "process.oomScoreAdj"

# --- user switch --------------------------------------------------------------------
inside user '.process.user = {uid: 1000, gid: 1000, umask: 63}' \
  'id -u; id -g; umask; touch /dev/shm/f; stat -c %a /dev/shm/f'
is "$out" "$(printf '1000\n1000\n0077\n600')" "process.user uid, gid and umask"

inside user2 '.process.user = {uid: 65534, gid: 65534}' 'id -un; id -gn'
is "$out" "$(printf 'nobody\nnogroup')" "process.user: names from the rootfs /etc/passwd and /etc/group"

# The host sees the user's subordinate id.
b=$(mkbundle hostuid '.process.user = {uid: 1000, gid: 1000} | .process.args = ["sh", "-c", "echo ready > /dev/shm/ready; exec sleep 1000"]')
rt create --bundle "$b" hostuid
rt start hostuid
pid=$(pid_of hostuid)
if wait_until 10 sh -c "grep -q '^Uid:' /proc/$pid/status && [ \"\$(awk '/^Uid:/ { print \$2 }' /proc/$pid/status)\" != $MY_UID ]"; then
  is "$(awk '/^(Uid|Gid):/ { print $1, $2, $3, $4, $5 }' "/proc/$pid/status")" \
    "$(printf 'Uid: %s %s %s %s\nGid: %s %s %s %s' $((SUBUID_START + 999)){,,,} $((SUBGID_START + 999)){,,,})" \
    "on the host, container uid 1000 is subordinate id start+999"
else
  fail "on the host, container uid 1000 is subordinate id start+999" "pid '$pid' never switched user"
fi
rt delete --force hostuid

# additionalGids: uctr-specific (runc 1.1.5 refuses any additional group when rootless).
if uctr_only "process.user.additionalGids"; then
  inside groups '.process.user = {uid: 1000, gid: 1000, additionalGids: [10, 20]}' \
    'id -u; id -g; grep ^Groups /proc/self/status'
  is "$out" "$(printf '1000\n1000\nGroups:\t10 20 ')" "process.user.additionalGids become the supplementary groups"
fi

# --- exit statuses and signals --------------------------------------------------------
inside exit3 . 'exit 3'
is "$status" 3 "run: exit 3 -> 3"
inside exit0 . 'true'
is "$status" 0 "run: exit 0 -> 0"
inside exit255 . 'exit 255'
is "$status" 255 "run: exit 255 -> 255"
# PID 1 ignores a signal it has no handler for, even its own; a child killed
# by SIGTERM is what `kill -TERM $$` gives in a shell that is not PID 1.
inside exitsig . 'sh -c "kill -TERM \$\$"; exit $?'
is "$status" 143 "run: a process killed by SIGTERM -> 128+15"

# The init killed by a signal from outside: run exits 128+9.
b=$(mkbundle sigkill '.process.args = ["sh", "-c", "echo ready > /ready; exec sleep 1000"]')
rt_bg "$T/sigkill.out" run --bundle "$b" sigkill
if wait_until 10 test -e "$b/rootfs/ready"; then
  rt kill sigkill KILL
  wait_bg
  is "$rc" 137 "run of a container killed by SIGKILL exits 128+9"
else
  fail "run of a container killed by SIGKILL exits 128+9" "never ready: $(cat "$T/sigkill.out")"
fi

# run forwards the signals it gets to the container process.
for sig in TERM HUP INT; do
  b=$(mkbundle "fwd-$sig" ".process.args = $(args_json sh -c "trap 'echo got-$sig; exit 42' $sig; echo ready > /ready; while :; do sleep 0.05; done")")
  rt_bg "$T/fwd-$sig.out" run --bundle "$b" "fwd-$sig"
  if wait_until 10 test -e "$b/rootfs/ready"; then
    # timeout(1) runs the runtime; it relays the signal to it.
    kill -s "$sig" "$bg_pid"
    wait_bg
    is "$rc/$(cat "$T/fwd-$sig.out")" "42/got-$sig" "run forwards SIG$sig to the container"
  else
    fail "run forwards SIG$sig to the container" "never ready: $(cat "$T/fwd-$sig.out")"
  fi
done

# --- HOME ---------------------------------------------------------------------------
# As runc: without HOME in process.env, the user's home from the container's
# /etc/passwd, or / for a user it does not list; a HOME given is kept.
inside home0 '.process.env = ["PATH=/bin:/usr/bin"]' 'echo "$HOME"'
is "$out" /root "no HOME in process.env: root's home from the container's /etc/passwd"
inside home1 '.process.env = ["PATH=/bin:/usr/bin"] | .process.user = {"uid": 1000, "gid": 1000}' 'echo "$HOME"'
is "$out" /home/user "and user 1000's"
inside home2 '.process.env = ["PATH=/bin:/usr/bin"] | .process.user = {"uid": 4242, "gid": 4242}' 'echo "$HOME"'
is "$out" / "a user /etc/passwd does not list: /"
inside home3 '.process.env = ["PATH=/bin:/usr/bin", "HOME=/given"]' 'echo "$HOME"'
is "$out" /given "a HOME in process.env is kept"

# --- LSM labels ------------------------------------------------------------------
# uctr applies none: the process runs, and the warning says so.
if uctr_only "AppArmor and SELinux labels are named in a warning"; then
  inside lsm '.process.apparmorProfile = "some-profile" | .process.selinuxLabel = "system_u:system_r:container_t:s0"' 'echo ran'
  is "$status/$out" "0/ran" "a config with apparmorProfile and selinuxLabel runs"
  like "$err" 'process.apparmorProfile some-profile: uctr does not apply AppArmor profiles' "the warning names the AppArmor profile"
  like "$err" 'process.selinuxLabel system_u:system_r:container_t:s0: uctr does not apply SELinux labels' "and the SELinux label"
fi

done_testing
