#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# One-line runs on the desktop: --socket (x11, wayland, pulseaudio,
# pipewire, session-bus), --gui, --device and --gpu, against real servers
# this file starts itself, headless (Xvfb, weston's headless backend,
# PulseAudio with a null sink, PipeWire, dbus-daemon --session), each
# stopped by its pid.  They listen in an XDG_RUNTIME_DIR of the test's own.
# The container's root, $BOX, has the host's /usr bound read-only and
# nothing else of the host's: a socket is there only when uctr binds it.
# uctr-only: runc has no one-line mode.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

uctr_only "one-line runs on the desktop" || { done_testing; exit 0; }

# The servers and clients, from Debian's packages (tests/setup.sh installs them).
missing=''
for tool in Xvfb xauth xsetroot xwd weston wayland-info pulseaudio pactl pipewire pw-cli dbus-daemon dbus-send gdbus; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  why="missing:$missing (tests/setup.sh installs xvfb x11-xserver-utils x11-apps xauth weston wayland-utils pulseaudio pulseaudio-utils pipewire-bin dbus-daemon dbus-bin libglib2.0-bin)"
  [ -z "${CI:-}" ] || bail_out "$why"
  echo "1..0 # SKIP $why"
  exit 0
fi

# Nothing of the caller's own session leaks in: each socket comes from here.
unset DISPLAY XAUTHORITY WAYLAND_DISPLAY PULSE_SERVER PULSE_RUNTIME_PATH PIPEWIRE_REMOTE PIPEWIRE_RUNTIME_DIR \
  DBUS_SESSION_BUS_ADDRESS
RUN=$T/run
mkdir -m 0700 "$RUN" "$T/home"
export XDG_RUNTIME_DIR=$RUN

BOX=$T/box
mkdir -p "$BOX/usr" "$BOX/etc" "$BOX/tmp"
box_binds=(--bind /usr:/usr:ro)
for d in bin sbin lib lib32 lib64 libx32; do
  if [ -L "/$d" ]; then
    ln -s "$(readlink "/$d")" "$BOX/$d"
  elif [ -d "/$d" ]; then
    mkdir "$BOX/$d"
    box_binds+=(--bind "/$d:/$d:ro")
  fi
done
cp /etc/ld.so.cache /etc/passwd /etc/group "$BOX/etc/"

# box ARGS... -- COMMAND: a one-line run in $BOX.
box () { rt run --rootfs "$BOX" --network none "${box_binds[@]}" "$@"; }

# The servers this file started, stopped (TERM, then lib.sh's KILL) even when it fails.
servers=()
cleanup_hook ()
{
  local p
  for p in "${servers[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${servers[@]}"; do wait_until 5 dead "$p" || true; done
}

# start_server NAME READY CMD...: starts CMD (output in $T/NAME.log) with its
# home in $T/home; true once READY, a test command, passes within 10 s.
start_server ()
{
  local name=$1 ready=$2
  shift 2
  HOME=$T/home "$@" >"$T/$name.log" 2>&1 &
  server_pid=$!
  servers+=("$server_pid")
  track_pid "$server_pid"
  if ! wait_until 10 eval "alive $server_pid && $ready"; then
    diag "$name did not start: $(tail -n 20 "$T/$name.log")"
    return 1
  fi
}

stop_server () { kill -TERM "$1" 2>/dev/null; wait_until 5 dead "$1" || true; }

# The colour of the X screen's top-left pixel as RRGGBB, from `xwd -root` on stdin.
xwd_pixel ()
{
  python3 -c '
import struct, sys
d = sys.stdin.buffer.read()
h = struct.unpack(">25I", d[:100])
size, order, bpp, ncolors, masks = h[0], h[7], h[11], h[19], h[14:17]
px = int.from_bytes(d[size + 12 * ncolors:][: bpp // 8], "little" if order == 0 else "big")
print("".join("%02x" % ((px & m) // (m & -m)) for m in masks))'
}

# --- X11 -------------------------------------------------------------------

# A display with a cookie (its hostname entry, as xauth writes for ":N"),
# so that a client gets in only with XAUTHORITY and the host's hostname.
start_xvfb ()
{
  local n
  for n in $(seq 90 190); do
    [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ] && continue
    rm -f "$T/xauth"
    xauth -q -f "$T/xauth" add ":$n" . "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" 2>/dev/null
    if start_server xvfb "test -S /tmp/.X11-unix/X$n" Xvfb ":$n" -auth "$T/xauth" -nolisten tcp -noreset -screen 0 64x48x24; then
      X_DISPLAY=:$n
      return 0
    fi
    stop_server "$server_pid"
  done
  return 1
}

start_xvfb || bail_out "Xvfb did not start: $(tail -n 5 "$T/xvfb.log")"
xvfb_pid=$server_pid
export DISPLAY=$X_DISPLAY XAUTHORITY=$T/xauth
check "the test's X server takes its own client (xsetroot on the host)" xsetroot -solid '#0000ff'

box --name x0 -e DISPLAY -e XAUTHORITY -- xsetroot -solid '#ff0000'
like "$status $err" "^[1-9] .*(unable to open display|Can't open display)" \
  "without --socket=x11 the display's socket is not in the container"
box --socket=x11 -- sh -c 'echo "$DISPLAY $XAUTHORITY"; xsetroot -solid "#ff0000"'
is "$status/$out" "0/$X_DISPLAY $T/xauth" "--socket=x11: DISPLAY and XAUTHORITY set, and the client gets in"
is "$(xwd -root -silent | xwd_pixel)" ff0000 "the screen the host sees is the colour the container painted"
box --socket=x11 -- sh -c 'hostname; readlink /proc/self/ns/ipc'
is "$out" "$(printf '%s\n%s' "$(hostname)" "$(readlink /proc/self/ns/ipc)")" \
  "--socket=x11: the host's hostname (X11 cookies are keyed by it) and IPC namespace (MIT-SHM)"
box --socket=x11 -e DISPLAY=:7 -- sh -c 'echo "$DISPLAY"'
is "$out" ":7" "--socket=x11 with -e DISPLAY=...: the user's value wins"
box --socket=x11 --hostname elsewhere -- xsetroot -solid '#00ff00'
like "$status ${err//$'\n'/ }" "^[1-9] .*Authorization required.*unable to open display" \
  "with --hostname, the host's cookie no longer matches: the server refuses the client"
is "$(xwd -root -silent | xwd_pixel)" ff0000 "and the screen did not change"

DISPLAY='' box --socket=x11 -- true
like "$status $err" "^1 uctr: --socket=x11: DISPLAY is not set" "--socket=x11 without DISPLAY: refused, naming it"
DISPLAY=:4000 box --socket=x11 -- true
like "$status $err" "^1 uctr: --socket=x11: /tmp/.X11-unix/X4000 \(from DISPLAY\): No such file or directory" \
  "--socket=x11 with no server there: refused, naming the socket and DISPLAY"
DISPLAY=somehost:0 box --socket=x11 -- true
like "$err" "DISPLAY=somehost:0 is not a local display" "--socket=x11: a display over TCP is refused"
stop_server "$xvfb_pid"
unset DISPLAY XAUTHORITY

# --- Wayland ---------------------------------------------------------------

echo not-for-the-container >"$RUN/host-only"
start_server weston "test -S '$RUN/uctr-wl'" weston --backend=headless-backend.so --socket=uctr-wl --idle-time=0 \
  --no-config || bail_out "weston did not start"
weston_pid=$server_pid
WAYLAND_DISPLAY=uctr-wl box --name w1 --socket=wayland -- sh -c \
  'echo "$XDG_RUNTIME_DIR $WAYLAND_DISPLAY $(id -u)"; ls -A "$XDG_RUNTIME_DIR"; touch "$XDG_RUNTIME_DIR/mine" && wayland-info'
like "$status" '^0$' "--socket=wayland: wayland-info runs against the host's compositor"
is "$(sed -n 1,2p <<<"$out")" "$(printf '%s uctr-wl 0\nuctr-wl' "$RUN")" \
  "XDG_RUNTIME_DIR is the host's path, private: the socket only, writable (and no keep-id: compositors ask no uid)"
like "$out" "interface: 'wl_compositor'" "the compositor's globals are listed"
if [ -e "$RUN/mine" ]; then
  fail "what the container wrote in its XDG_RUNTIME_DIR stays there"
else
  pass "what the container wrote in its XDG_RUNTIME_DIR stays there"
fi
WAYLAND_DISPLAY=nosuch box --socket=wayland -- true
like "$status $err" "^1 uctr: --socket=wayland: $RUN/nosuch \(from XDG_RUNTIME_DIR, WAYLAND_DISPLAY\): No such file" \
  "--socket=wayland with no compositor there: refused, naming the variables"
XDG_RUNTIME_DIR='' box --socket=wayland -- true
like "$status $err" "^1 uctr: --socket=wayland: XDG_RUNTIME_DIR is not set" \
  "--socket=wayland without XDG_RUNTIME_DIR: refused, naming it"
stop_server "$weston_pid"

# --- PulseAudio and PipeWire -------------------------------------------------

start_server pulseaudio "test -S '$RUN/pulse/native'" pulseaudio --daemonize=no -n -F /dev/null --use-pid-file=no \
  --exit-idle-time=-1 -L module-native-protocol-unix -L 'module-null-sink sink_name=uctr_null' \
  || bail_out "pulseaudio did not start"
pulse_pid=$server_pid
box --name p1 --socket=pulseaudio -- sh -c 'id -u; echo "$PULSE_SERVER"; pactl info'
is "$status/$(sed -n 1,2p <<<"$out")" "0/$(printf '%s\nunix:%s' "$MY_UID" "$RUN/pulse/native")" \
  "--socket=pulseaudio: PULSE_SERVER, and the caller's uid inside (keep-id implied)"
like "$out" "Default Sink: uctr_null" "pactl info reaches the server and its null sink"
stop_server "$pulse_pid"

start_server pipewire "test -S '$RUN/pipewire-0'" pipewire || bail_out "pipewire did not start"
pipewire_pid=$server_pid
box --name pw1 --socket=pipewire -- sh -c 'echo "$PIPEWIRE_RUNTIME_DIR"; pw-cli info 0'
is "$status/$(sed -n 1p <<<"$out")" "0/$RUN" "--socket=pipewire: PIPEWIRE_RUNTIME_DIR"
like "$out" 'name: "pipewire-0"' "pw-cli reaches the PipeWire daemon"
stop_server "$pipewire_pid"

# --- the session bus ---------------------------------------------------------

# On a path a D-Bus address must escape (the space).
mkdir "$T/session bus"
start_server dbus "test -S '$T/session bus/socket'" dbus-daemon --session --nofork \
  --address="unix:path=$T/session%20bus/socket" || bail_out "dbus-daemon did not start"
dbus_pid=$server_pid
export DBUS_SESSION_BUS_ADDRESS="unix:path=$T/session%20bus/socket,guid=ignored"
bus_id=$(gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
  --method org.freedesktop.DBus.GetId)
box --name b1 --socket=session-bus -- sh -c 'gdbus call --session --dest org.freedesktop.DBus \
  --object-path /org/freedesktop/DBus --method org.freedesktop.DBus.GetId;
  dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.GetId'
is "$status/$(sed -n 1p <<<"$out")" "0/$bus_id" "--socket=session-bus: gdbus call reaches the host's bus"
like "$(sed -n 2p <<<"$out")" "${bus_id:2:32}" \
  "and libdbus's client too, whose EXTERNAL authentication needs the caller's uid (keep-id implied)"
nothing_left b1 "--socket leaves nothing behind (the private XDG_RUNTIME_DIR, the binds)"
DBUS_SESSION_BUS_ADDRESS=unix:abstract=/tmp/dbus-uctr-test box --socket=session-bus -- true
like "$status $err" "^1 uctr: --socket=session-bus: DBUS_SESSION_BUS_ADDRESS=unix:abstract=/tmp/dbus-uctr-test is an abstract socket, which only the host's network namespace reaches" \
  "an abstract D-Bus socket: refused, saying why"

# --- --gui: what the host has, one warning for the rest ------------------------

box --name g1 --gui -- sh -c 'echo "$DBUS_SESSION_BUS_ADDRESS ${WAYLAND_DISPLAY-none}"'
is "$status/$out" "0/unix:path=$T/session%20bus/socket none" "--gui: the session bus the host has, no Wayland"
is "$(grep -c warning <<<"$err")" 1 "--gui: one warning for what the host lacks"
like "$err" "--gui: left out what this host lacks: wayland: .*; x11: DISPLAY is not set.*; pulseaudio: " \
  "which names each socket left out and why"
stop_server "$dbus_pid"
unset DBUS_SESSION_BUS_ADDRESS

box --socket=bogus -- true
like "$err" "--socket=bogus: expected wayland, x11, pulseaudio, pipewire or session-bus" "--socket: an unknown name"
rt run --bundle "$T" --gui box1
like "$status $err" "^1 uctr: --gui goes with an image or --rootfs" "run of a bundle refuses --gui"

# --- devices -------------------------------------------------------------------

box --device /dev/net --device /dev/net/tun:/dev/tun0:rwm -- sh -c \
  'stat -c "%n %t:%T %a" /dev/net/tun /dev/tun0; : <>/dev/tun0 && echo opened'
is "$status/$out" "0/$(printf '/dev/net/tun a:c8 666\n/dev/tun0 a:c8 666\nopened')" \
  "--device DIR and HOST:DEST:rwm: the nodes with the host's mode, usable"
loop=/dev/loop0
if [ -b "$loop" ] && ! [ -r "$loop" ]; then
  box --device "$loop" -- sh -c "head -c 1 $loop >/dev/null"
  like "$status $err" "^1 .*Permission denied" "--device: a node the caller cannot read on the host stays closed to the container's root"
else
  skip "--device: a node the caller cannot read stays closed" "no /dev/loopN unreadable to $MY_USER"
fi
box --name d1 --device /dev/net/tun:r -- true
like "$status $err" "^1 uctr: --device /dev/net/tun:r: uctr cannot limit a device to r" "--device HOST:r is refused"
nothing_left d1 "a refused flag leaves nothing behind"
box --device /etc/hostname -- true
like "$err" "--device /etc/hostname: /etc/hostname is not a device node" "--device on a file that is no device"
box --device /dev/nosuch -- true
like "$err" "--device /dev/nosuch: No such file or directory" "--device on a missing path"

if [ -d /dev/dri ]; then
  box --gpu -- ls /dev/dri
  is "$status/$out" "0/$(ls /dev/dri)" "--gpu: the host's /dev/dri"
else
  box --gpu -- true
  like "$status $err" "^1 uctr: --gpu: this host has no GPU device nodes" "--gpu on a host without a GPU: refused"
fi

done_testing
