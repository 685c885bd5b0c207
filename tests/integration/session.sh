#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# Session services: NOTIFY_SOCKET (a Type=notify unit's READY=1 comes from the
# container, with its init as MAINPID) and socket activation (LISTEN_FDS fds
# reach the container's process, LISTEN_PID names it).  The test plays
# systemd: it owns the notify socket and the listening socket.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

: "${SDTOOL:?SDTOOL must name the sdtool helper (meson test sets it)}"

# sdbundle NAME JQ-FILTER: a bundle whose root holds sdtool.
sdbundle ()
{
  local b
  b=$(mkbundle "$@")
  cp "$SDTOOL" "$b/rootfs/bin/sdtool"
  printf '%s\n' "$b"
}

# listen_notify FILE: a datagram socket at $T/notify.sock standing in for
# systemd's; every message it gets is appended to FILE, then "--".
listen_notify ()
{
  python3 - "$T/notify.sock" "$1" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(600)  # killed at the end (track_pid); a gap this long is a hang
with open(sys.argv[2], "a") as out:
    while True:
        try:
            msg = s.recv(4096)
        except socket.timeout:
            break
        out.write(msg.decode() + "--\n")
        out.flush()
PY
  notify_pid=$!
  track_pid "$notify_pid"
  wait_until 5 test -S "$T/notify.sock"
}

# --- NOTIFY_SOCKET ----------------------------------------------------------------------
listen_notify "$T/got"
export NOTIFY_SOCKET=$T/notify.sock
b=$(sdbundle notify '.process.args = ["sh", "-c", "echo $NOTIFY_SOCKET >/sock-env; sdtool notify STATUS=warming; sleep 0.3; sdtool notify \"READY=1\nMAINPID=1\"; exec sleep 1000"]')
rt run -d --bundle "$b" notify
status_is 0 "run -d with NOTIFY_SOCKET returns"
pid=$(pid_of notify)
check "run -d returned after READY=1 reached the caller's socket" grep -q '^READY=1$' "$T/got"
is "$(cat "$b/rootfs/sock-env" 2>/dev/null)" /run/notify/notify.sock "the container's NOTIFY_SOCKET points to the socket bound into it"
like "$(cat "$T/got")" 'STATUS=warming' "messages before READY=1 are forwarded too"
like "$(sed -n '/^READY=1$/,/^--$/p' "$T/got")" "MAINPID=$pid" "READY=1 comes with MAINPID = the container's init (host pid $pid)"
unlike "$(cat "$T/got")" 'MAINPID=1$' "the container's own MAINPID (a pid of its namespace) is dropped"
rt delete --force notify

: >"$T/got"
b=$(sdbundle notify2 '.process.args = ["sh", "-c", "sleep 0.2; sdtool notify READY=1; exec sleep 1000"]')
rt create --bundle "$b" notify2
is "$(cat "$T/got")" "" "create forwards nothing: the process has not run"
rt start notify2
status_is 0 "start with NOTIFY_SOCKET"
check "start returns once READY=1 has been forwarded" grep -q '^READY=1$' "$T/got"
like "$(cat "$T/got")" "MAINPID=$(pid_of notify2)" "with the init's pid"
rt delete --force notify2

: >"$T/got"
b=$(sdbundle notify3 '.process.args = ["sh", "-c", "sdtool notify READY=1; sleep 0.2; sdtool notify STOPPING=1"]')
rt run --bundle "$b" notify3
status_is 0 "run in the foreground with NOTIFY_SOCKET"
check "READY=1 forwarded" grep -q '^READY=1$' "$T/got"
check "and later messages too (STOPPING=1)" grep -q '^STOPPING=1$' "$T/got"
nothing_left notify3 "nothing left behind"

# --- --sdnotify (podman's spelling): who says READY=1 ------------------------------------
# got_mark: sends MARK=1 ourselves and waits for it: what the listener got
# before it is all it will get of what came before.
got_mark ()
{
  NOTIFY_SOCKET=$T/notify.sock "$SDTOOL" notify $'MARK=1\n'
  wait_until 10 grep -q '^MARK=1$' "$T/got"
}
if uctr_only "--sdnotify"; then
  cp -a "$ROOTFS" "$T/r1"
  cp "$SDTOOL" "$T/r1/bin/sdtool"
  SEES='echo "${NOTIFY_SOCKET:-unset} $(test -e /run/notify && echo mounted || echo none)"'

  : >"$T/got"
  UCTR_TEST_TAG=$T "$RT" --root "$R" run --sdnotify=conmon --rootfs "$T/r1" --network none --name conmon1 -- \
    sh -c "$SEES; sleep 0.5" </dev/null >"$T/conmon1.out" 2>&1 &
  upid=$!
  track_pid "$upid"
  check "--sdnotify=conmon, one-line: uctr says READY=1 once the container has started" \
    wait_until 10 grep -q '^READY=1$' "$T/got"
  like "$(cat "$T/got")" "^MAINPID=$upid\$" "with MAINPID = uctr run, which stays (as podman names conmon)"
  wait_until 10 dead "$upid" || true
  is "$(cat "$T/conmon1.out")" "unset none" "the container gets neither NOTIFY_SOCKET nor its mount"
  nothing_left conmon1 "nothing left behind"

  : >"$T/got"
  b=$(sdbundle conmon2 '.process.args = ["sleep", "1000"]')
  rt run -d --sdnotify=conmon --bundle "$b" conmon2
  status_is 0 "--sdnotify=conmon, run -d with a bundle (what uctr@.service runs)"
  check "READY=1 from uctr" wait_until 10 grep -q '^READY=1$' "$T/got"
  like "$(cat "$T/got")" "^MAINPID=$(pid_of conmon2)\$" "with MAINPID = the container's init, which stays"
  rt delete --force conmon2

  : >"$T/got"
  b=$(sdbundle ignore "$(printf '.process.args = ["sh", "-c", %s]' "$(jq -Rn --arg s "$SEES; sdtool notify READY=1" '$s')")")
  rt run --sdnotify=ignore --bundle "$b" ignore
  is "$status/$out" "1/unset none" "--sdnotify=ignore: the container gets neither NOTIFY_SOCKET nor its mount"
  got_mark
  is "$(cat "$T/got")" "MARK=1
--" "and nothing reaches the socket"

  : >"$T/got"
  b=$(sdbundle container '.process.args = ["sdtool", "notify", "READY=1"]')
  rt run --sdnotify=container --bundle "$b" container
  status_is 0 "--sdnotify=container: the container's own READY=1 (the default)"
  got_mark
  like "$(sed -n '1,/^--$/p' "$T/got")" '^READY=1$' "is forwarded"

  rt run --sdnotify=bogus --bundle "$b" bogus
  like "$status $err" '^[1-9][0-9]* uctr: --sdnotify: expected container, conmon or ignore, not "bogus"' \
    "--sdnotify with another word names the three"
  nothing_left bogus "and leaves nothing behind"
fi
unset NOTIFY_SOCKET

b=$(sdbundle nonotify '.process.args = ["sh", "-c", "echo ${NOTIFY_SOCKET:-unset}; test -e /run/notify && echo mounted || echo none"]')
rt run --bundle "$b" nonotify
is "$out" "$(printf 'unset\nnone')" "without NOTIFY_SOCKET the container gets neither the variable nor the mount"

# --- socket activation ----------------------------------------------------------------------
# activated NAME BUNDLE: run BUNDLE as systemd would after a connection came
# in: a listening socket as fd 3, LISTEN_FDS=1, LISTEN_PID=uctr's pid. Prints
# what the container's process answered.
activated ()
{
  python3 - "$RT" "$R" "$1" "$2" <<'PY'
import os, socket, subprocess, sys, time
rt, root, name, bundle = sys.argv[1:]
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
port = ls.getsockname()[1]
pid = os.fork()
if pid == 0:
    # ls may be fd 3 already, close-on-exec: dup2 onto itself would keep that.
    os.dup2(os.dup(ls.fileno()), 3)
    env = dict(os.environ, LISTEN_FDS="1", LISTEN_PID=str(os.getpid()), LISTEN_FDNAMES="web")
    os.execve(rt, [rt, "--root", root, "run", "--bundle", bundle, name], env)
ls.close()
c = socket.create_connection(("127.0.0.1", port), timeout=20)
c.settimeout(20)
print(c.recv(4096).decode().strip())
os.waitpid(pid, 0)
PY
}
b=$(sdbundle act '.process.args = ["sdtool", "accept"]')
is "$(activated act "$b" 2>&1)" "LISTEN_FDS=1 LISTEN_PID=1 pid=1" \
  "socket activation: fd 3 reaches the container's process, LISTEN_PID is its pid (1 in its pid namespace)"
nothing_left act "nothing left behind"

b=$(sdbundle act2 'del(.linux.namespaces[] | select(.type == "pid")) | .process.args = ["sdtool", "accept"]')
got=$(activated act2 "$b" 2>&1)
like "$got" '^LISTEN_FDS=1 LISTEN_PID=([0-9]+) pid=\1$' "without a pid namespace LISTEN_PID is the process's host pid"
unlike "$got" 'LISTEN_PID=1 ' "(not 1)"
nothing_left act2 "nothing left behind"

b=$(sdbundle noact '.process.args = ["sh", "-c", "echo ${LISTEN_FDS:-unset}; ls /proc/self/fd | tr \"\n\" \" \""]')
export LISTEN_FDS=1 LISTEN_PID=1
rt run --bundle "$b" noact 3</dev/null
unset LISTEN_FDS LISTEN_PID
is "$out" "unset
0 1 2 3 " "LISTEN_PID naming another process: nothing is passed on"

# --- uctr@.service, for real ------------------------------------------------------------
# The built unit in the test's own systemd user instance (tests/check as root
# starts one: cgroup v2 mounted over /sys/fs/cgroup in its mount namespace,
# which hides /sys/fs/cgroup/unified on this hybrid host), with this uctr and
# a bundle of the test's: Type=notify starts a container that never says
# READY=1 itself, in a cgroup below the unit's.
SDR=${UCTR_TEST_SYSTEMD_RUNTIME:-}
sdctl () { XDG_RUNTIME_DIR=$SDR timeout -k 5 60 systemctl --user "$@"; }
UNIT_NAME=t${T##*.}
cleanup_hook ()
{
  [ -n "$SDR" ] || return 0
  sdctl stop "uctr@$UNIT_NAME" >/dev/null 2>&1
  "$RT" --root "$SDR/uctr" delete --force "$UNIT_NAME" >/dev/null 2>&1
  rm -f "$SDR/systemd/user/uctr@.service"
  sdctl daemon-reload >/dev/null 2>&1
}
if [ -z "$SDR" ]; then
  skip "uctr@.service under systemd --user" "no instance runs (tests/check as root starts one)"
elif uctr_only "uctr@.service with this uctr"; then
  mkdir -p "$SDR/systemd/user"
  sed -E -e "s#^(Exec[A-Za-z]*=-?)[^ ]*/uctr #\1$RT #" -e "s#%h/.local/share/uctr/bundles#$T/bundles#" \
    "${USER_UNIT:?USER_UNIT must name the built unit (meson test sets it)}" >"$SDR/systemd/user/uctr@.service"
  mkdir -p "$T/bundles"
  mkbundle "bundles/$UNIT_NAME" '.process.args = ["sh", "-c", "trap \"exit 0\" TERM; while :; do sleep 0.1; done"]' \
    >/dev/null
  sdctl daemon-reload
  sdctl start "uctr@$UNIT_NAME" && rc=0 || rc=$?
  is "$rc" 0 "systemctl --user start uctr@NAME: the unit comes up (uctr says READY=1)"
  is "$(sdctl is-active "uctr@$UNIT_NAME")" active "it is active"
  is "$(R=$SDR/uctr state_of "$UNIT_NAME")" running "its container runs"
  pid=$(R=$SDR/uctr pid_of "$UNIT_NAME")
  like "$(sed -n 's/^0:://p' "/proc/$pid/cgroup" 2>/dev/null)" "/uctr@$UNIT_NAME\.service/" \
    "in a cgroup below the unit's (the cgroup2 mount that covers the other one)"
  sdctl stop "uctr@$UNIT_NAME" || true
  is "$(sdctl is-active "uctr@$UNIT_NAME")" inactive "systemctl --user stop: the unit stops"
  check "and its container is gone" test ! -e "$SDR/uctr/$UNIT_NAME"
fi

done_testing
