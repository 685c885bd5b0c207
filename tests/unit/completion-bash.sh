#!/bin/bash
# The bash completion (TAP): sourced here, its function called the way bash
# calls it (COMP_WORDS split at COMP_WORDBREAKS, COMP_CWORD), with a stand-in
# `uctr` on PATH for the container ids; and, against the real binary, every
# command of `uctr --help` and every option of `uctr COMMAND --help` offered.
#
# usage: completion-bash.sh COMPLETION UCTR
set -u
comp=$(realpath "$1") uctr=$(realpath "$2")
. "$(dirname "$0")/tap.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The stand-in: ids for `list -q` (by --root), ports for `port list`.
mkdir "$tmp/bin" "$tmp/work" "$tmp/work/bundle1" "$tmp/work/bundle2"
touch "$tmp/work/proc.json"
cat >"$tmp/bin/uctr" <<'EOF'
#!/bin/sh
root=default
if [ "$1" = --root ]; then root=$2; shift 2; fi
case "$1 $2" in
  "list -q")
    if [ "$root" = default ]; then printf 'box1\nbox2\nweb\n'; else printf 'in-%s\n' "${root##*/}"; fi ;;
  "port list")
    printf 'HOST IP     HOST PORT   CONTAINER PORT   PROTO\n*           8080        80               tcp\n'
    printf '127.0.0.1   5353        53               udp\n' ;;
  "images --format")
    printf '[\n  {\n    "Name" : "docker.io/library/alpine:3.20",\n    "Tag" : "3.20"\n  },\n'
    printf '  {\n    "Name" : "oci:/srv/layout:v1",\n    "Tag" : "<none>"\n  }\n]\n' ;;
esac
EOF
chmod +x "$tmp/bin/uctr"
PATH=$tmp/bin:$PATH
cd "$tmp/work" || exit 1

COMP_WORDBREAKS=$' \t\n"\'><=;|&(:'
# shellcheck source=/dev/null
. "$comp" || { echo "not ok 1 - the completion loads"; echo "1..1"; exit 1; }
is "$(complete -p uctr 2>&1)" "complete -F _uctr uctr" "sourcing it registers _uctr for uctr"

# COMPREPLY, sorted, for the cursor at the end of LINE.
complete_line ()
{
  local line=$1 tok part
  local -a toks
  COMP_WORDS=()
  read -ra toks <<<"$line"
  for tok in "${toks[@]}"; do
    while [ -n "$tok" ]; do
      if [[ $tok == [=:]* ]]; then
        COMP_WORDS+=("${tok:0:1}")
        tok=${tok:1}
      else
        part=${tok%%[=:]*}
        COMP_WORDS+=("$part")
        tok=${tok#"$part"}
      fi
    done
  done
  [[ $line == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE=$line
  COMP_POINT=${#line}
  COMPREPLY=()
  _uctr uctr "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

is "$(complete_line 'uctr ru')" "run" "a command: uctr ru -> run"
is "$(complete_line 'uctr s')" "spec start state system" "commands: uctr s"
is "$(complete_line 'uctr run --bu')" "--bundle" "an option: uctr run --bu -> --bundle"
is "$(complete_line 'uctr --ro')" "--root --rootless" "global options: uctr --ro"
is "$(complete_line 'uctr kill ')" "box1 box2 web" "ids from uctr list -q"
is "$(complete_line 'uctr kill b')" "box1 box2" "ids starting with b"
is "$(complete_line 'uctr --root /tmp/other kill ')" "in-other" "ids under --root DIR"
is "$(complete_line 'uctr --root=/tmp/x --debug state ')" "in-x" "ids under --root=DIR"
is "$(complete_line 'uctr --log /tmp/log delete -f ')" "box1 box2 web" "ids after an option with a value and a flag"
is "$(complete_line 'uctr create ')" "" "no id for create (a new one)"
is "$(complete_line 'uctr kill web SIGK')" "SIGKILL" "a signal with SIG"
is "$(complete_line 'uctr kill web US')" "USR1 USR2" "signal names"
is "$(complete_line 'uctr kill web TERM ')" "" "nothing after the signal"
is "$(complete_line 'uctr run --network ')" "none slirp slirp:" "--network MODE"
is "$(complete_line 'uctr run --network=sl')" "slirp slirp:" "--network=MODE (bash replaces after =)"
is "$(complete_line 'uctr run --network slirp:')" \
  "allow_host_loopback= cidr= dns= ipv6= mtu= outbound_addr= outbound_tcp= publish_tcp=" "slirp options (bash replaces after :)"
# bash replaces what follows the last = there: "1500,ip".
is "$(complete_line 'uctr create --network=slirp:mtu=1500,ip')" "1500,ipv6=" "a second slirp option"
is "$(complete_line 'uctr run --network slirp:ipv6=false,')" \
  "false,allow_host_loopback= false,cidr= false,dns= false,mtu= false,outbound_addr= false,outbound_tcp= false,publish_tcp=" \
  "slirp options not given yet"
is "$(complete_line 'uctr run --network slirp:dns=')" "false true" "a slirp boolean"
is "$(complete_line 'uctr run --network slirp:outbound_tcp=')" "handover slirp splice" "outbound_tcp's values"
is "$(complete_line 'uctr run --network slirp:mtu=1500,outbound_tcp=sp')" "splice" "outbound_tcp's value after another option"
is "$(complete_line 'uctr run --network slirp:publish_tcp=')" "handover relay" "publish_tcp's values"
is "$(complete_line 'uctr list --format ')" "json table" "--format FORMAT"
is "$(complete_line 'uctr ps -f j')" "json" "-f FORMAT"
is "$(complete_line 'uctr port list --format=t')" "table" "--format=FORMAT"
is "$(complete_line 'uctr --log-format ')" "json text" "--log-format"
is "$(complete_line 'uctr --rootless=')" "auto false true" "--rootless="
is "$(complete_line 'uctr run --rootfs / --socket=p')" "pipewire pulseaudio" "--socket=NAME"
is "$(complete_line 'uctr run --rootfs / --socket ')" "pipewire pulseaudio session-bus wayland x11" "--socket NAME"
is "$(complete_line 'uctr run -b bun')" "bundle1 bundle2" "-b DIR: directories"
is "$(complete_line 'uctr spec --bundle=bun')" "bundle1 bundle2" "--bundle=DIR: directories"
is "$(complete_line 'uctr exec -p pr')" "proc.json" "exec -p is --process FILE"
is "$(complete_line 'uctr run -p ')" "" "run -p is --publish: no files"
is "$(complete_line 'uctr exec --cap CAP_NET_R')" "CAP_NET_RAW" "exec --cap"
is "$(complete_line 'uctr run --cap-add NET_R')" "NET_RAW" "run --cap-add: podman's names"
is "$(complete_line 'uctr run --cap-drop=AL')" "ALL" "run --cap-drop=ALL"
is "$(complete_line 'uctr run --security-opt ')" "no-new-privileges seccomp= seccomp=unconfined" "run --security-opt"
is "$(complete_line 'uctr run --security-opt seccomp=pr')" "proc.json" "run --security-opt seccomp=PATH: files"
is "$(complete_line 'uctr exec web ')" "" "exec: the command after the id is the container's"
is "$(complete_line 'uctr exec web --t')" "" "exec: no options after the id"
is "$(complete_line 'uctr exec --t')" "--tty" "exec: options before the id"
is "$(complete_line 'uctr run box -- ')" "" "nothing after --"
is "$(complete_line 'uctr port ')" "add list remove" "port operations"
is "$(complete_line 'uctr port add ')" "box1 box2 web" "port: the id"
is "$(complete_line 'uctr port remove web ')" "127.0.0.1:5353:53/udp 8080:80/tcp" "port remove: the published specs"
is "$(complete_line 'uctr image ')" "inspect list ls prune pull rm" "image: its commands"
is "$(complete_line 'uctr image ls --')" "--digests --format --help --quiet --size" "image ls: the options of images"
is "$(complete_line 'uctr rmi ')" "docker.io/library/alpine:3.20 oci:/srv/layout:v1" "rmi: image names from uctr images"
# bash replaces what follows the last : there.
is "$(complete_line 'uctr rmi docker.io/library/alpine:3')" "3.20" "rmi: a name with a tag"
is "$(complete_line 'uctr image rm -f o')" "oci:/srv/layout:v1" "image rm: image names after a flag"
is "$(complete_line 'uctr image inspect d')" "docker.io/library/alpine:3.20" "image inspect: an image name"
is "$(complete_line 'uctr image inspect web ')" "" "image inspect: one image"
is "$(complete_line 'uctr run -d -p 8080:80 d')" "docker.io/library/alpine:3.20" "run: an image name"
is "$(complete_line 'uctr run --rootfs / d')" "" "run --rootfs: the command, not an image"
is "$(complete_line 'uctr run alpine --t')" "" "run: no options after the image"
is "$(complete_line 'uctr run --pull ')" "always missing never" "run --pull POLICY"
is "$(complete_line 'uctr spec --image=d')" "docker.io/library/alpine:3.20" "spec --image=IMAGE"
is "$(complete_line 'uctr sy')" "system" "system: the command"
is "$(complete_line 'uctr system ')" "df" "system: its commands"
is "$(complete_line 'uctr system df --')" "--help" "system df: no options but --help"
is "$(complete_line 'uctr system df ')" "" "system df: no arguments"

# Against the real binary: every command and every option is offered.
PATH=${PATH#"$tmp/bin:"}
. "$(dirname "$0")/completion-all.sh"
check_everything_offered "$uctr"

tap_done
