#!/bin/bash
# Images as root (tests/check runs this in the engines-root suite): a pull
# from a docker-registry on loopback unpacks its layers in threads of
# uctr-image itself (no store helper, no user namespace), each as its
# download comes through a pipe; the files keep the layer's own owners; a
# hostile layer beside a large one stops the pull with its reason and leaves
# no temp; a pull killed midway, then again, gives the whole image.
# root's store is /var/lib/uctr/storage: the test runs in a mount namespace
# of its own with a tmpfs there, so the machine's store is never touched.
if [ "${UCTR_TEST_OWN_MNTNS:-}" != 1 ] && [ "$(id -u)" -eq 0 ]; then
  mkdir -p /var/lib/uctr
  exec env UCTR_TEST_OWN_MNTNS=1 unshare --mount --propagation private bash "$0" "$@"
fi
LIB_AS_ROOT=1
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/registry-lib.sh
. "$(dirname "$0")/registry-lib.sh"
# shellcheck source=tests/integration/image-lib.sh
. "$(dirname "$0")/image-lib.sh"

[ "$MY_UID" -eq 0 ] || { echo "1..0 # SKIP root's image store needs root (tests/check runs this as root)"; exit 0; }
uctr_only "images are uctr's (runc runs bundles)" || { done_testing; exit 0; }

mount -t tmpfs -o mode=0700 uctr-test-store /var/lib/uctr || { fail "a tmpfs for root's image store"; done_testing; exit 0; }
STORE=/var/lib/uctr/storage
export CONTAINERS_REGISTRIES_CONF=$T/registries.conf
cleanup_hook () { registry_stop 2>/dev/null; return 0; }

temps () { find "$STORE/layers" -mindepth 1 -maxdepth 1 -name '.tmp-*' 2>/dev/null | wc -l; }

if ! registry_start "$T/reg"; then
  fail "a docker-registry on loopback starts"
  done_testing
  exit 0
fi
printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REGISTRY_HOST" >"$CONTAINERS_REGISTRIES_CONF"
push () { skopeo copy --quiet --dest-tls-verify=false "$@" >/dev/null 2>&1; }

mkimage multi "$T/multi" --tag 1 --big 24
push oci:"$T/multi":1 "docker://$REGISTRY_HOST/root/multi:1"
big=$(big_md5 "$T/multi")

rt pull "$REGISTRY_HOST/root/multi:1"
status_is 0 "root: pull of three layers from the registry, unpacked in uctr-image's threads"
is "$(find "$STORE/layers" -mindepth 1 -maxdepth 1 -name 'sha256-*' | wc -l)" 3 "root: three layers in the store"
is "$(temps)" 0 "root: no temp left"
rt run --rm "$REGISTRY_HOST/root/multi:1" 'md5sum /data/big | cut -d" " -f1'
is "$out" "$big" "root: the large layer is whole"
rt run --rm -u 0 "$REGISTRY_HOST/root/multi:1" 'stat -c "%u %g %a" /data/setuid /data/file'
is "$out" "$(printf '0 0 4755\n1000 1000 640')" "root: owners and modes as the layers say"
owned=$(find "$STORE/layers" -mindepth 3 -maxdepth 3 -path '*/data/file' | head -1)
is "$(stat -c '%u %g' "$owned" 2>/dev/null)" "1000 1000" "root: the store keeps the layer's own ids (no user namespace)"

# A hostile layer beside a large one on the way.
mkimage dotdot "$T/dotdot" --big 24
push oci:"$T/dotdot":latest "docker://$REGISTRY_HOST/root/dotdot:1"
rt pull "$REGISTRY_HOST/root/dotdot:1"
if [ "$status" != 0 ] && grep -qE 'layer 3 of 3: .*\.\.' <<<"$err"; then
  pass "root: a hostile layer refused with its reason: ${err%%$'\n'*}"
else fail "root: a hostile layer refused with its reason" "status $status" "$err"; fi
is "$(temps)" 0 "root: no temp left by the hostile pull"
# "../../escaped" from a layer's directory would be $STORE/escaped; from the store, /var/lib/uctr/escaped.
check "root: nothing written outside the layer" sh -c "! test -e '$STORE/escaped' && ! test -e /var/lib/uctr/escaped"

# Killed midway, then again.
rt rmi "$REGISTRY_HOST/root/multi:1"
rt image prune
pull_killed "$REGISTRY_HOST/root/multi:1" 0.05 0.2 0.4
rt pull "$REGISTRY_HOST/root/multi:1"
status_is 0 "root: a pull after pulls killed midway"
rt run --rm "$REGISTRY_HOST/root/multi:1" 'md5sum /data/big | cut -d" " -f1'
is "$out" "$big" "root: the image is whole"
is "$(temps)" 0 "root: the temps of the killed pulls are gone"

rt rmi --all
status_is 0 "root: rmi --all"
rt image prune
is "$(find "$STORE/layers" -mindepth 1 -maxdepth 1 | wc -l)" 0 "root: an empty store after rmi --all and prune"

registry_stop
done_testing
