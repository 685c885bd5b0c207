#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# A user with no range in /etc/subuid and /etc/subgid.  Runs as such a user:
# tests/check (as root) runs it as uctr-test-noid with
#   meson test --setup noid --suite noid
# Run as a user that has a range it skips, unless CI is set: then it fails,
# since CI must exercise this.  The single-id fallback and its warning are
# uctr's; that mappings needing a range fail cleanly is generic.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

if [ -n "$SUBUID" ] || [ -n "$SUBGID" ]; then
  why="$MY_USER has a range in /etc/subuid or /etc/subgid; this test needs a user without (tests/check runs it as uctr-test-noid)"
  [ -z "${CI:-}" ] || bail_out "$why"
  echo "1..0 # SKIP $why"
  exit 0
fi

MAPS='cat /proc/self/uid_map; echo --; cat /proc/self/gid_map; echo --; cat /proc/self/setgroups; id -u'
squeeze () { tr -s ' \t' ' ' | sed 's/^ //'; }

# The config's own single mapping: no helper needed.
b=$(mkbundle single --map single ".process.args = $(args_json sh -c "$MAPS")")
rt run --bundle "$b" single
status_is 0 "without a range: a single-id mapping from config.json runs"
like "$(squeeze <<<"$out")" "^0 $MY_UID 1" "without a range: uid_map is 0 -> caller"

# No mappings in config: uctr falls back to the single mapping and says what it costs.
if uctr_only "without a range: the single-id fallback"; then
  b=$(mkbundle fallback --map keep "del(.linux.uidMappings, .linux.gidMappings) | .process.args = $(args_json sh -c "$MAPS")")
  rt run --bundle "$b" fallback
  is "$status/$(squeeze <<<"$out")" "$(printf '0/0 %s 1\n--\n0 %s 1\n--\ndeny\n0' "$MY_UID" "$MY_GID")" \
    "without a range: uctr maps the caller alone, setgroups denied"
  like "$err" '/etc/sub[ug]id|subordinate' "without a range: a warning names /etc/subuid"
  is "$(sort <<<"$err" | uniq -d)" "" "the warning is said once"

  b=$T/rootbundle
  mkdir -p "$b"
  cp -a "$ROOTFS" "$b/rootfs"
  rt spec --bundle "$b"
  edit_config "$b" ".process.terminal = false | .process.args = $(args_json sh -c "$MAPS")"
  rt run --bundle "$b" rootbundle
  is "$status/$(squeeze <<<"$out" | head -n1)" "0/0 $MY_UID 1" "without a range: a root bundle runs with the single mapping"
fi

# Mappings that need a range the user does not have: a clean failure.
b=$(mkbundle toomany --map keep ".linux.uidMappings = [{containerID: 0, hostID: $MY_UID, size: 1}, {containerID: 1, hostID: 100000, size: 65536}]
  | .linux.gidMappings = [{containerID: 0, hostID: $MY_GID, size: 1}, {containerID: 1, hostID: 100000, size: 65536}]
  | .process.args = [\"true\"]")
rt create --bundle "$b" toomany
check "mappings beyond the caller's ids without a range: create fails" test "$status" -ne 0
if uctr_only "mappings without a range: the message says how to get one"; then
  like "$err" '/etc/subuid' "mappings without a range: the message names /etc/subuid"
  like "$err" 'usermod' "mappings without a range: the message gives the usermod command"
fi
nothing_left toomany "mappings without a range: nothing left behind"

# The init sets up as the caller when the config does not map 0 (keep-id
# without a range maps the caller alone, as itself).
if uctr_only "a config that does not map 0"; then
  b=$(mkbundle itself --map keep ".linux.uidMappings = [{containerID: $MY_UID, hostID: $MY_UID, size: 1}]
    | .linux.gidMappings = [{containerID: $MY_GID, hostID: $MY_GID, size: 1}]
    | .process.user = {uid: $MY_UID, gid: $MY_GID} | .process.args = $(args_json sh -c 'id -u; id -g')")
  rt run --bundle "$b" itself
  is "$status/$out" "$(printf '0/%s\n%s' "$MY_UID" "$MY_GID")" "a config that maps the caller alone as itself, not 0, runs"
fi

if uctr_only "one-line runs without a range"; then
  ROOT=$T/rootfs
  cp -a "$ROOTFS" "$ROOT"
  # README: no range, the own-id mapping and one warning, one-line runs too.
  rt run --rootfs "$ROOT" --network none -- sh -c "$MAPS"
  is "$status/$(squeeze <<<"$out")" "$(printf '0/0 %s 1\n--\n0 %s 1\n--\ndeny\n0' "$MY_UID" "$MY_GID")" \
    "one-line run without a range: the caller mapped alone"
  like "$err" 'no subordinate ids .*only uid [0-9]+ and gid [0-9]+ are mapped.*usermod --add-subuids' \
    "one-line run without a range: the fallback's warning"
  is "$(grep -c warning <<<"$err")" 1 "one-line run without a range: said once"

  rt run --rootfs "$ROOT" --network none -u 1000 -- true
  like "$err" '^uctr: --user 1000: gid 1000 is not mapped: .*single-id fallback.*usermod --add-subuids' \
    "-u without a range: the error names the flag, the fallback and the usermod command"
  nothing_left none "-u without a range: nothing left behind"

  # keep-id without a range: the caller's ids alone, as themselves.
  mkdir -p "$T/work"
  rt run --rootfs "$ROOT" --network none --userns=keep-id --bind "$T/work:/work" -- \
    sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -un; echo made >/work/new'
  is "$status/$(squeeze <<<"$out")" "$(printf '0/%s %s 1\n%s %s 1\n%s' "$MY_UID" "$MY_UID" "$MY_GID" "$MY_GID" "$MY_USER")" \
    "keep-id without a range: the caller's ids alone, as themselves, by name"
  is "$(stat -c %u:%g "$T/work/new" 2>&1)" "$MY_UID:$MY_GID" "keep-id without a range: new files are the caller's"
  like "$err" 'keep-id: no subordinate ids .*as themselves.*usermod --add-subuids' "keep-id without a range: the warning says what is lost"
  is "$(grep -c warning <<<"$err")" 1 "keep-id without a range: said once"
  rt run -d --rootfs "$ROOT" --network none --userns=keep-id --name kid -- sleep 60
  rt exec kid id -u
  is "$status/$out" "0/$MY_UID" "keep-id without a range: exec joins as the caller"
  rt delete --force kid
  nothing_left kid "keep-id without a range: delete leaves nothing"
fi

b=$(mkbundle user1000 --map single '.process.user = {uid: 1000, gid: 1000} | .process.args = ["true"]')
rt run --bundle "$b" user1000
check "process.user 1000 with only root mapped: run fails" test "$status" -ne 0
nothing_left user1000 "process.user not mapped: nothing left behind"

done_testing
