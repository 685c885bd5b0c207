#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# process.terminal with --console-socket: the pty master goes over the socket
# (received by recvtty, as runc's contrib/cmd/recvtty does), the container's
# stdio is the slave.  Generic: also passes with UCTR_TEST_RUNTIME=runc.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${RECVTTY:-}" ] || bail_out "RECVTTY must name the recvtty helper (meson test sets it)"

SCRIPT='tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo stdio-is-tty; read line; echo "got:$line"'

# recvtty_start NAME [INPUT]: a receiver on $T/NAME.sock; output in $T/NAME.out.
recvtty_start ()
{
  "$RECVTTY" "$T/$1.sock" "${2:-}" >"$T/$1.out" 2>"$T/$1.err" &
  recv_pid=$!
  track_pid "$recv_pid"
  wait_until 5 test -S "$T/$1.sock" || fail "recvtty listens" "$(cat "$T/$1.err")"
}

# tty_output NAME: what the container wrote on its terminal, without the \r.
tty_output () { tr -d '\r' <"$T/$1.out"; }

B=$(mkbundle tty ".process.terminal = true | .process.args = $(args_json sh -c "$SCRIPT")")

recvtty_start c1 $'hello-input\n'
rt create --bundle "$B" --console-socket "$T/c1.sock" c1
status_is 0 "create --console-socket exits 0"
check "the pty master arrived over the socket" wait_until 10 grep -q received "$T/c1.err"
rt start c1
status_is 0 "start exits 0"
check "the container's terminal closes when it exits" wait_until 10 dead "$recv_pid"
o=$(tty_output c1)
like "$o" '^/dev/pts/[0-9]+$' "tty inside: a pty of the container's devpts"
like "$o" '^stdio-is-tty$' "stdin, stdout and stderr are the terminal"
like "$o" '^got:hello-input$' "what is written to the master is the container's input"
check "c1 stops" wait_until 10 state_is c1 stopped
rt delete c1

recvtty_start r1 $'from-run\n'
rt run --detach --bundle "$B" --console-socket "$T/r1.sock" r1
status_is 0 "run --detach --console-socket exits 0"
check "run -d: the container's terminal closes when it exits" wait_until 10 dead "$recv_pid"
like "$(tty_output r1)" '^got:from-run$' "run -d --console-socket: the terminal works"
wait_until 10 state_is r1 stopped || true
rt delete r1

# The pty slave's group: devpts's gid=5 where the config asks it and gid 5
# is mapped (the tty group, as on a host). Where it is not (a single-id
# mapping, without uctr's own range), uctr mounts devpts without it and the
# slave is the container's gid 0; runc refuses the config ("cannot specify
# gid= mount options for unmapped gid in rootless containers").
GIDS='stat -c %g "$(tty)"'
for map in full single; do
  [ "$map" = full ] || uctr_only "devpts gid=5 with gid 5 unmapped: mounted without it" || continue
  b=$(mkbundle "gid5-$map" --map "$map" ".process.terminal = true | .process.args = $(args_json sh -c "$GIDS")
    | del(.annotations[\"uctr.subids\"])
    | (.mounts[] | select(.type == \"devpts\") | .options) |= (map(select(startswith(\"gid=\") | not)) + [\"gid=5\"])")
  recvtty_start "gid5-$map"
  rt run --detach --bundle "$b" --console-socket "$T/gid5-$map.sock" "gid5-$map"
  wait_until 10 dead "$recv_pid" || true
  want=$([ "$map" = full ] && echo 5 || echo 0)
  is "$(tty_output "gid5-$map" | tr -d '\n')" "$want" "devpts gid=5, $map mapping: the pty slave's group is $want"
  wait_until 10 state_is "gid5-$map" stopped || true
  rt delete "gid5-$map"
done

# Errors: each fails and leaves nothing behind.
rt create --bundle "$B" no-socket
check "terminal without --console-socket: create fails" test "$status" -ne 0
nothing_left no-socket "terminal without --console-socket leaves nothing behind"

rt create --bundle "$B" --console-socket "$T/missing.sock" bad-socket
check "a --console-socket that does not exist: create fails" test "$status" -ne 0
nothing_left bad-socket "a missing console socket leaves nothing behind"

b=$(mkbundle notty '.process.terminal = false | .process.args = ["true"]')
recvtty_start notty
rt create --bundle "$b" --console-socket "$T/notty.sock" notty
check "--console-socket without process.terminal: create fails" test "$status" -ne 0
nothing_left notty "--console-socket without process.terminal leaves nothing behind"

done_testing
