#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# cgroup v2: the container's own cgroup under the caller's delegated one,
# pause and resume (the freezer), kill --all and delete --force (cgroup.kill),
# update, events, and the runs without a cgroup of their own (one warning;
# pause says why it cannot).  tests/check hands the test user a delegated
# subtree in UCTR_TEST_CGROUP, as systemd's Delegate=yes does on a desktop;
# the test moves itself into a leaf of it before calling uctr.  uctr-only:
# rootless runc on a cgroup v1-hybrid host has no cgroup to pause.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

uctr_only "cgroup v2 tests" || { done_testing; exit 0; }

# A process that counts in /count, ten times a second, once it is ready.
COUNTER='i=0; while :; do i=$((i + 1)); echo $i > /count; sleep 0.1; done'

count_of () { cat "$1/rootfs/count" 2>/dev/null || echo 0; }

# counting BUNDLE: /count changes within two seconds.
counting ()
{
  local a i
  a=$(count_of "$1")
  for i in $(seq 40); do
    [ "$(count_of "$1")" = "$a" ] || return 0
    sleep 0.05
  done
  return 1
}

# cgbundle NAME [JQ-FILTER]: mkbundle without the slirp network (no helper to wait for).
cgbundle () { mkbundle "$1" "del(.annotations[\"uctr.network\"]) | ${2:-.}"; }

# cg_of PID: the cgroup directory the process is in.
cg_of () { cg_dir_of "$1"; }

# ---- without a cgroup of its own -------------------------------------------
# A caller whose cgroup it may not write (a session scope root owns, a v1
# host): the container runs, one warning names the limits it does not get,
# and pause says what it needs.
no_cgroup_tests ()
{
  local b
  b=$(cgbundle nocg '.process.args = ["sh", "-c", "echo ran"] | .linux.resources = {"pids": {"limit": 20}, "memory": {"limit": 100000000, "swappiness": 10}}')
  rt run --bundle "$b" nocg1
  is "$status/$out" "0/ran" "without a cgroup of its own the container still runs"
  is "$(grep -c 'warning' <<<"$err")" 1 "one warning about the limits"
  like "$err" 'pids.limit.*memory.limit.*not applied.*no cgroup of its own' "the warning names the limits and why"
  like "$err" 'memory.swappiness not applied: cgroup v2 has no such setting' "and what cgroup v2 has not, in the same line"
  nothing_left nocg1 "nothing left behind"

  b=$(cgbundle nocg2 ".process.args = $(args_json sh -c "$COUNTER")")
  rt run -d --bundle "$b" nocg2
  status_is 0 "run -d without a cgroup"
  is "$err" "" "no warning when no limit was asked for"
  rt pause nocg2
  check "pause without a cgroup fails" test "$status" -ne 0
  like "$err" 'pause needs a cgroup v2 the user can write' "pause says what it needs"
  is "$(state_of nocg2)" running "the container still runs"
  rt resume nocg2
  like "$err" 'not paused' "resume of a running container: not paused"
  rt update --pids-limit 10 nocg2
  like "$err" 'update needs a cgroup v2' "update without a cgroup says what it needs"
  rt events --stats nocg2
  like "$err" 'events needs a cgroup v2' "events without a cgroup says what it needs"
  rt kill --all nocg2 KILL
  status_is 0 "kill --all without a cgroup (the pid namespace)"
  check "the container stops" wait_until 10 state_is nocg2 stopped
  rt delete nocg2
  nothing_left nocg2 "nothing left behind"
}

if [ -z "$CG_MOUNT" ]; then
  diag "no cgroup v2 on this host"
  no_cgroup_tests
  done_testing
  exit 0
fi
if [ -z "${UCTR_TEST_CGROUP:-}" ]; then
  # Run by hand in a delegated cgroup (systemd-run --user --scope -p Delegate=yes): that one.
  own=$(cg_dir_of $$)
  if [ -n "$own" ] && [ -w "$own" ] && [ -w "$own/cgroup.procs" ]; then
    UCTR_TEST_CGROUP=$own
    diag "no UCTR_TEST_CGROUP: using this test's own cgroup $own"
  elif [ -n "${CI:-}" ]; then
    fail "UCTR_TEST_CGROUP names a delegated cgroup v2 subtree (tests/check as root makes one)"
    done_testing
    exit 0
  else
    skip "cgroup placement" "no delegated subtree in UCTR_TEST_CGROUP (tests/check as root makes one)"
    no_cgroup_tests
    done_testing
    exit 0
  fi
fi
# Controllers can be handed to cgroups below UCTR_TEST_CGROUP only while it
# holds no process itself (cgroup v2): tests/check's subtree does not.
avail=$(cat "$UCTR_TEST_CGROUP/cgroup.controllers")
[ -z "$(cat "$UCTR_TEST_CGROUP/cgroup.procs")" ] || avail=''
# can_limit CONTROLLER: enabled for the cgroups below UCTR_TEST_CGROUP, or now enabled.
can_limit ()
{
  grep -qw "$1" <<<"$avail" || return 1
  grep -qw "$1" "$UCTR_TEST_CGROUP/cgroup.subtree_control" || echo "+$1" >"$UCTR_TEST_CGROUP/cgroup.subtree_control" 2>/dev/null
}

LEAF=$UCTR_TEST_CGROUP/cg-$$
cg_enter "$LEAF"
is "$(cg_of $$)" "$LEAF" "the test runs in its own leaf of the delegated subtree"

# ---- placement -------------------------------------------------------------
B=$(cgbundle cg1 '.process.args = ["sh", "-c", "sleep 1000 & sleep 1000 & cat /proc/self/cgroup > /cg; echo ready > /ready; wait"]')
rt run -d --bundle "$B" cg1
status_is 0 "run -d in a delegated cgroup"
is "$err" "" "no warning when nothing was asked for"
wait_until 10 test -e "$B/rootfs/ready" || true
init=$(pid_of cg1)
is "$(cg_of "$init")" "$LEAF/uctr-cg1" "the init is in a cgroup of its own, uctr-ID under the caller's"
mapfile -t children < <(pgrep -P "$init" | sort -n)
is "${#children[@]}" 2 "the init has its two children"
is "$(for p in "${children[@]}"; do cg_of "$p"; done | sort -u)" "$LEAF/uctr-cg1" "its children are there too"
is "$(sort -n "$LEAF/uctr-cg1/cgroup.procs" | tr '\n' ' ')" "$(printf '%s\n' "$init" "${children[@]}" | sort -n | tr '\n' ' ')" \
  "cgroup.procs lists the container's processes, no other"
is "$(grep '^0::' "$B/rootfs/cg")" "0::/" "in its cgroup namespace the container's cgroup is the root"
rt ps --format json cg1
is "$(jq -r 'sort | map(tostring) | join(" ")' <<<"$out")" "$(sort -n "$LEAF/uctr-cg1/cgroup.procs" | tr '\n' ' ' | sed 's/ $//')" \
  "ps: the processes of the cgroup"

# The same id under another --root (uctr-ID is taken): a cgroup of its own all the same.
R2=$T/root2
mkdir -m 0700 "$R2"
timeout 20 "$RT" --root "$R2" run -d --bundle "$B" cg1 2>"$T/r2.err" || true
p2=$(timeout 10 "$RT" --root "$R2" state cg1 2>/dev/null | jq -r '.pid // 0')
is "$(cg_of "$p2")" "$LEAF/uctr-cg1-2" "the same id from another state root gets uctr-ID-2"
timeout 20 "$RT" --root "$R2" delete --force cg1 || true
check "and its delete removes that one" test ! -e "$LEAF/uctr-cg1-2"
check "not the other's" test -d "$LEAF/uctr-cg1"
# An empty uctr-ID may be another create's, made a moment ago and not yet
# entered (two state roots creating the same id at once): never shared,
# since each delete kills what is in its cgroup.
mkdir "$LEAF/uctr-cg9"
timeout 20 "$RT" --root "$R2" run -d --bundle "$B" cg9 2>"$T/r2.err" || true
p9=$(timeout 10 "$RT" --root "$R2" state cg9 2>/dev/null | jq -r '.pid // 0')
is "$(cg_of "$p9")" "$LEAF/uctr-cg9-2" "an existing empty uctr-ID is not taken: uctr-ID-2"
timeout 20 "$RT" --root "$R2" delete --force cg9 || true
check "its delete removes uctr-ID-2 and leaves uctr-ID" sh -c "test ! -e '$LEAF/uctr-cg9-2' && test -d '$LEAF/uctr-cg9'"
rmdir "$LEAF/uctr-cg9"

# ---- events ----------------------------------------------------------------
rt events --stats cg1
status_is 0 "events --stats exits 0"
is "$(jq -r '.type + " " + .id' <<<"$out" 2>/dev/null)" "stats cg1" "events --stats: one stats event for the container"
is "$(jq -r '.data.pids.current' <<<"$out" 2>/dev/null)" 3 "events --stats: pids.current counts its three processes"
like "$(jq -r '.data.cpu.usage | has("kernel") and has("user")' <<<"$out" 2>/dev/null)" true "events --stats: cpu usage from cpu.stat"
like "$(jq -c '.data.memory.usage' <<<"$out" 2>/dev/null)" '"limit"' "events --stats: the memory section as runc's"
is "$(wc -l <<<"$out")" 1 "events --stats prints one line"
rt events --interval 0s cg1
like "$err" 'greater than 0' "events --interval 0s is refused"
rt events --interval 5x cg1
like "$err" 'not a duration' "a malformed --interval is refused"

# ---- exec joins the container's cgroup -------------------------------------
rt exec cg1 sh -c 'grep "^0::" /proc/self/cgroup'
is "$out" "0::/" "exec: the new process is in the container's cgroup (the root of its cgroup namespace)"
rt exec -d --pid-file "$T/cg1-exec.pid" cg1 sleep 100
is "$(cg_of "$(cat "$T/cg1-exec.pid")")" "$LEAF/uctr-cg1" "exec -d: seen from the host, in uctr-cg1"

# exec --cgroup [CONTROLLERS:]PATH: an existing cgroup below the container's.
mkdir "$LEAF/uctr-cg1/sub"
rt exec -d --cgroup sub --pid-file "$T/cg1-sub.pid" cg1 sleep 100
is "$status" 0 "exec --cgroup sub"
is "$(cg_of "$(cat "$T/cg1-sub.pid")")" "$LEAF/uctr-cg1/sub" "exec --cgroup sub: in uctr-cg1/sub"
rt exec --cgroup cpu,memory:sub cg1 sh -c 'grep "^0::" /proc/self/cgroup'
is "$out" "0::/sub" "exec --cgroup cpu,memory:sub: controllers say nothing on cgroup v2"
rt exec --cgroup nosuch cg1 true
like "$err" 'nosuch does not exist below the container' "exec --cgroup of a missing cgroup: a clear error"
rt exec --cgroup ../escape cg1 true
like "$err" 'must stay below the container' "exec --cgroup with ..: refused"

rt kill cg1 KILL
check "cg1 stops" wait_until 10 state_is cg1 stopped
rt delete cg1
check "delete of a stopped container removes its cgroup" test ! -e "$LEAF/uctr-cg1"
rt pause cg1
like "$err" 'does not exist' "pause of a deleted container"

# ---- pause and resume ------------------------------------------------------
C=$(cgbundle cnt ".process.args = $(args_json sh -c "$COUNTER")")
rt run -d --bundle "$C" cnt
check "the counter counts" counting "$C"
rt pause cnt
status_is 0 "pause exits 0"
is "$(state_of cnt)" paused "state after pause: paused"
like "$(cat "$LEAF/uctr-cnt/cgroup.events")" 'frozen 1' "the kernel says its cgroup is frozen"
a=$(count_of "$C")
sleep 0.5
is "$(count_of "$C")" "$a" "a paused container does not run"
rt pause cnt
check "pausing a paused container fails" test "$status" -ne 0
like "$err" 'not running' "as runc: not running"
rt start cnt
check "start of a paused container fails" test "$status" -ne 0
rt resume cnt
status_is 0 "resume exits 0"
is "$(state_of cnt)" running "state after resume: running"
like "$(cat "$LEAF/uctr-cnt/cgroup.events")" 'frozen 0' "its cgroup is thawed"
check "a resumed container runs again" counting "$C"
rt resume cnt
check "resuming a running container fails" test "$status" -ne 0
like "$err" 'not paused' "as runc: not paused"

rt pause cnt
rt exec cnt true
check "exec into a paused container fails" test "$status" -ne 0
like "$err" 'paused.*--ignore-paused' "and says --ignore-paused"
rt resume cnt

rt pause cnt
cnt_init=$(pid_of cnt)
rt delete cnt
check "delete of a paused container without --force fails" test "$status" -ne 0
rt delete --force cnt
status_is 0 "delete --force of a paused container"
check "its process is gone" wait_until 5 dead "$cnt_init"
check "delete removed its cgroup" test ! -e "$LEAF/uctr-cnt"
nothing_left cnt "nothing left behind"


# ---- kill --all: cgroup.kill reaches a tree the pid namespace does not hold --
# Without a pid namespace of its own, the container's processes outlive its
# init and only its cgroup knows them all: a tree, and a daemon that left it.
TREE='sh -c "sleep 1000 & sleep 1000 & wait" & (setsid sleep 1000 &) ; sleep 0.2; echo ready > /ready; wait'
K=$(cgbundle tree ".process.args = $(args_json sh -c "$TREE") | .linux.namespaces |= map(select(.type != \"pid\"))")
rt run -d --bundle "$K" tree
wait_until 10 test -e "$K/rootfs/ready" || true
mapfile -t procs < <(cat "$LEAF/uctr-tree/cgroup.procs" 2>/dev/null)
is "${#procs[@]}" 5 "the tree: the init, a shell with two sleeps, and a daemon, all in the cgroup"
rt kill --all tree KILL
status_is 0 "kill --all KILL"
for p in "${procs[@]}"; do
  wait_until 5 dead "$p" || true
done
left=$(for p in "${procs[@]}"; do if alive "$p"; then echo "$p"; fi; done)
is "$left" "" "every process of the tree is gone, the daemon too"
check "its cgroup is empty" wait_until 5 grep -qx 'populated 0' "$LEAF/uctr-tree/cgroup.events"
rt delete tree
nothing_left tree "nothing left behind"

# delete --force too: no pid namespace, a daemon the init does not know.
rt run -d --bundle "$K" tree2
wait_until 10 test -e "$K/rootfs/ready" || true
mapfile -t procs < <(cat "$LEAF/uctr-tree2/cgroup.procs" 2>/dev/null)
rt delete --force tree2
status_is 0 "delete --force of a running tree"
left=$(for p in "${procs[@]}"; do if ! wait_until 5 dead "$p"; then echo "$p"; fi; done)
is "$left" "" "delete --force leaves none of its processes"
check "delete --force removed the cgroup" test ! -e "$LEAF/uctr-tree2"

# ---- cgroupsPath -----------------------------------------------------------
P=$(cgbundle cgp '.process.args = ["sleep", "1000"] | .linux.cgroupsPath = "pods/box"')
rt run -d --bundle "$P" cgp
is "$(cg_of "$(pid_of cgp)")" "$LEAF/pods/box" "a relative cgroupsPath goes under the caller's cgroup"
rt delete --force cgp
check "delete removed it" test ! -e "$LEAF/pods/box"
edit_config "$P" '.linux.cgroupsPath = "../escape"'
rt run -d --bundle "$P" cgp2
check "a cgroupsPath with .. is refused" test "$status" -ne 0
like "$err" 'cgroupsPath.*\.\.' "the error names cgroupsPath"
nothing_left cgp2 "nothing left behind"

# A cgroupsPath other processes are in already: joined with a warning, as
# runc; kill --all and delete act on the container's processes only, and
# leave the cgroup in place.
mkdir -p "$LEAF/shared"
sleep 1000 &
other=$!
track_pid "$other"
echo "$other" >"$LEAF/shared/cgroup.procs"
S=$(cgbundle shr '.process.args = ["sleep", "1000"] | .linux.cgroupsPath = "shared"')
rt run -d --bundle "$S" shr
status_is 0 "a cgroupsPath with processes in it: run -d exits 0"
like "$err" 'has processes already' "and says the cgroup has processes already"
is "$(cg_of "$(pid_of shr)")" "$LEAF/shared" "the container's init joins that cgroup"
rt ps --format json shr
is "$(jq -r 'map(tostring) | join(" ")' <<<"$out")" "$(pid_of shr)" "ps lists the container's process, not the other one"
rt kill --all shr KILL
check "kill --all stops the container" wait_until 10 state_is shr stopped
check "and leaves the other process alive" alive "$other"
rt delete --force shr
check "delete leaves the other process alive" alive "$other"
check "and the cgroup in place" test -d "$LEAF/shared"
kill "$other"
wait "$other" 2>/dev/null || true
rmdir "$LEAF/shared"
nothing_left shr "a shared cgroupsPath: nothing left behind"

# ---- failures after the placement leave no cgroup --------------------------
F=$(cgbundle fail '.process.args = ["true"] | .hooks.createRuntime = [{"path": "/bin/false"}]')
rt create --bundle "$F" fail1
check "a create whose createRuntime hook fails fails" test "$status" -ne 0
check "its cgroup is gone" test ! -e "$LEAF/uctr-fail1"
nothing_left fail1 "nothing left behind"
edit_config "$F" '.hooks = {} | .linux.resources.unified = {"cgroup.max.depth": "deep"}'
rt create --bundle "$F" fail2
check "a value the kernel refuses fails create" test "$status" -ne 0
like "$err" 'linux.resources.unified.cgroup.max.depth: writing "deep" to cgroup.max.depth' \
  "the error names the member, the file and the value"
check "its cgroup is gone" test ! -e "$LEAF/uctr-fail2"
nothing_left fail2 "nothing left behind"
edit_config "$F" '.linux.resources = {"memory": {"swap": 1000}}'
rt create --bundle "$F" fail3
like "$err" 'memory.swap: a swap limit needs a memory limit' "limits that cannot go together are refused before anything runs"
nothing_left fail3 "nothing left behind"

# ---- update ----------------------------------------------------------------
# Limits need their controller in the container's cgroup.  Below the
# caller's own cgroup, which holds processes, cgroup v2 gives none; an
# absolute cgroupsPath in the delegated subtree (no processes) can have them.
U=$(cgbundle upd '.process.args = ["sleep", "1000"]')
rt run -d --bundle "$U" upd
rt update --pids-limit 10 upd
check "update of a limit whose controller is missing fails" test "$status" -ne 0
like "$err" 'pids.limit: the pids controller is not available' "the error names the limit and the controller"
printf '%s\n' '{"unified": {"cgroup.max.descendants": "7"}}' >"$T/res.json"
rt update -r "$T/res.json" upd
status_is 0 "update -r FILE with a core cgroup file"
is "$(cat "$LEAF/uctr-upd/cgroup.max.descendants")" 7 "update -r wrote cgroup.max.descendants"
RT_STDIN=$T/res.json rt update -r - upd
status_is 0 "update -r - reads stdin"
rt update --memory 12x upd
like "$err" 'not a size' "a malformed size is refused"
rt update --blkio-weight 5 upd
like "$err" 'from 10 to 1000|controller' "a blkio weight out of range is refused"
rt delete --force upd

REL=${UCTR_TEST_CGROUP#"$CG_MOUNT"}
if can_limit pids; then
  L=$(cgbundle lim ".process.args = [\"sleep\", \"1000\"] | .linux.cgroupsPath = \"$REL/lim-$$\" | .linux.resources.pids = {\"limit\": 30}")
  rt run -d --bundle "$L" lim
  status_is 0 "run with pids.limit in a cgroup with the pids controller"
  is "$err" "" "no warning: the limit applies"
  is "$(cat "$UCTR_TEST_CGROUP/lim-$$/pids.max")" 30 "pids.limit -> pids.max"
  rt update --pids-limit 42 lim
  status_is 0 "update --pids-limit"
  is "$(cat "$UCTR_TEST_CGROUP/lim-$$/pids.max")" 42 "update --pids-limit wrote pids.max"
  printf '%s\n' '{"pids": {"limit": -1}}' >"$T/pids.json"
  rt update -r "$T/pids.json" lim
  is "$(cat "$UCTR_TEST_CGROUP/lim-$$/pids.max")" max "update -r with pids.limit -1: max"
  rt events --stats lim
  is "$(jq -r '.data.pids.limit' <<<"$out")" 18446744073709551615 "events: an unlimited pids.max as runc prints it"
  rt delete --force lim
  check "delete removed the cgroup" test ! -e "$UCTR_TEST_CGROUP/lim-$$"
else
  skip "pids.limit -> pids.max" "the pids controller is not available below $UCTR_TEST_CGROUP (controllers: ${avail:-none})"
fi
if can_limit memory; then
  M=$(cgbundle oom ".process.args = [\"sh\", \"/hog\"] | .linux.cgroupsPath = \"$REL/oom-$$\"
                   | .linux.resources.memory = {\"limit\": 16000000, \"swap\": 16000000}")
  # 64 MB in a shell variable, in a cgroup allowed 16 MB and no swap.
  printf '%s\n' 'sleep 1; a=$(head -c 64000000 /dev/zero | tr "\\0" x); sleep 1000' >"$M/rootfs/hog"
  rt create --bundle "$M" oom
  rt_bg "$T/events.out" events --interval 100ms oom
  ev=$bg_pid
  rt start oom
  check "an oom event once the OOM killer strikes" wait_until 10 grep -q '"type":"oom"' "$T/events.out"
  rt delete --force oom
  check "events ends with the container" wait_until 10 dead "$ev"
else
  skip "oom events" "the memory controller is not available below $UCTR_TEST_CGROUP (controllers: ${avail:-none})"
fi

if grep -qw hugetlb <<<"$avail"; then
  # Not enabled here beforehand: uctr enables it on the way down.
  H=$(cgbundle huge ".process.args = [\"sleep\", \"1000\"] | .linux.cgroupsPath = \"$REL/huge-$$/box\"
                     | .linux.resources.hugepageLimits = [{\"pageSize\": \"2MB\", \"limit\": 4194304}]")
  rt run -d --bundle "$H" huge
  status_is 0 "run with hugepageLimits in a cgroup where hugetlb can be enabled"
  is "$err" "" "no warning: uctr enabled the controller on the way"
  is "$(cat "$UCTR_TEST_CGROUP/huge-$$/box/hugetlb.2MB.max" 2>&1)" 4194304 "hugepageLimits -> hugetlb.2MB.max"
  printf '%s\n' '{"hugepageLimits": [{"pageSize": "2MB", "limit": 2097152}]}' >"$T/huge.json"
  rt update -r "$T/huge.json" huge
  status_is 0 "update -r with hugepageLimits"
  is "$(cat "$UCTR_TEST_CGROUP/huge-$$/box/hugetlb.2MB.max" 2>&1)" 2097152 "update -r wrote hugetlb.2MB.max"
  rt events --stats huge
  is "$(jq -c '.data.hugetlb["2MB"]' <<<"$out")" '{"failcnt":0}' "events: hugetlb per page size, as runc's"
  rt delete --force huge
  check "delete removed the cgroup" test ! -e "$UCTR_TEST_CGROUP/huge-$$/box"
  rmdir "$UCTR_TEST_CGROUP/huge-$$"

  # Below the caller's own cgroup, which holds the caller: no controller.
  H2=$(cgbundle huge2 '.process.args = ["true"] | .linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]')
  rt run --bundle "$H2" huge2
  status_is 0 "run with a limit its cgroup cannot have"
  is "$(grep -c warning <<<"$err")" 1 "one warning"
  like "$err" 'hugepageLimits not applied.*holds processes' "it says why: the caller's cgroup holds processes"
else
  skip "hugepageLimits -> hugetlb.2MB.max" "the hugetlb controller is not available below $UCTR_TEST_CGROUP (controllers: ${avail:-none})"
fi

# ---- events ends with the container ----------------------------------------
E=$(cgbundle ev '.process.args = ["sleep", "1000"]')
rt run -d --bundle "$E" ev
rt_bg "$T/ev.out" events --interval 100ms ev
ev=$bg_pid
two_stats ()
{
  local n
  n=$(grep -c '"type":"stats"' "$T/ev.out" 2>/dev/null) || true
  [ "${n:-0}" -ge 2 ]
}
check "events prints stats every interval" wait_until 5 two_stats
rt kill ev KILL
check "events exits once the container has stopped" wait_until 10 dead "$ev"
wait_bg
is "$rc" 0 "events exits 0"
rt delete ev

# ---- --systemd-cgroup ------------------------------------------------------
S=$(cgbundle sd '.process.args = ["sleep", "1000"]')
# No systemd to ask: said once, and the container placed without it.
XDG_RUNTIME_DIR=$T/no-systemd rt --systemd-cgroup run -d --bundle "$S" sdno
status_is 0 "--systemd-cgroup without a systemd to ask still runs"
is "$(grep -c warning <<<"$err")" 1 "one warning"
like "$err" 'systemd-cgroup: no systemd user instance is reachable.*without systemd' "it says systemd is out of reach"
is "$(cg_of "$(pid_of sdno)")" "$LEAF/uctr-sdno" "the container gets the cgroup it would without systemd"
rt delete --force sdno

# Without a pid namespace of its own, a container sees uctr's processes:
# uctr runs from a sealed copy of itself, and loads the module from a
# sealed copy too where the container's ids could write its file (the
# build tree's): dlopen of a memfd, which must work as the file's does.
if uctr_only "--systemd-cgroup from uctr's sealed copy"; then
  XDG_RUNTIME_DIR=$T/no-systemd rt --systemd-cgroup run -d \
    --bundle "$(cgbundle sdnopid 'del(.linux.namespaces[] | select(.type == "pid")) | .process.args = ["sleep", "1000"]')" sdnopid
  status_is 0 "--systemd-cgroup, a container without a pid namespace: runs"
  like "$err" 'systemd-cgroup: no systemd user instance is reachable' \
    "--systemd-cgroup, a container without a pid namespace: the module was loaded and asked"
  rt delete --force sdnopid
  nothing_left sdnopid "--systemd-cgroup, a container without a pid namespace: nothing left"
fi

rt --systemd-cgroup run -d --bundle "$(cgbundle sdbad '.linux.cgroupsPath = "a/b"')" sdbad
check "--systemd-cgroup with a cgroupsPath that is no slice:prefix:name fails" test "$status" -ne 0
like "$err" 'slice:prefix:name' "the error shows the format"
nothing_left sdbad "nothing left behind"

# uctr speaks D-Bus to systemd through a module it loads only then
# (uctr-systemd.so, beside it or in its libexec directory), so that the
# runs that do not ask systemd load no GIO: a uctr copied alone says what
# is missing, and leaves nothing.
if uctr_only "a uctr without its systemd module: the error says so"; then
  mkdir -p "$T/alone"
  cp "$RT" "$T/alone/uctr"
  XDG_RUNTIME_DIR=$T/no-systemd UCTR_TEST_TAG=$T timeout -k 5 "$CALL_TIMEOUT" "$T/alone/uctr" --root "$R" \
    --systemd-cgroup run -d --bundle "$S" sdalone </dev/null >"$T/sdalone.out" 2>"$T/sdalone.err" && st=0 || st=$?
  check "a uctr without its systemd module: run --systemd-cgroup fails" test "$st" -ne 0
  like "$(cat "$T/sdalone.err")" \
    "Loading uctr's systemd module \(is uctr installed whole\?\): Opening .*/uctr-systemd.so: No such file" \
    "a uctr without its systemd module: the error says so"
  nothing_left sdalone "a uctr without its systemd module: nothing left"
  # Without --systemd-cgroup it needs no module.
  UCTR_TEST_TAG=$T timeout -k 5 "$CALL_TIMEOUT" "$T/alone/uctr" --root "$R" run --bundle "$(cgbundle sdnone '.process.args = ["true"]')" sdnone \
    </dev/null >"$T/sdnone.out" 2>"$T/sdnone.err" && st=0 || st=$?
  is "$st" 0 "a uctr without its systemd module runs without --systemd-cgroup"
  nothing_left sdnone "and deletes the container"
fi

SDR=${UCTR_TEST_SYSTEMD_RUNTIME:-}
# systemctl for the test's own systemd instance.
sdctl () { XDG_RUNTIME_DIR=$SDR systemctl --user "$@" 2>/dev/null; }
if [ -n "$SDR" ]; then
  XDG_RUNTIME_DIR=$SDR rt --systemd-cgroup run -d --bundle "$S" sd1
  status_is 0 "--systemd-cgroup: run -d"
  is "$err" "" "no warning"
  is "$(cg_of "$(pid_of sd1)")" "$UCTR_TEST_CGROUP/systemd/user.slice/uctr-sd1.scope" \
    "the init is in the transient scope uctr-ID.scope systemd made in user.slice"
  is "$(sdctl is-active uctr-sd1.scope)" active "systemd has the scope running"
  is "$(sdctl show -P Delegate uctr-sd1.scope)" yes "with Delegate=yes"
  rt pause sd1
  is "$(state_of sd1)" paused "pause of a container in a systemd scope"
  rt resume sd1
  is "$(state_of sd1)" running "and resume"
  rt delete --force sd1
  status_is 0 "delete --force"
  is "$err" "" "without a word"
  check "the scope is gone" wait_until 5 sh -c "! XDG_RUNTIME_DIR=$SDR systemctl --user is-active -q uctr-sd1.scope"
  check "its cgroup is gone" test ! -e "$UCTR_TEST_CGROUP/systemd/user.slice/uctr-sd1.scope"

  # The limits are the scope's properties too: systemd writes a unit's
  # properties to its cgroup again on daemon-reload.
  b=$(cgbundle sdlim '.process.args = ["sleep", "1000"] | .linux.resources = {memory: {limit: 268435456}, pids: {limit: 77}, cpu: {quota: 25000, period: 100000}}')
  XDG_RUNTIME_DIR=$SDR rt --systemd-cgroup run -d --bundle "$b" sdlim
  status_is 0 "--systemd-cgroup with linux.resources"
  is "$(sdctl show -P MemoryMax uctr-sdlim.scope),$(sdctl show -P TasksMax uctr-sdlim.scope),$(sdctl show -P CPUQuotaPerSecUSec uctr-sdlim.scope)" \
    "268435456,77,250ms" "the scope carries them as MemoryMax, TasksMax and CPUQuotaPerSecUSec"
  rt delete --force sdlim

  edit_config "$S" '.linux.cgroupsPath = "app.slice:test:box"'
  XDG_RUNTIME_DIR=$SDR rt --systemd-cgroup run -d --bundle "$S" sd2
  is "$(cg_of "$(pid_of sd2)")" "$UCTR_TEST_CGROUP/systemd/app.slice/test-box.scope" \
    "cgroupsPath slice:prefix:name -> the scope prefix-name.scope in that slice"
  rt kill sd2 KILL
  wait_until 10 state_is sd2 stopped || true
  rt delete sd2
  is "$status/$err" "0/" "delete of the stopped container, whose scope systemd has collected, without a word"
  check "delete of the stopped container: the scope is gone" \
    wait_until 5 sh -c "! XDG_RUNTIME_DIR=$SDR systemctl --user is-active -q test-box.scope"
  nothing_left sd2 "nothing left behind"
else
  skip "--systemd-cgroup with a systemd user instance" "none runs (tests/check as root starts one)"
fi

# ---- a caller whose cgroup is not writable ---------------------------------
# As a session scope owned by root: uctr cannot make a cgroup below it.
LOCKED=$LEAF/locked
cg_enter "$LOCKED"
chmod a-w "$LOCKED"
no_cgroup_tests
chmod u+w "$LOCKED"
cg_leave

done_testing
