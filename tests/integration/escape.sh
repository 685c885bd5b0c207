#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# Mount destinations resolve inside the rootfs, never through a symlink out
# of it (the CVE-2019-16884 / CVE-2019-19921 class): an absolute and a
# relative symlink pointing outside, and /proc behind a symlink. Each case
# runs twice: with openat2, and with the by-hand walk used on kernels
# without it (UCTR_TEST_NO_OPENAT2). uctr-only: the walk is uctr's.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

uctr_only "mount destinations through symlinks" || { done_testing; exit 0; }

# A directory outside every rootfs that nothing may reach.
OUTSIDE=$T/outside
mkdir -p "$OUTSIDE"

for mode in openat2 walk; do
  if [ "$mode" = walk ]; then export UCTR_TEST_NO_OPENAT2=1; else unset UCTR_TEST_NO_OPENAT2; fi

  # /etc -> the absolute host path of OUTSIDE: inside the root, that path.
  script="awk -v p=$OUTSIDE/x '\$2 == p { print \"inside\" }' /proc/mounts"
  b=$(mkbundle "abs-$mode" ".process.args = $(args_json sh -c "$script") | .mounts += [{destination: \"/etc/x\", type: \"tmpfs\", source: \"tmpfs\"}]")
  rm -rf "$b/rootfs/etc"
  ln -s "$OUTSIDE" "$b/rootfs/etc"
  mkdir -p "$b/rootfs$OUTSIDE"
  rt run --bundle "$b" "abs-$mode"
  is "$status/$out" "0/inside" "$mode: an absolute symlink is followed inside the rootfs"
  check "$mode: nothing was created or mounted outside" test ! -e "$OUTSIDE/x"

  # /data -> ../../../../../..$OUTSIDE: ".." stops at the root.
  b=$(mkbundle "rel-$mode" '.process.args = ["true"] | .mounts += [{destination: "/data/y", type: "tmpfs", source: "tmpfs"}]')
  ln -s "../../../../../../../..$OUTSIDE" "$b/rootfs/data"
  mkdir -p "$b/rootfs$OUTSIDE"
  rt run --bundle "$b" "rel-$mode"
  is "$status" 0 "$mode: a relative symlink climbing out stays inside"
  check "$mode: nothing reached the outside directory" test ! -e "$OUTSIDE/y"

  # A symlink whose target does not exist inside the rootfs: uctr does not
  # create the target (runc does, inside the root); a clear error instead.
  b=$(mkbundle "dangling-$mode" '.process.args = ["true"] | .mounts += [{destination: "/etc/z", type: "tmpfs", source: "tmpfs"}]')
  rm -rf "$b/rootfs/etc"
  ln -s "$OUTSIDE" "$b/rootfs/etc"
  rt run --bundle "$b" "dangling-$mode"
  like "$err" 'mount point of mounts\[[0-9]+\] \(tmpfs on /etc/z\)' "$mode: through a dangling symlink: an error naming the mount"
  check "$mode: and nothing outside" test ! -e "$OUTSIDE/z"
  nothing_left "dangling-$mode" "$mode: nothing left behind"

  # /proc -> /tmp: proc must be mounted on a real /proc, never through a symlink.
  b=$(mkbundle "proc-$mode" '.process.args = ["true"]')
  rmdir "$b/rootfs/proc"
  ln -s tmp "$b/rootfs/proc"
  rt run --bundle "$b" "proc-$mode"
  check "$mode: /proc behind a symlink is refused" test "$status" -ne 0
  like "$err" 'mounts\[0\]' "$mode: the error names the proc mount"
  nothing_left "proc-$mode" "$mode: and nothing is left behind"
done

done_testing
