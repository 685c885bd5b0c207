#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# Mount points a one-line run needs (a --bind destination, its missing
# parents, a file bound over a missing file, --workdir) are made in a
# throwaway layer, never in the user's rootfs: the rootfs directory is the
# same before and after, to the last mtime, with --read-only or not, when
# it is not writable, and with --rootfs /. What exists in a writable rootfs
# stays writable. Bundle mode makes them in the rootfs, as runc does, unless
# the bundle asks for layers with the annotation uctr.mountpoints.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# The runc-compatible part first: bundle mode makes a missing mount point
# in the rootfs.
mkdir -p "$T/src"
echo from-src >"$T/src/f"
b=$(mkbundle bundle ".process.args = [\"cat\", \"/t/f\"]
  | .mounts += [{destination: \"/t\", type: \"bind\", source: \"$T/src\", options: [\"rbind\"]}]")
rt run --bundle "$b" bundle
is "$status/$out" "0/from-src" "bundle mode: a bind onto a missing /t"
check "bundle mode: /t is made in the rootfs, as runc does" test -d "$b/rootfs/t"

uctr_only "throwaway layers for mount points" || { done_testing; exit 0; }

cleanup_hook () { chmod -R u+w "$T" 2>/dev/null || true; }

# What a rootfs is, to the byte: every name, type, mode, owner, size, mtime
# and ctime (a directory's mtime and ctime change when a name is made or
# removed in it), and every file's contents.
listing ()
{
  (cd "$1" && find . -printf '%p %y %m %U:%G %s %T@ %C@ %l\n' | LC_ALL=C sort \
    && find . -type f -exec sha256sum {} + | LC_ALL=C sort)
}

# unchanged DIR BEFORE DESC: DIR lists as BEFORE did.
unchanged ()
{
  local now
  now=$(listing "$1")
  if [ "$now" = "$2" ]; then
    pass "$3"
  else
    fail "$3" "$(diff <(echo "$2") <(echo "$now") | head -n 20)"
  fi
}

ROOT=$T/rootfs
cp -a "$ROOTFS" "$ROOT"
mkdir -p "$ROOT/opt/keep" "$T/data"
echo kept >"$ROOT/opt/keep/old"
echo old >"$ROOT/etc/existing"
ln -s opt/keep "$ROOT/keep-link"
echo hello-bind >"$T/data/f"
echo a-file >"$T/file"
before=$(listing "$ROOT")
run1 () { rt run --rootfs "$ROOT" --network none "$@"; }

run1 --bind "$T/data:/t" -- cat /t/f
is "$status/$out" "0/hello-bind" "--bind SRC:/t, /t missing: the bind is there"
unchanged "$ROOT" "$before" "and the rootfs is as it was (no /t)"

run1 --workdir /nonexist -- pwd
is "$status/$out" "0//nonexist" "--workdir /nonexist: the command runs there"
unchanged "$ROOT" "$before" "and the rootfs is as it was (no /nonexist)"

run1 --bind "$T/data" -- cat "$T/data/f"
is "$status/$out" "0/hello-bind" "--bind SRC alone: bound at the same path, its parents missing"
unchanged "$ROOT" "$before" "and the rootfs is as it was (no ${T%%/uctr-it*})"

run1 --bind "$T/data:/a/b/c/d" --bind "$T/data:/a/b/e" -- sh -c 'cat /a/b/c/d/f /a/b/e/f'
is "$status/$out" "0/$(printf 'hello-bind\nhello-bind')" "two binds under the same missing parents, several levels deep"
unchanged "$ROOT" "$before" "and the rootfs is as it was (no /a)"

run1 --bind "$T/file:/etc/foo" --bind "$T/file:/opt/x/y/conf" -- sh -c 'cat /etc/foo /opt/x/y/conf; test -f /etc/foo && echo file'
is "$status/$out" "0/$(printf 'a-file\na-file\nfile')" "a file bound over a missing /etc/foo, and under missing parents"
unchanged "$ROOT" "$before" "and the rootfs is as it was (no /etc/foo, no /opt/x)"

# The layer over / mirrors it: symlinks, the mounts made before it, the
# entries of the rootfs.
run1 --bind "$T/data:/opt/data" --bind "$T/data:/t" -w /w -- \
  sh -c 'readlink /keep-link; cat /keep-link/old /opt/data/f; test -c /dev/null && echo dev; head -n 1 /proc/self/status; ls /bin/busybox'
is "$status/$out" "0/$(printf 'opt/keep\nkept\nhello-bind\ndev\nName:\thead\n/bin/busybox')" \
  "the layer keeps the symlinks, the mounts below (/dev, /proc, a bind in /opt) and every entry"
unchanged "$ROOT" "$before" "and the rootfs is as it was"

# Entries of every kind: a fifo and a socket are bound back too; the walk
# by hand (no openat2) gets the same.
mkfifo "$ROOT/opt/fifo"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$ROOT/opt/sock"
before=$(listing "$ROOT")
UCTR_TEST_NO_OPENAT2=1 run1 --bind "$T/data:/opt/new/t" -- sh -c 'test -p /opt/fifo && test -S /opt/sock && cat /opt/new/t/f'
is "$status/$out" "0/hello-bind" "a fifo and a socket next to the mount point are kept, with the walk by hand too"
unchanged "$ROOT" "$before" "and the rootfs is as it was"

# A writable rootfs stays writable for what exists in it; only what is
# made at the top level of a layered directory is thrown away with it.
run1 --bind "$T/data:/t" --bind "$T/file:/etc/foo" -- \
  sh -c 'echo new >/etc/existing && echo made >/opt/keep/new && touch /top /etc/top && echo wrote'
is "$status/$out" "0/wrote" "a writable rootfs with layers: its files can be written"
is "$(cat "$ROOT/etc/existing" "$ROOT/opt/keep/new" 2>&1)" "$(printf 'new\nmade')" \
  "what exists in it is written in the rootfs, below the layers too"
check "what is made at the top of a layered directory is thrown away" \
  test ! -e "$ROOT/top" -a ! -e "$ROOT/etc/top"
echo old >"$ROOT/etc/existing"
rm "$ROOT/opt/keep/new"
before=$(listing "$ROOT")

# --read-only: the layers are read-only too. (Names of their own in each
# case: one that an earlier run had left in the rootfs would hide a write.)
run1 --read-only --bind "$T/data:/ro-t" --bind "$T/file:/etc/ro-foo" -w /ro-wd -- sh -c '
  cat /ro-t/f /etc/ro-foo; pwd
  for f in /top /etc/top /ro-wd/x /opt/keep/x /etc/existing; do touch $f 2>/dev/null && echo "$f writable"; done
  echo t-rw >/ro-t/rw && echo bind-writable'
is "$status/$out" "0/$(printf 'hello-bind\na-file\n/ro-wd\nbind-writable')" \
  "--read-only: the mounts are there, the layers and the root read-only, the bind itself writable"
unchanged "$ROOT" "$before" "--read-only: the rootfs is as it was"
rm -f "$T/data/rw"

# A rootfs the user cannot write.
chmod -R a-w "$ROOT"
before=$(listing "$ROOT")
run1 --bind "$T/data:/cw-t" --bind "$T/file:/etc/cw-foo" -w /cw-wd -- sh -c 'cat /cw-t/f /etc/cw-foo; pwd'
is "$status/$out" "0/$(printf 'hello-bind\na-file\n/cw-wd')" "a rootfs made read-only with chmod a-w works"
unchanged "$ROOT" "$before" "and it is as it was"
chmod -R u+w "$ROOT"

# The host's own /, owned by root: nothing made there, nor in the user's
# own directories under it.
t_before=$(listing "$T/data")
mkdir -p "$T/work"
dest=/uctr-mountpoint-test-$$
rt run --rootfs / --network none --bind "$T/data:$dest" --bind "$T/file:$T/work/new/conf" -w /nonexist-$$ -- \
  sh -c "cat $dest/f $T/work/new/conf; pwd; touch /x-$$ 2>/dev/null && echo host-writable; ls /proc/self/fd >/dev/null && echo proc"
is "$status/$out" "0/$(printf 'hello-bind\na-file\n/nonexist-%s\nproc' $$)" \
  "--rootfs /: binds onto missing paths and --workdir work, the root stays read-only"
check "--rootfs /: nothing made in the host's /" test ! -e "$dest" -a ! -e "/nonexist-$$" -a ! -e "/x-$$"
check "--rootfs /: nothing made in the user's directory under it" test ! -e "$T/work/new"
unchanged "$T/data" "$t_before" "--rootfs /: the bound directory is as it was"

# A directory the container cannot list cannot be mirrored: said so.
if [ -d /root ] && ! ls /root >/dev/null 2>&1; then
  rt run --rootfs / --network none --bind "$T/data:/root/uctr-test-$$" -- true
  like "$status $err" '^[1-9][0-9]* uctr: Making the mount point of .*/root/uctr-test-[0-9]+.* in a throwaway layer over the rootfs, .*cannot be listed: Permission denied' \
    "--rootfs /: a mount point in a directory the user cannot read: a clear error"
else
  skip "--rootfs /: a mount point in a directory the user cannot read" "/root is readable here"
fi

# A bundle can ask for the layers; a bad value is named.
b2=$(mkbundle layered ".process.args = [\"cat\", \"/t/f\"] | .annotations[\"uctr.mountpoints\"] = \"tmpfs\"
  | .mounts += [{destination: \"/t\", type: \"bind\", source: \"$T/src\", options: [\"rbind\"]}]")
rt run --bundle "$b2" layered
is "$status/$out" "0/from-src" "a bundle with uctr.mountpoints=tmpfs: the bind is there"
check "and /t is not made in its rootfs" test ! -e "$b2/rootfs/t"
jq '.annotations["uctr.mountpoints"] = "overlay"' "$b2/config.json" >"$T/c" && mv "$T/c" "$b2/config.json"
rt run --bundle "$b2" layered
like "$status $err" '^[1-9][0-9]* .*annotations\["uctr.mountpoints"\]: expected rootfs or tmpfs, not "overlay"' \
  "a bad uctr.mountpoints is named"

# Without the mount API (before Linux 5.2) a layer cannot be made: said so.
before=$(listing "$ROOT")
UCTR_TEST_NO_MOUNT_API=1 run1 --bind "$T/data:/t" -- true
like "$err" 'mount point of .*/t.* in a throwaway layer over the rootfs: this needs the mount API' \
  "without the mount API: a clear error"
unchanged "$ROOT" "$before" "and nothing made in the rootfs"

rt list -q
is "$out" "" "no container left"
nothing_left layered "nothing left behind"

done_testing
