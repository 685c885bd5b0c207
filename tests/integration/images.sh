#!/bin/bash
# Images: uctr pull from OCI layouts, archives and a registry (Debian's
# docker-registry on loopback, with TLS from a CA made here and an htpasswd
# user); uctr run IMAGE with the image's config and an overlayfs root in
# the container's user namespace; the store's integrity (hostile images,
# pulls killed midway, removal); the files of a run as podman shows them.
# Everything in $T: the store ($XDG_DATA_HOME), registries.conf, auth.json,
# certs.d; lib.sh removes it as the ids that own it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/registry-lib.sh"
. "$(dirname "$0")/image-lib.sh"

uctr_only "images are uctr's (runc runs bundles)" || { done_testing; exit 0; }

export XDG_DATA_HOME=$T/data XDG_CONFIG_HOME=$T/config XDG_CACHE_HOME=$T/cache
export REGISTRY_AUTH_FILE=$T/auth.json CONTAINERS_REGISTRIES_CONF=$T/registries.conf
STORE=$XDG_DATA_HOME/uctr/storage
printf 'unqualified-search-registries = []\n' >"$CONTAINERS_REGISTRIES_CONF"

cleanup_hook ()
{
  registry_stop 2>/dev/null
  if [ -n "${PODMAN_ROOT:-}" ]; then
    timeout 60 podman "${PODMAN[@]}" system reset --force >/dev/null 2>&1
  fi
}

# What the store holds besides its images: layers, temps, downloads, writable layers.
store_debris ()
{
  (cd "$STORE" 2>/dev/null && find layers downloads containers -mindepth 1 -maxdepth 1 2>/dev/null | sort) || true
}

# --- an OCI layout with three layers ---------------------------------------

mkimage multi "$T/multi" --tag 1
rt pull oci:"$T/multi":1
status_is 0 "pull oci:DIR:TAG"
like "$out" '^sha256:[0-9a-f]{64}$' "pull prints the image's digest"
DIGEST=$out
rt images
like "$out" "oci:$T/multi:1 .* ${DIGEST:7:12} " "images lists it with its id"
rt images --format json
is "$(jq -r '.[0].Name + " " + .[0].Digest + " " + .[0].Created' <<<"$out")" \
  "oci:$T/multi:1 $DIGEST 2026-12-01T00:00:00Z" "images --format json"
is "$(ls "$STORE/layers" | wc -l)" 3 "one directory per layer in the store"
rt images --digests
like "$out" "$DIGEST ${DIGEST:7:12} " "images --digests shows the digest"
rt images --format json
is "$(jq '.[0].Size > .[0].CompressedSize and .[0].Size > 1000000' <<<"$out")" true \
  "images: the layers' unpacked size, and their blobs'"
rt system df
like "$out" "Images +1 +0 +[0-9.]+.MB" "system df: the image and what its layers take"

rt run oci:"$T/multi":1
status_is 0 "run IMAGE: its Entrypoint and Cmd"
is "$out" "default: from-the-image" "the image's Env reaches the process"
rt run -e GREETING=flag oci:"$T/multi":1 'echo $GREETING; id -u; id -g; pwd'
is "$out" "$(printf 'flag\n1000\n1000\n/data')" "a command replaces Cmd; -e over Env; User by name; WorkingDir"
rt run -u 0 -w / oci:"$T/multi":1 'id -u; pwd'
is "$out" "$(printf '0\n/')" "-u and -w over the image's"
rt run --entrypoint /bin/echo oci:"$T/multi":1 a b
is "$out" "a b" "--entrypoint replaces the image's"

# The layers as overlayfs shows them: whiteout, opaque directory, owners,
# modes, a hard link, a symlink, a setuid file, the top layer's change.
LIST='cd /data && for f in *; do stat -c "%n %u %g %a %h %F" "$f"; done; ls /opaque; cat /data/file /data/new'
rt run -u 0 oci:"$T/multi":1 "$LIST"
is "$out" "$(printf '%s\n' 'file 1000 1000 640 2 regular file' 'hard 1000 1000 640 2 regular file' \
  'link 0 0 777 1 symbolic link' 'new 1000 1000 600 1 regular file' 'setuid 0 0 4755 1 regular file' \
  'xattr 0 0 644 1 regular file' c first second)" "files, owners, modes, links, whiteout and opaque dir"
xattr_file=$(grep -l . "$STORE"/layers/*/data/xattr 2>/dev/null | head -1)
is "$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "user.test").decode())' "$xattr_file" 2>&1)" hello \
  "a user.* xattr of the layer is kept"
is "$(stat -c %u "$(dirname "$xattr_file")/file")" "$(($(subid_range /etc/subuid | cut -d' ' -f1) + 999))" \
  "layer files are owned by the subordinate range, as podman's"

# The image's Volumes: a directory of the container's, the image's files copied in.
rt run -u 0 oci:"$T/multi":1 'grep -c " /opaque " /proc/mounts; echo v >/opaque/new; ls /opaque'
is "$out" "$(printf '1\nc\nnew')" "an image's Volume: mounted, with the image's files, writable"
mkdir -p "$T/www"
echo page >"$T/www/index.html"
rt run -u 0 -v "$T/www:/opaque" oci:"$T/multi":1 'ls /opaque'
is "$out" index.html "a --bind on a Volume's path takes its place"

# The writable layer: the container's own, gone with it.
rt run -u 0 oci:"$T/multi":1 'echo changed >/data/file; rm /bin/ls; cat /data/file; test -e /bin/ls || echo gone'
is "$out" "$(printf 'changed\ngone')" "the root is writable"
rt run oci:"$T/multi":1 'cat /data/file; test -e /bin/ls && echo there'
is "$out" "$(printf 'first\nthere')" "what a container wrote is not in the image"
is "$(store_debris | grep -c '^containers/')" 0 "no writable layer left after runs"
rt run --read-only oci:"$T/multi":1 'touch /x'
like "$err" "Read-only file system" "--read-only: the root is not writable"

# Detached, published, several at once on the same layers.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rt run -d --name web -u 0 -p "127.0.0.1:$port:80" oci:"$T/multi":1 'httpd -f -p 80 -h /opaque'
status_is 0 "run -d -p --name with an image"
wait_until 20 curl -sf --max-time 2 "http://127.0.0.1:$port/c" -o /dev/null
is "$(curl -s --max-time 5 "http://127.0.0.1:$port/c")" c "the published port answers from the image's files"
rt run -d --name web2 -u 0 -P oci:"$T/multi":1 'httpd -f -p 80 -h /opaque'
status_is 0 "run -d -P"
rt port list web2
p2=$(awk '$3 == 80 { print $2 }' <<<"$out")
like "$p2" '^[0-9]+$' "-P published the exposed port 80/tcp"
wait_until 20 curl -sf --max-time 2 "http://127.0.0.1:$p2/a" -o /dev/null || true
is "$(curl -s --max-time 5 "http://127.0.0.1:$p2/c")" c "-P's port answers"
is "$(store_debris | grep -c '^containers/')" 2 "a writable layer each for two running containers"
is "$(ls "$STORE/layers" | wc -l)" 3 "they share the image's layers"
rt system df
like "$out" "Containers +2 " "system df counts their writable layers"
# kill without a signal: the image's StopSignal (SIGINT here), as podman stops it.
mkdir -p "$T/sig"
rt run -d --name stopper -u 0 -v "$T/sig:/sig" oci:"$T/multi":1 \
  'trap "echo INT >/sig/got; exit 0" INT; trap "echo TERM >/sig/got; exit 0" TERM; touch /sig/ready; while :; do sleep 0.1; done'
wait_until 20 test -e "$T/sig/ready" || true
rt kill stopper
wait_until 20 test -s "$T/sig/got" || true
is "$(cat "$T/sig/got" 2>/dev/null)" INT "kill without a signal sends the image's StopSignal"
rt delete --force stopper
rt rmi oci:"$T/multi":1
like "$err" "in use by the container.*web" "rmi refuses an image containers run from"
rt delete --force web
rt delete --force web2
is "$(store_debris | grep -c '^containers/')" 0 "delete removes the writable layers"

# --- fuse-overlayfs where the kernel refuses overlayfs ------------------------

if [ -r /dev/fuse ] && [ -w /dev/fuse ] && command -v fuse-overlayfs >/dev/null; then
  UCTR_TEST_NO_KERNEL_OVERLAY=1 rt run -u 0 oci:"$T/multi":1 "$LIST; echo new >/data/file; cat /data/file"
  is "$out" "$(printf '%s\n' 'file 1000 1000 640 2 regular file' 'hard 1000 1000 640 2 regular file' \
    'link 0 0 777 1 symbolic link' 'new 1000 1000 600 1 regular file' 'setuid 0 0 4755 1 regular file' \
    'xattr 0 0 644 1 regular file' c first second new)" "fuse-overlayfs: the same files, whiteout and opaque dir"
  like "$err" "fuse-overlayfs" "fuse-overlayfs: said once in a warning"
  is "$(store_debris | grep -c '^containers/')" 0 "fuse-overlayfs: no writable layer left"
else
  fail "fuse-overlayfs and a usable /dev/fuse (tests/check makes it 0666)"
fi

# --- a copy of the layers where neither overlayfs can mount -------------------

UCTR_TEST_NO_KERNEL_OVERLAY=1 UCTR_TEST_NO_FUSE_OVERLAY=1 rt run -u 0 oci:"$T/multi":1 \
  "$LIST; echo new >/data/file; cat /data/file; echo more >>/data/hard; cat /data/file"
is "$out" "$(printf '%s\n' 'file 1000 1000 640 2 regular file' 'hard 1000 1000 640 2 regular file' \
  'link 0 0 777 1 symbolic link' 'new 1000 1000 600 1 regular file' 'setuid 0 0 4755 1 regular file' \
  'xattr 0 0 644 1 regular file' c first second new new more)" \
  "a copied root: the same files, owners, modes, hard links, whiteout and opaque dir"
like "$err" "a copy of the layers" "a copied root: said once in a warning"
is "$(grep -c "copy of the layers" <<<"$err")" 1 "... once"
is "$(store_debris | grep -c '^containers/')" 0 "a copied root goes with its container"
rt run -u 0 oci:"$T/multi":1 "cat /data/file"
is "$out" "first" "what the copied root's container wrote is not in the image's layers"

# --- run IMAGE errors leave nothing behind ---------------------------------

rt run --pull never oci:"$T/nosuch":1 true
like "$err" "no image" "--pull never: a missing image is an error"
rt run oci:"$T/nosuch":1 true
like "$err" "$T/nosuch" "a pull that fails names the source"
rt run -u nosuchuser oci:"$T/multi":1 true
like "$err" "--user nosuchuser" "a bad flag with an image is the flag's error"
UCTR_TEST_TAG=$T "$RT" --root "$R" run --name dup oci:"$T/multi":1 'sleep 60' </dev/null >/dev/null 2>&1 &
RUN_PID=$!
track_pid "$RUN_PID"
wait_until 20 state_is dup running || true
rt run --name dup oci:"$T/multi":1 true
like "$err" "dup" "a second container of the same name is refused"
kill -TERM "$RUN_PID" 2>/dev/null; wait "$RUN_PID" 2>/dev/null || true
rt delete --force dup
is "$(store_debris | grep -c '^containers/')" 0 "no writable layer left by refused runs"
is "$(state_entries | wc -l)" 0 "no state left by refused runs"

# --- which run: a bundle's, or an image's ------------------------------------

b=$(mkbundle bmode '.process.args = ["echo", "the bundle"]')
cd "$b"
rt run bmode
cd - >/dev/null
is "$out" "the bundle" "run ID with a config.json here: runc's run of the bundle"
cd "$T"
rt run bmode
cd - >/dev/null
like "$err" "bmode" "run NAME without a config.json: an image, named in the error"
is "$(state_entries | wc -l)" 0 "nothing left by a run of a name that is no image"

# --- spec --image -----------------------------------------------------------

rt spec --image oci:"$T/multi":1
is "$(jq -r '.process.args | join(" ")' <<<"$out")" "/bin/sh -c echo default: \$GREETING" "spec --image: the image's command"
like "$(jq -r '.annotations["uctr.rootfs.overlay"]' <<<"$out")" "^lowerdir=$STORE/layers/" "spec --image: its layers"
annotation () { jq -r --arg k "$1" '.annotations[$k] // "none"' <<<"$out"; }
is "$(annotation org.opencontainers.image.stopSignal) $(annotation org.opencontainers.image.exposedPorts)" \
  "SIGINT 80/tcp" "spec --image: StopSignal and ExposedPorts as conversion.md's annotations"
is "$(annotation org.opencontainers.image.os) $(annotation test)" "linux yes" "... the platform, and Labels as annotations"
# Labels win over the implicit annotations; uctr's own names are not an image's to choose.
mkimage multi "$T/labelled" --tag 1 --label org.opencontainers.image.stopSignal=SIGUSR1 --label uctr.network=host \
  --label uctr.publish=127.0.0.1:1:1
rt spec --image oci:"$T/labelled":1
is "$(annotation org.opencontainers.image.stopSignal)" SIGUSR1 "a label takes precedence over the implicit annotation"
is "$(annotation uctr.network | grep -c host) $(annotation uctr.publish)" "0 none" "labels named uctr.* are not applied"
like "$err" "labels uctr.network, uctr.publish are not applied" "... and a warning names them"
rt run --rm oci:"$T/labelled":1 cat /proc/net/dev
status_is 0 "a run of the image with uctr.* labels"
unlike "$out" "eth0|enp|wl" "... keeps its own network namespace (the label uctr.network=host did nothing)"
# The labels changed the config only: both images have the same three layers.
sizes () { jq -r --arg n "oci:$T/multi:1" '.[] | select(.Name == $n) | [.SharedSize == .Size, .UniqueSize == .Size] | map(tostring) | join(" ")' <<<"$out"; }
rt images --size
like "$(head -n 1 <<<"$out")" "SIZE +SHARED SIZE +UNIQUE SIZE +CREATED" "images --size: shared and unique sizes"
rt images --format json
is "$(sizes)" "true false" "images --size: an image whose layers another has too shares them all"
rt rmi oci:"$T/labelled":1
rt images --format json
is "$(sizes)" "false true" "... and owns them all once that one is gone"

# --- archives and zstd -------------------------------------------------------

skopeo copy --quiet oci:"$T/multi":1 oci-archive:"$T/multi.tar":1 >/dev/null 2>&1
rt pull oci-archive:"$T/multi.tar":1
status_is 0 "pull oci-archive:FILE:TAG"
is "$out" "$DIGEST" "an OCI archive of the layout is the same image"
skopeo copy --quiet oci:"$T/multi":1 docker-archive:"$T/docker.tar":test/multi:1 >/dev/null 2>&1
rt pull docker-archive:"$T/docker.tar"
status_is 0 "pull docker-archive:FILE"
rt run docker-archive:"$T/docker.tar" 'cat /data/file'
is "$out" first "run of a docker-archive image"
mkimage multi "$T/zstd" --tag z --compress zstd
rt pull oci:"$T/zstd":z
status_is 0 "pull of zstd layers"
rt run -u 0 oci:"$T/zstd":z "$LIST"
is "$(tail -1 <<<"$out")" second "zstd layers unpack to the same files"
mkimage multiarch "$T/multiarch" --tag m
rt run oci:"$T/multiarch":m
is "$out" "$(uname -m | sed 's/x86_64/amd64/; s/aarch64/arm64/')" "a multi-arch index: this machine's image runs"
rt rmi oci:"$T/multiarch":m
rt pull containers-storage:alpine
like "$err" "podman save" "containers-storage: says what to do instead"

# --- one layer listed twice ----------------------------------------------------------

mkimage dup "$T/dup"
rt run --rm oci:"$T/dup":latest sh -c 'cat /data/twice /data/between'
is "$out" "$(printf 'twice\nbetween')" "a layer listed twice: the files as the layers in order make them"
unlike "$err" "fuse-overlayfs|copy" "and kernel overlayfs takes it (the layer once, where it is topmost)"
rt rmi oci:"$T/dup":latest

# --- removal ------------------------------------------------------------------

rt rmi oci:"$T/zstd":z docker-archive:"$T/docker.tar" oci-archive:"$T/multi.tar":1
status_is 0 "rmi of several images"
rt images -q
is "$out" "${DIGEST:7:12}" "only the layout's image is left"
rt image prune
status_is 0 "image prune"
is "$(ls "$STORE/layers" | wc -l)" 3 "prune keeps the layers an image has"

# --- hostile images: a clear error, nothing in the store -----------------------

before=$(store_debris)
for kind in dotdot abs-symlink hardlink-out bad-digest truncated huge; do
  mkimage "$kind" "$T/$kind"
  rt pull oci:"$T/$kind":latest
  case $kind in
    dotdot) want='\.\.' ;;
    abs-symlink) want='symlink|escaped' ;;
    hardlink-out) want='hard link|passwd' ;;
    bad-digest | truncated) want='digest|size|truncated|short' ;;
    huge) want="declares|bytes" ;;
  esac
  if [ "$status" != 0 ] && grep -qiE "$want" <<<"$err"; then pass "hostile layer ($kind) refused: ${err%%$'\n'*}"
  else fail "hostile layer ($kind) refused with a reason" "status $status" "$err"; fi
  is "$(store_debris)" "$before" "nothing left in the store by $kind"
done
rt images -q
is "$out" "${DIGEST:7:12}" "no image recorded by the hostile pulls"
test ! -e /tmp/escaped
check "nothing was written outside the store" test ! -e "$T/escaped"

# --- a pull killed midway, then again ---------------------------------------------

mkimage multi "$T/big" --tag b --big 48
pull_killed oci:"$T/big":b 0.05 0.2 0.5 1
rt pull oci:"$T/big":b
status_is 0 "a pull after pulls killed at random moments"
rt run oci:"$T/big":b 'md5sum /data/big | cut -d" " -f1'
big_sum=$(big_md5 "$T/big")
is "$out" "$big_sum" "the image is whole after the killed pulls"
rt rmi oci:"$T/big":b
rt image prune
is "$(store_debris | grep -v -c "^layers/" || true)" 0 "prune leaves no temp or download behind"

# --- a registry with TLS and a password ---------------------------------------------

if ! registry_start "$T/reg" --tls --auth alice:secret; then
  fail "a docker-registry on loopback starts"
  done_testing
  exit 0
fi
mkdir -p "$XDG_CONFIG_HOME/containers/certs.d/$REGISTRY_HOST"
cp "$REGISTRY_CA" "$XDG_CONFIG_HOME/containers/certs.d/$REGISTRY_HOST/ca.crt"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REGISTRY_HOST" "$(printf alice:secret | base64)" >"$REGISTRY_AUTH_FILE"
skopeo_push ()
{
  skopeo copy --quiet --dest-cert-dir "$REGISTRY_CERT_DIR" --dest-creds alice:secret "$@" >/dev/null 2>&1
}
skopeo_push oci:"$T/multi":1 "docker://$REGISTRY_HOST/uctrtest/multi:oci"
skopeo_push --format v2s2 oci:"$T/multi":1 "docker://$REGISTRY_HOST/uctrtest/multi:v2s2"
skopeo_push oci:"$T/zstd":z "docker://$REGISTRY_HOST/uctrtest/multi:zstd"
idx=$(registry_push_dir "$ROOTFS" uctrtest/busybox:index --index 2>/dev/null)

rt pull "$REGISTRY_HOST/uctrtest/multi:oci"
status_is 0 "pull from a registry (OCI manifest, TLS, basic auth via token)"
is "$out" "$DIGEST" "the registry's image is the layout's"
rt pull "docker://$REGISTRY_HOST/uctrtest/multi:v2s2"
status_is 0 "pull of a Docker schema 2 image"
rt run "$REGISTRY_HOST/uctrtest/multi:v2s2" 'cat /data/file /data/new'
is "$out" "$(printf 'first\nsecond')" "run of the Docker schema 2 image"
rt pull "$REGISTRY_HOST/uctrtest/multi:zstd"
status_is 0 "pull of zstd layers from the registry"
skopeo_push --all oci:"$T/multiarch":m "docker://$REGISTRY_HOST/uctrtest/multiarch:m"
rt run "$REGISTRY_HOST/uctrtest/multiarch:m"
is "$out" "$(uname -m | sed 's/x86_64/amd64/; s/aarch64/arm64/')" "a multi-arch index from the registry: this machine's image"
rt pull "$REGISTRY_HOST/uctrtest/busybox:index"
status_is 0 "pull through an image index (this machine's manifest)"
rt run "$REGISTRY_HOST/uctrtest/busybox@$idx" echo ok
is "$out" ok "run by digest of the index"

printf 'unqualified-search-registries = ["%s"]\n' "$REGISTRY_HOST" >"$CONTAINERS_REGISTRIES_CONF"
rt run --rm uctrtest/multi:oci 'cat /data/new'
is "$out" second "a short name through registries.conf's search registries"
rt images --format json
like "$(jq -r '.[].Name' <<<"$out")" "^$REGISTRY_HOST/uctrtest/multi:oci\$" "kept under its full name"
printf 'unqualified-search-registries = []\n' >"$CONTAINERS_REGISTRIES_CONF"
rt pull uctrtest/other:1
like "$err" "registries.conf" "a short name without search registries says what to configure"

printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REGISTRY_HOST" "$(printf alice:wrong | base64)" >"$REGISTRY_AUTH_FILE"
rt pull "$REGISTRY_HOST/uctrtest/multi:oci2"
like "$err" "[Nn]ot authorized|401|credentials" "wrong credentials: a clear error"
rm -f "$REGISTRY_AUTH_FILE"
rt pull "$REGISTRY_HOST/uctrtest/multi:oci"
like "$err" "[Nn]ot authorized|401|credentials|log in" "no credentials: a clear error"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REGISTRY_HOST" "$(printf alice:secret | base64)" >"$REGISTRY_AUTH_FILE"
rt pull "$REGISTRY_HOST/uctrtest/multi:nosuchtag"
like "$err" "nosuchtag" "an unknown tag names itself"
mv "$XDG_CONFIG_HOME/containers/certs.d" "$T/certs.d.off"
rt pull "$REGISTRY_HOST/uctrtest/multi:oci"
like "$err" "certs.d|certificate|insecure" "an unknown CA: the error says where to put it"
mv "$T/certs.d.off" "$XDG_CONFIG_HOME/containers/certs.d"

# Hostile layers from a registry, each beside a large layer on the way at
# the same time: the unpack's reason is the error, the other layers'
# downloads and unpacks stop, and no temp is left in the store (the large
# layer is kept only if it was whole and checked before the refusal).
for kind in dotdot abs-symlink hardlink-out; do
  mkimage "$kind" "$T/reg-$kind" --big 24
  skopeo_push oci:"$T/reg-$kind":latest "docker://$REGISTRY_HOST/uctrtest/$kind:1"
  rt pull "$REGISTRY_HOST/uctrtest/$kind:1"
  case $kind in
    dotdot) want='\.\.' ;;
    abs-symlink) want='symlink' ;;
    hardlink-out) want='hard link' ;;
  esac
  if [ "$status" != 0 ] && grep -qiE "layer 3 of 3: .*($want)" <<<"$err"; then
    pass "a hostile layer from a registry ($kind) refused: ${err%%$'\n'*}"
  else fail "a hostile layer from a registry ($kind) refused with its reason" "status $status" "$err"; fi
  is "$(store_debris | grep -c -e '/\.tmp-' -e '^containers/' || true)" 0 "no temp left in the store by the registry's $kind"
done
rt images --format json
is "$(jq -r '.[].Name' <<<"$out" | grep -c -E 'uctrtest/(dotdot|abs-symlink|hardlink-out)' || true)" 0 \
  "no image recorded by the registry's hostile images"
rt image prune

# Two pulls of one image at once: one download, one unpack each layer.
for t in oci v2s2; do rt rmi "$REGISTRY_HOST/uctrtest/multi:$t"; done
rt image prune
( "$RT" pull -q "$REGISTRY_HOST/uctrtest/multi:oci" >"$T/p1" 2>&1 ) &
a=$!
( "$RT" pull -q "$REGISTRY_HOST/uctrtest/multi:oci" >"$T/p2" 2>&1 ) &
b=$!
sa=0; wait "$a" || sa=$?
sb=0; wait "$b" || sb=$?
is "$sa $sb" "0 0" "two pulls of one image at once both succeed"
is "$(cat "$T/p1")" "$(cat "$T/p2")" "and give the same image"

# A registry pull killed during its download: the next one finishes it.
mkimage multi "$T/big2" --tag b --big 32
skopeo_push oci:"$T/big2":b "docker://$REGISTRY_HOST/uctrtest/big:b"
pull_killed "$REGISTRY_HOST/uctrtest/big:b" 0.1 0.4 0.8
rt pull "$REGISTRY_HOST/uctrtest/big:b"
status_is 0 "a registry pull after pulls killed midway"
rt run "$REGISTRY_HOST/uctrtest/big:b" 'md5sum /data/big | cut -d" " -f1; cat /data/new'
is "$(head -1 <<<"$out")" "$(big_md5 "$T/big2")" "the image is whole"
registry_stop

# --- a Debian root (debootstrap, made by tests/setup.sh) ----------------------------

DEBIAN_TAR=${UCTR_TEST_DEBIAN_ROOT:-/var/cache/uctr-tests/debian-minbase.tar}
# Every file of the root but what a runtime mounts or makes (podman adds /etc/mtab): name, owner, group,
# mode, then for a non-directory its link count and size.
DFIND='find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp -o -path /etc/hosts \
         -o -path /etc/hostname -o -path /etc/resolv.conf -o -path /etc/mtab \) -prune -o -type d -printf "%p %U %G %m dir\n" \
         -o -printf "%p %U %G %m %n %s\n" | sort'
if [ -s "$DEBIAN_TAR" ]; then
  mkimage debian "$T/debian" --tag 12 --root-tar "$DEBIAN_TAR" --compress none
  rt pull oci:"$T/debian":12
  status_is 0 "pull of a Debian root made by debootstrap, with a layer over it"
  rt run oci:"$T/debian":12 /bin/sh -c 'cat /etc/issue; ls /etc/motd /usr/share/doc 2>&1 | wc -l; ls /etc/apt/apt.conf.d;
    stat -c "%a %U %G" /usr/bin/passwd /usr/sbin/unix_chkpwd /usr/local/bin/suid; su --version | head -n 1'
  is "$(head -n 6 <<<"$out")" "$(printf '%s\n' 'uctr test image' 2 99only '4755 root root' '2755 root shadow' \
    '4755 root root')" "Debian: the layer over it (whiteouts, opaque dir, setuid), the distribution's owners"
  like "$out" "su from util-linux" "Debian: its own programs run"
  rt run -u 0 oci:"$T/debian":12 /bin/sh -c "$DFIND"
  debian_list=$out
  if [ "$(wc -l <<<"$debian_list")" -gt 3000 ]; then pass "Debian: the root lists $(wc -l <<<"$debian_list") files"
  else fail "Debian: the root lists its files" "$(head -5 <<<"$debian_list")"; fi
  UCTR_TEST_NO_KERNEL_OVERLAY=1 UCTR_TEST_NO_FUSE_OVERLAY=1 rt run -u 0 oci:"$T/debian":12 /bin/sh -c "$DFIND"
  if [ "$out" = "$debian_list" ]; then pass "Debian: a copied root has the same files, owners, modes and links"
  else fail "Debian: a copied root has the same files, owners, modes and links" \
         "$(diff <(echo "$debian_list") <(echo "$out") | head -20)"; fi
  is "$(store_debris | grep -c '^containers/')" 0 "Debian: no writable layer left"
elif [ "${CI:-}" = true ]; then
  fail "the Debian root tests/setup.sh makes ($DEBIAN_TAR)"
else
  skip "the Debian root" "no $DEBIAN_TAR (tests/check as root makes it)"
fi

# --- the same files as podman shows them ------------------------------------------

if command -v podman >/dev/null && [ -x /usr/sbin/runc ]; then
  PODMAN_ROOT=$T/podman
  PODMAN=(--root "$PODMAN_ROOT/storage" --runroot "$PODMAN_ROOT/run" --storage-driver vfs
          --runtime /usr/sbin/runc --cgroup-manager cgroupfs --events-backend none)
  # Directories' link counts are the file system's (overlayfs says 1): owners and modes only for them.
  FIND='find /bin /data /opaque /usr -xdev | sort | while read -r f; do
          if [ -d "$f" ] && [ ! -L "$f" ]; then stat -c "%n %u %g %a dir" "$f"; else stat -c "%n %u %g %a %h %s" "$f"; fi; done'
  # podman names an oci: image after its path, which must be lowercase: the archive instead.
  if podman_id=$(timeout 180 podman "${PODMAN[@]}" load -q -i "$T/multi.tar" 2>"$T/podman.err" | sed -n 's/^Loaded image: //p') \
    && podman_out=$(timeout 180 podman "${PODMAN[@]}" run --rm --network none --user 0 --entrypoint /bin/sh \
                      "$podman_id" -c "$FIND" 2>>"$T/podman.err"); then
    rt run -u 0 --entrypoint /bin/sh oci:"$T/multi":1 -c "$FIND"
    if [ "$out" = "$podman_out" ]; then pass "uctr run shows the files, owners and modes podman run shows"
    else fail "uctr run shows the files, owners and modes podman run shows" \
           "$(diff <(echo "$podman_out") <(echo "$out") | head -20)"; fi
  else
    fail "podman runs the image to compare with" "$(tail -5 "$T/podman.err")"
  fi
  if [ -n "${debian_list:-}" ]; then
    skopeo copy --quiet oci:"$T/debian":12 oci-archive:"$T/debian.tar":12 >/dev/null 2>"$T/podman.err"
    if podman_id=$(timeout 180 podman "${PODMAN[@]}" load -q -i "$T/debian.tar" 2>>"$T/podman.err" \
                     | sed -n 's/^Loaded image: //p') \
      && podman_out=$(timeout 180 podman "${PODMAN[@]}" run --rm --network none --user 0 "$podman_id" \
                        /bin/sh -c "$DFIND" 2>>"$T/podman.err"); then
      if [ "$podman_out" = "$debian_list" ]; then pass "Debian: uctr run shows the files podman run shows"
      else fail "Debian: uctr run shows the files podman run shows" \
             "$(diff <(echo "$podman_out") <(echo "$debian_list") | head -20)"; fi
    else
      fail "podman runs the Debian image to compare with" "$(tail -5 "$T/podman.err")"
    fi
  fi
fi

# --- rmi --all ------------------------------------------------------------------------

rt rmi --all oci:"$T/multi":1
like "$err" "not both" "rmi --all with a name: an error that says so"
rt run -d --name keep oci:"$T/multi":1 'sleep 60'
rt images -q
[ -n "$out" ] || fail "images to remove with --all"
rt rmi --all
like "$err" "in use by the container\(s\) keep" "rmi --all leaves an image in use, and says which"
# Left: the image keep runs, under each name it has (the registry's multi:oci is the same image).
rt images --format json
is "$(jq -r '.[].Digest' <<<"$out" | sort -u)" "$DIGEST" "rmi --all removed every image but the one in use"
like "$(jq -r '.[].Name' <<<"$out")" "^oci:$T/multi:1\$" "the image in use is left under its name"
rt delete --force keep
rt rmi --all
status_is 0 "rmi --all once no container uses them"
rt images -q
is "$out" "" "no image is left"

done_testing
