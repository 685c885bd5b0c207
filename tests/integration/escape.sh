#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# Mount destinations resolve inside the rootfs, never through a symlink out
# of it (the CVE-2019-16884 / CVE-2019-19921 class): an absolute and a
# relative symlink pointing outside, and /proc behind a symlink; /dev/null
# and /dev/console that are symlinks to procfs files are not used to mask
# or to bind the terminal on (CVE-2025-31133, CVE-2025-52565). Each case
# runs twice: with openat2, and with the by-hand walk used on kernels
# without it (UCTR_TEST_NO_OPENAT2). Then process.cwd through a leaked fd
# (CVE-2024-21626) and the fds the process gets. uctr-only: the walk is uctr's.
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

  # A symlink whose target does not exist inside the rootfs: the target is
  # made inside the root, as runc makes it, never outside; absolute or
  # climbing out with "..".
  for target in "$OUTSIDE" "../../../../../..$OUTSIDE/deeper"; do
    b=$(mkbundle "dangling-$mode" '.process.args = ["stat", "-f", "-c", "%T", "/etc/z"]
      | .mounts += [{destination: "/etc/z", type: "tmpfs", source: "tmpfs"}]')
    rm -rf "$b/rootfs/etc"
    ln -s "$target" "$b/rootfs/etc"
    rt run --bundle "$b" "dangling-$mode"
    inside=$b/rootfs$OUTSIDE
    [ "$target" = "$OUTSIDE" ] || inside=$b/rootfs$OUTSIDE/deeper
    is "$status/$out" "0/tmpfs" "$mode: through a dangling symlink ($target): the mount is made"
    check "$mode: its target made inside the rootfs ($inside)" test -d "$inside/z"
    check "$mode: and nothing outside" test ! -e "$OUTSIDE/z" -a ! -e "$OUTSIDE/deeper"
    nothing_left "dangling-$mode" "$mode: nothing left behind"
    rm -rf "$b"
  done

  # /proc -> /tmp: proc must be mounted on a real /proc, never through a symlink.
  b=$(mkbundle "proc-$mode" '.process.args = ["true"]')
  rmdir "$b/rootfs/proc"
  ln -s tmp "$b/rootfs/proc"
  rt run --bundle "$b" "proc-$mode"
  check "$mode: /proc behind a symlink is refused" test "$status" -ne 0
  like "$err" 'mounts\[0\]' "$mode: the error names the proc mount"
  nothing_left "proc-$mode" "$mode: and nothing is left behind"

  # /dev from the bundle with null -> a writable procfs file: masking with
  # it would bind that file over the masked path (CVE-2025-31133).
  b=$(mkbundle "null-$mode" ".process.args = [\"sh\", \"-c\", \"cat /secret\"] | .linux.maskedPaths = [\"/secret\"]
    | .mounts |= map(if .destination == \"/dev\" then {destination: \"/dev\", type: \"bind\", source: \"$T/null-$mode/evil-dev\", options: [\"rbind\"]} else . end)")
  mkdir -p "$b/evil-dev"
  ln -s /proc/sys/kernel/hostname "$b/evil-dev/null"
  echo secret >"$b/rootfs/secret"
  rt run --bundle "$b" "null-$mode"
  check "$mode: a /dev/null that is a symlink is not used to mask" test "$status" -ne 0
  like "$err" '/dev/null in the container is not the null device' "$mode: the error says why"
  unlike "$out" secret "$mode: and the masked file was never shown"
  nothing_left "null-$mode" "$mode: nothing left behind"

  # The same /dev with console -> a procfs file, and a terminal to bind there (CVE-2025-52565).
  b=$(mkbundle "cons-$mode" ".process.args = [\"true\"] | .process.terminal = true | .linux.maskedPaths = []
    | .mounts |= map(if .destination == \"/dev\" then {destination: \"/dev\", type: \"bind\", source: \"$T/cons-$mode/evil-dev\", options: [\"rbind\"]} else . end)")
  mkdir -p "$b/evil-dev/pts"
  ln -s /proc/sys/kernel/hostname "$b/evil-dev/console"
  ln -s pts/ptmx "$b/evil-dev/ptmx"
  "$RECVTTY" "$T/cons-$mode.sock" >/dev/null 2>&1 &
  track_pid $!
  wait_until 5 test -S "$T/cons-$mode.sock" || true
  rt create --console-socket "$T/cons-$mode.sock" --bundle "$b" "cons-$mode"
  check "$mode: a /dev/console that is a symlink gets no terminal bound on it" test "$status" -ne 0
  like "$err" '/dev/console in the container is a symlink' "$mode: the error says why"
  nothing_left "cons-$mode" "$mode: nothing left behind"
done

# process.cwd through a leaked fd of the runtime (CVE-2024-21626): whatever
# the init held open when it entered the cwd, the process never starts
# outside its root.
for n in 3 4 5 6 7 8 9; do
  b=$(mkbundle "cwd-$n" ".process.cwd = \"/proc/self/fd/$n\" | .process.args = [\"sh\", \"-c\", \"pwd; ls ..\"]")
  rt run --bundle "$b" "cwd-$n"
  if [ "$status" -eq 0 ]; then
    unlike "$out" '^/proc/self/fd|^\(unreachable\)' "cwd /proc/self/fd/$n: the process runs inside its root ($out)"
  else
    pass "cwd /proc/self/fd/$n: refused ($err)"
  fi
  nothing_left "cwd-$n" "cwd /proc/self/fd/$n: nothing left behind"
done

# The default masked and read-only paths of `spec` really are: of those
# this kernel has, the files read empty, the directories list nothing, and
# /proc/sys cannot be written.
script='for p in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do [ -e "$p" ] && echo "$p $(cat "$p" | wc -c)"; done
for d in /sys/firmware /proc/acpi /proc/scsi; do [ -d "$d" ] && echo "$d $(ls -A "$d" | wc -l)"; done
echo x > /proc/sys/kernel/domainname 2>/dev/null && echo sys-writable || echo sys-ro'
b=$(mkbundle masks ".process.args = $(args_json sh -c "$script")")
rt run --bundle "$b" masks
want=$(for p in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do [ -e "$p" ] && echo "$p 0"; done
       for d in /sys/firmware /proc/acpi /proc/scsi; do [ -d "$d" ] && echo "$d 0"; done; echo sys-ro)
is "$(tr -s ' ' <<<"$out")" "$want" "the default maskedPaths this kernel has read empty, and /proc/sys is read-only"

# Only stdio reaches the container's init process.
b=$(mkbundle fds '.process.args = ["sh", "-c", "ls /proc/self/fd | sort -n | tr \"\\n\" \" \""]')
rt run --bundle "$b" fds
is "$out" "0 1 2 3 " "the container process has only stdio open (3 is ls's own directory)"

done_testing
