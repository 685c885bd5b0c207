#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# containerd with uctr as its runc (the runc shim's BinaryName, given by
# `ctr run --runc-binary`), as root: the path Kubernetes takes (CRI ->
# containerd -> shim -> runtime) below the CRI. The test starts its own
# containerd, with its root, state and socket in the test's temp dir, on an
# image made from the test rootfs; on exit its tasks, containers and the
# daemon go (by pid), mounts too. tests/check runs it as root.
LIB_AS_ROOT=1
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

[ "$MY_UID" -eq 0 ] || { echo "1..0 # SKIP containerd runs as root (tests/check runs this as root)"; exit 0; }
command -v containerd >/dev/null || bail_out "containerd is not installed (apt-get install containerd)"
: "${OCI_IMAGE:?OCI_IMAGE must name tests/engines/oci-image.py (meson test sets it)}"

IMAGE=localhost/uctr-busybox:latest
SOCK=$T/containerd.sock
ctr_ () { ctr --address "$SOCK" "$@"; }

# c ARGS...: ctr on our daemon; sets status, out, err.
c ()
{
  _last_call="ctr $*"
  status=0
  out=$(timeout -k 5 60 ctr --address "$SOCK" "$@" 2>"$T/.c.err" </dev/null) || status=$?
  err=$(cat "$T/.c.err")
}

daemon=
cleanup_hook ()
{
  local t
  if [ -n "$daemon" ]; then
    for t in $(ctr_ task ls -q 2>/dev/null); do
      timeout 10 ctr --address "$SOCK" task kill -s KILL "$t" >/dev/null 2>&1
      sleep 0.2
      timeout 10 ctr --address "$SOCK" task delete -f "$t" >/dev/null 2>&1
    done
    for t in $(ctr_ container ls -q 2>/dev/null); do
      timeout 10 ctr --address "$SOCK" container rm "$t" >/dev/null 2>&1
    done
    kill -TERM "$daemon" 2>/dev/null
    wait "$daemon" 2>/dev/null
  fi
  true
}

cat >"$T/config.toml" <<EOF
version = 2
root = "$T/ctd-root"
state = "$T/ctd-state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
EOF
containerd --config "$T/config.toml" >"$T/containerd.log" 2>&1 &
daemon=$!
check "containerd starts with its own root, state and socket" wait_until 30 ctr --address "$SOCK" version

python3 "$OCI_IMAGE" "$ROOTFS" "$T/image.tar" "$IMAGE"
c image import "$T/image.tar"
is "$status" 0 "ctr image import of the test image"

RUN=(run --runc-binary "$RT")

# --- run --rm, exit status -------------------------------------------------------------
c "${RUN[@]}" --rm "$IMAGE" t1 sh -c 'id -u; echo hi; exit 3'
is "$status/$out" "$(printf '3/0\nhi')" "ctr run --rm: the output and the exit status"

o=$(timeout 60 script -qec "ctr --address $SOCK run --runc-binary $RT --rm -t $IMAGE t1t sh -c 'tty; echo tty-ok'" /dev/null | tr -d '\r\0')
like "$o" '/dev/pts/[0-9]+' "ctr run -t: a pty"
like "$o" 'tty-ok' "ctr run -t: its output"

# --- run -d, task exec, kill, delete ------------------------------------------------------------
c "${RUN[@]}" -d "$IMAGE" t2 sleep 1000
is "$status" 0 "ctr run -d"
c task ls
like "$out" 't2 +[0-9]+ +RUNNING' "task ls: RUNNING"
pid=$(awk '$1 == "t2" { print $2 }' <<<"$out")

c task exec --exec-id e1 t2 sh -c 'echo in-exec; ps -o args | grep -c "^sleep 1000"; exit 5'
is "$status/$out" "$(printf '5/in-exec\n1')" "task exec: in the container, with its exit status"
o=$(timeout 60 script -qec "ctr --address $SOCK task exec -t --exec-id e2 t2 sh -c 'tty; echo exec-tty'" /dev/null | tr -d '\r\0')
like "$o" '/dev/pts/[0-9]+' "task exec -t: a pty"
like "$o" 'exec-tty' "task exec -t: its output"

c task pause t2
if [ "$status" -eq 0 ]; then
  c task ls
  like "$out" 't2 +[0-9]+ +PAUSED' "task pause: PAUSED"
  c task resume t2
  c task ls
  like "$out" 't2 +[0-9]+ +RUNNING' "task resume: RUNNING again"
else
  like "$err" 'cgroup' "task pause: refused, naming the cgroup it needs ($err)"
fi

c task kill -s KILL t2
is "$status" 0 "task kill -s KILL"
check "the task stops" wait_until 10 sh -c "ctr --address '$SOCK' task ls | grep -q 't2 .*STOPPED'"
check "its init is gone" wait_until 10 dead "$pid"
c task delete t2
is "$status" 0 "task delete"
c container rm t2
is "$status" 0 "container rm"
c task ls -q
is "$out" "" "no task is left"

done_testing
