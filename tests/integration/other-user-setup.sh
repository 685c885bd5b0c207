#!/bin/bash
# Usage: other-user-setup.sh BUILDDIR DIR   (tests/check runs it as uctr-test)
#
# Starts a container for other-user.sh to attack as another user: its
# --root is DIR/root, made readable by all (0755) so that only uctr's own
# protections stand in the way; it runs with --network slirp and a
# published port, so that the port API exists.  And a root that others can
# write, DIR/shared (0777, as a shared directory would be), with a created
# container "mine" in it and an unrelated process of ours, the bystander:
# other-user.sh plants a container there that points at the bystander, and
# other-user-owner.sh (as us again) checks that uctr uses none of it.
# Writes DIR/info for the tests; other-user-cleanup.sh undoes it all.
set -euo pipefail
builddir=$1 dir=$2
uctr=$builddir/src/uctr
mkdir -p "$dir/root" "$dir/bundle"
chmod 0755 "$dir" "$dir/root"
cp -a "$builddir/tests/rootfs" "$dir/bundle/rootfs"
"$uctr" spec --rootless --bundle "$dir/bundle"
jq '.process.terminal = false | .process.args = ["sleep", "1000"]' "$dir/bundle/config.json" >"$dir/bundle/c.json"
mv "$dir/bundle/c.json" "$dir/bundle/config.json"
port=$((10000 + RANDOM % 20000)) # below the ephemeral range (32768 and up)
"$uctr" --root "$dir/root" run -d --network slirp -p "127.0.0.1:$port:80" --bundle "$dir/bundle" victim
pid=$("$uctr" --root "$dir/root" state victim | jq -r .pid)
mkdir -m 0700 "$dir/shared"
"$uctr" --root "$dir/shared" create --network none --bundle "$dir/bundle" mine
setsid sleep 1000 </dev/null >/dev/null 2>&1 &
echo $! >"$dir/bystander.pid"
chmod 0777 "$dir/shared"
printf 'OTHER_ROOT=%s\nOTHER_ID=victim\nOTHER_PID=%s\nOTHER_PORT=%s\nOTHER_OWNER=%s\nSHARED_ROOT=%s\nBYSTANDER_PID=%s\n' \
  "$dir/root" "$pid" "$port" "$(id -un)" "$dir/shared" "$(cat "$dir/bystander.pid")" >"$dir/info"
chmod 0644 "$dir/info"
