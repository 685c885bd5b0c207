# bash completion for uctr(1)                             -*- shell-script -*-
#
# Commands, their options and the options' values; container ids from
# `uctr list -q`, run with the --root given earlier on the line; image names
# from `uctr images --format json`. Needs nothing from the bash-completion
# package.

_uctr_commands='create delete events exec features image images kill list logs pause port ps pull resume rmi run spec
start state system update'

_uctr_signals='HUP INT QUIT ILL TRAP ABRT IOT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT STOP
TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO POLL PWR SYS RTMIN RTMAX'

_uctr_caps='AUDIT_CONTROL AUDIT_READ AUDIT_WRITE BLOCK_SUSPEND BPF CHECKPOINT_RESTORE CHOWN DAC_OVERRIDE
DAC_READ_SEARCH FOWNER FSETID IPC_LOCK IPC_OWNER KILL LEASE LINUX_IMMUTABLE MAC_ADMIN MAC_OVERRIDE MKNOD
NET_ADMIN NET_BIND_SERVICE NET_BROADCAST NET_RAW PERFMON SETFCAP SETGID SETPCAP SETUID SYS_ADMIN SYS_BOOT
SYS_CHROOT SYS_MODULE SYS_NICE SYS_PACCT SYS_PTRACE SYS_RAWIO SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG SYSLOG
WAKE_ALARM'

# The options of command $1: _uctr_opts, the long ones to offer, and
# _uctr_args, those (long and short) that take a value.
_uctr_command_options ()
{
  _uctr_args=
  case $1 in
    create | run)
      _uctr_opts='--bundle --pid-file --console-socket --preserve-fds --no-pivot --no-new-keyring --network --publish'
      _uctr_args='-b --bundle --pid-file --console-socket --preserve-fds --network -p --publish'
      if [ "$1" = run ]; then
        _uctr_opts+=' --detach --keep --no-subreaper --rootfs --read-only --writable --bind --workdir --env --env-file --tty --name --user --hostname --rm --userns --sdnotify --init --init-path --log-opt'
        _uctr_args+=' --rootfs -v --bind -w --workdir -e --env --env-file --name -u --user --hostname --userns --sdnotify --init-path --log-opt'
        _uctr_opts+=' --interactive --entrypoint --publish-all --pull'
        _uctr_args+=' --entrypoint --pull'
        _uctr_opts+=' --cap-add --cap-drop --privileged --security-opt'
        _uctr_args+=' --cap-add --cap-drop --security-opt'
        _uctr_opts+=' --device --gpu --socket --gui'
        _uctr_args+=' --device --socket'
      fi ;;
    exec)
      _uctr_opts='--console-socket --cwd --env --tty --user --additional-gids --process --detach --pid-file
                  --process-label --apparmor --no-new-privs --cap --preserve-fds --ignore-paused --cgroup'
      _uctr_args='--console-socket --cwd -e --env -u --user -g --additional-gids -p --process --pid-file
                  --process-label --apparmor -c --cap --preserve-fds --cgroup' ;;
    kill) _uctr_opts='--all' ;;
    delete) _uctr_opts='--force' ;;
    logs)
      _uctr_opts='--follow --tail --timestamps'
      _uctr_args='--tail' ;;
    list)
      _uctr_opts='--quiet --format'
      _uctr_args='-f --format' ;;
    ps | port)
      _uctr_opts='--format'
      _uctr_args='-f --format' ;;
    spec)
      _uctr_opts='--rootless --bundle --rootfs --image'
      _uctr_args='-b --bundle --rootfs --image' ;;
    pull | image-pull) _uctr_opts='--quiet' ;;
    images | image-ls | image-list)
      _uctr_opts='--digests --format --quiet --size'
      _uctr_args='--format' ;;
    rmi | image-rm) _uctr_opts='--all --force' ;;
    update)
      _uctr_opts='--resources --blkio-weight --cpu-period --cpu-quota --cpu-share --cpu-rt-period --cpu-rt-runtime
                  --cpuset-cpus --cpuset-mems --memory --memory-reservation --memory-swap --pids-limit
                  --l3-cache-schema --mem-bw-schema'
      _uctr_args="-r --cpu-shares $_uctr_opts" ;;
    events)
      _uctr_opts='--interval --stats'
      _uctr_args='--interval' ;;
    *) _uctr_opts= ;;
  esac
  _uctr_opts+=' --help'
}

# The long name of option $2 of command $1 (the short ones mean different
# things in different commands: -p is --process in exec, --publish in run).
_uctr_long_option ()
{
  case $1:$2 in
    *:--*) printf '%s\n' "$2" ;;
    *:-b) echo --bundle ;;
    run:-v) echo --bind ;;
    run:-w) echo --workdir ;;
    exec:-p) echo --process ;;
    *:-p) echo --publish ;;
    logs:-f) echo --follow ;;
    logs:-t) echo --timestamps ;;
    *:-f) echo --format ;;
    *:-e) echo --env ;;
    *:-u) echo --user ;;
    *:-g) echo --additional-gids ;;
    *:-c) echo --cap ;;
    *:-r) echo --resources ;;
    *:-P) echo --publish-all ;;
    *:-i) echo --interactive ;;
    *:-q) echo --quiet ;;
    *) printf '%s\n' "$2" ;;
  esac
}

# COMP_WORDS split where bash splits words (COMP_WORDBREAKS: = and :), glued
# back: "--network" "=" "slirp" ":" "mtu" is one word. Sets words and cword.
_uctr_words ()
{
  local i w j=-1 glue=0
  words=()
  cword=0
  for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
    w=${COMP_WORDS[i]}
    if [ $i -gt 0 ] && { [ $glue = 1 ] || { [[ $w == [=:] ]] && [[ $COMP_WORDBREAKS == *"$w"* ]]; }; }; then
      words[j]+=$w
    else
      j=$((j + 1))
      words[j]=$w
    fi
    glue=0
    [[ $w == [=:] ]] && [[ $COMP_WORDBREAKS == *"$w"* ]] && glue=1
    [ $i -eq "$COMP_CWORD" ] && cword=$j
  done
  return 0
}

# Cuts off the start of each COMPREPLY entry that bash will not replace:
# bash replaces only what follows the last = or : of word $1.
_uctr_trim ()
{
  local breaks= keep
  [[ $COMP_WORDBREAKS == *=* ]] && breaks+='='
  [[ $COMP_WORDBREAKS == *:* ]] && breaks+=':'
  [ -n "$breaks" ] || return 0
  keep=${1##*[$breaks]}
  keep=${1%"$keep"}
  [ -n "$keep" ] && COMPREPLY=("${COMPREPLY[@]#"$keep"}")
  return 0
}

# COMPREPLY gets the words of $1 that start with $2, the value typed so far,
# written after $3 in the word ("--format=" or nothing).
_uctr_reply ()
{
  local IFS=$' \t\n' c
  COMPREPLY=($(compgen -P "${3-}" -W "$1" -- "$2"))
  _uctr_trim "${3-}$2"
  for c in "${COMPREPLY[@]}"; do
    [[ $c == *[=:,] ]] && { compopt -o nospace 2>/dev/null; break; }
  done
  return 0
}

# Files (-f) or directories (-d) for value $2, written after $3.
_uctr_files ()
{
  local IFS=$'\n'
  COMPREPLY=($(compgen "$1" -P "$3" -- "$2"))
  _uctr_trim "$3$2"
  compopt -o filenames 2>/dev/null
  return 0
}

# The uctr of the command line, with its --root.
_uctr_run ()
{
  local cmd=${words[0]}
  [[ $cmd == "~/"* ]] && cmd=$HOME/${cmd#"~/"}
  [ -x "$cmd" ] || cmd=uctr
  "$cmd" "${_uctr_root[@]}" "$@" 2>/dev/null
}

# What --network takes: none, slirp, slirp:NAME=VALUE,...
_uctr_network_values ()
{
  local v=$1 rest last before name o
  case $v in
    slirp:*)
      rest=${v#slirp:}
      last=${rest##*,}
      before=${v%"$last"}
      if [[ $last == *=* ]]; then
        name=${last%%=*}
        case $name in
          ipv6 | allow_host_loopback | dns) echo "$before$name=true $before$name=false" ;;
          outbound_tcp) echo "$before$name=splice $before$name=handover $before$name=slirp" ;;
          publish_tcp) echo "$before$name=relay $before$name=handover" ;;
        esac
      else
        for o in mtu cidr ipv6 allow_host_loopback dns outbound_addr outbound_tcp publish_tcp; do
          [[ ",$rest" == *",$o="* ]] || printf '%s ' "$before$o="
        done
      fi ;;
    *) echo 'none slirp slirp:' ;;
  esac
}

# The published ports of container $1, as SPECs for `port remove`.
_uctr_port_specs ()
{
  _uctr_run port list "$1" | awk 'NR > 1 && NF == 4 { printf "%s%s:%s/%s\n", ($1 == "*" ? "" : $1 ":"), $2, $3, $4 }'
}

# The names of the images in the store (the Name members of the JSON).
_uctr_images ()
{
  _uctr_run images --format json | sed -n 's/^ *"Name" *: *"\(.*\)",\{0,1\}$/\1/p'
}

# Value $2 of option $1 (long) of command $3; $4 is what precedes the value
# in the word ("--network=" or "").
_uctr_value ()
{
  case $1 in
    --root | --bundle | --rootfs | --workdir) _uctr_files -d "$2" "$4" ;;
    --bind | --device) _uctr_files -f "$2" "$4" ;;
    --socket) _uctr_reply 'wayland x11 pulseaudio pipewire session-bus' "$2" "$4" ;;
    --log | --pid-file | --console-socket | --process | --resources | --init-path) _uctr_files -f "$2" "$4" ;;
    --log-format) _uctr_reply 'text json' "$2" "$4" ;;
    --rootless) _uctr_reply 'true false auto' "$2" "$4" ;;
    --sdnotify) _uctr_reply 'container conmon ignore' "$2" "$4" ;;
    --pull) _uctr_reply 'missing always never' "$2" "$4" ;;
    --image) _uctr_reply "$(_uctr_images)" "$2" "$4" ;;
    --format) _uctr_reply 'table json' "$2" "$4" ;;
    --network) _uctr_reply "$(_uctr_network_values "$2")" "$2" "$4" ;;
    --cap) _uctr_reply "$(printf 'CAP_%s ' $_uctr_caps)" "$2" "$4" ;;
    --cap-add | --cap-drop) _uctr_reply "$_uctr_caps ALL" "$2" "$4" ;;
    --security-opt)
      if [[ $2 == seccomp=?* && $2 != seccomp=u* ]]; then
        _uctr_files -f "${2#seccomp=}" "$4seccomp="
      else
        _uctr_reply 'seccomp=unconfined seccomp= no-new-privileges' "$2" "$4"
      fi ;;
    --interval) _uctr_reply '1s 5s 30s 1m' "$2" "$4" ;;
    --userns) _uctr_reply 'keep-id' "$2" "$4" ;;
    --log-opt) _uctr_reply 'max-size=' "$2" "$4" ;;
    --tail) _uctr_reply '-1 10 100' "$2" "$4" ;;
    *) COMPREPLY=() ;;
  esac
}

# Positional argument number $2 (from 1) of command $1, $3 the ones before.
_uctr_positional ()
{
  local cmd=$1 n=$2 cur=$3
  shift 3
  case $cmd:$n in
    start:1 | state:1 | delete:1 | kill:1 | exec:1 | ps:1 | pause:1 | resume:1 | update:1 | events:1 | logs:1 | port:2)
      _uctr_reply "$(_uctr_run list -q)" "$cur" ;;
    kill:2)
      if [[ $cur == [Ss][Ii][Gg]* ]]; then
        _uctr_reply "$(printf 'SIG%s ' $_uctr_signals)" "$cur"
      else
        _uctr_reply "$_uctr_signals" "$cur"
      fi ;;
    port:1) _uctr_reply 'add remove list' "$cur" ;;
    image:1) _uctr_reply 'ls list pull rm prune inspect' "$cur" ;;
    system:1) _uctr_reply 'df' "$cur" ;;
    # run's first argument: an image (a bundle's id is a new name); with
    # --rootfs it is the command.
    run:1) [ "$_uctr_rootfs" = 1 ] || _uctr_reply "$(_uctr_images)" "$cur" ;;
    rmi:* | image-rm:* | image-inspect:1) _uctr_reply "$(_uctr_images)" "$cur" ;;
    port:3) [ "$1" = remove ] && _uctr_reply "$(_uctr_port_specs "$2")" "$cur" ;;
    *) COMPREPLY=() ;;
  esac
}

_uctr ()
{
  local words cword cur w i cmd= cmd_at=0 value_of= long _uctr_rootfs=0
  local -a _uctr_root=() positional=()
  local _uctr_opts _uctr_args

  COMPREPLY=()
  _uctr_words
  cur=${words[cword]}

  # Global options, up to the command.
  for ((i = 1; i < cword; i++)); do
    w=${words[i]}
    case $w in
      --root=*) _uctr_root=(--root "${w#--root=}") ;;
      --root | --log | --log-format | --rootless)
        if [ $((i + 1)) -eq "$cword" ]; then
          value_of=$w
          break
        fi
        [ "$w" = --root ] && _uctr_root=(--root "${words[i + 1]}")
        i=$((i + 1)) ;;
      -*) ;;
      *) cmd=$w cmd_at=$i; break ;;
    esac
  done
  [[ ${_uctr_root[1]:-} == "~/"* ]] && _uctr_root[1]=$HOME/${_uctr_root[1]#"~/"}

  if [ -z "$cmd" ]; then
    if [ -n "$value_of" ]; then
      _uctr_value "$value_of" "$cur" "" ""
    elif [[ $cur == --*=* ]]; then
      _uctr_value "${cur%%=*}" "${cur#*=}" "" "${cur%%=*}="
    elif [[ $cur == -* ]]; then
      _uctr_reply '--root --log --log-format --debug --systemd-cgroup --rootless --version --help' "$cur"
    else
      _uctr_reply "$_uctr_commands" "$cur"
    fi
    return 0
  fi

  # The subcommands of image and system are commands of their own: image-ls,
  # image-rm, system-df ...
  if [[ $cmd == image || $cmd == system ]] && [ $((cmd_at + 1)) -lt "$cword" ] \
    && [[ ${words[cmd_at + 1]} != -* ]]; then
    cmd=$cmd-${words[cmd_at + 1]}
    cmd_at=$((cmd_at + 1))
  fi

  # The command's options and positional arguments so far. exec and ps take
  # no options after their first argument (the rest is the command, or ps's),
  # nor run after its image.
  _uctr_command_options "$cmd"
  local options=1 args=" $(echo $_uctr_args) "
  for ((i = cmd_at + 1; i < cword; i++)); do
    w=${words[i]}
    if [ $options = 1 ] && [ "$w" = -- ]; then
      options=0
    elif [ $options = 1 ] && [[ $w == -?* ]]; then
      [[ $w == --rootfs || $w == --rootfs=* ]] && _uctr_rootfs=1
      if [[ $w != *=* ]] && [[ $args == *" $w "* ]]; then
        if [ $((i + 1)) -eq "$cword" ]; then
          _uctr_value "$(_uctr_long_option "$cmd" "$w")" "$cur" "$cmd" ""
          return 0
        fi
        i=$((i + 1))
      fi
    else
      positional+=("$w")
      case $cmd in exec | ps | run) options=0 ;; esac
    fi
  done

  if [ $options = 1 ] && [[ $cur == --*=* ]]; then
    _uctr_value "${cur%%=*}" "${cur#*=}" "$cmd" "${cur%%=*}="
  elif [ $options = 1 ] && [[ $cur == -* ]]; then
    _uctr_reply "$(echo $_uctr_opts)" "$cur"
  else
    _uctr_positional "$cmd" $((${#positional[@]} + 1)) "$cur" "${positional[@]}"
  fi
  return 0
}

complete -F _uctr uctr
