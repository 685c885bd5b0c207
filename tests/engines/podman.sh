#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# Rootless podman with uctr as its runtime (--runtime), on an image made from
# the test rootfs (no registry). Its storage, run dir and tmp dir are the
# test's own; on exit every container goes, the store is reset and podman's
# pause process is stopped by its pid. Runs as the unprivileged test user.
# Needs podman, slirp4netns and catatonit (tests/check installs them).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

command -v podman >/dev/null || bail_out "podman is not installed (apt-get install podman)"
: "${OCI_IMAGE:?OCI_IMAGE must name tests/engines/oci-image.py (meson test sets it)}"

IMAGE=localhost/uctr-busybox:latest
PODMAN=(podman --root "$T/storage" --runroot "$T/run" --tmpdir "$T/tmp" --runtime "$RT"
        --cgroup-manager cgroupfs --events-backend file)
mkdir -p "$T/tmp" "$T/run"

# pm ARGS...: podman with our stores and runtime; sets status, out, err.
pm ()
{
  _last_call="podman $*"
  status=0
  out=$(timeout -k 5 120 "${PODMAN[@]}" "$@" 2>"$T/.pm.err" </dev/null) || status=$?
  err=$(cat "$T/.pm.err")
}

cleanup_hook ()
{
  local pause
  timeout 60 "${PODMAN[@]}" rm -af -t 0 >/dev/null 2>&1
  timeout 60 "${PODMAN[@]}" system reset --force >/dev/null 2>&1
  pause=$(cat "$T/tmp/pause.pid" "$T/run/libpod/tmp/pause.pid" 2>/dev/null | head -n1)
  [ -n "$pause" ] && kill -KILL "$pause" 2>/dev/null
  true
}

python3 "$OCI_IMAGE" "$ROOTFS" "$T/image.tar" "$IMAGE"
pm load -i "$T/image.tar"
is "$status" 0 "podman load of the test image"

# --- run, exit codes, detached, logs, stop, rm ---------------------------------------
pm run --rm "$IMAGE" id
like "$status/$out" "^0/uid=0\(root\) gid=0\(root\)" "run --rm IMAGE id"
pm run --rm "$IMAGE" sh -c 'exit 7'
is "$status" 7 "the exit status of the container's process"

pm run -d --name d1 "$IMAGE" sh -c 'echo hello-log; echo to-stderr >&2; trap "exit 0" TERM; while :; do sleep 0.1; done'
is "$status" 0 "run -d"
wait_until 10 sh -c "$(printf '%q ' "${PODMAN[@]}") logs d1 2>&1 | grep -q to-stderr" || true
pm logs d1
is "$out" "hello-log" "logs: the container's stdout"
is "$err" "to-stderr" "logs: its stderr, and nothing of the runtime's"
pm ps --format '{{.Names}} {{.Status}}'
like "$out" '^d1 Up' "ps lists it as up"
pm top d1
like "$out" 'sh -c echo hello-log' "top (ps through the runtime) shows its process"

# --- exec ------------------------------------------------------------------------------------
pm exec d1 sh -c 'echo in-exec; exit 4'
is "$status/$out" "4/in-exec" "exec and its exit status"
pm exec --user 1000:1000 -e FOO=bar d1 sh -c 'id -u; echo $FOO'
is "$out" "$(printf '1000\nbar')" "exec --user -e"
o=$(timeout 60 script -qec "$(printf '%q ' "${PODMAN[@]}") exec -it d1 sh -c 'tty; echo exec-tty'" /dev/null | tr -d '\r\0')
like "$o" '/dev/pts/[0-9]+' "exec -it: a pty"
like "$o" 'exec-tty' "exec -it: its output"

# --- pause where cgroups allow ------------------------------------------------------------------
pm pause d1
if [ "$status" -eq 0 ]; then
  pm inspect --format '{{.State.Status}}' d1
  is "$out" paused "pause"
  pm unpause d1
  is "$status" 0 "unpause"
else
  like "$err" 'cgroup' "pause: refused by podman itself where this user has no cgroup ($err)"
fi

pm stop -t 5 d1
is "$status" 0 "stop (SIGTERM, handled)"
pm inspect --format '{{.State.ExitCode}}' d1
is "$out" 0 "the exit code after stop"
pm rm d1
is "$status" 0 "rm"
nothing_left d1 "nothing of it is left in uctr's state"

# --- a terminal -----------------------------------------------------------------------------------
# podman attaches while it starts the container; a process that ends at
# once can beat the attach (runc too): this one waits a moment.
o=$(timeout 60 script -qec "$(printf '%q ' "${PODMAN[@]}") run -it --rm $IMAGE sh -c 'tty; sleep 0.5; echo run-tty'" /dev/null | tr -d '\r\0')
like "$o" '/dev/pts/[0-9]+' "run -it: the process has a pty"
like "$o" 'run-tty' "run -it: its output reaches the terminal"

# --- the usual options ------------------------------------------------------------------------------
pm run --rm --user 1000:1000 "$IMAGE" id -u
is "$out" 1000 "--user"
pm run --rm --cap-drop all "$IMAGE" grep CapEff /proc/self/status
like "$out" 'CapEff:[[:space:]]+0000000000000000' "--cap-drop all"
pm run --rm --read-only "$IMAGE" sh -c 'touch /x 2>/dev/null && echo writable || echo read-only'
is "$out" read-only "--read-only"
mkdir -p "$T/vol"
echo vol-data >"$T/vol/f"
pm run --rm -v "$T/vol:/vol" "$IMAGE" sh -c 'cat /vol/f; echo new >/vol/g'
is "$out" vol-data "-v: a bind mount"
is "$(cat "$T/vol/g" 2>/dev/null)" new "-v: written through"
pm run --rm --userns=keep-id "$IMAGE" id -u
is "$out" "$MY_UID" "--userns=keep-id"
pm run --rm --network none "$IMAGE" sh -c 'ls /sys/class/net | tr "\n" " "'
is "$out" "lo " "--network none: lo only"
pm run --rm --network slirp4netns "$IMAGE" sh -c 'ip -4 addr show tap0 | grep -o "inet [0-9./]*"'
is "$out" "inet 10.0.2.100/24" "--network slirp4netns: tap0"
pm run --rm --init "$IMAGE" sh -c 'tr "\0" " " </proc/1/cmdline'
like "$out" 'init' "--init: an init as pid 1"

# --- a published port ---------------------------------------------------------------------------------
port=$((20000 + RANDOM % 20000))
mkdir -p "$T/www"
echo published-page >"$T/www/index.html"
pm run -d --name web -v "$T/www:/www" -p "127.0.0.1:$port:80" "$IMAGE" httpd -f -p 80 -h /www
is "$status" 0 "run -d -p"
got=''
for _ in $(seq 50); do
  got=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=2).read().decode().strip())' "$port" 2>/dev/null) && break
  sleep 0.2
done
is "$got" published-page "-p: the published port reaches the container"
pm rm -f -t 0 web
is "$status" 0 "rm -f"

done_testing
