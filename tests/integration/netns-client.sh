#!/bin/bash
# Usage (net.sh runs it): unshare -Urn netns-client.sh UCTR ROOT BUNDLE PORT
#
# Runs inside a user+network namespace the test made, which stands in for the
# host: a second network namespace, the client's, hangs off it by a veth pair
# (192.168.77.1 here, 192.168.77.2 there). The container publishes PORT for
# TCP and UDP; the client connects from its own address, and the iperf3
# server in the container logs where the control connection and the UDP
# stream came from.  Prints the log; the container and the client namespace
# are gone when it returns, whatever happened.
set -euo pipefail
uctr=$1 root=$2 bundle=$3 port=$4

ip link set lo up
# The client's namespace lives as long as this sleep.
unshare -n sleep 120 &
holder=$!
cleanup ()
{
  "$uctr" --root "$root" delete --force nsclient >/dev/null 2>&1 || true
  kill "$holder" 2>/dev/null || true
  wait "$holder" 2>/dev/null || true
}
trap cleanup EXIT
in_client () { nsenter -t "$holder" -n --preserve-credentials "$@"; }

for _ in $(seq 50); do
  [ "$(readlink /proc/$holder/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
  sleep 0.1
done
ip link add uh0 type veth peer name uc0 netns "$holder"
ip addr add 192.168.77.1/24 dev uh0
ip link set uh0 up
in_client ip addr add 192.168.77.2/24 dev uc0
in_client ip link set uc0 up
in_client ip link set lo up

"$uctr" --root "$root" run -d --network slirp -p "$port:5201/tcp" -p "$port:5201/udp" \
  --bundle "$bundle" nsclient
for _ in $(seq 50); do
  in_client iperf3 -c 192.168.77.1 -p "$port" -u -b 1M -t 1 >/dev/null 2>&1 && break
  sleep 0.2
done
for _ in $(seq 50); do
  grep -q "connected to" "$bundle/rootfs/iperf.log" 2>/dev/null && break
  sleep 0.1
done
cat "$bundle/rootfs/iperf.log"
