#!/bin/bash
# The state root and what is in it are trusted only when nobody else could
# have made or changed them, as ssh's StrictModes does: a --root others can
# write (or below a directory others can write or own) is refused with the
# chmod that fixes it, --root through a symlink is the directory it leads
# to, and a container directory, state.json, config.json, lock or exec.fifo
# that is a symlink, or writable by others, is not used.  A real second user
# planting a container is other-user.sh's part (tests/check runs it).
# uctr's own promise: runc checks none of this.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

if ! uctr_only "the state root is checked"; then
  done_testing
  exit 0
fi

B=$(mkbundle box 'del(.annotations["uctr.network"]) | .process.args = ["sleep", "1000"]')

# --- the root itself -------------------------------------------------------

rt_at "$T/made/a/b" list
is "$status/$(stat -c %a "$T/made" "$T/made/a" "$T/made/a/b" | tr '\n' ' ')" "0/700 700 700 " \
  "a missing root is made 0700, its missing parents too"

for mode in 0777 0770 0702; do
  d=$T/open$mode
  mkdir "$d"
  chmod "$mode" "$d"
  for verb in list "create --bundle $B c" "state c" "kill c KILL" "delete --force c"; do
    # shellcheck disable=SC2086 # the verb's words
    refused_at "$d" "a $mode root: $verb refuses, saying chmod 700" "can be written by others .*chmod 700 $d\$" $verb
  done
  check "a $mode root: nothing made in it" test -z "$(ls -A "$d")"
done

mkdir -m 0755 "$T/r755"
rt_at "$T/r755" list
status_is 0 "a 0755 root of ours is fine"

# --- what is above it ---------------------------------------------------------

mkdir "$T/gw"
chmod 0777 "$T/gw"
mkdir -m 0700 "$T/gw/root"
refused_at "$T/gw/root" "a root inside a directory others can write is refused" \
  "inside $T/gw, which others can write \\(mode 0777\\)" list
refused_at "$T/gw/new/root" "a new root there is refused" "inside $T/gw, which others can write" list
check "and nothing is made there" test ! -e "$T/gw/new"

mkdir "$T/sticky"
chmod 1777 "$T/sticky"
rt_at "$T/sticky/root" list
status_is 0 "a root inside a sticky directory (as /tmp) is fine"

# --- --root through a symlink -------------------------------------------------

mkdir -m 0700 "$T/real"
ln -s "$T/real" "$T/link"
rt_at "$T/link" create --bundle "$B" viasym
status_is 0 "--root through a symlink: create works"
check "the state is in the directory it leads to" test -d "$T/real/viasym"
rt_at "$T/link" delete --force viasym
ln -s "$T/open0777" "$T/badlink"
refused_at "$T/badlink" "--root through a symlink to a 0777 directory: refused, naming that directory" \
  "the state directory $T/open0777 can be written by others" list

# --- what is in a container's directory -----------------------------------------

rt create --bundle "$B" c1
status_is 0 "create c1"
pid=$(pid_of c1)
d=$R/c1

chmod 0666 "$d/state.json"
rt state c1
like "$status/$err" "^1/.*state.json can be written by others \\(mode 0666\\)" "a 0666 state.json is not used"
rt kill c1 KILL
check "kill does not act on it" test "$status" -ne 0
rt list
unlike "$out" c1 "list leaves it out"
like "$err" "warning: .*state.json can be written by others" "and says why"
chmod 0600 "$d/state.json"

mv "$d/state.json" "$T/state.json"
ln -s "$T/state.json" "$d/state.json"
rt state c1
like "$status/$err" "^1/.*state.json is a symbolic link" "a symlink for state.json is not followed"
rm "$d/state.json"
mv "$T/state.json" "$d/state.json"

ln -s "$d" "$R/c2"
rt state c2
like "$status/$err" "^1/.*c2 is a symbolic link" "a symlink for a container directory is not followed"
rt delete --force c2
check "delete --force does not act on it" test "$status" -ne 0
rm "$R/c2"

chmod 0666 "$d/lock"
rt start c1
like "$status/$err" "^1/.*lock can be written by others" "a 0666 lock is not used"
chmod 0600 "$d/lock"

mv "$d/exec.fifo" "$T/exec.fifo"
ln -s "$T/exec.fifo" "$d/exec.fifo"
rt start c1
like "$status/$err" "^1/.*exec.fifo is a symbolic link" "a symlink for exec.fifo is not followed"
rm "$d/exec.fifo"
mv "$T/exec.fifo" "$d/exec.fifo"

rt start c1
status_is 0 "as uctr made them, they are used: start works"
is "$(state_of c1)" running "and c1 runs"

# A poststop hook from a config.json others could have written never runs.
jq --arg m "$T/hooked" '.hooks.poststop = [{path: "/bin/touch", args: ["touch", $m]}]' "$d/config.json" >"$T/c.json"
cp "$T/c.json" "$d/config.json"
chmod 0666 "$d/config.json"
rt delete --force c1
like "$err" "config.json can be written by others" "delete --force: a 0666 config.json is not used"
check "its poststop hook did not run" test ! -e "$T/hooked"
check "the container is gone all the same" wait_until 10 dead "$pid"
nothing_left c1 "and nothing is left of it"

done_testing
