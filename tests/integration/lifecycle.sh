#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# The OCI lifecycle: spec, create (the init blocked on the exec fifo), state,
# start, stopped, delete; run and its exit status; list; kill; delete --force.
# Generic: every test here also passes with UCTR_TEST_RUNTIME=runc.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# A process that says it started, then waits for the test to write to /go.
WAITER='echo started > /started; read line < /go; echo done > /done'

# waiter_bundle NAME: a bundle running WAITER, with the fifo /go.
waiter_bundle ()
{
  local b
  b=$(mkbundle "$1" ".process.args = $(args_json sh -c "$WAITER")")
  mkfifo "$b/rootfs/go"
  printf '%s\n' "$b"
}

# release BUNDLE: lets its WAITER finish.
release () { timeout 10 sh -c 'echo go > "$1"' sh "$1/rootfs/go"; }

# --- spec ---------------------------------------------------------------
S=$T/spec
mkdir -p "$S"
rt spec --rootless --bundle "$S"
status_is 0 "spec --rootless --bundle DIR exits 0"
if jq -e . "$S/config.json" >/dev/null 2>&1; then
  pass "spec writes a JSON config.json"
  is "$(jq -r '.root.path' "$S/config.json")" rootfs "spec: root.path is rootfs"
  like "$(jq -r '.process.args[0] // empty' "$S/config.json")" '^(/bin/)?sh$' "spec: process.args runs sh"
  is "$(jq -r '[.linux.namespaces[].type] | index("user") != null' "$S/config.json")" true \
    "spec --rootless: a user namespace"
  is "$(jq -r '[.linux.uidMappings[]? | select(.containerID == 0) | .hostID] | first' "$S/config.json")" "$MY_UID" \
    "spec --rootless: container root maps to the caller"
  # Scripts written for runc add ranges of their own to these.
  is "$(jq -c '[.linux.uidMappings, .linux.gidMappings]' "$S/config.json")" \
    "[[{\"containerID\":0,\"hostID\":$MY_UID,\"size\":1}],[{\"containerID\":0,\"hostID\":$MY_GID,\"size\":1}]]" \
    "spec --rootless: the caller's ids alone, as runc writes them"
  cp -a "$ROOTFS" "$S/rootfs"
  edit_config "$S" '.process.terminal = false | .process.args = ["sh", "-c", "echo spec-ok"]'
  rt run --bundle "$S" spec-run
  is "$status/$out" "0/spec-ok" "the config spec --rootless writes runs as written"
else
  fail "spec writes a JSON config.json" "$(cat "$S/config.json" 2>&1)"
fi

# --- create, state, start, stopped, delete -----------------------------------
B=$(waiter_bundle life)
rt create --bundle "$B" c1
status_is 0 "create exits 0 while the container waits"
st=$(timeout 10 "$RT" --root "$R" state c1 2>/dev/null || true)
is "$(jq -r .status <<<"$st" 2>/dev/null)" created "state after create: created"
is "$(jq -r .id <<<"$st" 2>/dev/null)" c1 "state: id"
is "$(jq -r .bundle <<<"$st" 2>/dev/null)" "$B" "state: bundle is the absolute bundle path"
like "$(jq -r .ociVersion <<<"$st" 2>/dev/null)" '^1\.' "state: ociVersion"
pid=$(jq -r '.pid // 0' <<<"$st" 2>/dev/null || echo 0)
if [ "$pid" -gt 0 ] 2>/dev/null && alive "$pid"; then
  pass "state: pid of a live init ($pid)"
  sleep 0.3
  unlike "$(proc_cmdline "$pid")" "^sh -c" "before start the init is not yet the user process ($(proc_cmdline "$pid"))"
  check "before start the user process has not run" test ! -e "$B/rootfs/started"
  check "create made an exec fifo in the state dir" test -p "$R/c1/exec.fifo"
else
  fail "state: pid of a live init" "pid '$pid'"
fi

rt start c1
status_is 0 "start exits 0"
check "after start the user process runs" wait_until 10 test -e "$B/rootfs/started"
like "$(proc_cmdline "$pid")" "^sh -c" "after start the init pid is the user process"
is "$(state_of c1)" running "state after start: running"
check "start removed the exec fifo" test ! -e "$R/c1/exec.fifo"
rt start c1
check "a second start fails" test "$status" -ne 0

release "$B" || true
check "state turns stopped once the process exits" wait_until 10 state_is c1 stopped
check "the process ran to its end" test -e "$B/rootfs/done"
is "$(pid_of c1)" 0 "state of a stopped container: pid 0"
rt delete c1
status_is 0 "delete of a stopped container exits 0"
rt state c1
check "state after delete fails" test "$status" -ne 0
uctr_only "state of an unknown id names it" && like "$err" "c1" "state of an unknown id names it"
nothing_left c1 "delete leaves nothing behind"

rt create --bundle "$B" c2
rt create --bundle "$B" c2
check "create of an existing id fails" test "$status" -ne 0
like "$err" "already exists" "create of an existing id says it already exists"
rt delete --force c2

# --- run --------------------------------------------------------------------
B=$(mkbundle run1 '.process.args = ["sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"]')
rt run --bundle "$B" r1
is "$status" 3 "run exits with the status of the container process"
is "$out" to-stdout "run passes the container's stdout through"
like "$err" to-stderr "run passes the container's stderr through"
nothing_left r1 "run removes the container once it exited"

edit_config "$B" '.process.args = ["true"]'
rt run --bundle "$B" r2
is "$status" 0 "run of true exits 0"

edit_config "$B" '.process.args = ["cat"]'
printf 'piped-in\n' >"$T/stdin"
RT_STDIN=$T/stdin rt run --bundle "$B" r3
is "$status/$out" "0/piped-in" "run gives the container the caller's stdin"

edit_config "$B" '.process.args = ["sh", "-c", "exit 4"]'
rt run --keep --no-subreaper --bundle "$B" rkeep
is "$status" 4 "run --keep (and --no-subreaper) exits with the process's status"
is "$(state_of rkeep)" stopped "run --keep leaves the container, stopped"
rt delete rkeep
is "$status" 0 "and delete removes it"
nothing_left rkeep "nothing left after delete"

# run from inside the bundle, without --bundle
B=$(mkbundle run2 '.process.args = ["sh", "-c", "echo cwd-bundle"]')
cd "$B"
rt run r4
cd "$T"
is "$status/$out" "0/cwd-bundle" "run without --bundle uses the current directory"

rt run --detach --bundle "$(waiter_bundle det)" r5
status_is 0 "run --detach exits 0 at once"
is "$(state_of r5)" running "run --detach leaves the container running"
release "$T/det" || true
check "the detached container stops once its process exits" wait_until 10 state_is r5 stopped
rt delete r5

# --- list ---------------------------------------------------------------------
B=$(waiter_bundle lst)
rt create --bundle "$B" l-created
rt create --bundle "$B" l-running
rt start l-running
rt list
status_is 0 "list exits 0"
like "$(head -n1 <<<"$out")" '^ID +PID +STATUS +BUNDLE +CREATED' "list: table header"
like "$out" "^l-created +[0-9]+ +created +$B " "list: a created container"
like "$out" "^l-running +[0-9]+ +running +$B " "list: a running container"
rt list -q
is "$(sort <<<"$out")" "$(printf 'l-created\nl-running')" "list -q: ids only"
rt list --quiet
is "$(sort <<<"$out")" "$(printf 'l-created\nl-running')" "list --quiet: ids only"
rt list --format json
is "$(jq -r 'sort_by(.id) | map(.id + "=" + .status) | join(",")' <<<"$out" 2>&1)" \
  "l-created=created,l-running=running" "list --format json: ids and statuses"
is "$(jq -r '.[0].bundle' <<<"$out" 2>&1)" "$B" "list --format json: bundle"
rt delete --force l-created
rt delete --force l-running
rt list -q
is "$status/$out" "0/" "list of an empty root prints no id"
rt list --format json
is "$(jq -r 'length' <<<"$out" 2>&1)" 0 "list --format json of an empty root: []"

# --- kill ---------------------------------------------------------------------
# The process traps the signals it is sent and writes their name to /got.
TRAPPER='for s in TERM USR1 USR2 HUP; do trap "echo $s > /got; exit 0" $s; done
echo ready > /ready; while :; do sleep 0.05; done'

# killtest ID SIGNAL-ARG EXPECTED DESC: kill with SIGNAL-ARG (may be empty: default).
killtest ()
{
  local id=$1 sig=$2 expect=$3 desc=$4 b
  b=$(mkbundle "$id" ".process.args = $(args_json sh -c "$TRAPPER")")
  rt create --bundle "$b" "$id"
  rt start "$id"
  if ! wait_until 10 test -e "$b/rootfs/ready"; then
    fail "$desc" "the container never got ready"
    return
  fi
  if [ -n "$sig" ]; then rt kill "$id" "$sig"; else rt kill "$id"; fi
  if [ "$status" -ne 0 ]; then
    fail "$desc" "kill failed"
  elif wait_until 10 test -s "$b/rootfs/got"; then
    is "$(cat "$b/rootfs/got")" "$expect" "$desc"
  else
    fail "$desc" "the signal never arrived"
  fi
  check "$id: stopped after the signal" wait_until 10 state_is "$id" stopped
  rt delete "$id"
}
killtest k-name TERM TERM "kill ID TERM delivers SIGTERM"
killtest k-sig SIGUSR2 USR2 "kill ID SIGUSR2 delivers SIGUSR2"
killtest k-num 10 USR1 "kill ID 10 delivers SIGUSR1"
killtest k-dflt '' TERM "kill ID without a signal delivers SIGTERM"

B=$(mkbundle k-kill '.process.args = ["sh", "-c", "trap \"\" TERM; echo ready > /ready; exec sleep 1000"]')
rt create --bundle "$B" k-kill
rt start k-kill
wait_until 10 test -e "$B/rootfs/ready" || true
pid=$(pid_of k-kill)
rt kill k-kill 0
status_is 0 "kill ID 0: the container runs, nothing is sent"
# Rootless runc finds the other processes through a cgroup, which it has
# none of on this host.
if uctr_only "kill -a without a cgroup"; then
  rt kill -a k-kill 0
  status_is 0 "kill -a ID 0 as well"
fi
is "$(state_of k-kill)" running "signal 0 leaves it running"
rt kill k-kill KILL
status_is 0 "kill ID KILL exits 0"
check "KILL stops the container" wait_until 10 state_is k-kill stopped
check "KILL: the init is gone" wait_until 10 dead "$pid"
rt kill k-kill TERM
check "kill of a stopped container fails" test "$status" -ne 0
like "$err" "not running" "and says it is not running"
rt kill k-kill 0
check "kill ID 0 of a stopped container fails too" test "$status" -ne 0
# containerd's shim runs kill --all on every stop: not an error (runc).
rt kill --all k-kill KILL
status_is 0 "kill --all of a stopped container exits 0"
rt delete k-kill
rt kill no-such-id TERM
check "kill of an unknown id fails" test "$status" -ne 0

# --all: every process of the container, not only the init.  uctr-specific:
# runc 1.1.5 needs a cgroup for --all, which a rootless runc here has not.
if uctr_only "kill --all"; then
  # Two children that trap TERM; the init (PID 1, no handler) ignores it.
  CHILD='trap "echo got >> /got; exit 0" TERM; while :; do sleep 0.05; done'
  B=$(mkbundle k-all ".process.args = $(args_json sh -c "for i in 1 2; do sh -c '$CHILD' & done; echo ready > /ready; wait")")
  rt create --bundle "$B" k-all
  rt start k-all
  if wait_until 10 test -e "$B/rootfs/ready"; then
    pid=$(pid_of k-all)
    children=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null || true)
    is "$(wc -w <<<"$children")" 2 "kill --all: the container has two more processes"
    rt kill k-all TERM
    sleep 0.3
    check "kill without --all: only the init gets the signal" test ! -e "$B/rootfs/got"
    rt kill --all k-all TERM
    status_is 0 "kill --all ID TERM exits 0"
    check "kill --all: every process gets the signal" wait_until 10 sh -c "[ \"\$(wc -l < '$B/rootfs/got')\" = 2 ]"
    gone=yes
    for c in $children; do wait_until 10 dead "$c" || gone="no: $c"; done
    is "$gone" yes "kill --all: the processes that handle it exit"
    check "the container stops once its children are gone" wait_until 10 state_is k-all stopped
  else
    fail "kill --all" "the container never got ready"
  fi
  rt delete --force k-all

  B=$(mkbundle k-a '.process.args = ["sh", "-c", "trap \"echo TERM > /got; exit 0\" TERM; echo ready > /ready; while :; do sleep 0.05; done"]')
  rt create --bundle "$B" k-a
  rt start k-a
  wait_until 10 test -e "$B/rootfs/ready" || true
  rt kill -a k-a TERM
  status_is 0 "kill -a ID TERM exits 0"
  check "kill -a delivers the signal" wait_until 10 test -s "$B/rootfs/got"
  rt delete --force k-a
fi

# --- delete ---------------------------------------------------------------------
B=$(mkbundle del '.process.args = ["sh", "-c", "echo ready > /ready; exec sleep 1000"]')
rt create --bundle "$B" d1
rt start d1
wait_until 10 test -e "$B/rootfs/ready" || true
pid=$(pid_of d1)
rt delete d1
check "delete of a running container fails" test "$status" -ne 0
is "$(state_of d1)" running "a refused delete leaves the container running"
rt delete --force d1
status_is 0 "delete --force of a running container exits 0"
check "delete --force kills the init" wait_until 10 dead "$pid"
nothing_left d1 "delete --force leaves nothing behind"

rt create --bundle "$B" d2
pid=$(pid_of d2)
rt delete -f d2
status_is 0 "delete -f of a created container exits 0"
check "delete -f kills the waiting init" wait_until 10 dead "$pid"
nothing_left d2 "delete -f of a created container leaves nothing behind"

rt delete no-such-id
check "delete of an unknown id fails" test "$status" -ne 0
rt delete --force no-such-id
status_is 0 "delete --force of an unknown id succeeds, as runc's does (engines delete twice)"

# Without clone3 (ENOSYS: a kernel before 5.3, or an older container
# engine's seccomp filter around uctr): clone makes the init, straight
# into its namespaces, and exec's process.
if [ "$RT" = "$UCTR" ]; then
  nb=$(mkbundle noclone3 --map single \
    'del(.annotations["uctr.subids"], .annotations["uctr.network"]) | .process.args = ["sh", "-c", "echo $$"]')
  nc3 ()
  {
    status=0
    UCTR_TEST_TAG=$T timeout -k 5 "$CALL_TIMEOUT" "${DENY_SYSCALL:?meson test sets DENY_SYSCALL}" clone3 \
      "$RT" --root "$R" "$@" </dev/null >"$T/.out" 2>"$T/.err" || status=$?
    out=$(cat "$T/.out")
    err=$(cat "$T/.err")
  }
  nc3 run --bundle "$nb" nc3-run
  is "$status:$out" "0:1" "without clone3: run starts the init, pid 1 of its pid namespace ($err)"
  edit_config "$nb" '.process.args = ["sleep", "600"]'
  nc3 run --detach --bundle "$nb" nc3-exec
  status_is 0 "without clone3: run --detach"
  nc3 exec nc3-exec sh -c 'echo in'
  is "$status:$out" "0:in" "without clone3: exec joins it ($err)"
  rt delete --force nc3-exec
  nothing_left nc3-run "without clone3: nothing left behind"
  nothing_left nc3-exec "nor of the detached one"
fi

done_testing
