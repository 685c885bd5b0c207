#!/bin/bash
# uctr ps: the container's processes as a filtered ps -ef table and as a JSON
# array of host pids. uctr-only here: rootless runc finds them through a
# cgroup, which it has none of on this host.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

uctr_only "ps without a cgroup" || { done_testing; exit 0; }

B=$(mkbundle ps1 '.process.args = ["sh", "-c", "sleep 1000 & sleep 1000 & echo ready > /ready; wait"]')
rt run -d --network none --bundle "$B" ps1
wait_until 10 test -e "$B/rootfs/ready" || true
init=$(pid_of ps1)

rt ps --format json ps1
is "$status" 0 "ps --format json exits 0"
is "$(jq -r 'length' <<<"$out")" 3 "three processes: the init and its two children"
is "$(jq -r '.[0]' <<<"$out")" "$init" "the init comes first, as its host pid"
mapfile -t children < <(pgrep -P "$init" | sort -n)
is "$(jq -r '.[1:] | sort | map(tostring) | join(" ")' <<<"$out")" "${children[*]}" "the others are the init's children"

rt ps ps1
like "$(head -1 <<<"$out")" 'PID' "ps: the table starts with ps's header"
is "$(tail -n +2 <<<"$out" | wc -l)" 3 "ps: one line per process of the container, no other"
like "$out" "sleep 1000" "ps: the lines are ps -ef's"

rt ps ps1 -- -o pid,comm
is "$(tail -n +2 <<<"$out" | awk '{print $2}' | sort | tr '\n' ' ')" "sh sleep sleep " "ps ID -- OPTIONS passes the options to ps"

rt ps ps1 -o comm
like "$err" "no PID column" "ps options without a PID column: a clear error"

rt ps --format yaml ps1
like "$err" "expected table or json" "an unknown --format is refused"

rt kill ps1 KILL
wait_until 10 state_is ps1 stopped || true
rt ps ps1
is "$status/$(tail -n +2 <<<"$out" | wc -l)" "0/0" "ps of a stopped container: the header alone, as runc"
like "$(head -1 <<<"$out")" 'PID' "ps of a stopped container: ps's header"
rt ps --format json ps1
is "$status/$(jq -r 'length' <<<"$out")" "0/0" "ps --format json of a stopped container: no pids"

rt delete --force ps1
rt ps ps1
check "ps of a deleted container fails" test "$status" -ne 0
nothing_left ps1 "nothing left behind"

done_testing
