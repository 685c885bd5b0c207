#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# What one-line runs say when something is wrong: errors name the flag, not
# the config path it became (mounts[N], process.cwd); a missing working
# directory is said to be missing; --publish takes port ranges of the same
# size and says what is wrong with others; without newuidmap the caller is
# mapped alone with one warning (README's promise), one-line runs too.
# Without a range: noid.sh. uctr-only: runc has no one-line mode.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

ROOT=$T/rootfs
cp -a "$ROOTFS" "$ROOT"
mkdir -p "$T/data"

# A missing working directory on a root the container cannot write: the
# host's /, in a bundle (runc's behaviour aside, the message is uctr's).
if uctr_only "a missing process.cwd is said to be missing"; then
  b=$(mkbundle hostroot '.root.path = "/" | .root.readonly = true | .process.cwd = "/uctr-nonexist" | .process.args = ["true"]')
  rt run --bundle "$b" hostroot
  like "$err" '^uctr: process.cwd: /uctr-nonexist does not exist in the container, and creating it failed: Permission denied$' \
    "a missing process.cwd on the host's /: said to be missing, not only \"Permission denied\""
  nothing_left hostroot "and nothing is left behind"
fi

uctr_only "one-line runs' messages" || { done_testing; exit 0; }

rt run --rootfs / --network none --bind "$T/data:/etc/hostname" -- true
like "$err" "^uctr: Mounting --bind $T/data:/etc/hostname: Not a directory$" \
  "--rootfs / with a --bind that cannot be mounted: the error names the flag"
unlike "$err" 'mounts\[' "and no config path the user never wrote"
rt run --rootfs / --network none --workdir /proc/uctr-nonexist -- true
like "$err" '^uctr: --workdir /proc/uctr-nonexist: /proc/uctr-nonexist does not exist in the container' \
  "--workdir that cannot be made: named by the flag, said to be missing"
rt run --rootfs "$ROOT" --network none --workdir /etc/hostname -- true
like "$err" '^uctr: --workdir /etc/hostname: entering /etc/hostname: Not a directory' "--workdir on a file: named by the flag"
rt list -q
is "$out" "" "the failed runs left no container"

# Port ranges, as podman takes them.
port=$(random_port)
for p in 80 81; do
  mkdir -p "$T/www$p"
  echo "page-$p" >"$T/www$p/index.html"
done
rt run -d --rootfs "$ROOT" --network slirp -p "127.0.0.1:$port-$((port + 1)):80-81" --name web \
  --bind "$T/www80:/www80" --bind "$T/www81:/www81" -- sh -c 'httpd -p 80 -h /www80; httpd -f -p 81 -h /www81'
is "$status" 0 "-p HOST-RANGE:CONTAINER-RANGE"
fetch ()
{
  python3 -c 'import sys, urllib.request; print(urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=2).read().decode().strip())' "$1" 2>/dev/null
}
got=''
wait_until 10 eval 'got="$(fetch "$port") $(fetch "$((port + 1))")"; [ "$got" = "page-80 page-81" ]' || true
is "$got" "page-80 page-81" "each host port of the range reaches the container port at the same place"
rt port list web
is "$(grep -cE "^127\.0\.0\.1 +($port +80|$((port + 1)) +81) +tcp" <<<"$out")" 2 "port list shows each port of the range"
rt delete --force web
nothing_left web "and delete leaves nothing"
rt run --rootfs "$ROOT" --network slirp -p 8080-8081:80 -- true
like "$err" '^uctr: --publish "8080-8081:80": the host ports \(2\) and the container ports \(1\) must be as many' \
  "-p with a host range and one container port: said what is wrong"
rt run --rootfs "$ROOT" --network slirp -p 1-2000:1-2000 -- true
like "$err" 'at most 1024 ports' "-p with a range too large: said"

# No newuidmap: the caller alone and one warning (README), not a refusal.
UCTR_NEWUIDMAP=$T/no-newuidmap rt run --rootfs "$ROOT" --network none -- cat /proc/self/uid_map
is "$status/$(tr -s ' ' <<<"$out" | sed 's/^ //')" "0/0 $MY_UID 1" "without newuidmap: a one-line run maps the caller alone"
like "$err" 'newuidmap is not installed: only uid [0-9]+ and gid [0-9]+ are mapped.*apt-get install uidmap' \
  "without newuidmap: the fallback's warning"
is "$(grep -c warning <<<"$err")" 1 "said once"
rt spec --rootfs "$ROOT" -- true
is "$(jq -c '.linux.uidMappings' <<<"$out")" null "a one-line config leaves the mappings to the runtime"

done_testing
