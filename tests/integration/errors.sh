#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# Bad input: each is refused with a clear message, and leaves nothing behind
# (no state dir, no fifo, no process, no mount).  That create fails and leaves
# nothing is generic; the wording (the JSON path in the message) is uctr's
# promise, checked only against uctr.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

n=0
# refuse JQ-FILTER EXPECTED-ERE DESC: create of a bundle whose config is
# JQ-FILTER of the good one fails, says EXPECTED-ERE, leaves nothing behind.
# GENERIC=no before the call: runc 1.1.5 accepts that config, so only uctr is held to it.
refuse ()
{
  local filter=$1 expect=$2 desc=$3 id b
  n=$((n + 1))
  id=bad$n
  if [ "${GENERIC:-yes}" = no ] && ! uctr_only "$desc"; then
    return 0
  fi
  b=$(mkbundle "$id" "$filter")
  rt create --bundle "$b" "$id"
  check "$desc: create fails" test "$status" -ne 0
  if uctr_only "$desc: the message says /$expect/"; then
    like "$err" "$expect" "$desc: the message says /$expect/"
  fi
  nothing_left "$id" "$desc: nothing left behind"
}

refuse '.process.args = []' 'process\.args' "empty process.args"
refuse '.process.args = "sh"' 'process\.args' "process.args not an array"
GENERIC=no refuse '.process.args = ["sh", 1]' 'process\.args' "process.args with a number"
refuse 'del(.process)' 'process' "no process"
GENERIC=no refuse '.ociVersion = "9.0.0"' 'ociVersion' "an unsupported ociVersion"
GENERIC=no refuse 'del(.ociVersion)' 'ociVersion' "no ociVersion"
refuse 'del(.root)' 'root' "no root"
refuse '.root.path = 5' 'root\.path' "root.path not a string"
GENERIC=no refuse '.mounts += [{destination: "relative/dir", type: "tmpfs", source: "tmpfs"}]' \
  'mounts\[[0-9]+\]\.destination' "a relative mount destination"
refuse '.mounts += [{type: "tmpfs", source: "tmpfs"}]' 'mounts\[[0-9]+\]\.destination' "a mount without destination"
refuse '.linux.uidMappings = [{containerID: 0, hostID: "me", size: 1}]' 'linux\.uidMappings\[0\]\.hostID' \
  "a uid mapping with a string hostID"
refuse '.linux.gidMappings = [{containerID: 0, hostID: 0}]' 'linux\.gidMappings\[0\]\.size' "a gid mapping without size"
refuse '.process.user.uid = "root"' 'process\.user\.uid' "process.user.uid not a number"
# A sysctl of a namespace the container does not have of its own is the host's (runc validates it too).
refuse '.linux.namespaces |= map(select(.type != "ipc")) | .linux.sysctl = {"kernel.shmmax": "1"}' \
  'linux\.sysctl\["kernel\.shmmax"\]: needs an ipc namespace' "an ipc sysctl without an ipc namespace"
refuse '.linux.sysctl = {"vm.swappiness": "1"}' 'linux\.sysctl\["vm\.swappiness"\]: is not in a namespace' \
  "a sysctl of no namespace"
refuse '.linux.sysctl = {"kernel.hostname": "x"}' 'linux\.sysctl\["kernel\.hostname"\]: conflicts with hostname' \
  "kernel.hostname as a sysctl"
refuse '.process.user.uid = -1' 'process\.user\.uid' "a negative process.user.uid"
refuse '.process.rlimits = [{type: "RLIMIT_BOGUS", soft: 1, hard: 1}]' 'process\.rlimits\[0\]\.type' "an unknown rlimit"
refuse '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 10, hard: 5}]' 'process\.rlimits\[0\]' "an rlimit with soft > hard"
refuse '.linux.namespaces += [{type: "bogus"}]' 'linux\.namespaces\[[0-9]+\]\.type' "an unknown namespace type"
GENERIC=no refuse '.hooks = {prestart: [{path: "relative/hook"}]}' 'hooks\.prestart\[0\]\.path' "a relative hook path"
refuse '.hooks = {prestart: [{args: ["x"]}]}' 'hooks\.prestart\[0\]\.path' "a hook without path"
refuse '.process.cwd = "relative"' 'process\.cwd' "a relative process.cwd"

# An unknown capability is not an error (runc and crun skip it, so newer
# configs still run), but the user is told.
b=$(mkbundle unknowncap '.process.capabilities.bounding += ["CAP_BOGUS"] | .process.args = ["true"]')
rt run --bundle "$b" unknowncap
status_is 0 "an unknown capability is skipped: run exits 0"
like "$err" CAP_BOGUS "an unknown capability: a warning names it"

# The files themselves.
n=$((n + 1))
b=$(mkbundle "bad$n")
printf '{"ociVersion": "1.2.0", "process": ' >"$b/config.json"
rt create --bundle "$b" "bad$n"
check "config.json that is not JSON: create fails" test "$status" -ne 0
uctr_only "config.json that is not JSON: the message names config.json" \
  && like "$err" 'config\.json' "config.json that is not JSON: the message names config.json"
nothing_left "bad$n" "config.json that is not JSON: nothing left behind"

n=$((n + 1))
b=$(mkbundle "bad$n")
rm "$b/config.json"
rt create --bundle "$b" "bad$n"
check "no config.json: create fails" test "$status" -ne 0
like "$err" 'config\.json' "no config.json: the message names config.json"
nothing_left "bad$n" "no config.json: nothing left behind"

n=$((n + 1))
b=$(mkbundle "bad$n" '.root.path = "no-such-rootfs"')
rt create --bundle "$b" "bad$n"
check "a missing rootfs: create fails" test "$status" -ne 0
like "$err" 'no-such-rootfs' "a missing rootfs: the message names it"
nothing_left "bad$n" "a missing rootfs: nothing left behind"
rt run --bundle "$b" "bad$n"
check "a missing rootfs: run fails" test "$status" -ne 0
nothing_left "bad$n" "a missing rootfs: run leaves nothing behind"

n=$((n + 1))
rt create --bundle "$T/no-such-bundle" "bad$n"
check "a missing bundle: create fails" test "$status" -ne 0
nothing_left "bad$n" "a missing bundle: nothing left behind"

# A process that cannot be executed: the error reaches the caller.
n=$((n + 1))
b=$(mkbundle "bad$n" '.process.args = ["/no/such/program"]')
rt run --bundle "$b" "bad$n"
check "a process.args[0] that does not exist: run fails" test "$status" -ne 0
like "$err" '/no/such/program' "a process.args[0] that does not exist: the message names it"
nothing_left "bad$n" "a process.args[0] that does not exist: nothing left behind"

# A mount that cannot be made, from inside the container: the error names it.
n=$((n + 1))
b=$(mkbundle "bad$n" ".mounts += [{destination: \"/x\", type: \"bind\", source: \"$T/no-such-source\", options: [\"bind\"]}]")
rt create --bundle "$b" "bad$n"
check "a bind mount of a missing source: create fails" test "$status" -ne 0
like "$err" 'no-such-source' "a bind mount of a missing source: the message names it"
nothing_left "bad$n" "a bind mount of a missing source: nothing left behind"

# Ids.
b=$(mkbundle goodid '.process.args = ["true"]')
for id in '../escape' 'a/b' '.' '..' '' 'has space'; do
  rt create --bundle "$b" "$id"
  check "the id '$id' is refused" test "$status" -ne 0
done
check "a refused id made nothing under --root" test -z "$(state_entries)"

# The state root.
if uctr_only "--root that is a file: a clear error"; then
  : >"$T/afile"
  status=0
  err=$(timeout 20 "$RT" --root "$T/afile" list 2>&1 >/dev/null) || status=$?
  check "--root that is a file: list fails" test "$status" -ne 0
  like "$err" "$T/afile" "--root that is a file: the message names it"
fi
if uctr_only "no --root and no XDG_RUNTIME_DIR: a clear error"; then
  status=0
  err=$(env -u XDG_RUNTIME_DIR timeout 20 "$RT" list 2>&1 >/dev/null) || status=$?
  check "no --root and no XDG_RUNTIME_DIR: list fails" test "$status" -ne 0
  like "$err" 'XDG_RUNTIME_DIR' "no --root and no XDG_RUNTIME_DIR: the message says what to set"
fi

done_testing
