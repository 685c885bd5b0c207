#!/bin/bash
# The owner's side of other-user.sh's attack on a root she let others
# write (DIR/shared, 0777): another user moved her container "mine" aside
# and put their own in its place, pointing at her unrelated process (the
# bystander), with a poststop hook.  uctr refuses the open root with the
# chmod that fixes it, and once it is fixed refuses the planted container:
# the bystander lives, the hook never runs, her real container still works.
# tests/check (as root) runs this as the owner after other-user.sh.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

other_user_info
[ "$OTHER_OWNER" = "$MY_USER" ] || bail_out "this is the owner's side: run it as $OTHER_OWNER, not $MY_USER"
s=$SHARED_ROOT
if [ ! -O "$s/mine.old/state.json" ] || [ ! -d "$s/mine" ] || [ -O "$s/mine" ]; then
  bail_out "other-user.sh did not plant its container in $s"
fi

# refused DESC ERE ARGS...: on the shared root.
refused () { refused_at "$s" "$@"; }

unharmed ()
{
  check "$1: the bystander still runs" alive "$BYSTANDER_PID"
  check "$1: the planted poststop hook did not run" test ! -e "$UCTR_OTHER_DIR/hooked"
}

for verb in "kill mine KILL" "delete --force mine" list "state mine"; do
  # shellcheck disable=SC2086 # the verb's words
  refused "the open root: $verb refuses, saying chmod 700" "can be written by others .*chmod 700 $s\$" $verb
done
unharmed "the open root"

chmod 0700 "$s"
refused "kill of the planted container refuses: it is another user's" "mine belongs to uid" kill mine KILL
refused "delete --force of it refuses" "mine belongs to uid" delete --force mine
refused "so does kill --all" "mine belongs to uid" kill --all mine KILL
refused "a symlink to it is not followed" "evil is a symbolic link" state evil
rt_at "$s" list
unlike "$out" "$BYSTANDER_PID" "list does not show the bystander's pid"
like "$err" "warning: .*mine belongs to uid" "list says what it left out"
unharmed "root fixed"

rt_at "$s" state mine.old
is "$status/$(jq -r .status <<<"$out" 2>/dev/null)" "0/created" "the real container, moved aside, is still ours to use"

done_testing
