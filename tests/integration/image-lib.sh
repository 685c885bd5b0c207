# shellcheck shell=bash
# Helpers of the image tests (images.sh, images-root.sh), sourced after
# lib.sh:
#   mkimage KIND LAYOUT [mkimage.py options]   an OCI layout made by mkimage.py
#   big_md5 LAYOUT                             the md5 of data/big in its top layer
#   pull_killed REF DELAY...                   `uctr pull REF` killed (SIGKILL)
#                                              DELAY seconds after its start, each

mkimage () { python3 "$TESTS_DIR/mkimage.py" "$1" "$2" --rootfs "$ROOTFS" "${@:3}" >/dev/null; }

big_md5 ()
{
  python3 - "$1" <<'PYEOF'
import hashlib, json, os, sys, tarfile
layout = sys.argv[1]
m = json.load(open(os.path.join(layout, 'index.json')))['manifests'][0]['digest'].split(':')[1]
man = json.load(open(os.path.join(layout, 'blobs', 'sha256', m)))
top = man['layers'][-1]['digest'].split(':')[1]
with tarfile.open(os.path.join(layout, 'blobs', 'sha256', top)) as t:
    print(hashlib.md5(t.extractfile('data/big').read()).hexdigest())
PYEOF
}

# Each pull carries the test's tag (lib.sh finds what it left), and is
# stopped by its own pid, then waited for.
pull_killed ()
{
  local ref=$1 delay pid
  shift
  for delay in "$@"; do
    ( exec env UCTR_TEST_TAG="$T" "$RT" pull -q "$ref" >/dev/null 2>&1 ) &
    pid=$!
    sleep "$delay"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
