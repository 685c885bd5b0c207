#!/bin/bash
# What the container init holds when it is about to exec the process: a
# created container's init waits on exec.fifo with exactly what it will
# still hold at execve. Only root can look into /proc/PID/fd of that init
# (it is not dumpable), so tests/check runs this file as root, for a
# rootless container of the test user and for a container of root's own.
# The init may hold stdio, its end of exec.fifo (a fifo), the executable
# it found (a regular file of the container's root) and, the build tree's
# binary being one the containers' ids could write, the exec trampoline's
# sealed memfd (CVE-2019-5736): no directory, nothing else of the host
# (CVE-2024-21626).
LIB_AS_ROOT=1
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ "$MY_UID" -eq 0 ] || { echo "1..0 # SKIP reading the init's fds needs root (tests/check runs this as root)"; exit 0; }

# The build tree's owner is the unprivileged user the suite runs as.
USER_NAME=$(stat -c %U "$UCTR")
chmod 0711 "$T"

# check_init_fds WHAT BUNDLE PID: every fd of the init but stdio is the fifo,
# the executable (the file the container would run) or the trampoline.
check_init_fds ()
{
  local what=$1 bundle=$2 pid=$3 fd n others=() exe_ino dmz=0
  exe_ino=$(stat -L -c %i "$bundle/rootfs/bin/busybox")
  for fd in /proc/"$pid"/fd/*; do
    n=${fd##*/}
    [ "$n" -le 2 ] && continue
    if [[ $(readlink "$fd") == "/memfd:uctr-dmz (deleted)" ]] && [ -f "$fd" ] && [ -x "$fd" ]; then
      dmz=$((dmz + 1))
    elif [ -d "$fd" ]; then
      others+=("$n: a directory, $(readlink "$fd")")
    elif [ -p "$fd" ]; then
      [[ $(readlink "$fd") == */exec.fifo* ]] || others+=("$n: a pipe that is not exec.fifo, $(readlink "$fd")")
    elif [ "$(stat -L -c %i "$fd")" != "$exe_ino" ]; then
      others+=("$n: $(readlink "$fd")")
    fi
  done
  if [ ${#others[@]} -eq 0 ]; then
    pass "$what: the init holds stdio, exec.fifo, the executable and the trampoline only ($(ls "/proc/$pid/fd" | sort -n | tr '\n' ' '))"
  else
    fail "$what: the init holds something else of the host" "${others[@]}"
  fi
  is "$dmz" 1 "$what: the exec trampoline's memfd, the build tree's uctr being one the container could write"
  is "$(ls "/proc/$pid/fd" | wc -l)" 6 "$what: six fds in all"
}

# The test user's container: a bundle of its own, its own --root.
ub=$T/user
install -d -o "$USER_NAME" "$ub" "$ub/root"
cp -a "$ROOTFS" "$ub/rootfs"
chown -R "$USER_NAME" "$ub/rootfs"
as_test_user () { runuser -u "$USER_NAME" -- env -C "$ub" UCTR_TEST_TAG="$T" "$@"; }
as_test_user "$UCTR" spec --rootless >/dev/null
jq '.process.args = ["sleep", "600"] | .process.terminal = false' "$ub/config.json" >"$ub/c.json"
mv "$ub/c.json" "$ub/config.json"
chown "$USER_NAME" "$ub/config.json"
status=0
as_test_user timeout -k 5 "$CALL_TIMEOUT" "$UCTR" --root "$ub/root" create --bundle "$ub" u1 </dev/null >/dev/null 2>"$T/u.err" \
  || status=$?
is "$status" 0 "rootless: created ($(cat "$T/u.err"))"
pid=$(as_test_user "$UCTR" --root "$ub/root" state u1 | jq -r .pid)
check_init_fds rootless "$ub" "$pid"
as_test_user "$UCTR" --root "$ub/root" delete --force u1

# Root's own container, no user namespace.
b=$(mkbundle root-own --map keep '.process.args = ["sleep", "600"] | del(.linux.uidMappings, .linux.gidMappings)
  | .linux.namespaces |= map(select(.type != "user")) | del(.annotations["uctr.network"])')
rt create --bundle "$b" r1
is "$status" 0 "as root: created ($err)"
pid=$("$RT" --root "$R" state r1 | jq -r .pid)
check_init_fds "as root" "$b" "$pid"
rt delete --force r1

nothing_left r1 "nothing is left behind"
done_testing
