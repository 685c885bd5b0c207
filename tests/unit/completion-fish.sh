#!/bin/bash
# The fish completion (TAP): it parses (fish -n), and `complete -C LINE`
# gives what a user gets at the end of LINE, with a stand-in `uctr` on PATH
# for the container ids; against the real binary, every command of
# `uctr --help` and every option of `uctr COMMAND --help` is offered.
#
# usage: completion-fish.sh COMPLETION UCTR [FISH]
set -u
comp=$(realpath "$1") uctr=$(realpath "$2") fish=${3:-fish}
. "$(dirname "$0")/tap.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin" "$tmp/work" "$tmp/work/bundle1" "$tmp/work/bundle2" "$tmp/home"
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
cd "$tmp/work" || exit 1
# fish wants a home of its own for its variables.
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config XDG_DATA_HOME=$tmp/home/.local/share

out=$("$fish" -n "$comp" 2>&1)
is "$?:$out" "0:" "fish -n parses it"

# The candidates for the end of LINE (PATH first when given), sorted.
complete_line ()
{
  PATH=${2:-$PATH} "$fish" --no-config -c 'source $argv[1]; complete -C $argv[2]' "$comp" "$1" 2>&1 |
    cut -f1 | sort | tr '\n' ' ' | sed 's/ $//'
}

fake=$tmp/bin:$PATH
is "$(complete_line 'uctr ru' "$fake")" "run" "a command: uctr ru -> run"
is "$(complete_line 'uctr run --bu' "$fake")" "--bundle" "an option: uctr run --bu -> --bundle"
is "$(complete_line 'uctr --ro' "$fake")" "--root --rootless" "global options"
is "$(complete_line 'uctr kill ' "$fake")" "box1 box2 web" "ids from uctr list -q"
is "$(complete_line 'uctr --root /tmp/other kill ' "$fake")" "in-other" "ids under --root DIR"
is "$(complete_line 'uctr --root=/tmp/x --debug state ' "$fake")" "in-x" "ids under --root=DIR"
is "$(complete_line 'uctr --log /tmp/log delete -f ' "$fake")" "box1 box2 web" "ids after options"
is "$(complete_line 'uctr create ' "$fake")" "" "no id for create (a new one)"
is "$(complete_line 'uctr kill web SIGK' "$fake")" "SIGKILL" "a signal with SIG"
is "$(complete_line 'uctr kill web US' "$fake")" "USR1 USR2" "signal names"
is "$(complete_line 'uctr kill web TERM ' "$fake")" "" "nothing after the signal"
is "$(complete_line 'uctr run --network ' "$fake")" "none slirp slirp:" "--network MODE"
is "$(complete_line 'uctr run --rootfs / --socket ' "$fake")" "pipewire pulseaudio session-bus wayland x11" "--socket NAME"
is "$(complete_line 'uctr run --network=sl' "$fake")" "--network=slirp --network=slirp:" "--network=MODE"
is "$(complete_line 'uctr run --network slirp:' "$fake")" \
  "slirp:allow_host_loopback= slirp:cidr= slirp:dns= slirp:ipv6= slirp:mtu= slirp:outbound_addr= slirp:outbound_tcp= slirp:publish_tcp=" \
  "slirp options"
is "$(complete_line 'uctr create --network=slirp:mtu=1500,ip' "$fake")" "--network=slirp:mtu=1500,ipv6=" \
  "a second slirp option"
is "$(complete_line 'uctr run --network slirp:dns=' "$fake")" "slirp:dns=false slirp:dns=true" "a slirp boolean"
is "$(complete_line 'uctr run --network slirp:outbound_tcp=' "$fake")" \
  "slirp:outbound_tcp=handover slirp:outbound_tcp=slirp slirp:outbound_tcp=splice" "outbound_tcp's values"
is "$(complete_line 'uctr run --network=slirp:dns=false,outbound_tcp=sl' "$fake")" \
  "--network=slirp:dns=false,outbound_tcp=slirp" "outbound_tcp's value after another option"
is "$(complete_line 'uctr run --network slirp:publish_tcp=' "$fake")" \
  "slirp:publish_tcp=handover slirp:publish_tcp=relay" "publish_tcp's values"
is "$(complete_line 'uctr list --format ' "$fake")" "json table" "--format FORMAT"
is "$(complete_line 'uctr ps -f j' "$fake")" "json" "-f FORMAT"
is "$(complete_line 'uctr --log-format ' "$fake")" "json text" "--log-format"
is "$(complete_line 'uctr run -b bun' "$fake")" "bundle1/ bundle2/" "-b DIR: directories"
is "$(complete_line 'uctr exec --cap CAP_NET_R' "$fake")" "CAP_NET_RAW" "exec --cap"
is "$(complete_line 'uctr run --cap-add NET_R' "$fake")" "NET_RAW" "run --cap-add: podman's names"
is "$(complete_line 'uctr run --security-opt no' "$fake")" "no-new-privileges" "run --security-opt"
is "$(complete_line 'uctr exec web --t' "$fake")" "" "exec: no options after the id"
is "$(complete_line 'uctr exec --t' "$fake")" "--tty" "exec: options before the id"
is "$(complete_line 'uctr port ' "$fake")" "add list remove" "port operations"
is "$(complete_line 'uctr port add ' "$fake")" "box1 box2 web" "port: the id"
is "$(complete_line 'uctr port remove web ' "$fake")" "127.0.0.1:5353:53/udp 8080:80/tcp" \
  "port remove: the published specs"
is "$(complete_line 'uctr image ' "$fake")" "inspect list ls prune pull rm" "image: its commands"
is "$(complete_line 'uctr image ls --' "$fake")" "--digests --format --help --quiet --size" "image ls: the options of images"
is "$(complete_line 'uctr rmi ' "$fake")" "docker.io/library/alpine:3.20 oci:/srv/layout:v1" \
  "rmi: image names from uctr images"
is "$(complete_line 'uctr image rm -f o' "$fake")" "oci:/srv/layout:v1" "image rm: image names after a flag"
is "$(complete_line 'uctr image inspect d' "$fake")" "docker.io/library/alpine:3.20" "image inspect: an image name"
is "$(complete_line 'uctr image inspect web ' "$fake")" "" "image inspect: one image"
is "$(complete_line 'uctr run -d -p 8080:80 d' "$fake")" "docker.io/library/alpine:3.20" "run: an image name"
is "$(complete_line 'uctr run --rootfs / d' "$fake")" "" "run --rootfs: the command, not an image"
is "$(complete_line 'uctr run alpine --t' "$fake")" "" "run: no options after the image"
is "$(complete_line 'uctr run --pull ' "$fake")" "always missing never" "run --pull POLICY"
is "$(complete_line 'uctr spec --image d' "$fake")" "docker.io/library/alpine:3.20" "spec --image IMAGE"
is "$(complete_line 'uctr sy' "$fake")" "system" "system: the command"
is "$(complete_line 'uctr system ' "$fake")" "df" "system: its commands"
is "$(complete_line 'uctr system df --' "$fake")" "--help" "system df: no options but --help"
is "$(complete_line 'uctr system df ' "$fake")" "" "system df: no arguments"

# Against the real binary.
. "$(dirname "$0")/completion-all.sh"
check_everything_offered "$uctr"

tap_done
