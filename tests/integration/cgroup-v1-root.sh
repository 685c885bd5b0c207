#!/bin/bash
# cgroup v1 as root (tests/check runs this as root, in the engines-root
# suite), on a v1 or hybrid host: the container's directory in every v1
# hierarchy, linux.resources written there, device rules, pause and resume
# through the v1 freezer, update, events (statistics and OOM kills), ps,
# kill --all without cgroup.kill's help, delete of a frozen container, and
# nothing left in any hierarchy. Generic: each check reads the host's cgroup
# files through /proc/PID/cgroup, so it runs against runc as well.
LIB_AS_ROOT=1
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ "$MY_UID" -eq 0 ] || { echo "1..0 # SKIP cgroup v1 hierarchies are root's (tests/check runs this as root)"; exit 0; }

# v1 hierarchies: "controllers mountpoint", from mountinfo's super options.
V1=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup") print $(i + 3), $5; break } }' \
  /proc/self/mountinfo)
grep -qw memory <<<"$(tr ',' ' ' <<<"$V1")" \
  || { echo "1..0 # SKIP this host mounts no cgroup v1 memory hierarchy (a cgroup v2-only host)"; exit 0; }

# v1_dir PID CONTROLLER: the host directory of PID's cgroup in CONTROLLER's hierarchy.
v1_dir ()
{
  local line ctrls rel mnt
  line=$(awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) { print; exit } }' \
    "/proc/$1/cgroup" 2>/dev/null) || true
  [ -n "$line" ] || return 0
  ctrls=$(cut -d: -f2 <<<"$line")
  rel=$(cut -d: -f3- <<<"$line")
  mnt=$(awk -v c="$ctrls" '{ n = split($1, a, ","); m = ""; for (i = 1; i <= n; i++) if (a[i] != "rw" && a[i] != "ro") m = m (m == "" ? "" : ",") a[i]; if (m == c) { print $2; exit } }' <<<"$V1")
  printf '%s%s\n' "$mnt" "$rel"
}
v1_read () { cat "$(v1_dir "$1" "$2")/$3" 2>/dev/null | tr -d '\n'; }
mounted () { grep -qw "$1" <<<"$(tr ',' ' ' <<<"$V1")"; }

rootful='.linux.namespaces |= map(select(.type != "user" and .type != "network"))
  | del(.linux.uidMappings, .linux.gidMappings) | del(.annotations)'

# --- placement and limits ----------------------------------------------------------------
KMSG='{path: "/dev/kmsg", type: "c", major: 1, minor: 11, fileMode: 420, uid: 0, gid: 0}'
res='{memory: {limit: 67108864, swap: 134217728, swappiness: 7},
      cpu: {shares: 512, quota: 30000, period: 100000, cpus: "0", mems: "0"},
      pids: {limit: 40},
      devices: [{allow: false, access: "rwm"}, {allow: true, type: "c", major: 1, minor: 3, access: "rw"}]}'
noswap=.
[ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] || noswap='del(.linux.resources.memory.swap)'
b=$(mkbundle v1 --map keep "$rootful | .linux.resources = $res | $noswap | .linux.devices = [$KMSG]
  | .process.args = [\"sh\", \"-c\", \"sleep 600 & exec sleep 600\"]")
rt run -d --bundle "$b" v1
status_is 0 "as root on a v1 host: run -d with linux.resources"
pid=$(pid_of v1)
mem=$(v1_dir "$pid" memory)
[ -n "$mem" ] && [ "$mem" != "$(v1_dir $$ memory)" ] && [ -d "$mem" ] \
  && pass "the container has a memory cgroup of its own ($mem)" \
  || fail "the container has a memory cgroup of its own" "its: $mem, ours: $(v1_dir $$ memory)"
missing=''
for c in cpu cpuacct cpuset pids freezer devices blkio; do
  mounted "$c" || continue
  d=$(v1_dir "$pid" "$c")
  [ -n "$d" ] && [ "$d" != "$(v1_dir $$ "$c")" ] && [ -d "$d" ] || missing+=" $c($d)"
done
is "$missing" "" "and one in each of the other hierarchies"
pids_dir=$(v1_dir "$pid" pids)
is "$(v1_read "$pid" memory memory.limit_in_bytes)" 67108864 "memory.limit -> memory.limit_in_bytes"
[ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] \
  && is "$(v1_read "$pid" memory memory.memsw.limit_in_bytes)" 134217728 "memory.swap -> memory.memsw.limit_in_bytes"
is "$(v1_read "$pid" memory memory.swappiness)" 7 "memory.swappiness"
is "$(v1_read "$pid" cpu cpu.shares)/$(v1_read "$pid" cpu cpu.cfs_quota_us)/$(v1_read "$pid" cpu cpu.cfs_period_us)" \
  512/30000/100000 "cpu shares, quota and period"
is "$(v1_read "$pid" cpuset cpuset.cpus)/$(v1_read "$pid" cpuset cpuset.mems)" 0/0 "cpuset cpus and mems"
is "$(v1_read "$pid" pids pids.max)" 40 "pids.limit -> pids.max"
list=$(cat "$(v1_dir "$pid" devices)/devices.list")
grep -qx 'c 1:3 rw[m]*' <<<"$list" && ! grep -q '^a ' <<<"$list" && grep -qx 'c 136:\* rwm' <<<"$list" \
  && pass "devices: deny all, the rule for /dev/null, and runc's default allowed devices" \
  || fail "devices: the rules" "devices.list:" "$list"

rt exec v1 sh -c 'echo x >/dev/null && head -c 3 /dev/zero | wc -c && (: </dev/kmsg) 2>&1; echo end'
like "$out" '3' "allowed devices work"
like "$out" 'not permitted' "a device the rules do not allow (/dev/kmsg, c 1:11) cannot be opened"

rt ps v1
like "$out" 'sleep 600' "ps lists the processes of the cgroup"

# Inside, /sys/fs/cgroup holds the container's own cgroups, as runc mounts them.
rt exec v1 sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max
  ls /sys/fs/cgroup | tr "\n" " "; echo; grep " /sys/fs/cgroup/memory " /proc/self/mountinfo'
is "$(sed -n 1,2p <<<"$out" | tr '\n' ' ')" "67108864 40 " "inside: /sys/fs/cgroup/memory and pids are the container's cgroups"
like "$(sed -n 3p <<<"$out")" 'cpuacct .*devices .*freezer .*memory .*pids' "inside: a directory per hierarchy"
like "$(sed -n 4p <<<"$out")" " /sys/fs/cgroup/memory .* - cgroup " "inside: the memory hierarchy is mounted there"

# --- pause, update, events -----------------------------------------------------------------
rt pause v1
status_is 0 "pause"
is "$(v1_read "$pid" freezer freezer.state)/$(state_of v1)" FROZEN/paused "paused: the v1 freezer holds it"
rt resume v1
is "$(v1_read "$pid" freezer freezer.state)/$(state_of v1)" THAWED/running "resumed"

upd=(--memory 100663296 --pids-limit 50 --cpu-quota 20000)
[ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] && upd+=(--memory-swap 201326592)
rt update "${upd[@]}" v1
status_is 0 "update"
is "$(v1_read "$pid" memory memory.limit_in_bytes)/$(v1_read "$pid" pids pids.max)/$(v1_read "$pid" cpu cpu.cfs_quota_us)" \
  100663296/50/20000 "update writes the v1 files (a memory limit raised past memory+swap's old value too)"

if [ -e "$(v1_dir "$pid" cpu)/cpu.rt_period_us" ]; then
  rt update --cpu-rt-period 900000 --cpu-rt-runtime 0 v1
  is "$status/$(v1_read "$pid" cpu cpu.rt_period_us)/$(v1_read "$pid" cpu cpu.rt_runtime_us)" 0/900000/0 \
    "update --cpu-rt-period and --cpu-rt-runtime write cgroup v1's realtime files"
fi

rt events --stats v1
is "$(jq -r '.type' <<<"$out" 2>/dev/null)/$(jq -r '.data.memory.usage.limit' <<<"$out" 2>/dev/null)/$(jq -r '.data.pids.limit' <<<"$out" 2>/dev/null)" \
  stats/100663296/50 "events --stats reads the container's v1 cgroups"
[ "$(jq -r '.data.cpu.usage.total // 0' <<<"$out" 2>/dev/null)" -gt 0 ] 2>/dev/null \
  && pass "with its cpu time (cpuacct)" || fail "with its cpu time" "$out"

# --- kill --all, delete of a frozen container ----------------------------------------------
rt kill --all v1 KILL
status_is 0 "kill --all KILL"
wait_until 10 dead "$pid" && [ -z "$(cat "$pids_dir/cgroup.procs" 2>/dev/null)" ] \
  && pass "every process of the container is gone" || fail "every process is gone" "$(cat "$pids_dir/cgroup.procs")"
rt delete v1
nothing_left v1 "delete leaves nothing"
[ ! -d "$mem" ] && pass "its cgroups are removed" || fail "its cgroups are removed" "$mem"

b=$(mkbundle v1f --map keep "$rootful | .process.args = [\"sleep\", \"600\"]")
rt run -d --bundle "$b" v1f
pid=$(pid_of v1f)
fz=$(v1_dir "$pid" freezer)
rt pause v1f
rt delete --force v1f
status_is 0 "delete --force of a paused container"
wait_until 10 dead "$pid" && pass "its init is gone (a frozen task dies once thawed)" \
  || fail "its init is gone" "$(grep State "/proc/$pid/status" 2>/dev/null)"
[ ! -d "$fz" ] && pass "its freezer cgroup is removed" || fail "its freezer cgroup is removed" "$fz"
nothing_left v1f "and nothing is left"

# --- OOM kills reported ----------------------------------------------------------------------
swap=''
[ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] && swap=', swap: 33554432'
b=$(mkbundle v1oom --map keep "$rootful | .linux.resources = {memory: {limit: 33554432$swap}}
  | .process.args = [\"sleep\", \"600\"]")
rt run -d --bundle "$b" v1oom
UCTR_TEST_TAG=$T timeout 60 "$RT" --root "$R" events --interval 1s v1oom >"$T/events.out" 2>&1 &
ev=$!
track_pid "$ev"
# A first stats line: events watches by now.
wait_until 10 grep -q '"stats"' "$T/events.out" || true
rt exec v1oom sh -c 'a=$(head -c 100000000 /dev/zero | tr "\0" x); echo survived'
wait_until 15 grep -q '"oom"' "$T/events.out" && pass "events reports the OOM kill" \
  || fail "events reports the OOM kill" "$(cat "$T/events.out")" "exec: $status $out $err"
rt delete --force v1oom
kill "$ev" 2>/dev/null || true
wait "$ev" 2>/dev/null || true
nothing_left v1oom "the OOM test leaves nothing"

# --- what cannot be applied fails create -------------------------------------------------------
if ! mounted hugetlb; then
  b=$(mkbundle v1huge --map keep "$rootful | .linux.resources = {hugepageLimits: [{pageSize: \"2MB\", limit: 2097152}]}")
  rt run --bundle "$b" v1huge
  [ "$status" -ne 0 ] && pass "a hugetlb limit on a host without the hugetlb hierarchy: create fails" \
    || fail "a hugetlb limit without the hugetlb hierarchy: create fails" "status $status"
  uctr_only "its message" && like "$err" 'hugepageLimits.*cannot be applied' "the message names the limit"
  nothing_left v1huge "and leaves nothing"
fi
b=$(mkbundle v1uni --map keep "$rootful | .linux.resources = {unified: {\"memory.high\": \"1000000\"}}")
rt run --bundle "$b" v1uni
[ "$status" -ne 0 ] && pass "unified on cgroup v1: create fails" || fail "unified on cgroup v1: create fails"
nothing_left v1uni "and leaves nothing"

done_testing
