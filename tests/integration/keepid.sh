#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# --userns=keep-id for one-line runs (podman's): the caller's uid and gid map
# to themselves with the subordinate range around them; the process runs as
# the caller with USER, HOME (bound in) and LOGNAME; the rootfs's
# /etc/passwd and /etc/group get the caller's entries in copies bound over
# them, never written into the rootfs. With --rootfs /: a shell on the
# host's programs where the caller's own files are writable and new ones
# are the caller's. -u picks another id in that namespace. Without a range
# (noid.sh) the caller's ids alone. uctr-only: runc has no one-line mode.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

uctr_only "--userns=keep-id" || { done_testing; exit 0; }
[ -n "$SUBUID" ] && [ -n "$SUBGID" ] \
  || bail_out "$MY_USER has no range in /etc/subuid or /etc/subgid (tests/check as root gives uctr-test one; noid.sh covers a user without)"

ROOT=$T/rootfs
cp -a "$ROOTFS" "$ROOT"
MY_HOME=$(getent passwd "$MY_UID" | cut -d: -f6)
[ -d "$MY_HOME" ] && [ -w "$MY_HOME" ] || bail_out "$MY_USER's home $MY_HOME is not a writable directory"
# A file the --rootfs / test writes in the real home, removed however the test ends.
HOME_FILE=$MY_HOME/.uctr-keepid-test.$$
cleanup_hook () { rm -f "$HOME_FILE"; }
etc_sums () { sha256sum "$ROOT/etc/passwd" "$ROOT/etc/group"; }
before=$(etc_sums)
squeeze () { tr -s ' \t' ' ' | sed 's/^ //'; }

# What podman maps: 0..U-1 -> the range's first ids, U -> U, U+1.. -> the rest.
keep_map ()
{
  local own=$1 start=$2 count=$3 below
  below=$((own < count ? own : count))
  [ "$below" -gt 0 ] && echo "0 $start $below"
  echo "$own $own 1"
  [ "$count" -gt "$below" ] && echo "$((own + 1)) $((start + below)) $((count - below))"
  return 0
}

rt run --rootfs "$ROOT" --network none --userns=keep-id -- \
  sh -c 'id -u; id -g; id -un; id -gn; echo "$HOME $USER $LOGNAME"'
is "$status/$out" "$(printf '0/%s\n%s\n%s\n%s\n%s %s %s' "$MY_UID" "$MY_GID" "$MY_USER" "$(id -gn)" "$MY_HOME" "$MY_USER" "$MY_USER")" \
  "keep-id: the process is the caller, by number and by name, with HOME, USER and LOGNAME"
rt run --rootfs "$ROOT" --network none --userns=keep-id -- cat /proc/self/uid_map /proc/self/gid_map
is "$(squeeze <<<"$out")" "$(keep_map "$MY_UID" "$SUBUID_START" "$SUBUID_COUNT"; keep_map "$MY_GID" "$SUBGID_START" "$SUBGID_COUNT")" \
  "keep-id: the caller's ids map to themselves, the subordinate range around them"
is "$status/$(etc_sums)" "0/$before" "keep-id: the rootfs's etc/passwd and etc/group are not written"
rt run --rootfs "$ROOT" --network none --userns=keep-id -- sh -c 'grep -c "^root:" /etc/passwd; grep -c "^user:" /etc/group; stat -c %U "$HOME"'
is "$out" "$(printf '1\n1\n%s' "$MY_USER")" "keep-id: the image's entries stay beside the caller's, whose home is there"
rt list -q
is "$out" "" "keep-id: the run leaves no container behind"
# The network helper joins the init through its pidfd, after the init has
# switched to a setup uid that is not the caller's (root inside is a
# subordinate id here): the helper must still be let in.
rt run --rootfs "$ROOT" --userns=keep-id -- sh -c 'id -u; grep -q "^tap0" /proc/net/route && echo routed'
is "$status/$out" "0/$(printf '%s\nrouted' "$MY_UID")" "keep-id with the default network: the helper joins, tap0 is routed"

# The toolbx case: a file of the caller's is writable inside, and what the
# command makes is the caller's on the host (-u 1001 alone gives a subordinate id).
mkdir -p "$T/work"
echo old >"$T/work/mine"
chmod 0600 "$T/work/mine"
rt run --rootfs "$ROOT" --network none --userns=keep-id --bind "$T/work:/work" -- \
  sh -c 'echo new >/work/mine && echo made >/work/new'
is "$status/$(cat "$T/work/mine")/$(stat -c %u:%g "$T/work/new" 2>&1)" "0/new/$MY_UID:$MY_GID" \
  "keep-id: the caller's own files are writable, new ones are the caller's on the host"
rt run --rootfs "$ROOT" --network none -u "$MY_UID" --bind "$T/work:/work" -- sh -c 'echo again >/work/mine'
check "without keep-id the same uid inside is a subordinate id, which cannot write them" test "$status" -ne 0

# --rootfs /: the host's programs, the caller's home writable, their own name.
rm -f "$HOME_FILE"
host_before=$(sha256sum /etc/passwd /etc/group)
rt run --rootfs / --network none --userns=keep-id -- \
  sh -c 'id -un; touch "$1"; touch /usr/uctr-keepid 2>/dev/null && echo host-writable || echo host-ro' sh "$HOME_FILE"
is "$status/$out" "0/$(printf '%s\nhost-ro' "$MY_USER")" "--rootfs / with keep-id: the caller by name, the host's tree read-only"
host_status=$status
is "$(stat -c %u:%g "$HOME_FILE" 2>&1)" "$MY_UID:$MY_GID" "--rootfs / with keep-id: a file written in \$HOME is the caller's on the host"
is "$host_status/$(sha256sum /etc/passwd /etc/group)" "0/$host_before" "--rootfs / with keep-id: the host's /etc/passwd and /etc/group as they were"
rm -f "$HOME_FILE"

# -u picks another id of the keep-id namespace (podman allows it too).
rt run --rootfs "$ROOT" --network none --userns=keep-id -u 0 -- sh -c 'id -u; echo "${USER-unset}"; grep -c "^$0:" /etc/passwd' "$MY_USER"
is "$status/$out" "$(printf '0/0\nunset\n1')" "-u 0 with keep-id: root of that namespace, the caller's entry still there"
rt run --rootfs "$ROOT" --network none --userns=keep-id -e USER=other -- sh -c 'echo "$USER"'
is "$out" other "keep-id: -e wins over the USER it sets"

# Detached: exec finds the same user; delete takes the generated files.
rt run -d --rootfs "$ROOT" --network none --userns=keep-id --name kid -- sleep 60
is "$status" 0 "run -d with keep-id"
ls "$R/kid" >"$T/files" 2>&1 || true
like "$(cat "$T/files")" 'extra-passwd' "the generated /etc/passwd is in the state dir"
rt exec kid sh -c 'id -un; cat /proc/self/uid_map | wc -l'
is "$out" "$(printf '%s\n%s' "$MY_USER" "$(keep_map "$MY_UID" "$SUBUID_START" "$SUBUID_COUNT" | wc -l)")" "exec into it: the same user and mapping"
rt delete --force kid
nothing_left kid "delete leaves nothing of it, the generated files included"

# Without newuidmap: the caller's ids alone, and one warning saying so.
UCTR_NEWUIDMAP=$T/no-newuidmap rt run --rootfs "$ROOT" --network none --userns=keep-id -- sh -c 'id -u; cat /proc/self/uid_map'
is "$status/$(squeeze <<<"$out")" "$(printf '0/%s\n%s %s 1' "$MY_UID" "$MY_UID" "$MY_UID")" \
  "keep-id without newuidmap: the caller's uid alone, as itself"
like "$err" 'keep-id.*newuidmap is not installed.*only uid [0-9]+ and gid [0-9]+ are mapped, as themselves' \
  "keep-id without newuidmap: the warning says what is lost"
is "$(grep -c 'warning' <<<"$err")" 1 "and says it once"

# spec prints what such a run uses, less the files it makes at run time.
rt spec --rootfs "$ROOT" --userns=keep-id -- true
is "$(jq -c '[.process.user.uid, .process.user.gid, (.linux.uidMappings | length), ([.mounts[].destination] | index("/etc/passwd"))]' <<<"$out")" \
  "[$MY_UID,$MY_GID,$(keep_map "$MY_UID" "$SUBUID_START" "$SUBUID_COUNT" | wc -l),null]" \
  "spec --userns=keep-id: the user and mappings, no /etc/passwd mount"
like "$err" 'leaves out the /etc/passwd' "spec says what it leaves out"

rt run --rootfs "$ROOT" --network none --userns=host -- true
like "$status $err" '^[1-9][0-9]* uctr: --userns host: .*keep-id' "--userns with another mode: refused, naming keep-id"
rt run --bundle "$T" --userns=keep-id some-id
like "$err" '--userns goes with an image or --rootfs' "--userns in bundle mode: refused"
rt list -q
is "$out" "" "the refused runs left no container"

done_testing
