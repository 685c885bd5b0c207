#!/bin/bash
# Usage: other-user-setup.sh BUILDDIR DIR   (tests/check runs it as uctr-test)
#
# Starts a container for other-user.sh to attack as another user: its
# --root is DIR/root, made readable by all (0755) so that only uctr's own
# protections stand in the way; it runs with --network slirp and a
# published port, so that the port API exists. Writes DIR/info for the test.
set -euo pipefail
builddir=$1 dir=$2
uctr=$builddir/src/uctr
mkdir -p "$dir/root" "$dir/bundle"
chmod 0755 "$dir" "$dir/root"
cp -a "$builddir/tests/rootfs" "$dir/bundle/rootfs"
"$uctr" spec --rootless --bundle "$dir/bundle"
jq '.process.terminal = false | .process.args = ["sleep", "1000"]' "$dir/bundle/config.json" >"$dir/bundle/c.json"
mv "$dir/bundle/c.json" "$dir/bundle/config.json"
port=$((20000 + RANDOM % 20000))
"$uctr" --root "$dir/root" run -d --network slirp -p "127.0.0.1:$port:80" --bundle "$dir/bundle" victim
pid=$("$uctr" --root "$dir/root" state victim | jq -r .pid)
printf 'OTHER_ROOT=%s\nOTHER_ID=victim\nOTHER_PID=%s\nOTHER_PORT=%s\nOTHER_OWNER=%s\n' \
  "$dir/root" "$pid" "$port" "$(id -un)" >"$dir/info"
chmod 0644 "$dir/info"
