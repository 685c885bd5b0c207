# shellcheck shell=bash
# TAP library for uctr's integration tests.  A test file starts with
#   . "$(dirname "$0")/lib.sh"
# and ends with `done_testing`.  It needs (meson test sets them):
#   UCTR    the runtime binary; UCTR_TEST_RUNTIME=runc overrides it, to check
#           that a test asserts runc's behaviour too (uctr_only tests then skip)
#   ROOTFS  the busybox rootfs (<builddir>/tests/rootfs)
#   RECVTTY the console-socket receiver (console tests only)
# and UCTR_TEST_KEEP=1 keeps the temp dir for a post-mortem.
# Every test gets its own temp dir $T and its own --root $R; on exit (pass,
# fail or signal) the test's cleanup_hook runs when it defines one, every
# container of $R is deleted with --force, every pid the test recorded is
# killed, and $T goes, mounts included. Tests run as a user; one that must
# run as root (an engine's daemon) sets LIB_AS_ROOT=1 first.

set -euo pipefail
export LC_ALL=C

: "${UCTR:?UCTR must name the runtime binary (meson test sets it)}"
: "${ROOTFS:?ROOTFS must name the busybox rootfs (meson test sets it)}"
RT=${UCTR_TEST_RUNTIME:-$UCTR}
RT_NAME=${RT##*/}
CALL_TIMEOUT=${UCTR_TEST_CALL_TIMEOUT:-$((20 * ${UCTR_TEST_TIMEOUT_MULTIPLIER:-1}))}
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MY_UID=$(id -u)
MY_GID=$(id -g)
MY_USER=$(id -un)

_tap_n=0
_tap_failed=0
_pids=()
status=0 out='' err=''

# --- TAP -----------------------------------------------------------------

diag () { local l; while IFS= read -r l; do printf '# %s\n' "$l"; done <<<"$*"; }

pass () { _tap_n=$((_tap_n + 1)); printf 'ok %d - %s\n' "$_tap_n" "$1"; }

# fail DESC [DIAGNOSTIC...]: a failed test point; the last runtime call is shown too.
fail ()
{
  _tap_n=$((_tap_n + 1))
  _tap_failed=$((_tap_failed + 1))
  printf 'not ok %d - %s\n' "$_tap_n" "$1"
  shift
  [ $# -gt 0 ] && diag "$@"
  if [ -n "${_last_call:-}" ]; then
    diag "last call: $_last_call -> exit $status"
    [ -n "$out" ] && diag "stdout: $out"
    [ -n "$err" ] && diag "stderr: $err"
  fi
  return 0
}

skip () { _tap_n=$((_tap_n + 1)); printf 'ok %d - %s # SKIP %s\n' "$_tap_n" "$1" "$2"; }

# check DESC CMD...: passes when CMD succeeds (its stdout is dropped).
check ()
{
  local desc=$1
  shift
  if "$@" >/dev/null; then pass "$desc"; else fail "$desc" "failed: $*"; fi
}

# is GOT EXPECTED DESC
is ()
{
  if [ "$1" = "$2" ]; then pass "$3"; else fail "$3" "got:      '$1'" "expected: '$2'"; fi
}

# like GOT ERE DESC / unlike GOT ERE DESC
like ()
{
  if grep -qE -- "$2" <<<"$1"; then pass "$3"; else fail "$3" "got: '$1'" "expected to match: /$2/"; fi
}
unlike ()
{
  if grep -qE -- "$2" <<<"$1"; then fail "$3" "got: '$1'" "expected not to match: /$2/"; else pass "$3"; fi
}

# status_is EXPECTED DESC: the exit status of the last runtime call.
status_is () { is "$status" "$1" "$2"; }

# A host port for a test to publish, below the kernel's ephemeral range
# (32768 and up), where any client socket of the machine may hold it.
random_port () { echo $((10000 + RANDOM % 20000)); }

done_testing ()
{
  printf '1..%d\n' "$_tap_n"
  [ "$_tap_failed" -eq 0 ] || diag "$_tap_failed of $_tap_n failed (runtime: $RT)"
}

# bail_out REASON: gives up on the whole file.  In a command substitution
# stdout is captured, so the reason goes to stderr too.
bail_out ()
{
  printf 'Bail out! %s\n' "$*"
  [ "$BASHPID" = $$ ] || printf 'Bail out! %s\n' "$*" >&2
  exit 1
}

# uctr_only DESC: returns 1 (and records a skip) when the runtime under test is
# not uctr, for tests of what only uctr promises (its messages, the user
# namespace it adds to a root bundle, the single-id fallback, env overrides).
uctr_only ()
{
  case $RT_NAME in
    uctr*) return 0 ;;
    *) skip "$1" "uctr-specific, runtime is $RT_NAME"; return 1 ;;
  esac
}

# not_on_runc DESC WHY: like uctr_only, for a test of spec behaviour that
# runc 1.1.5 gets wrong (WHY says how); it skips on runc only.
not_on_runc ()
{
  case $RT_NAME in
    runc*) skip "$1" "runc 1.1.5: $2"; return 1 ;;
    *) return 0 ;;
  esac
}

# --- the runtime ---------------------------------------------------------

# rt ARGS...: runs the runtime with the test's --root, a time limit, stdin
# from /dev/null; sets $status, $out, $err and never fails.  Every process it
# starts carries UCTR_TEST_TAG in its environment so leftovers can find them.
rt ()
{
  _last_call="$RT_NAME $*"
  status=0
  # Fresh files: runc (and maybe uctr) chown a container's stdio to its user.
  rm -f "$T/.out" "$T/.err"
  UCTR_TEST_TAG=$T timeout -k 5 "$CALL_TIMEOUT" "$RT" --root "$R" "$@" \
    <"${RT_STDIN:-/dev/null}" >"$T/.out" 2>"$T/.err" || status=$?
  out=$(cat "$T/.out")
  err=$(cat "$T/.err")
  _note_timeout
  return 0
}

# rt_at DIR ARGS...: rt with --root DIR instead of the test's own $R.
rt_at ()
{
  local R=$1
  shift
  rt "$@"
  _last_call="$RT_NAME --root $R $*"
}

# refused_at DIR DESC ERE ARGS...: a test point that `rt_at DIR ARGS` fails
# with a message that matches ERE.
refused_at ()
{
  local dir=$1 desc=$2 expect=$3
  shift 3
  rt_at "$dir" "$@"
  if [ "$status" -ne 0 ] && grep -qE -- "$expect" <<<"$err"; then
    pass "$desc"
  else
    fail "$desc" "expected a failure saying /$expect/"
  fi
}

# other_user_info: loads $UCTR_OTHER_DIR/info, the containers of another
# user that tests/check (as root) sets up with other-user-setup.sh for
# other-user*.sh; without it the file skips (and fails under CI).
other_user_info ()
{
  local why="UCTR_OTHER_DIR names no container of another user (tests/check as root sets one up)"
  if [ -z "${UCTR_OTHER_DIR:-}" ] || [ ! -r "$UCTR_OTHER_DIR/info" ]; then
    [ -z "${CI:-}" ] || bail_out "$why"
    echo "1..0 # SKIP $why"
    exit 0
  fi
  # shellcheck disable=SC1091
  . "$UCTR_OTHER_DIR/info"
}

# A runtime that hangs would make every call wait its whole limit: after three
# timed-out calls the file gives up (and cleans up) rather than run for ages.
_timeouts=0
_note_timeout ()
{
  [ "$status" -eq 124 ] || return 0
  _timeouts=$((_timeouts + 1))
  diag "timed out after ${CALL_TIMEOUT}s: $_last_call"
  [ "$_timeouts" -lt 3 ] || bail_out "$_timeouts runtime calls timed out (last: $_last_call)"
}

# rt_bg OUTFILE ARGS...: starts the runtime in the background (stdout and
# stderr to OUTFILE), records its pid in $bg_pid and for cleanup.
rt_bg ()
{
  local outfile=$1
  shift
  UCTR_TEST_TAG=$T timeout -k 5 "$CALL_TIMEOUT" "$RT" --root "$R" "$@" </dev/null >"$outfile" 2>&1 &
  bg_pid=$!
  track_pid "$bg_pid"
}

track_pid () { _pids+=("$1"); }

# wait_bg: waits for the last rt_bg and sets $rc to its exit status (quietly:
# no "Killed" job message when the runtime died of a signal).
wait_bg ()
{
  rc=0
  { wait "$bg_pid"; } 2>/dev/null || rc=$?
}

# state_of ID: the status field of `state ID`, or "none" when state fails.
state_of ()
{
  local s
  s=$(UCTR_TEST_TAG=$T timeout -k 5 "$CALL_TIMEOUT" "$RT" --root "$R" state "$1" 2>/dev/null </dev/null) || { echo none; return 0; }
  jq -r '.status // "none"' <<<"$s" 2>/dev/null || echo invalid-json
}

# pid_of ID: the pid field of `state ID` (0 when unknown).
pid_of ()
{
  local s
  s=$(timeout -k 5 "$CALL_TIMEOUT" "$RT" --root "$R" state "$1" 2>/dev/null </dev/null) || { echo 0; return 0; }
  jq -r '.pid // 0' <<<"$s" 2>/dev/null || echo 0
}

# wait_until SECONDS CMD...: polls CMD every 50 ms; fails after SECONDS.
wait_until ()
{
  local deadline=$((SECONDS + $1))
  shift
  while ! "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

state_is () { [ "$(state_of "$1")" = "$2" ]; }

# alive PID: the process exists and is not a zombie.
alive ()
{
  local st
  # The state follows the last ')': the command name may hold spaces and ')'.
  st=$(sed -n 's/.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

dead () { ! alive "$1"; }

# proc_cmdline PID: its command line, arguments separated by spaces.
proc_cmdline () { tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | sed 's/ $//'; }

# --- bundles ---------------------------------------------------------------

# The caller's first subordinate range of FILE as "START COUNT" (empty when none).
subid_range ()
{
  awk -F: -v n="$MY_USER" -v u="$MY_UID" '($1 == n || $1 == u) && $3 > 0 { print $2, $3; exit }' "$1" 2>/dev/null || true
}
SUBUID=$(subid_range /etc/subuid)
SUBGID=$(subid_range /etc/subgid)
SUBUID_START=${SUBUID% *} SUBUID_COUNT=${SUBUID#* }
SUBGID_START=${SUBGID% *} SUBGID_COUNT=${SUBGID#* }
# The size of the range the tests map: at most 65536.
MAP_COUNT=65536
[ -n "$SUBUID" ] && [ "$SUBUID_COUNT" -lt "$MAP_COUNT" ] && MAP_COUNT=$SUBUID_COUNT
[ -n "$SUBGID" ] && [ "$SUBGID_COUNT" -lt "$MAP_COUNT" ] && MAP_COUNT=$SUBGID_COUNT

# mkbundle NAME [--map full|single|keep] [JQ-FILTER]: a bundle in $T/NAME with
# a copy of the rootfs and the config of `spec --rootless`, made
# non-interactive and writable, with the mappings asked for:
#   full   (default) 0 -> caller, 1..MAP_COUNT -> the caller's subordinate range
#   single 0 -> caller only
#   keep   whatever spec wrote
# then JQ-FILTER applied.  Prints the bundle path.
mkbundle ()
{
  local name=$1 map=full filter='.' b
  shift
  if [ "${1:-}" = --map ]; then map=$2; shift 2; fi
  [ $# -gt 0 ] && filter=$1
  b=$T/$name
  mkdir -p "$b"
  cp -a "$ROOTFS" "$b/rootfs"
  if ! timeout -k 5 "$CALL_TIMEOUT" "$RT" spec --rootless --bundle "$b" >"$T/.spec.err" 2>&1 \
      || ! jq -e . "$b/config.json" >/dev/null 2>&1; then
    # Keep the other tests meaningful when spec is what is broken: lifecycle.sh tests spec itself.
    diag "$RT_NAME spec --rootless failed ($(cat "$T/.spec.err")); using tests/integration/rootless-config.json" >&2
    cp "$TESTS_DIR/rootless-config.json" "$b/config.json"
  fi
  local maps
  case $map in
    full)
      if [ -z "$SUBUID" ] || [ -z "$SUBGID" ]; then
        bail_out "$MY_USER has no range in /etc/subuid or /etc/subgid (tests/check as root gives uctr-test one)"
      fi
      maps=".linux.uidMappings = [{containerID: 0, hostID: $MY_UID, size: 1}, {containerID: 1, hostID: $SUBUID_START, size: $MAP_COUNT}]
          | .linux.gidMappings = [{containerID: 0, hostID: $MY_GID, size: 1}, {containerID: 1, hostID: $SUBGID_START, size: $MAP_COUNT}]" ;;
    single)
      maps=".linux.uidMappings = [{containerID: 0, hostID: $MY_UID, size: 1}]
          | .linux.gidMappings = [{containerID: 0, hostID: $MY_GID, size: 1}]" ;;
    keep) maps=. ;;
    *) bail_out "mkbundle: unknown --map $map" ;;
  esac
  jq ".process.terminal = false | .root.path = \"rootfs\" | .root.readonly = false | $maps | $filter" \
    "$b/config.json" >"$b/config.json.new"
  mv "$b/config.json.new" "$b/config.json"
  printf '%s\n' "$b"
}

# edit_config BUNDLE JQ-FILTER
edit_config ()
{
  jq "$2" "$1/config.json" >"$1/config.json.new"
  mv "$1/config.json.new" "$1/config.json"
}

# args_json WORD...: a JSON array of strings, for process.args.
args_json ()
{
  local i=0 a opts=() refs=()
  for a in "$@"; do
    opts+=(--arg "a$i" "$a")
    refs+=("\$a$i")
    i=$((i + 1))
  done
  jq -nc "${opts[@]}" "[$(IFS=,; echo "${refs[*]}")]"
}

# --- leftovers -------------------------------------------------------------

# state_entries: what is under --root, one a line, but for uctr's kept
# seccomp filters (@seccomp-cache), which belong to no container.
state_entries ()
{
  local e
  for e in "$R"/* "$R"/.[!.]* "$R"/..?*; do
    if [ -e "$e" ] || [ -L "$e" ]; then
      [ "${e##*/}" = @seccomp-cache ] || echo "${e##*/}"
    fi
  done
}

# leftovers ID: prints what a failed or deleted container ID left behind (its
# state dir, a fifo under --root, a live process the runtime started: tagged
# by rt, rooted in $T or naming $T; a mount under $T); nothing when clean.
# _tagged_pids: the processes that carry this test's UCTR_TEST_TAG, have
# their root in $T or name a path in $T, found in one pass over /proc each
# (a few processes, not a few per process: on a busy machine that is the
# difference between a second and half a minute).
_tagged_pids ()
{
  {
    grep -lsxzF "UCTR_TEST_TAG=$T" /proc/[0-9]*/environ
    grep -lsaF "$T/" /proc/[0-9]*/cmdline
    find /proc/[0-9]*/root -maxdepth 0 -lname "$T/*" 2>/dev/null
  } | cut -d/ -f3 | sort -un
}

leftovers ()
{
  local id=$1 pid
  [ -e "$R/$id" ] && echo "state dir $R/$id"
  find "$R" -type p 2>/dev/null | sed 's/^/fifo /'
  for pid in $(_tagged_pids); do
    if [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ]; then continue; fi
    case " ${_pids[*]} " in *" $pid "*) continue ;; esac
    # A process on its way out (the network helper ends once it sees the
    # init gone, and the kernel detaches tap0 after delete returned; one in
    # its exit has an empty command line) is left behind only if it stays:
    # 10 s for one that still runs, 30 s for one in its exit.
    if alive "$pid" && ! wait_until 10 dead "$pid" \
      && { [ -n "$(proc_cmdline "$pid")" ] || ! wait_until 20 dead "$pid"; }; then
      echo "process $pid: $(proc_cmdline "$pid") ($(grep -E '^(Name|State|PPid):' "/proc/$pid/status" 2>/dev/null | tr -s '\t\n' '  '))"
    fi
  done
  awk -v t="$T/" 'index($5, t) == 1 { print "mount " $5 }' /proc/self/mountinfo
  return 0
}

# nothing_left ID DESC: a test point that ID left nothing behind.  What it
# did leave is then removed, so that the next check starts clean.
nothing_left ()
{
  local l p
  l=$(leftovers "$1")
  if [ -z "$l" ]; then
    pass "$2"
    return 0
  fi
  fail "$2" "left behind:" "$l"
  timeout -k 5 20 "$RT" --root "$R" delete --force "$1" >/dev/null 2>&1 || true
  awk '$1 == "process" { sub(":", "", $2); print $2 }' <<<"$l" | while read -r p; do
    kill -KILL "$p" 2>/dev/null || true
  done
  rm -rf "${R:?}/$1" 2>/dev/null || true
}

# --- cgroups ---------------------------------------------------------------

# Where cgroup2 is mounted; empty on a cgroup v1-only host.
CG_MOUNT=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' \
  /proc/self/mountinfo)

# cg_dir_of PID: the directory of its cgroup v2 (empty when unknown).
cg_dir_of ()
{
  local p
  p=$(sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null) || true
  [ -n "$p" ] && [ -n "$CG_MOUNT" ] || return 0
  if [ "$p" = / ]; then printf '%s\n' "$CG_MOUNT"; else printf '%s%s\n' "$CG_MOUNT" "$p"; fi
}

_cg_home=''
_cg_made=()

# cg_enter DIR: makes the cgroup DIR (in a subtree delegated to us) and moves
# this test's shell into it, so that it is the cgroup uctr is called from.  On
# exit the shell goes back where it was and every DIR made is removed.
cg_enter ()
{
  [ -n "$_cg_home" ] || _cg_home=$(cg_dir_of $$)
  mkdir -p "$1"
  _cg_made+=("$1")
  echo $$ >"$1/cgroup.procs"
}

# cg_leave: back to the cgroup the test started in.
cg_leave () { [ -z "$_cg_home" ] || echo $$ >"$_cg_home/cgroup.procs"; }

_cg_cleanup ()
{
  local i d
  [ ${#_cg_made[@]} -gt 0 ] || return 0
  cg_leave 2>/dev/null
  for ((i = ${#_cg_made[@]} - 1; i >= 0; i--)); do
    d=${_cg_made[i]}
    [ -d "$d" ] || continue
    chmod -R u+w "$d" 2>/dev/null
    [ -e "$d/cgroup.kill" ] && echo 1 >"$d/cgroup.kill" 2>/dev/null
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || { sleep 0.3; find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; }
  done
}

# --- set-up and clean-up ---------------------------------------------------------

_cleanup ()
{
  local rc=$? id pid p ids
  set +e
  trap - EXIT INT TERM HUP ERR
  # A test's own clean-up first (an engine's containers, its daemon).
  if declare -F cleanup_hook >/dev/null; then cleanup_hook; fi
  if [ -d "${R:-}" ]; then
    ids=$( (timeout 10 "$RT" --root "$R" list -q 2>/dev/null; ls -A "$R" 2>/dev/null) | sort -u)
    for id in $ids; do
      timeout -k 5 20 "$RT" --root "$R" delete --force "$id" >/dev/null 2>&1
    done
  fi
  for pid in "${_pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  _cg_cleanup
  if [ -d "${T:-}" ]; then
    # Whatever the runtime left running (found by its tag or root) goes too, by pid.
    for p in $(leftovers none | awk '$1 == "process" { sub(":", "", $2); print $2 }'); do
      kill -KILL "$p" 2>/dev/null
    done
    awk -v t="$T/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r p; do
      umount -l "$p" 2>/dev/null || fusermount -uz "$p" 2>/dev/null
    done
    if [ -n "${UCTR_TEST_KEEP:-}" ]; then
      diag "kept $T (UCTR_TEST_KEEP)"
      exit "$rc"
    fi
    # Files that containers made with subordinate ids are not ours to remove: do it as their root.
    rm -rf "$T" 2>/dev/null || unshare --map-root-user --map-auto rm -rf "$T" 2>/dev/null || rm -rf "$T"
  fi
  exit "$rc"
}

[ "$MY_UID" -ne 0 ] || [ -n "${LIB_AS_ROOT:-}" ] \
  || bail_out "integration tests run as an unprivileged user (rootless is the product): run tests/check, which creates one"
[ -x "$RT" ] || command -v "$RT" >/dev/null 2>&1 || bail_out "runtime $RT not found"
[ -x "$ROOTFS/bin/busybox" ] || bail_out "no busybox rootfs at $ROOTFS (apt-get install busybox-static; ninja builds it)"

T=$(mktemp -d "${TMPDIR:-/tmp}/uctr-it.XXXXXX")
R=$T/root
mkdir -m 0700 "$R"
trap _cleanup EXIT
# set -e ends a test at a command that fails unexpectedly: say which one
# (top-level commands only: no -E, so functions and $(...) may fail quietly).
trap 'echo "$0: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
diag "runtime: $RT, rootfs: $ROOTFS, temp: $T"
