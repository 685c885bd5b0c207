#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# linux.seccomp: what the filter does to the container's syscalls (errno,
# default action with an allow list, argument conditions, kill), unknown
# syscall names skipped, bad profiles refused with nothing left, the LOG
# flag, the filter with and without noNewPrivileges, the shipped default
# profile (data/seccomp.json), and SCMP_ACT_NOTIFY with a seccomp agent
# receiving the listener fd and the container process state.
# Generic: also passes with UCTR_TEST_RUNTIME=runc, except what uctr_only and
# not_on_runc mark.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

: "${SECCOMP_AGENT:?SECCOMP_AGENT must name the test seccomp agent (meson test sets it)}"
: "${SECCOMP_PROFILE:?SECCOMP_PROFILE must name data/seccomp.json (meson test sets it)}"

# sc NAME SECCOMP-JSON ARGS-JSON [JQ-FILTER]: a bundle with that filter and process.args.
sc ()
{
  mkbundle "$1" ".linux.seccomp = $2 | .process.args = $3 | ${4:-.}"
}

# An errno of our choosing (EDQUOT, 122) shows that the filter answered, not the file system.
B=$(sc errno '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 122}]}' \
  '["sh", "-c", "mkdir /tmp/d; echo mkdir=$?; touch /tmp/f && echo touch=ok"]')
rt run --bundle "$B" errno
status_is 0 "a container with a filter runs"
like "$err$out" "can't create directory '/tmp/d': Disk quota exceeded" "SCMP_ACT_ERRNO with errnoRet 122: mkdir fails with EDQUOT"
like "$out" "mkdir=1" "the refused mkdir exits 1"
like "$out" "touch=ok" "calls the filter does not name are allowed"

B=$(sc eperm '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]}' \
  '["mkdir", "/tmp/d"]')
rt run --bundle "$B" eperm
like "$err$out" "Operation not permitted" "SCMP_ACT_ERRNO without errnoRet: EPERM"

# Unknown names are skipped, the known ones of the same entry still apply.
B=$(sc unknown '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["no_such_syscall_uctr", "mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 122}]}' \
  '["sh", "-c", "mkdir /tmp/d; echo mkdir=$?"]')
rt --debug run --bundle "$B" unknown
status_is 0 "an unknown syscall name does not stop the container"
like "$out" "mkdir=1" "the known names next to an unknown one are still filtered"
if uctr_only "the skipped name is said at debug level"; then
  like "$err" "no_such_syscall_uctr" "the skipped name is said at debug level"
fi
rt run --bundle "$B" unknown2
unlike "$err" "no_such_syscall_uctr" "without --debug the skipped name is not mentioned"

# Default action ERRNO with an allow list: what busybox sh needs, and no mkdir.
ALLOW='["read", "write", "writev", "open", "openat", "close", "stat", "fstat", "lstat", "newfstatat", "statx", "poll",
  "lseek", "mmap", "mprotect", "munmap", "brk", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "ioctl", "access",
  "faccessat", "faccessat2", "pipe", "pipe2", "dup", "dup2", "dup3", "getpid", "getppid", "getuid", "geteuid", "getgid",
  "getegid", "getpgrp", "setpgid", "getcwd", "chdir", "fcntl", "uname", "arch_prctl", "set_tid_address", "exit",
  "exit_group", "wait4", "clone", "fork", "vfork", "execve", "kill", "prctl", "sendmsg", "getrandom", "prlimit64",
  "set_robust_list", "rseq", "sysinfo", "getdents64", "readlink", "umask", "getrlimit", "capget", "capset", "setgroups",
  "setresuid", "setresgid", "close_range",
  "fstatfs", "statfs", "futex", "sched_yield", "nanosleep", "sigaltstack", "gettid", "tgkill", "madvise", "epoll_create1",
  "epoll_ctl", "epoll_pwait", "eventfd2", "openat2", "mincore", "sched_getaffinity"]'
# (busybox and uctr's init need the first lines, runc's Go init the last ones)
B=$(sc allow "{defaultAction: \"SCMP_ACT_ERRNO\", defaultErrnoRet: 38, syscalls: [{names: $ALLOW, action: \"SCMP_ACT_ALLOW\"}]}" \
  '["sh", "-c", "echo hello; mkdir /tmp/d; echo mkdir=$?"]')
rt run --bundle "$B" allow
status_is 0 "default action SCMP_ACT_ERRNO with an allow list: busybox sh runs"
like "$out" "hello" "the allowed calls work"
like "$err$out" "can't create directory '/tmp/d': Function not implemented" "a call off the list gets defaultErrnoRet (ENOSYS)"

# Without noNewPrivileges the filter is loaded before the switch to the
# process's user: what the runtime does itself (closing the fds it
# inherited) comes before it, so a list without close_range (the usual
# default profiles of other tools) still runs. runc's Go init calls the
# set*id family before the process's user is set: they are on the list.
NO_CLOSE_RANGE=$(jq -c 'map(select(. != "close_range")) + ["setuid", "setgid", "setfsuid", "setfsgid", "getgroups"]' <<<"$ALLOW")
B=$(sc noclose "{defaultAction: \"SCMP_ACT_ERRNO\", defaultErrnoRet: 38, syscalls: [{names: $NO_CLOSE_RANGE, action: \"SCMP_ACT_ALLOW\"}]}" \
  '["sh", "-c", "echo hello"]' '.process.noNewPrivileges = false')
rt run --bundle "$B" noclose
is "$status/$out" "0/hello" "noNewPrivileges false and a list without close_range: the container runs"

# Conditions on arguments: personality(PER_LINUX32) refused, the query allowed.
B=$(sc args '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["personality"], action: "SCMP_ACT_ERRNO", errnoRet: 122,
  args: [{index: 0, value: 8, op: "SCMP_CMP_EQ"}]}]}' '["sh", "-c", "linux32 uname -m; echo linux32=$?; linux64 uname -m; echo linux64=$?"]')
rt run --bundle "$B" args
like "$err$out" "linux32=1" "an argument condition that matches: personality(PER_LINUX32) refused"
like "$err$out" "Disk quota exceeded" "with the rule's errno"
like "$out" "linux64=0" "the same call with another argument is allowed"

# SCMP_ACT_KILL_PROCESS: the process dies of SIGSYS, run exits 128+31.
B=$(sc kill '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_KILL_PROCESS"}]}' \
  '["mkdir", "/tmp/d"]')
rt run --bundle "$B" kill
status_is 159 "SCMP_ACT_KILL_PROCESS: the process is killed by SIGSYS (run exits 128+31)"
check "the killed call did nothing" test ! -e "$B/rootfs/tmp/d"

# noNewPrivileges false: the filter is loaded while the init still has
# CAP_SYS_ADMIN in the user namespace, before the switch to the process's user.
B=$(sc nnp '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 122}]}' \
  '["sh", "-c", "mkdir /tmp/d; echo mkdir=$?; id -u"]' '.process.noNewPrivileges = false | .process.user = {uid: 1000, gid: 1000}')
rt run --bundle "$B" nnp
status_is 0 "noNewPrivileges false, non-root process: the filter loads"
like "$out" "mkdir=1" "noNewPrivileges false: the filter applies"
like "$out" "1000" "noNewPrivileges false: the process runs as its user"

# The LOG flag (runc 1.1.5 refuses flags altogether).
if not_on_runc "SECCOMP_FILTER_FLAG_LOG is accepted" "refuses linux.seccomp.flags"; then
  B=$(sc logflag '{defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_LOG"], syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 122}]}' \
    '["sh", "-c", "mkdir /tmp/d; echo mkdir=$?"]')
  rt run --bundle "$B" logflag
  status_is 0 "SECCOMP_FILTER_FLAG_LOG is accepted"
  like "$out" "mkdir=1" "with the LOG flag the filter applies"
fi

# The shipped default profile: a usual shell session works, the calls it
# keeps from containers do not.
B=$(mkbundle profile --map full '.process.args = ["sh", "-c", "echo hello > /tmp/f && cat /tmp/f; mkdir /tmp/d && ls -d /tmp/d; ps >/dev/null && echo ps=ok; unshare -U true; echo unshare=$?; mount -t tmpfs none /mnt; echo mount=$?"]')
jq --slurpfile p "$SECCOMP_PROFILE" '.linux.seccomp = $p[0]' "$B/config.json" >"$B/config.json.new"
mv "$B/config.json.new" "$B/config.json"
rt run --bundle "$B" profile
status_is 0 "data/seccomp.json: busybox sh runs under the default profile"
like "$out" "hello" "data/seccomp.json: files can be written and read"
like "$out" "/tmp/d" "data/seccomp.json: mkdir works"
like "$out" "ps=ok" "data/seccomp.json: ps works"
like "$out" "unshare=1" "data/seccomp.json: unshare is refused"
like "$err" "unshare.*Operation not permitted" "data/seccomp.json: ... with EPERM"
like "$out" "mount=(1|255)" "data/seccomp.json: mount is refused"
edit_config "$B" '.process.noNewPrivileges = false'
rt run --bundle "$B" profile2
status_is 0 "data/seccomp.json with noNewPrivileges false: the container starts"

# Bad profiles: create fails, names the JSON path, leaves nothing behind.
n=0
refuse ()
{
  local seccomp=$1 expect=$2 desc=$3 id b
  n=$((n + 1))
  id=bad$n
  b=$(sc "$id" "$seccomp" '["true"]')
  rt create --bundle "$b" "$id"
  check "$desc: create fails" test "$status" -ne 0
  if uctr_only "$desc: the message says /$expect/"; then
    like "$err" "$expect" "$desc: the message says /$expect/"
  fi
  nothing_left "$id" "$desc: nothing left behind"
}
refuse '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["getcwd"], action: "SCMP_ACT_ERRNO"}, {names: ["mkdir"], action: "SCMP_ACT_FOO"}]}' \
  'linux\.seccomp\.syscalls\[1\]\.action: unknown action "SCMP_ACT_FOO"' "an unknown action"
refuse '{defaultAction: "SCMP_ACT_BAR"}' 'linux\.seccomp\.defaultAction: unknown action "SCMP_ACT_BAR"' "an unknown default action"
refuse '{defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_NOPE"]}' \
  'linux\.seccomp\.architectures\[1\]: unknown architecture "SCMP_ARCH_NOPE"' "an unknown architecture"
refuse '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["personality"], action: "SCMP_ACT_ERRNO", args: [{index: 0, value: 8, op: "SCMP_CMP_ABOUT"}]}]}' \
  'linux\.seccomp\.syscalls\[0\]\.args\[0\]\.op: unknown operator "SCMP_CMP_ABOUT"' "an unknown operator"
if not_on_runc "an unknown flag" "refuses every flag, known or not, with the same message"; then
  refuse '{defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_QUICK"]}' \
    'linux\.seccomp\.flags\[0\]: unknown flag "SECCOMP_FILTER_FLAG_QUICK"' "an unknown flag"
fi
if not_on_runc "SCMP_ACT_NOTIFY without listenerPath" "accepts it and then fails inside its init"; then
  refuse '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir"], action: "SCMP_ACT_NOTIFY"}]}' \
    'linux\.seccomp\.listenerPath: required' "SCMP_ACT_NOTIFY without listenerPath"
fi

# A filter that kills the init itself before it is ready: create says why.
if uctr_only "a filter that kills the init: create explains"; then
  id=killinit
  b=$(sc "$id" '{defaultAction: "SCMP_ACT_KILL_PROCESS"}' '["true"]')
  rt create --bundle "$b" "$id"
  check "a filter that kills the init: create fails" test "$status" -ne 0
  like "$err" "SIGSYS.*linux\.seccomp must allow" "a filter that kills the init: create explains"
  nothing_left "$id" "a filter that kills the init: nothing left behind"
fi

# The same allow list without sendmsg: the init cannot report READY, and
# create must not wait for it for ever.
if uctr_only "a filter that refuses the init's sendmsg: create explains"; then
  id=nosendmsg
  b=$(sc "$id" "{defaultAction: \"SCMP_ACT_ERRNO\", syscalls: [{names: $ALLOW | map(select(. != \"sendmsg\")), action: \"SCMP_ACT_ALLOW\"}]}" '["true"]')
  rt create --bundle "$b" "$id"
  check "a filter that refuses the init's sendmsg: create fails" test "$status" -ne 0 -a "$status" -ne 124
  like "$err" "exited with status 127 before it was ready: linux\.seccomp must allow" "a filter that refuses the init's sendmsg: create explains"
  nothing_left "$id" "a filter that refuses the init's sendmsg: nothing left behind"
fi

# SCMP_ACT_NOTIFY: the agent gets the listener fd and the container process
# state before create returns, and answers the notified calls (it fakes mkdir).
mkdir "$T/agent"
"$SECCOMP_AGENT" "$T/agent.sock" "$T/agent" 2>"$T/agent.err" &
agent=$!
track_pid "$agent"
wait_until 10 test -e "$T/agent/ready" || fail "the seccomp agent listens" "$(cat "$T/agent.err")"
B=$(sc notify "{defaultAction: \"SCMP_ACT_ALLOW\", listenerPath: \"$T/agent.sock\", listenerMetadata: \"meta-42\",
  syscalls: [{names: [\"mkdir\", \"mkdirat\"], action: \"SCMP_ACT_NOTIFY\"}]}" \
  '["sh", "-c", "mkdir /tmp/faked && echo made > /tmp/result; test -d /tmp/faked && echo exists >> /tmp/result || echo absent >> /tmp/result"]')
rt create --bundle "$B" notify
status_is 0 "SCMP_ACT_NOTIFY with listenerPath: create exits 0"
S=$T/agent/state.json
if jq -e . "$S" >/dev/null 2>&1; then
  pass "the agent has the container process state when create returns"
  is "$(jq -r '[.ociVersion != null, (.fds | tostring), .metadata, .state.id, .state.status] | map(tostring) | join(" ")' "$S")" \
    'true ["seccompFd"] meta-42 notify creating' "the state has ociVersion, fds [seccompFd], metadata, the container's id and status creating"
  is "$(jq -r '.pid' "$S")" "$(pid_of notify)" "the state's pid is the container's"
  is "$(jq -r '.state.pid' "$S")" "$(pid_of notify)" "state.pid is the container's"
else
  fail "the agent has the container process state when create returns" "$(cat "$S" "$T/agent.err" 2>&1)"
fi
is "$(cat "$T/agent/fd" 2>&1)" "anon_inode:seccomp notify" "the fd the agent got is a seccomp listener"
rt start notify
wait_until 10 state_is notify stopped || fail "the notified container ends" "$(cat "$T/agent.err")"
is "$(tr '\n' ' ' <"$B/rootfs/tmp/result" 2>&1)" "made absent " "the agent answered the notified mkdir (faked: it reports success, nothing made)"
like "$(cat "$T/agent/notified" 2>&1)" "mkdir" "the agent saw the mkdir"
rt delete notify
wait_until 10 dead "$agent" || fail "the agent sees the filter go away" "$(cat "$T/agent.err")"

# listenerPath where no agent listens: create fails and leaves nothing.
id=noagent
b=$(sc "$id" "{defaultAction: \"SCMP_ACT_ALLOW\", listenerPath: \"$T/nobody.sock\", syscalls: [{names: [\"mkdir\"], action: \"SCMP_ACT_NOTIFY\"}]}" '["true"]')
rt create --bundle "$b" "$id"
check "no agent at listenerPath: create fails" test "$status" -ne 0
if uctr_only "no agent at listenerPath: the message names it"; then
  like "$err" "linux\.seccomp\.listenerPath: connecting to the seccomp agent at $T/nobody.sock" "no agent at listenerPath: the message names it"
fi
nothing_left "$id" "no agent at listenerPath: nothing left behind"

# Compiled filters are kept in the state root (@seccomp-cache) and used
# again for the same profile only: by run and by exec; a profile that
# differs in one value gets its own; an entry others could have written is
# not used; the directory is not a container.
if uctr_only "a compiled filter is kept and used again"; then
  P='{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 95}]}'
  MK='["sh", "-c", "mkdir /tmp/d; echo mkdir=$?"]'
  B=$(sc cache1 "$P" "$MK")
  rt --debug run --bundle "$B" cache1
  like "$err" "the compiled filter kept as @seccomp-cache/[0-9a-f]{64}" "the first container of a profile keeps its compiled filter"
  like "$err" "can't create directory '/tmp/d': Operation not supported" "the filter it compiled is loaded (errnoRet 95)"
  entry=$(sed -n 's/.*kept as @seccomp-cache\/\([0-9a-f]*\).*/\1/p' <<<"$err" | head -n 1)
  check "the kept filter is a private file of the caller's" test -O "$R/@seccomp-cache/$entry" -a "$(stat -c %a "$R/@seccomp-cache/$entry" 2>/dev/null)" = 600
  rt --debug run --bundle "$B" cache2
  like "$err" "the filter compiled before, @seccomp-cache/$entry" "the next container of the profile uses the kept filter"
  like "$err" "can't create directory '/tmp/d': Operation not supported" "the kept filter is the profile's (errnoRet 95)"

  B=$(sc cache3 "$P" '["sleep", "60"]')
  rt run -d --bundle "$B" cache3
  status_is 0 "a detached container with the profile runs"
  rt --debug exec cache3 sh -c 'mkdir /tmp/e; echo mkdir=$?'
  like "$err" "the filter compiled before, @seccomp-cache/$entry" "exec uses the kept filter too"
  like "$err" "can't create directory '/tmp/e': Operation not supported" "exec's process has the profile's filter"
  rt delete --force cache3

  B=$(sc cache4 "${P/95/96}" "$MK")
  rt --debug run --bundle "$B" cache4
  unlike "$err" "compiled before" "a profile that differs in errnoRet alone does not use another's filter"
  like "$err" "can't create directory '/tmp/d': Protocol family not supported" "it gets its own (errnoRet 96)"

  chmod 0666 "$R/@seccomp-cache/$entry"
  B=$(sc cache5 "$P" "$MK")
  rt --debug run --bundle "$B" cache5
  like "$err" "compiled filter $entry not used: .*" "a kept filter others could have written is not used"
  like "$err" "can't create directory '/tmp/d': Operation not supported" "the profile is compiled again instead"
  is "$(stat -c %a "$R/@seccomp-cache/$entry" 2>&1)" 600 "and the entry is replaced by a private one"

  rt list -q
  unlike "$out" "seccomp-cache" "list does not take the cache for a container"
fi

done_testing
