#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# exec: a new process joins every namespace of a running container, gets the
# user, env, cwd, capabilities and fds asked for, returns its exit status;
# -d, --pid-file, --process, --tty with --console-socket, --preserve-fds;
# bad input and a stopped container are clear errors that leave nothing.
# Generic (also passes with UCTR_TEST_RUNTIME=runc) except where marked.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${RECVTTY:-}" ] || bail_out "RECVTTY must name the recvtty helper (meson test sets it)"

B=$(mkbundle ex '.process.args = ["sleep", "1000"] | .process.noNewPrivileges = false')
rt create --bundle "$B" ex
status_is 0 "create a container to exec into"
rt start ex
status_is 0 "start it"
init=$(pid_of ex)

# --- the basics ---------------------------------------------------------------------
rt exec ex sh -c 'echo hello; exit 3'
is "$status/$out" "3/hello" "exec runs the command and returns its exit status"

rt exec ex sh -c 'for n in mnt pid net ipc uts user cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done'
want=$(for n in mnt pid net ipc uts user cgroup; do echo "$n $(readlink "/proc/$init/ns/$n")"; done)
is "$out" "$want" "the process is in every namespace of the container's init"

rt exec ex sh -c 'echo $$; tr "\0" " " </proc/1/cmdline'
like "$out" '^sleep 1000 ?$' "pid 1 in its pid namespace is the container's init"
unlike "$(head -n1 <<<"$out")" '^1$' "and the process is not pid 1 there"

rt exec ex sh -c 'kill -TERM $$'
is "$status" 143 "a process killed by a signal: 128 + its number"

# --- process settings -----------------------------------------------------------------
rt exec -e FOO=bar -e PATH=/bin:/sbin --cwd /tmp ex sh -c 'echo "$FOO $PATH $(pwd)"'
is "$out" "bar /bin:/sbin /tmp" "--env adds and replaces variables, --cwd sets the directory"

if not_on_runc "--additional-gids" "refuses additional groups in a rootless container"; then
  rt exec -u 1000:1001 -g 2000 -g 2001 ex sh -c 'id -u; id -g; id -G'
  is "$out" "$(printf '1000\n1001\n1001 2000 2001')" "--user UID:GID and --additional-gids"
fi

rt exec -u 1234 ex id -u
is "$out" 1234 "--user UID alone"

rt exec ex sh -c 'grep -E "^Cap(Inh|Eff|Amb)" /proc/self/status'
base_eff=$(awk '/^CapEff/ { print $2 }' <<<"$out")
is "$(awk '/^CapInh/ { print $2 }' <<<"$out")" 0000000000000000 "no inheritable capabilities by default"
rt exec --cap CAP_SYS_PTRACE ex sh -c 'grep -E "^Cap(Inh|Eff)" /proc/self/status'
eff=$(awk '/^CapEff/ { print $2 }' <<<"$out")
is "$(( (0x$eff >> 19) & 1 ))/$(( (0x$base_eff >> 19) & 1 ))" "1/0" "--cap adds CAP_SYS_PTRACE to the effective set"
is "$(awk '/^CapInh/ { print $2 }' <<<"$out")" 0000000000000000 "--cap does not add to the inheritable set (CVE-2022-29162)"

rt exec ex grep NoNewPrivs /proc/self/status
like "$out" 'NoNewPrivs:[[:space:]]+0' "no_new_privs as the config says (false)"
rt exec --no-new-privs ex grep NoNewPrivs /proc/self/status
like "$out" 'NoNewPrivs:[[:space:]]+1' "--no-new-privs sets it"

# Only stdio (and what --preserve-fds passes) reaches the process.
rt exec ex sh -c 'ls /proc/self/fd | sort -n | tr "\n" " "'
is "$out" "0 1 2 3 " "exec: only stdio is open in the process (3 is ls's own directory)"
echo preserved-data >"$T/fd3"
status=0
out=$(UCTR_TEST_TAG=$T timeout 20 "$RT" --root "$R" exec --preserve-fds 1 ex sh -c 'cat <&3' 3<"$T/fd3" 2>&1) || status=$?
is "$status/$out" "0/preserved-data" "--preserve-fds 1 passes fd 3"

# --- -d, --pid-file, --process --------------------------------------------------------------
rt exec -d --pid-file "$T/ex.pid" ex sleep 100
status_is 0 "exec -d returns"
p=$(cat "$T/ex.pid" 2>/dev/null || echo 0)
track_pid "$p"
check "exec -d: the process runs on, its host pid in --pid-file" alive "$p"
is "$(proc_cmdline "$p")" "sleep 100" "and it is the command asked for"
is "$(readlink "/proc/$p/ns/pid")" "$(readlink "/proc/$init/ns/pid")" "in the container's pid namespace"
kill -KILL "$p" 2>/dev/null || true

cat >"$T/process.json" <<'EOF'
{"terminal": false, "user": {"uid": 7, "gid": 8}, "args": ["sh", "-c", "echo $X; id -u; id -g; pwd"],
 "env": ["PATH=/bin:/sbin", "X=from-file"], "cwd": "/etc"}
EOF
rt exec --process "$T/process.json" ex
is "$status/$out" "$(printf '0/from-file\n7\n8\n/etc')" "--process runs the process the file describes"

# --- a terminal -------------------------------------------------------------------------------
"$RECVTTY" "$T/tty.sock" $'typed\n' >"$T/tty.out" 2>"$T/tty.err" &
recv_pid=$!
track_pid "$recv_pid"
wait_until 5 test -S "$T/tty.sock" || fail "recvtty listens" "$(cat "$T/tty.err")"
rt exec -t -d --console-socket "$T/tty.sock" ex sh -c 'tty; read l; echo "got:$l"'
status_is 0 "exec -t -d --console-socket"
check "the process's terminal closes when it exits" wait_until 10 dead "$recv_pid"
o=$(tr -d '\r' <"$T/tty.out")
like "$o" '^/dev/pts/[0-9]+$' "exec -t: stdio is a pty of the container's devpts"
like "$o" '^got:typed$' "what is written to the master reaches the process"

rt exec -t -d ex true
check "exec -t -d without --console-socket is refused" test "$status" -ne 0

# --- the container's seccomp filter holds for exec'd processes too -----------------------------
B3=$(mkbundle sc '.process.args = ["sleep", "1000"] | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}')
rt run -d --bundle "$B3" sc
rt exec sc sh -c 'mkdir /tmp/d && echo made || echo refused; grep Seccomp: /proc/self/status'
like "$out" 'refused' "exec: the container's seccomp filter refuses mkdir in the new process"
like "$out" 'Seccomp:[[:space:]]+2' "and the process runs in filter mode"
rt delete --force sc

# --- the uctr binary cannot be reached (CVE-2019-5736) ------------------------------------------
# A created container's init is still the runtime, blocked on exec.fifo. The
# container's root is our own uid: what we cannot do to it from the host, no
# process of the container can. runc instead lets it be read (and exec'd
# into) and runs from a sealed memfd, so that writing fails.
B2=$(mkbundle created '.process.args = ["true"]')
rt create --bundle "$B2" created
cpid=$(pid_of created)
if uctr_only "the created init's /proc entries are closed"; then
  check "its binary cannot be opened for writing through /proc/PID/exe" \
    sh -c "! { echo x >>/proc/$cpid/exe; } 2>/dev/null"
  check "nor read" sh -c "! cat /proc/$cpid/exe >/dev/null 2>&1"
  check "nor its namespaces reached" sh -c "! readlink /proc/$cpid/ns/mnt >/dev/null 2>&1"
  rt exec created true
  like "$err" 'before it is started: run uctr start created first' "exec before start: a clear error"
fi
rt delete --force created

# --- errors -----------------------------------------------------------------------------------
# Exit status 255 when the process could not be started, as runc: engines
# tell exec's own failure from the process's status by it.
rt exec ex nosuchcommand
is "$status" 255 "exec of a missing command fails with 255"
like "$err" 'nosuchcommand' "and the error names it"
rt exec nosuch true
is "$status" 255 "exec into a container that does not exist: 255"
like "$err" 'does not exist' "exec into a container that does not exist: a clear error"
rt exec ex
is "$status" 255 "exec without a command: 255, as runc (process args cannot be empty)"

rt kill ex KILL
check "the container stops" wait_until 10 state_is ex stopped
rt exec ex true
is "$status" 255 "exec into a stopped container is refused with 255"
like "$err" 'stopped' "and the error says it is stopped"
rt delete ex
nothing_left ex "nothing is left behind"

done_testing
