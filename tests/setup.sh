# shellcheck shell=bash
# Shared by tests/try and tests/check (sourced, not run): the Debian packages,
# the unprivileged test users, /dev/net/tun, the build.  Everything here is
# idempotent: a second run changes nothing.

UCTR_TEST_USER=${UCTR_TEST_USER:-uctr-test}
UCTR_TEST_NOID_USER=${UCTR_TEST_NOID_USER:-uctr-test-noid}

# clang-format for tests/unit/format.sh.
# gettext: msgfmt, xgettext and msgmerge for po/ and tests/unit/i18n.sh (which
# needs no generated locale: C.UTF-8, for LANGUAGE to apply, is in libc-bin).
# From xvfb to libglib2.0-bin: the display, sound and bus servers and their
# clients that tests/integration/gui.sh runs headless (--socket, --gui).
# docker-registry to skopeo: a local registry with TLS (openssl makes its CA)
# and htpasswd auth (apache2-utils), for the image tests; fuse-overlayfs is
# the image root's fallback where kernel overlayfs is refused; debootstrap
# makes the Debian root of the image tests (setup_debian_root).
# golang-github-opencontainers-specs-dev: the runtime-spec's JSON schemas,
# for tests/integration/schema.sh where ../shared is not beside the clone.
SETUP_PACKAGES=(meson ninja-build pkg-config gcc libglib2.0-dev libjson-c-dev libcap-dev
                libslirp-dev libseccomp-dev libarchive-dev libsoup-3.0-dev nettle-dev busybox-static uidmap gettext jq python3 python3-jsonschema procps iperf3 nftables
                libc6-dev systemd iproute2 util-linux podman containerd slirp4netns catatonit
                scdoc man-db groff-base bash-completion zsh fish clang-format
                xvfb xauth x11-xserver-utils x11-apps weston wayland-utils pulseaudio pulseaudio-utils
                pipewire-bin dbus-daemon dbus-bin libglib2.0-bin
                docker-registry skopeo openssl apache2-utils fuse-overlayfs zstd debootstrap
                golang-github-opencontainers-specs-dev)
# What the robustness checks add (tests/fuzz/run, tests/check with UCTR_HARDEN):
# clang with its libFuzzer and sanitizer runtimes, llvm-symbolizer for readable
# stacks, valgrind.  The ASan/UBSan build of the suite uses gcc's own runtimes.
# shellcheck disable=SC2034 # used by the scripts that source this file
FUZZ_PACKAGES=(clang libclang-rt-14-dev llvm)
# shellcheck disable=SC2034
VALGRIND_PACKAGES=(valgrind)

say () { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die () { say "$*"; exit 1; }

is_root () { [ "$(id -u)" -eq 0 ]; }

# Runs a command as root: directly, or through sudo when it asks no password.
as_root ()
{
  if is_root; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    die "this step needs root (or sudo without a password): $*"
  fi
}

# Installs what is missing of SETUP_PACKAGES (a caller may add names to it).
setup_packages ()
{
  local p missing=()
  for p in "${SETUP_PACKAGES[@]}"; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != installed ]; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Prints the first subordinate range of user NAME in FILE as "START COUNT".
subid_range ()
{
  local name=$1 file=$2 uid
  uid=$(id -u "$name")
  awk -F: -v n="$name" -v u="$uid" '($1 == n || $1 == u) && $3 > 0 { print $2, $3; exit }' "$file" 2>/dev/null
}

# First id after every range of FILE, at least 100000.
free_subid_start ()
{
  awk -F: 'BEGIN { m = 100000 } NF >= 3 && $2 + $3 > m { m = $2 + $3 } END { print m }' "$1"
}

# Creates user NAME (with a home and its own group) when missing.
# RANGES=yes: make sure it has 65536 subordinate uids and gids;
# RANGES=no: make sure it has none (useradd may have given it some).
setup_user ()
{
  local name=$1 ranges=$2 file start uid
  if ! id -u "$name" >/dev/null 2>&1; then
    say "creating user $name"
    useradd --create-home --user-group --shell /bin/bash "$name"
  fi
  uid=$(id -u "$name")
  for file in /etc/subuid /etc/subgid; do
    [ -e "$file" ] || install -m 0644 /dev/null "$file"
    if [ "$ranges" = yes ]; then
      if [ -z "$(subid_range "$name" "$file")" ]; then
        start=$(free_subid_start "$file")
        say "adding $file range $start-$((start + 65535)) for $name"
        if [ "$file" = /etc/subuid ]; then
          usermod --add-subuids "$start-$((start + 65535))" "$name"
        else
          usermod --add-subgids "$start-$((start + 65535))" "$name"
        fi
      fi
    elif grep -qE "^($name|$uid):" "$file"; then
      say "removing the ranges of $name from $file"
      sed -i -E "/^($name|$uid):/d" "$file"
    fi
  done
  # What a login session (logind) would give the user.
  install -d -m 0700 -o "$name" -g "$(id -g "$name")" "/run/user/$uid"
}

# Runs a command as user NAME with a clean, predictable environment, from /
# (the caller's directory may be closed to NAME).
as_user ()
{
  local name=$1 uid home
  shift
  uid=$(id -u "$name")
  home=$(getent passwd "$name" | cut -d: -f6)
  (cd / && exec runuser -u "$name" -- env -i PATH="/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" \
    HOME="$home" USER="$name" LOGNAME="$name" LANG="${LANG:-C.UTF-8}" TERM="${TERM:-dumb}" \
    XDG_RUNTIME_DIR="/run/user/$uid" ${CI:+CI="$CI"} \
    ${UCTR_TEST_RUNTIME:+UCTR_TEST_RUNTIME="$UCTR_TEST_RUNTIME"} ${SCHEMA_DIR:+SCHEMA_DIR="$SCHEMA_DIR"} \
    ${UCTR_TEST_CGROUP:+UCTR_TEST_CGROUP="$UCTR_TEST_CGROUP"} \
    ${UCTR_TEST_SYSTEMD_RUNTIME:+UCTR_TEST_SYSTEMD_RUNTIME="$UCTR_TEST_SYSTEMD_RUNTIME"} \
    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
    ${UCTR_TEST_DEBIAN_ROOT:+UCTR_TEST_DEBIAN_ROOT="$UCTR_TEST_DEBIAN_ROOT"} \
    ${UCTR_TEST_TIMEOUT_MULTIPLIER:+UCTR_TEST_TIMEOUT_MULTIPLIER="$UCTR_TEST_TIMEOUT_MULTIPLIER"} \
    ${LSAN_OPTIONS:+LSAN_OPTIONS="$LSAN_OPTIONS"} ${G_SLICE:+G_SLICE="$G_SLICE"} "$@")
}

# Fails unless the user (NAME, or the caller when empty) can create a user namespace.
check_userns ()
{
  local name=${1:-} out
  if [ -n "$name" ]; then
    out=$(as_user "$name" unshare -U true 2>&1) && return 0
  else
    out=$(unshare -U true 2>&1) && return 0
  fi
  die "user namespaces do not work for ${name:-$(id -un)} ($out).
  Enable them: sysctl -w user.max_user_namespaces=15000 (and, where the kernel has them,
  kernel.unprivileged_userns_clone=1, kernel.apparmor_restrict_unprivileged_userns=0)."
}

# Makes /dev/net/tun usable by ordinary users, as distributions ship it (rootless networking).
setup_tun ()
{
  if [ ! -e /dev/net/tun ]; then
    say "warning: /dev/net/tun does not exist (modprobe tun); networking tests will fail"
  elif [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
    as_root chmod 0666 /dev/net/tun
  fi
}

# Makes /dev/fuse usable by ordinary users, as distributions ship it
# (fuse-overlayfs, the image root's fallback where the kernel refuses overlayfs).
setup_fuse ()
{
  if [ ! -e /dev/fuse ]; then
    say "warning: /dev/fuse does not exist (modprobe fuse); the fuse-overlayfs test will fail"
  elif [ "$(stat -c %a /dev/fuse)" != 666 ]; then
    as_root chmod 0666 /dev/fuse
  fi
}

# A small Debian root for the image tests (tests/integration/images.sh):
# debootstrap --variant=minbase of this machine's release from the mirror
# apt uses, without documentation, manual pages, translations and apt's
# lists, as a tar. A real distribution's files in an image: thousands of
# entries, setuid and setgid programs, hard links. Made once per machine
# (about a minute); UCTR_TEST_DEBIAN_ROOT names it for the tests.
UCTR_TEST_DEBIAN_ROOT=${UCTR_TEST_DEBIAN_ROOT:-/var/cache/uctr-tests/debian-minbase.tar}
export UCTR_TEST_DEBIAN_ROOT
setup_debian_root ()
{
  local tar=$UCTR_TEST_DEBIAN_ROOT suite mirror dir
  [ -s "$tar" ] && return 0
  suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null \
           | grep -v security | head -n 1)
  [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 !~ /^\[/ && $3 !~ /security/ { print $2; exit }' \
                                /etc/apt/sources.list 2>/dev/null)
  [ -n "$suite" ] || die "cannot tell this machine's Debian release (VERSION_CODENAME in /etc/os-release)"
  say "making the image tests' Debian root: debootstrap --variant=minbase $suite from ${mirror:-deb.debian.org}"
  dir=$(mktemp -d /var/tmp/uctr-debian-XXXXXX)
  if ! debootstrap --variant=minbase "$suite" "$dir/root" "${mirror:-http://deb.debian.org/debian}" \
         >"$dir/log" 2>&1; then
    tail -n 20 "$dir/log" >&2
    rm -rf "$dir"
    die "debootstrap failed (above); the image tests need its root"
  fi
  rm -rf "$dir/root"/usr/share/doc/* "$dir/root"/usr/share/man/* "$dir/root"/usr/share/locale/* \
    "$dir/root"/usr/share/info/* "$dir/root"/var/cache/apt/* "$dir/root"/var/lib/apt/lists/* \
    "$dir/root"/var/log/*
  tar -C "$dir/root" --numeric-owner --xattrs --xattrs-include='*' -cf "$dir/root.tar" .
  install -d -m 0755 "${tar%/*}"
  chmod 0644 "$dir/root.tar"
  mv "$dir/root.tar" "$tar"
  rm -rf "$dir"
}

# Prints a source tree that user NAME can read: SRC itself when every
# directory on the way is traversable, else a copy under /var/tmp (said loudly).
source_for_user ()
{
  local name=$1 src=$2 copy
  if as_user "$name" test -r "$src/meson.build" -a -x "$src/tests"; then
    printf '%s\n' "$src"
    return 0
  fi
  copy=/var/tmp/uctr-src-$name
  say "user $name cannot read $src (a directory on the way is not traversable: chmod o+x it,"
  say "or clone elsewhere); building from a copy in $copy instead"
  install -d -m 0755 -o "$name" -g "$(id -g "$name")" "$copy"
  find "$copy" -mindepth 1 -maxdepth 1 ! -name 'build*' -exec rm -rf {} +
  tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . | as_user "$name" tar -C "$copy" -xf -
  printf '%s\n' "$copy"
}

# The runtime-spec schemas (shared/, beside the clone) where user NAME can
# read them: in place, or a copy when the way there is closed to that user.
schema_for_user ()
{
  local name=$1 dir copy
  dir=$(cd "$2/.." && pwd)/shared/runtime-spec-schema
  [ -f "$dir/config-schema.json" ] || return 0
  if as_user "$name" test -r "$dir/config-schema.json"; then
    printf '%s\n' "$dir"
    return 0
  fi
  copy=/var/tmp/uctr-schema-$name
  rm -rf "$copy"
  install -d -m 0755 -o "$name" -g "$(id -g "$name")" "$copy"
  cp "$dir"/*.json "$copy"/
  chmod -R a+rX "$copy"
  printf '%s\n' "$copy"
}

# Configures (once, with SETUP-ARGS) and builds SRC in BUILDDIR, as the caller.
build_tree ()
{
  local src=$1 builddir=$2
  shift 2
  if [ ! -f "$builddir/build.ninja" ]; then
    if [ -f "$builddir/meson-private/coredata.dat" ]; then
      meson setup --wipe "$builddir" "$src" "$@"
    else
      meson setup "$builddir" "$src" "$@"
    fi
  fi
  ninja -C "$builddir"
}

# --- the delegated cgroup --------------------------------------------------

# Where cgroup2 is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a
# hybrid host); empty on a cgroup v1-only host.
cgroup2_mount ()
{
  awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' \
    /proc/self/mountinfo
}

# Kills what is left in cgroup DIR and below (the test run's own subtree),
# then removes them, deepest first.
remove_cgroup_tree ()
{
  local dir=$1 d
  [ -d "$dir" ] || return 0
  if [ -e "$dir/cgroup.kill" ]; then
    echo 1 >"$dir/cgroup.kill" 2>/dev/null || true
  fi
  for d in $(find "$dir" -depth -type d 2>/dev/null); do
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      rmdir "$d" 2>/dev/null && break
      [ -d "$d" ] || break
      sleep 0.1
    done
  done
  [ ! -d "$dir" ] || say "warning: could not remove the cgroup $dir"
}

# What systemd's Delegate=yes does for a user: a cgroup v2 subtree user NAME
# owns (the directory, cgroup.procs, cgroup.subtree_control, cgroup.threads),
# with the root's controllers handed down to it, and a leaf "runner" for the
# test run itself.  One per run, <v2>/uctr-test.slice/run-PID, since other runs
# may share the machine.  Prints its path; nothing without cgroup v2.
setup_cgroup ()
{
  local name=$1 mnt top dir d c avail
  mnt=$(cgroup2_mount)
  if [ -z "$mnt" ]; then
    say "no cgroup v2 on this host: the cgroup tests check the runs without one"
    return 0
  fi
  top=$mnt/uctr-test.slice
  dir=$top/run-$$
  # Runs that ended without cleaning up (their tests/check is gone): their empty subtrees go.
  for d in "$top"/run-*; do
    [ -d "$d" ] && ! kill -0 "${d##*/run-}" 2>/dev/null && ! grep -qx 'populated 1' "$d/cgroup.events" \
      && remove_cgroup_tree "$d"
  done
  mkdir -p "$top"
  # The controllers the root has, handed down (systemd hosts have them on already).
  avail=$(cat "$mnt/cgroup.controllers")
  for c in cpu cpuset io memory pids hugetlb; do
    case " $avail " in *" $c "*)
      echo "+$c" >"$mnt/cgroup.subtree_control" 2>/dev/null || true
      echo "+$c" >"$top/cgroup.subtree_control" 2>/dev/null || true ;;
    esac
  done
  mkdir -p "$dir/runner"
  for d in "$dir" "$dir/runner"; do
    chown "$name:$(id -g "$name")" "$d" "$d/cgroup.procs" "$d/cgroup.subtree_control" "$d/cgroup.threads"
  done
  printf '%s\n' "$dir"
}

# A systemd user instance for NAME, as a login starts user@UID.service: in the
# cgroup CG (made, and delegated to NAME) and with its own runtime directory
# RUNTIME, so that it meets no other instance of that user.  It runs in a
# mount namespace of its own that shows cgroup v2 at /sys/fs/cgroup (systemd
# runs a user instance on no other layout; a hybrid host mounts it elsewhere)
# and says the machine was booted with systemd.  Prints its pid; prints
# nothing (and says why) when it does not come up.
start_user_systemd ()
{
  local name=$1 cg=$2 runtime=$3 uid gid pid i
  if [ ! -x /lib/systemd/systemd ] || ! command -v setpriv >/dev/null; then
    say "no systemd or setpriv: the --systemd-cgroup tests skip"
    return 0
  fi
  uid=$(id -u "$name")
  gid=$(id -g "$name")
  mkdir -p "$cg"
  chown "$name:$gid" "$cg" "$cg/cgroup.procs" "$cg/cgroup.subtree_control" "$cg/cgroup.threads"
  install -d -m 0700 -o "$name" -g "$gid" "$runtime"
  # shellcheck disable=SC2016 # expanded by the inner shell
  unshare -m --propagation private sh -c '
    echo $$ >"$1/cgroup.procs" || exit 1
    if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then mount -t cgroup2 none /sys/fs/cgroup || exit 1; fi
    if [ ! -d /run/systemd/system ]; then
      mkdir -p /run/systemd && mount -t tmpfs none /run/systemd && mkdir /run/systemd/system || exit 1
    fi
    exec setpriv --reuid="$2" --regid="$3" --init-groups env -i PATH=/usr/bin:/bin HOME="$5" USER="$6" \
      XDG_RUNTIME_DIR="$4" /lib/systemd/systemd --user' \
    sh "$cg" "$uid" "$gid" "$runtime" "$(getent passwd "$name" | cut -d: -f6)" "$name" </dev/null >/dev/null 2>&1 &
  pid=$!
  for i in $(seq 100); do
    [ -S "$runtime/systemd/private" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ ! -S "$runtime/systemd/private" ]; then
    say "systemd --user did not start for $name: the --systemd-cgroup tests skip"
    kill "$pid" 2>/dev/null || true
    return 0
  fi
  # dbus.socket comes up with it where dbus-user-session is installed.
  for i in $(seq 20); do [ -S "$runtime/bus" ] && break; sleep 0.1; done
  printf '%s\n' "$pid"
}

# Stops the instance of start_user_systemd (PID) and removes its RUNTIME dir.
stop_user_systemd ()
{
  local pid=$1 runtime=$2 i
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$runtime" || true
}
