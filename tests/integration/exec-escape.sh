#!/bin/bash
# The process's executable never comes from the host through a file
# descriptor of the runtime (CVE-2024-21626): for every fd number N from 3
# to 64, process.args[0] = /proc/self/fd/N/../../..<host path>, an image
# symlink to it (found on PATH and by absolute path), and an image script
# whose #! interpreter is such a path, with `run`, with `create` + `start`
# and with `exec`. The host file they aim at (pwned.c, static) prints
# PWNED and leaves a mark in a directory bound into the container: neither
# may ever appear, each attempt fails cleanly, and nothing is left
# behind. The last form is resolved by the kernel itself during execve, so
# it also shows that no fd of the host is open at that moment.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

uctr_only "the executable's lookup" || { done_testing; exit 0; }

FIRST_FD=3
LAST_FD=64
# The sanitizer run (tests/check, UCTR_HARDEN) looks for memory errors, which
# the first few fds find as well as all 62: it keeps to those.
if [ -n "${ASAN_OPTIONS:-}" ]; then LAST_FD=10; fi
OUTSIDE=$T/outside
MARK=$T/mark
mkdir -p "$OUTSIDE" "$MARK"
cp "${PWNED:?meson test sets PWNED}" "$OUTSIDE/evil"

# Far more ".." than any directory an fd could be on is deep: they stop at /.
UP=$(printf '../%.0s' $(seq 20))
via_fd () { printf '/proc/self/fd/%s/%s%s' "$1" "$UP" "${OUTSIDE#/}/evil"; }

# One bundle for every attempt: its image has, for each N, bin/evil-N (a
# symlink through fd N) and bin/she-N (a script whose interpreter is reached
# through fd N); config.json is rewritten for each.
b=$(mkbundle escape ".mounts += [{destination: \"/mark\", type: \"bind\", source: \"$MARK\", options: [\"rbind\"]}]")
base=$(cat "$b/config.json")
for n in $(seq $FIRST_FD $LAST_FD); do
  ln -s "$(via_fd "$n")" "$b/rootfs/bin/evil-$n"
  printf '#!%s\n' "$(via_fd "$n")" >"$b/rootfs/bin/she-$n"
  chmod 0755 "$b/rootfs/bin/she-$n"
done

# Each entry point tries the fd as args[0], an image symlink (found on PATH
# or by its absolute path: one resolution either way) and, where the init
# runs it, a script.
declare -A forms=([run]="args symlink-path script" [create]="args symlink-abs script" [exec]="args symlink-path")
args_for ()
{
  case $1 in
    args) args_json "$(via_fd "$2")" ;;
    symlink-path) args_json "evil-$2" ;;
    symlink-abs) args_json "/bin/evil-$2" ;;
    script) args_json "she-$2" ;;
  esac
}

# call TAG ARGS...: the runtime with this file's root and limit, its
# output in $T/TAG.out and $T/TAG.err; prints its exit status.
call ()
{
  local tag=$1 st=0
  shift
  UCTR_TEST_TAG=$T timeout -k 5 "$CALL_TIMEOUT" "$RT" --root "$R" "$@" </dev/null >"$T/$tag.out" 2>"$T/$tag.err" || st=$?
  echo "$st"
}

# verdict WHAT STATUS TAG [MAY_PASS]: a line when the host's file ran, or
# when the attempt was not refused with an error about the exec.
verdict ()
{
  local what=$1 st=$2 tag=$3 may_pass=${4:-}
  if grep -q PWNED "$T/$tag.out" || [ -e "$MARK/pwned-$tag" ]; then
    echo "$what: the host's file ran"
  elif [ "$st" -eq 0 ] && [ -z "$may_pass" ]; then
    echo "$what: accepted"
  elif [ "$st" -ne 0 ] && ! grep -qE 'exec: |exec of the container process failed' "$T/$tag.err"; then
    echo "$what: an unexpected error: $(cat "$T/$tag.err")"
  fi
}

# attempt ENTRY FORM N: one try; a config of its own, a line per failure.
attempt ()
{
  local entry=$1 form=$2 n=$3 tag="$1-$2-$3" bundle=$T/b-$1-$2-$3 st
  mkdir -p "$bundle"
  ln -s "$b/rootfs" "$bundle/rootfs"
  jq --argjson a "$(args_for "$form" "$n")" --arg m "/mark/pwned-$tag" \
    '.process.args = $a | .process.env += ["MARK=" + $m]' <<<"$base" >"$bundle/config.json"
  case $entry in
    run)
      st=$(call "$tag" run --bundle "$bundle" "$tag")
      verdict "run, $form, fd $n" "$st" "$tag" ;;
    create)
      # A lookup that fails ends create; a script gets as far as its exec, at start.
      st=$(call "$tag" create --bundle "$bundle" "$tag")
      if [ "$st" -eq 0 ]; then
        [ "$form" = script ] || echo "create, $form, fd $n: accepted"
        st=$(call "$tag" start "$tag")
        verdict "start, $form, fd $n" "$st" "$tag" may-pass
        call "$tag-delete" delete --force "$tag" >/dev/null
      else
        verdict "create, $form, fd $n" "$st" "$tag"
      fi ;;
    exec)
      case $form in
        args) st=$(call "$tag" exec --env "MARK=/mark/pwned-$tag" target "$(via_fd "$n")") ;;
        symlink-path) st=$(call "$tag" exec --env "MARK=/mark/pwned-$tag" target "evil-$n") ;;
        symlink-abs) st=$(call "$tag" exec --env "MARK=/mark/pwned-$tag" target "/bin/evil-$n") ;;
        script) st=$(call "$tag" exec --env "MARK=/mark/pwned-$tag" target "she-$n") ;;
      esac
      verdict "exec, $form, fd $n" "$st" "$tag" ;;
  esac
  rm -rf "$bundle"
}

# every ENTRY: each form for every N, in four workers (most of a try is
# waiting on the kernel and newuidmap); one test point per form.
SHARDS=4
every ()
{
  local entry=$1 form shard pids f
  for form in ${forms[$entry]}; do
    pids=()
    for shard in $(seq 0 $((SHARDS - 1))); do
      (
        for n in $(seq $((FIRST_FD + shard)) $SHARDS $LAST_FD); do attempt "$entry" "$form" "$n"; done
      ) >"$T/failures-$entry-$form-$shard" 2>&1 &
      pids+=($!)
      track_pid $!
    done
    wait "${pids[@]}" || true
    f=$(cat "$T/failures-$entry-$form"-*)
    if [ -z "$f" ]; then
      pass "$entry: $form through /proc/self/fd/N (N = $FIRST_FD..$LAST_FD) never runs the host's file"
    else
      fail "$entry: $form through /proc/self/fd/N never runs the host's file" "$f"
    fi
  done
}

every run
every create

# The by-hand walk of kernels without openat2 (before 5.6) follows no magic
# link either: the fds a runtime has open first, with run.
(
  export UCTR_TEST_NO_OPENAT2=1
  for n in $(seq 3 9); do
    attempt run args "$n"
    attempt run symlink-path "$n"
  done
) >"$T/failures-walk" 2>&1
is "$(cat "$T/failures-walk")" "" "without openat2: the walk never runs the host's file either (fds 3..9)"

jq '.process.args = ["sleep", "600"]' <<<"$base" >"$b/config.json"
rt run --detach --bundle "$b" target
is "$status" 0 "a container to exec in"
every exec
rt delete --force target

is "$(state_entries)" "" "no state dir is left"
is "$(ls -A "$MARK")" "" "no mark was made"
nothing_left target "nothing is left behind"

# The host's path itself: looked up inside the root, where it does not exist.
jq --argjson a "$(args_json "$OUTSIDE/evil")" '.process.args = $a' <<<"$base" >"$b/config.json"
rt run --bundle "$b" abs
like "$err" "exec: \"$OUTSIDE/evil\"" "args[0] = a host path is looked up inside the root only"
unlike "$out" PWNED "and the host's file does not run"

# CVE-2019-5736: while the init execs, its /proc/self/exe is uctr, and a
# script whose #! line reaches that exe (/proc/self/exe, /proc/1/exe ...)
# runs that binary with the image's dynamic loader (here a probe that says
# what it was loaded for). What the container reaches that way must never
# be a uctr it could write. Where the binary is one (the build tree's, or
# any as root), a new container's init execs through the sealed trampoline
# (uctr-dmz, static: the probe never runs, and it refuses to serve), and
# everywhere else uctr runs from a sealed copy in memory (selfexe.c): exec,
# and a create whose seccomp filter may refuse the trampoline's execveat.
# An installed binary owned by root is reached as it is, unwritable.
# reached TAG: what TAG's #! line reached, as a word (or what it saw).
reached ()
{
  local out exe seals
  out=$(cat "$T/$1.out")
  if grep -q "uctr's exec trampoline" "$T/$1.err"; then
    echo trampoline
  elif [[ $out =~ ^exe\ ([0-9]+:[0-9]+)\ seals\ (-?[0-9]+) ]]; then
    exe=${BASH_REMATCH[1]}
    seals=${BASH_REMATCH[2]}
    if [ "$exe" = "$(stat -L -c %d:%i "$UCTR")" ]; then
      if [ "$(stat -L -c %u "$UCTR")" = 0 ] && [ ! -w "$UCTR" ]; then echo installed; else echo "the uctr binary on the host"; fi
    elif [ "$seals" -ge 0 ] && [ $((seals & 8)) -eq 8 ]; then
      echo "sealed copy"
    else
      echo "an unsealed file ($out)"
    fi
  else
    echo "nothing known: $out $(cat "$T/$1.err")"
  fi
}
# expect WHAT TAG WANT: the word reached, or "installed" when uctr is.
expect_reached ()
{
  local got
  got=$(reached "$2")
  if [ "$EXPOSED" = no ]; then
    is "$got" installed "$1: reaches the installed uctr, which the container's ids cannot write"
  else
    is "$got" "$3" "$1: reaches the $3, never the uctr binary"
  fi
}
EXPOSED=yes
if [ "$(id -u)" != 0 ] && [ "$(stat -L -c %u "$UCTR")" = 0 ] && [ -z "$(find -L "$UCTR" -perm /022)" ]; then
  EXPOSED=no
fi
if [ -n "${EXE_PROBE:-}" ]; then
  mkdir -p "$b/rootfs/lib64"
  cp "$EXE_PROBE" "$b/rootfs/lib64/ld-linux-x86-64.so.2"
  printf '#!/proc/self/exe\n' >"$b/rootfs/bin/viaexe"
  printf '#!/proc/1/exe\n' >"$b/rootfs/bin/viapid1"
  printf '#!/proc/thread-self/exe\n' >"$b/rootfs/bin/viathread"
  chmod 0755 "$b/rootfs/bin/viaexe" "$b/rootfs/bin/viapid1" "$b/rootfs/bin/viathread"
  for script in viaexe viapid1 viathread; do
    jq --arg s "$script" '.process.args = [$s]' <<<"$base" >"$b/config.json"
    st=$(call "run-$script" run --bundle "$b" "run-$script")
    expect_reached "run, #!$(head -c 40 "$b/rootfs/bin/$script" | sed -n '1s/^#!//p')" "run-$script" trampoline
    nothing_left "run-$script" "run, $script: nothing left behind"
  done
  jq '.process.args = ["viaexe"]' <<<"$base" >"$b/config.json"
  st=$(call create-viaexe create --bundle "$b" create-viaexe)
  is "$st" 0 "create of a #!/proc/self/exe script"
  st=$(call create-viaexe start create-viaexe)
  expect_reached "create + start, #!/proc/self/exe" create-viaexe trampoline
  call create-viaexe-delete delete --force create-viaexe >/dev/null
  nothing_left create-viaexe "create + start: nothing left behind"
  # A filter that refuses execveat: no trampoline, the sealed copy.
  jq '.process.args = ["viaexe"] | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [{names: ["execveat"], action: "SCMP_ACT_ERRNO"}]}' <<<"$base" >"$b/config.json"
  st=$(call seccomp-viaexe run --bundle "$b" seccomp-viaexe)
  expect_reached "run under a filter refusing execveat, #!/proc/self/exe" seccomp-viaexe "sealed copy"
  nothing_left seccomp-viaexe "under that filter: nothing left behind"
  jq '.process.args = ["sleep", "600"]' <<<"$base" >"$b/config.json"
  rt run --detach --bundle "$b" target2
  for script in viaexe viathread; do
    st=$(call "exec-$script" exec target2 "$script")
    expect_reached "exec, $script" "exec-$script" "sealed copy"
  done
  rt delete --force target2
  nothing_left target2 "exec: nothing left behind"
else
  skip "#!/proc/self/exe" "the probe is x86-64 only"
fi

# A filter around uctr itself that refuses execveat alone (a service
# manager may set one): the init reaches the trampoline through the
# container's /proc/self/fd/N instead, and never execs the process directly.
if [ "$EXPOSED" = yes ]; then
  ob=$(mkbundle outer --map single '.process.args = ["true"] | del(.annotations["uctr.subids"], .annotations["uctr.network"])')
  printf '#!/proc/self/exe\n' >"$ob/rootfs/bin/viaexe"
  chmod 0755 "$ob/rootfs/bin/viaexe"
  st=0
  UCTR_TEST_TAG=$T timeout -k 5 "$CALL_TIMEOUT" "${DENY_SYSCALL:?meson test sets DENY_SYSCALL}" execveat \
    "$RT" --root "$R" --debug run --bundle "$ob" outer-true </dev/null >"$T/outer-true.out" 2>"$T/outer-true.err" || st=$?
  is "$st" 0 "execveat refused around uctr: the process still runs ($(grep -v level=debug "$T/outer-true.err"))"
  like "$(cat "$T/outer-true.err")" "through the sealed exec trampoline" "and through the trampoline"
  edit_config "$ob" '.process.args = ["viaexe"]'
  st=0
  UCTR_TEST_TAG=$T timeout -k 5 "$CALL_TIMEOUT" "$DENY_SYSCALL" execveat "$RT" --root "$R" run --bundle "$ob" outer-viaexe \
    </dev/null >"$T/outer-viaexe.out" 2>"$T/outer-viaexe.err" || st=$?
  is "$(reached outer-viaexe)" trampoline "execveat refused around uctr, #!/proc/self/exe: reaches the trampoline"
  # The network helper too is started by its fd (base/spawn.c).
  edit_config "$ob" '.process.args = ["true"]'
  st=0
  UCTR_TEST_TAG=$T timeout -k 5 "$CALL_TIMEOUT" "$DENY_SYSCALL" execveat "$RT" --root "$R" run --network slirp \
    --bundle "$ob" outer-net </dev/null >"$T/outer-net.out" 2>"$T/outer-net.err" || st=$?
  is "$st" 0 "execveat refused around uctr: --network slirp still runs ($(cat "$T/outer-net.err"))"
  nothing_left outer-true "execveat refused around uctr: nothing left behind"
  nothing_left outer-viaexe "nor of the script"
  nothing_left outer-net "nor of the network's run"
else
  skip "execveat refused around uctr" "this uctr is installed: no trampoline"
fi

done_testing
