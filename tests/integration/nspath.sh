#!/bin/bash
# linux.namespaces[].path must be a namespace of the type its entry names.
# setns (fd, 0) would join any: a "mount" entry naming a network namespace
# left the init in the caller's own mount namespace, where it built the
# rootfs and pivoted (as root, the host's /).  Every type given a namespace
# of another type, and paths that are no namespace at all, are refused
# before anything starts, with nothing left behind; a path of the right
# type is still joined.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# The spec's type names and their /proc/self/ns names.
types=(user mount pid network ipc uts cgroup time)
declare -A proc=([user]=user [mount]=mnt [pid]=pid [network]=net [ipc]=ipc [uts]=uts [cgroup]=cgroup [time]=time)
declare -A phrase=([user]="a user" [mount]="a mount" [pid]="a pid" [network]="a network" [ipc]="an ipc"
                   [uts]="a uts" [cgroup]="a cgroup" [time]="a time")

# with_path TYPE PATH: a jq filter giving the TYPE entry PATH (adding the
# entry when the spec has none, as for time), without the slirp network
# `spec --rootless` asks for (it needs a network namespace of its own).
with_path ()
{
  printf '(if any(.linux.namespaces[]; .type == "%s") then . else .linux.namespaces += [{type: "%s"}] end)
    | .linux.namespaces |= map(if .type == "%s" then .path = "%s" else . end)
    | del(.annotations["uctr.network"]) | .process.args = ["true"]' "$1" "$1" "$1" "$2"
}

# The refused configs share one rootfs: a bundle is its config alone.
BASE=$(mkbundle base)
# bundle NAME JQ-FILTER: $T/NAME with the base config through JQ-FILTER.
bundle ()
{
  mkdir -p "$T/$1"
  jq --arg rootfs "$BASE/rootfs" "$2 | .root.path = \$rootfs" "$BASE/config.json" >"$T/$1/config.json"
  printf '%s\n' "$T/$1"
}

# index_of BUNDLE TYPE: where the TYPE entry is in linux.namespaces.
index_of () { jq -r --arg t "$2" '[.linux.namespaces[].type] | index($t)' "$1/config.json"; }

# refused ID DESC ERE: create of bundle $T/ID fails, says ERE (uctr), and
# makes no state dir. These fail before anything starts: the nothing_left at
# the end looks for processes, fifos and mounts of them all (it reads all
# of /proc, slow on a busy machine).
refused ()
{
  local id=$1 desc=$2 expect=$3
  rt create --bundle "$T/$id" "$id"
  check "$desc: create fails" test "$status" -ne 0
  if uctr_only "$desc: the message names the entry and what is wrong"; then
    like "$err" "$expect" "$desc: the message names the entry and what is wrong"
  fi
  check "$desc: no state dir is left" test ! -e "$R/$id"
}

n=${#types[@]}
for ((i = 0; i < n; i++)); do
  t=${types[i]}
  other=${types[(i + 1) % n]}
  if [ ! -e "/proc/self/ns/${proc[$t]}" ] || [ ! -e "/proc/self/ns/${proc[$other]}" ]; then
    skip "a $t entry naming ${phrase[$other]} namespace" "this kernel has no ${proc[$t]} or ${proc[$other]} namespace"
    continue
  fi
  path=/proc/self/ns/${proc[$other]}
  b=$(bundle "wrong-$t" "$(with_path "$t" "$path")")
  idx=$(index_of "$b" "$t")
  refused "wrong-$t" "a $t entry naming ${phrase[$other]} namespace" \
    "linux\\.namespaces\\[$idx\\]\\.path: $path is ${phrase[$other]} namespace, not ${phrase[$t]} namespace"
done

# Paths that are no namespace file: each refused before it is opened for
# reading (a fifo would block the open, a device could act on it).
echo data >"$T/plain"
mkdir "$T/dir"
mkfifo "$T/fifo"
for what in "a regular file:$T/plain" "a directory:$T/dir" "a device:/dev/null" "a fifo:$T/fifo"; do
  desc=${what%%:*} path=${what#*:}
  id=notns-${desc##* }
  b=$(bundle "$id" "$(with_path mount "$path")")
  idx=$(index_of "$b" mount)
  refused "$id" "a mount entry naming $desc" \
    "linux\\.namespaces\\[$idx\\]\\.path: $path is not a namespace file"
done

b=$(bundle missing "$(with_path network "$T/no-such-ns")")
idx=$(index_of "$b" network)
refused missing "a network entry naming a missing path" \
  "linux\\.namespaces\\[$idx\\]\\.path: opening $T/no-such-ns: No such file or directory"

# The right types still join: a second container in the user and network
# namespaces of a first one (ours, so joining needs no privilege).
b=$(bundle holder 'del(.annotations["uctr.network"]) | .process.args = ["sleep", "1000"]')
rt run -d --bundle "$b" holder
holder=$(pid_of holder)
if ! not_on_runc "namespaces of the right type are joined" "refuses a user namespace path without uid mappings"; then
  :
elif [ "$holder" -gt 0 ]; then
  b=$(bundle joiner "$(with_path user "/proc/$holder/ns/user") | $(with_path network "/proc/$holder/ns/net")
      | del(.linux.uidMappings, .linux.gidMappings) | .process.args = [\"readlink\", \"/proc/self/ns/net\"]")
  rt run --bundle "$b" joiner
  is "$status/$out" "0/$(readlink "/proc/$holder/ns/net")" "user and network paths of the right type are joined"
  # A wrong type the kernel would let us join (the holder's network
  # namespace, in its user namespace): setns (fd, 0) took it as the mount
  # namespace and left the init in ours.
  b=$(bundle mntnet "$(with_path user "/proc/$holder/ns/user") | $(with_path mount "/proc/$holder/ns/net")
      | del(.linux.uidMappings, .linux.gidMappings)")
  idx=$(index_of "$b" mount)
  refused mntnet "a mount entry naming a network namespace we may join" \
    "linux\\.namespaces\\[$idx\\]\\.path: /proc/$holder/ns/net is a network namespace, not a mount namespace"
else
  fail "the holder container runs" "pid $holder"
fi
rt delete --force holder
nothing_left joiner "nothing is left behind, of the refused containers either"

done_testing
