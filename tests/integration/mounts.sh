#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# Mounts: tmpfs, bind (dir and file, ro and rw), missing mount points, a
# read-only root, maskedPaths, readonlyPaths, /proc, /dev.  Generic: also
# passes with UCTR_TEST_RUNTIME=runc.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

inside ()
{
  local b
  b=$(mkbundle "$1" "$2 | .process.args = $(args_json sh -c "$3")")
  rt run --bundle "$b" "$1"
}

# mountpoint_opts PATH: "TYPE OPTIONS" of the mount at PATH, as /proc/mounts shows it.
OPTS='mo () { awk -v p="$1" '\''$2 == p { t = $3; o = $4 } END { print t, o }'\'' /proc/mounts; }'

# --- tmpfs ------------------------------------------------------------------------
inside tmpfs '.mounts += [{destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "size=1m", "mode=0750"]}]' \
  "$OPTS; mo /scratch; stat -c %a /scratch; echo data > /scratch/f && cat /scratch/f"
is "$status" 0 "a tmpfs mount: exit 0"
like "$(sed -n 1p <<<"$out")" '^tmpfs rw,nosuid,nodev,.*size=1024k' "tmpfs at /scratch with nosuid,nodev,size=1m"
is "$(sed -n 2,3p <<<"$out")" "$(printf '750\ndata')" "tmpfs mode=0750, writable"

inside deep '.mounts += [{destination: "/a/b/c", type: "tmpfs", source: "tmpfs"}]' "$OPTS; mo /a/b/c"
like "$out" '^tmpfs ' "a mount point that does not exist is created, parents too"

# tmpcopyup: what the directory held is copied into the tmpfs (owners, modes,
# symlinks), and the image's directory is not written.
b=$(mkbundle copyup '.mounts += [{destination: "/data", type: "tmpfs", source: "tmpfs", options: ["tmpcopyup"]}]')
mkdir -p "$b/rootfs/data/sub"
echo top >"$b/rootfs/data/f"
echo deep >"$b/rootfs/data/sub/g"
ln -s f "$b/rootfs/data/lnk"
chmod 0751 "$b/rootfs/data/sub"
edit_config "$b" ".process.args = $(args_json sh -c "$OPTS; mo /data; cat /data/f /data/sub/g /data/lnk; stat -c %a /data/sub; readlink /data/lnk; echo new > /data/n")"
rt run --bundle "$b" copyup
is "$status/$(sed -n 2,7p <<<"$out")" "0/$(printf 'top
deep
top
751
f')" \
  "tmpcopyup: files, a subdirectory with its mode and a symlink are copied into the tmpfs"
like "$(sed -n 1p <<<"$out")" '^tmpfs ' "tmpcopyup: /data is the tmpfs"
check "tmpcopyup: the image's directory is not written" test ! -e "$b/rootfs/data/n"

# sync and dirsync: writes and directory changes synchronous.
inside syncmnt '.mounts += [{destination: "/s", type: "tmpfs", source: "tmpfs", options: ["sync", "dirsync"]}]' \
  "$OPTS; mo /s"
like "$out" '^tmpfs .*\bsync\b.*\bdirsync\b' "tmpfs with sync and dirsync"

# A read-only tmpfs with a mount below it (runc's read-only /dev): made
# read-only once the mounts below are made.
inside rodev '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]' \
  "$OPTS; mo /dev; mo /dev/pts; if touch /dev/x 2>/dev/null; then echo written; fi"
is "$status" 0 "a read-only /dev with devpts below it: the container runs"
like "$(sed -n 1p <<<"$out")" '^tmpfs ro,' "/dev is read-only"
like "$(sed -n 2p <<<"$out")" '^devpts ' "devpts is mounted below it"
unlike "$out" written "nothing can be made in /dev"

# In a user namespace the device nodes are the host's, bound: without
# set-id bits or exec (runc 1.1.5 leaves both).
if uctr_only "device binds with nosuid,noexec"; then
  inside devbind '.' "$OPTS; mo /dev/null; mo /dev/zero; echo x >/dev/null && head -c 3 /dev/zero | wc -c"
  like "$(sed -n 1p <<<"$out")" '^[a-z]+ rw,nosuid,noexec' "/dev/null is a bind with nosuid,noexec"
  like "$(sed -n 2p <<<"$out")" '^[a-z]+ rw,nosuid,noexec' "/dev/zero too"
  is "$status/$(sed -n 3p <<<"$out")" "0/3" "and both still work"
fi

# --- recursive options (mount_setattr) ------------------------------------------------
# rro reaches a mount below the bind's source too, where ro would not: /view
# binds (rbind) the container's own /outer, which has a tmpfs at inner.
b=$(mkbundle rro)
mkdir -p "$b/rootfs/outer"
edit_config "$b" ".mounts += [
    {destination: \"/outer\", type: \"tmpfs\", source: \"tmpfs\"},
    {destination: \"/outer/inner\", type: \"tmpfs\", source: \"tmpfs\"},
    {destination: \"/view\", type: \"bind\", source: \"$b/rootfs/outer\", options: [\"rbind\", \"rro\", \"rnosuid\"]},
    {destination: \"/plain\", type: \"bind\", source: \"$b/rootfs/outer\", options: [\"rbind\", \"ro\"]}]
  | .process.args = $(args_json sh -c "$OPTS; mo /view; mo /view/inner; mo /plain/inner; touch /view/inner/x 2>/dev/null || echo view-inner-ro; touch /plain/inner/y && echo plain-inner-rw")"
rt run --bundle "$b" rro
is "$status" 0 "rro and rnosuid on an rbind: exit 0"
like "$(sed -n 1p <<<"$out")" '^tmpfs ro,nosuid' "rro,rnosuid: the bind itself is ro,nosuid"
like "$(sed -n 2p <<<"$out")" '^tmpfs ro,nosuid' "and so is the mount below it"
like "$(sed -n 3p <<<"$out")" '^tmpfs rw' "ro alone leaves the mount below it rw"
is "$(sed -n 4,5p <<<"$out")" "$(printf 'view-inner-ro\nplain-inner-rw')" "writes: refused below rro, allowed below ro"

# Idmapping a host file system takes root's rights (userns-root.sh runs
# them as root): rootless, a clear refusal, never a plain bind instead.
if uctr_only "idmap without root is refused, not ignored"; then
  mkdir -p "$T/idsrc"
  for opt in idmap ridmap; do
    b=$(mkbundle "$opt" ".mounts += [{destination: \"/m\", type: \"bind\", source: \"$T/idsrc\", options: [\"rbind\", \"$opt\"]}] | .process.args = [\"true\"]")
    rt run --bundle "$b" "$opt"
    check "$opt without root fails" test "$status" -ne 0
    like "$err" "mounts\\[[0-9]+\\]: an idmapped mount of $T/idsrc takes root's rights" "$opt without root: the error says why"
    nothing_left "$opt" "$opt without root: nothing left behind"
  done
  b=$(mkbundle idtmpfs '.mounts += [{destination: "/m", type: "tmpfs", source: "tmpfs", options: ["idmap"]}] | .process.args = ["true"]')
  rt run --bundle "$b" idtmpfs
  like "$err" 'mounts\[[0-9]+\]: idmapped mounts are made of binds only' "idmap on a tmpfs: refused, binds only"
  nothing_left idtmpfs "idmap on a tmpfs: nothing left behind"
fi

# --- bind mounts ------------------------------------------------------------------
mkdir -p "$T/data" "$T/rw"
echo hello-data >"$T/data/hello"
echo hello-file >"$T/file.txt"
inside bind ".mounts += [
    {destination: \"/data\", type: \"bind\", source: \"$T/data\", options: [\"rbind\", \"ro\"]},
    {destination: \"/rw\", type: \"bind\", source: \"$T/rw\", options: [\"bind\", \"rw\"]},
    {destination: \"/etc/motd\", type: \"bind\", source: \"$T/file.txt\", options: [\"bind\", \"ro\"]}]" \
  "$OPTS; cat /data/hello; touch /data/x 2>/dev/null && echo data-writable || echo data-ro
   echo from-inside > /rw/new; cat /etc/motd; echo x >> /etc/motd 2>/dev/null && echo file-writable || echo file-ro
   mo /data; mo /etc/motd"
is "$(sed -n 1,4p <<<"$out")" "$(printf 'hello-data\ndata-ro\nhello-file\nfile-ro')" \
  "bind mounts: a ro directory, a ro file over a missing /etc/motd"
like "$(sed -n 5p <<<"$out")" '^[a-z0-9]+ ro[,$]' "/data is mounted ro"
like "$(sed -n 6p <<<"$out")" '^[a-z0-9]+ ro[,$]' "/etc/motd is mounted ro"
is "$(cat "$T/rw/new" 2>&1)" from-inside "a rw bind mount writes through to the host"
check "a ro bind mount leaves the host directory untouched" test ! -e "$T/data/x"
is "$(cat "$T/file.txt")" hello-file "a ro file bind leaves the host file untouched"

# --- read-only root ---------------------------------------------------------------
inside roroot '.root.readonly = true | .mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs"}]' \
  'touch /x 2>/dev/null && echo root-writable || echo root-ro; touch /tmp/x && echo tmp-writable'
is "$out" "$(printf 'root-ro\ntmp-writable')" "root.readonly: / is read-only, a tmpfs on it is not"
inside rwroot '.root.readonly = false' 'touch /x && echo root-writable'
is "$out" root-writable "root.readonly false: / is writable"
check "what the container writes to its root lands in the bundle's rootfs" test -e "$T/rwroot/rootfs/x"

# --- masked and read-only paths ------------------------------------------------------
b=$(mkbundle masked '.linux.maskedPaths = ["/secret-dir", "/secret-file", "/no-such-path", "/proc/timer_list"]
  | .linux.readonlyPaths = ["/ro-dir", "/proc/sys"]
  | .process.args = ["sh", "-c", "ls -A /secret-dir; cat /secret-file; echo \"[$(wc -c < /proc/timer_list)]\"; cat /ro-dir/f; touch /ro-dir/g 2>/dev/null && echo ro-dir-writable || echo ro-dir-ro; echo x > /proc/sys/kernel/hostname 2>/dev/null && echo sys-writable || echo sys-ro; touch /other && echo other-writable"]')
mkdir -p "$b/rootfs/secret-dir" "$b/rootfs/ro-dir"
echo hidden >"$b/rootfs/secret-dir/inside"
echo hidden >"$b/rootfs/secret-file"
echo visible >"$b/rootfs/ro-dir/f"
rt run --bundle "$b" masked
is "$out" "$(printf '[0]\nvisible\nro-dir-ro\nsys-ro\nother-writable')" \
  "maskedPaths hide a directory, a file and /proc/timer_list (a missing one is ignored); readonlyPaths are read-only"

# --- /proc and /dev ------------------------------------------------------------
inside procdev . 'cat /proc/1/comm; echo $$
  [ -c /dev/null ] && echo x > /dev/null && echo null-ok
  [ "$(head -c 4 /dev/zero | od -An -tx1 | tr -d " ")" = 00000000 ] && echo zero-ok
  [ "$(head -c 8 /dev/urandom | wc -c)" = 8 ] && echo urandom-ok
  [ -c /dev/random ] && [ -c /dev/tty ] && echo random-tty-ok
  echo x > /dev/full 2>/dev/null || echo full-ok
  for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done
  [ -d /dev/pts ] && [ -d /dev/shm ] && [ -d /dev/mqueue ] && echo dirs-ok'
is "$out" "$(printf 'sh\n1\nnull-ok\nzero-ok\nurandom-ok\nrandom-tty-ok\nfull-ok\n/proc/self/fd\n/proc/self/fd/0\n/proc/self/fd/1\n/proc/self/fd/2\npts/ptmx\ndirs-ok')" \
  "/proc of the container's pid namespace; /dev with null zero full random urandom tty, fd links, ptmx"

# the host's mounts are not there
inside hostmnt . 'grep -c " /work\| /home " /proc/mounts || true'
is "$out" 0 "none of the host's mounts is visible inside"

# --- what no runtime mounts ------------------------------------------------------
# A tmpfs on / would hide the root file system; a bind of a dangling symlink
# has nothing to bind. runc refuses both; so does uctr, saying which mount.
b=$(mkbundle rootmnt '.mounts += [{destination: "/", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]')
rt run --bundle "$b" rootmnt
[ "$status" -ne 0 ] && pass "a mount on / is refused" || fail "a mount on / is refused" "status $status, out: $out"
uctr_only "its message" && like "$err" 'mounts\[[0-9]+\]\.destination: "/" would cover' "the message names the mount and why"
nothing_left rootmnt "a refused mount on / leaves nothing"
ln -s "$T/nowhere" "$T/dangling-link"
b=$(mkbundle dangling ".mounts += [{destination: \"/mnt\", type: \"bind\", source: \"$T/dangling-link\", options: [\"rbind\"]}]")
rt run --bundle "$b" dangling
[ "$status" -ne 0 ] && pass "a bind of a dangling symlink is refused" || fail "a bind of a dangling symlink is refused" "status $status"
uctr_only "its message" && like "$err" 'source: .*dangling-link: No such file or directory' "the message names the source"
nothing_left dangling "a refused dangling bind leaves nothing"

# --- the host's own tree as the root (a sandbox) ----------------------------------
if uctr_only "root.path /"; then
  b=$(mkbundle hostroot '.root.path = "/" | .root.readonly = true | .process.args = ["sh", "-c", "test -x /bin/busybox && echo host-bin; touch /uctr-test-write 2>/dev/null || echo read-only"]')
  rt run --bundle "$b" hostroot
  is "$status/$out" "0/$(printf 'host-bin\nread-only')" "root.path /: the host's tree, read-only"
  check "root.path /: nothing was written to the host" test ! -e /uctr-test-write
  nothing_left hostroot "root.path /: nothing left behind"
fi

done_testing
