# shellcheck shell=bash
# Shared by tests/try and tests/check (sourced, not run): the Debian packages,
# the unprivileged test users, /dev/net/tun, the build.  Everything here is
# idempotent: a second run changes nothing.

UCTR_TEST_USER=${UCTR_TEST_USER:-uctr-test}
UCTR_TEST_NOID_USER=${UCTR_TEST_NOID_USER:-uctr-test-noid}

SETUP_PACKAGES=(meson ninja-build pkg-config gcc libglib2.0-dev libjson-glib-dev libcap-dev
                libslirp-dev libseccomp-dev busybox-static uidmap gettext jq python3 python3-jsonschema procps iperf3
                libc6-dev systemd iproute2 util-linux scdoc man-db groff-base bash-completion zsh fish)

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
    ${UCTR_TEST_RUNTIME:+UCTR_TEST_RUNTIME="$UCTR_TEST_RUNTIME"} ${SCHEMA_DIR:+SCHEMA_DIR="$SCHEMA_DIR"} "$@")
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

# Configures (once) and builds SRC in BUILDDIR, as the caller.
build_tree ()
{
  local src=$1 builddir=$2
  if [ ! -f "$builddir/build.ninja" ]; then
    if [ -f "$builddir/meson-private/coredata.dat" ]; then
      meson setup --wipe "$builddir" "$src"
    else
      meson setup "$builddir" "$src"
    fi
  fi
  ninja -C "$builddir"
}
