# shellcheck shell=bash
# A local image registry for tests: Debian's docker-registry (distribution
# 2.8) on 127.0.0.1, with TLS from a CA made here and htpasswd users when
# asked, and images pushed to it with skopeo from a directory. Sourced:
#   . "$(dirname "$0")/../integration/registry-lib.sh"
#   registry_start "$T/reg" --tls --auth alice:secret
#   registry_push_dir "$ROOTFS" test/busybox:1 --format oci --compress zstd
#   ...
#   registry_stop
# No internet, no root: the registry listens on loopback and on a port the
# kernel picked as free, and only the pid it started is ever killed.

# registry_start DIR [--tls] [--auth USER:PASS]: a registry storing in DIR
# (made if missing), answering on REGISTRY_HOST (127.0.0.1:PORT) once this
# returns. Exports REGISTRY_DIR, REGISTRY_HOST, REGISTRY_PID, REGISTRY_SCHEME
# (http or https), REGISTRY_CA (with --tls: the CA's certificate),
# REGISTRY_CERT_DIR (with --tls: a directory holding only ca.crt, as
# skopeo's --*-cert-dir and certs.d want it) and REGISTRY_CREDS (USER:PASS
# with --auth, else empty). Its log is DIR/registry.log.
registry_start ()
{
  local dir=${1:?usage: registry_start DIR [--tls] [--auth USER:PASS]} tls=0 auth='' port
  shift
  while [ $# -gt 0 ]; do
    case $1 in
      --tls) tls=1 ;;
      --auth) auth=${2:?--auth USER:PASS}; shift ;;
      *) echo "registry_start: unknown option $1" >&2; return 2 ;;
    esac
    shift
  done
  mkdir -p "$dir/storage" || return 1
  dir=$(cd "$dir" && pwd)
  port=$(_registry_free_port) || return 1
  REGISTRY_DIR=$dir REGISTRY_HOST=127.0.0.1:$port REGISTRY_CA='' REGISTRY_CERT_DIR='' REGISTRY_CREDS=$auth
  REGISTRY_SCHEME=http
  {
    printf 'version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n'
    printf 'storage:\n  filesystem:\n    rootdirectory: %s/storage\n  delete:\n    enabled: true\n' "$dir"
    printf 'http:\n  addr: %s\n' "$REGISTRY_HOST"
  } >"$dir/config.yml"
  if [ "$tls" = 1 ]; then
    _registry_make_ca "$dir" || return 1
    printf '  tls:\n    certificate: %s/server.crt\n    key: %s/server.key\n' "$dir" "$dir" >>"$dir/config.yml"
    REGISTRY_SCHEME=https REGISTRY_CA=$dir/ca.crt REGISTRY_CERT_DIR=$dir/certs
  fi
  if [ -n "$auth" ]; then
    htpasswd -Bbn "${auth%%:*}" "${auth#*:}" >"$dir/htpasswd" || return 1
    printf 'auth:\n  htpasswd:\n    realm: uctr-test\n    path: %s/htpasswd\n' "$dir" >>"$dir/config.yml"
  fi
  # docker-registry takes REGISTRY_* variables as configuration (REGISTRY_AUTH_FILE,
  # which podman and uctr read, would be its auth section): none reach it.
  env $(compgen -e | grep '^REGISTRY_' | sed 's/^/-u /') \
    /usr/bin/docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
  REGISTRY_PID=$!
  echo "$REGISTRY_PID" >"$dir/registry.pid"
  export REGISTRY_DIR REGISTRY_HOST REGISTRY_PID REGISTRY_SCHEME REGISTRY_CA REGISTRY_CERT_DIR REGISTRY_CREDS
  _registry_wait "$dir" || { registry_stop "$dir"; return 1; }
}

# registry_stop [DIR]: kills the registry registry_start started there
# (REGISTRY_DIR by default), by its recorded pid, and waits for it.
registry_stop ()
{
  local dir=${1:-${REGISTRY_DIR:-}} pid
  [ -n "$dir" ] && [ -f "$dir/registry.pid" ] || return 0
  pid=$(cat "$dir/registry.pid")
  rm -f "$dir/registry.pid"
  kill "$pid" 2>/dev/null || return 0
  wait "$pid" 2>/dev/null || true
}

# registry_push_dir ROOTFS_DIR REF [--format oci|v2s2] [--compress gzip|zstd] [--index]:
# a one-layer image of ROOTFS_DIR (its Cmd /bin/sh, for this machine's
# platform) pushed as REGISTRY_HOST/REF ("test/x:1"), with REGISTRY_CREDS.
# --index pushes an image index (OCI) or manifest list (v2s2) that names
# it, rather than the manifest alone. Prints the digest of what REF names.
registry_push_dir ()
{
  local rootfs=${1:?usage: registry_push_dir ROOTFS_DIR REF [options]} ref=${2:?REF} format=oci compress=gzip
  local index=0 layout tls=() creds=() all=() keep=()
  shift 2
  while [ $# -gt 0 ]; do
    case $1 in
      --format) format=${2:?--format oci|v2s2}; shift ;;
      --compress) compress=${2:?--compress gzip|zstd}; shift ;;
      --index) index=1 ;;
      *) echo "registry_push_dir: unknown option $1" >&2; return 2 ;;
    esac
    shift
  done
  : "${REGISTRY_HOST:?registry_start first}"
  layout=$(mktemp -d "${REGISTRY_DIR:-${TMPDIR:-/tmp}}/layout.XXXXXX") || return 1
  tar -C "$rootfs" --numeric-owner --sort=name -cf "$layout/layer.tar" . || return 1
  # The layer is compressed here, not by skopeo: it would reuse a blob of
  # the same tar it pushed before, whatever the compression asked for.
  python3 - "$layout" "$index" "$compress" <<'EOF' || return 1
import gzip, hashlib, json, os, platform, subprocess, sys

layout, index, compress = sys.argv[1], sys.argv[2] == '1', sys.argv[3]
arch = {'x86_64': 'amd64', 'aarch64': 'arm64', 'armv7l': 'arm', 'ppc64le': 'ppc64le',
        's390x': 's390x', 'riscv64': 'riscv64', 'i686': '386'}.get(platform.machine(), platform.machine())
os.makedirs(f'{layout}/blobs/sha256', exist_ok=True)

def blob(data, media_type, **extra):
    digest = hashlib.sha256(data).hexdigest()
    with open(f'{layout}/blobs/sha256/{digest}', 'wb') as f:
        f.write(data)
    return dict(mediaType=media_type, digest=f'sha256:{digest}', size=len(data), **extra)

def document(obj, media_type, **extra):
    return blob(json.dumps(obj, sort_keys=True).encode(), media_type, **extra)

with open(f'{layout}/layer.tar', 'rb') as f:
    tar = f.read()
os.unlink(f'{layout}/layer.tar')
diff_id = 'sha256:' + hashlib.sha256(tar).hexdigest()
if compress == 'gzip':
    data = gzip.compress(tar, mtime=0)
else:
    data = subprocess.run(['zstd', '-q', '-c'], input=tar, stdout=subprocess.PIPE, check=True).stdout
layer = blob(data, 'application/vnd.oci.image.layer.v1.tar+' + compress)
config = document({'architecture': arch, 'os': 'linux',
                   'config': {'Cmd': ['/bin/sh'], 'Env': ['PATH=/usr/sbin:/usr/bin:/sbin:/bin']},
                   'rootfs': {'type': 'layers', 'diff_ids': [diff_id]},
                   'history': [{'created_by': 'registry-lib.sh'}]},
                  'application/vnd.oci.image.config.v1+json')
top = document({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                'config': config, 'layers': [layer]},
               'application/vnd.oci.image.manifest.v1+json',
               platform={'architecture': arch, 'os': 'linux'})
if index:
    top = document({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.index.v1+json',
                    'manifests': [top]}, 'application/vnd.oci.image.index.v1+json')
else:
    del top['platform']
top['annotations'] = {'org.opencontainers.image.ref.name': 'latest'}
with open(f'{layout}/index.json', 'w') as f:
    json.dump({'schemaVersion': 2, 'manifests': [top]}, f)
with open(f'{layout}/oci-layout', 'w') as f:
    json.dump({'imageLayoutVersion': '1.0.0'}, f)
EOF
  if [ "$REGISTRY_SCHEME" = https ]; then
    tls=(--dest-tls-verify=true --dest-cert-dir "$REGISTRY_CERT_DIR")
  else
    tls=(--dest-tls-verify=false)
  fi
  if [ -n "$REGISTRY_CREDS" ]; then creds=(--dest-creds "$REGISTRY_CREDS"); else creds=(--dest-no-creds); fi
  [ "$index" = 1 ] && all=(--all)
  # An OCI image goes as written; a v2s2 one is converted (new digests).
  [ "$format" = oci ] && keep=(--preserve-digests)
  skopeo copy --quiet --format "$format" "${keep[@]}" "${tls[@]}" "${creds[@]}" "${all[@]}" \
    --digestfile "$layout/digest" "oci:$layout:latest" "docker://$REGISTRY_HOST/$ref" >&2 || return 1
  cat "$layout/digest" && echo
  rm -rf "$layout"
}

_registry_free_port ()
{
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A CA and a server certificate it signed for 127.0.0.1 and localhost.
_registry_make_ca ()
{
  local dir=$1
  mkdir -p "$dir/certs" || return 1
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=uctr-test-ca \
      -keyout "$dir/ca.key" -out "$dir/ca.crt" &&
      openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout "$dir/server.key" -out "$dir/server.csr" &&
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$dir/server.ext" &&
      openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
        -extfile "$dir/server.ext" -out "$dir/server.crt"
  } >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; return 1; }
  cp "$dir/ca.crt" "$dir/certs/ca.crt"
}

# Until the registry answers /v2/ (any HTTP status: 401 with --auth), for
# at most 30 s; fails at once when it exited, with its log.
_registry_wait ()
{
  local dir=$1 deadline=$((SECONDS + 30)) ca=()
  [ -n "$REGISTRY_CA" ] && ca=(--cacert "$REGISTRY_CA")
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! kill -0 "$REGISTRY_PID" 2>/dev/null; then
      echo "docker-registry exited:" >&2
      cat "$dir/registry.log" >&2
      return 1
    fi
    if curl -s -o /dev/null --max-time 2 "${ca[@]}" "$REGISTRY_SCHEME://$REGISTRY_HOST/v2/"; then
      return 0
    fi
    sleep 0.1
  done
  echo "docker-registry did not answer on $REGISTRY_HOST within 30 s:" >&2
  cat "$dir/registry.log" >&2
  return 1
}
