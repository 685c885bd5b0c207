#!/bin/bash
# The registry client (src/image/registry.c) against a real registry on
# loopback: Debian's docker-registry with TLS from a CA of our own and an
# htpasswd user, images pushed with skopeo (OCI and Docker schema 2, gzip
# and zstd, an index and a manifest list, and one whose stored blobs were
# tampered with). Runs test-registry (TAP) with where they are in its
# environment; the registry is stopped by its pid and everything removed
# on exit, pass or fail.
set -euo pipefail
test_bin=${1:?usage: registry.sh TEST-REGISTRY}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

for prog in /usr/bin/docker-registry skopeo openssl htpasswd curl python3 zstd; do
  if ! command -v "$prog" >/dev/null; then
    echo "1..0 # SKIP $prog is not installed (tests/setup.sh installs it)"
    [ "${CI:-}" != true ] || exit 1
    exit 0
  fi
done

# shellcheck source=tests/integration/registry-lib.sh
. "$here/../integration/registry-lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/uctr-registry.XXXXXX")
fake_pid=''
cleanup ()
{
  if [ -n "$fake_pid" ]; then
    kill "$fake_pid" 2>/dev/null || true
    wait "$fake_pid" 2>/dev/null || true
  fi
  registry_stop "$T/reg"
  rm -rf "$T"
}
trap cleanup EXIT
# meson's timeout sends SIGTERM: exit, so that the EXIT trap runs then too.
trap 'exit 1' INT TERM

# Nothing of the caller's: no credentials, CAs or skopeo caches of theirs.
export HOME=$T/home XDG_CONFIG_HOME=$T/config XDG_RUNTIME_DIR=$T/run
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"

user=uctr password=pull-secret
registry_start "$T/reg" --tls --auth "$user:$password" >&2
# The CA where podman (and uctr) look for it: certs.d under the user's config.
mkdir -p "$XDG_CONFIG_HOME/containers/certs.d/$REGISTRY_HOST"
cp "$REGISTRY_CA" "$XDG_CONFIG_HOME/containers/certs.d/$REGISTRY_HOST/ca.crt"

# Layers of a few chunks, so that progress is seen more than once.
mkdir -p "$T/rootfs/bin" "$T/rootfs2/etc"
head -c 700000 /dev/urandom >"$T/rootfs/bin/data"
echo '#!/bin/sh' >"$T/rootfs/bin/sh"
head -c 300000 /dev/urandom >"$T/rootfs2/etc/other"

repo=test/img
export UCTR_TEST_REGISTRY=$REGISTRY_HOST UCTR_TEST_REPOSITORY=$repo
UCTR_TEST_OCI_GZIP=$(registry_push_dir "$T/rootfs" "$repo:oci-gzip" --format oci --compress gzip)
UCTR_TEST_OCI_ZSTD=$(registry_push_dir "$T/rootfs" "$repo:oci-zstd" --format oci --compress zstd)
UCTR_TEST_V2S2=$(registry_push_dir "$T/rootfs" "$repo:v2s2" --format v2s2 --compress gzip)
UCTR_TEST_INDEX=$(registry_push_dir "$T/rootfs" "$repo:index" --format oci --index)
UCTR_TEST_LIST=$(registry_push_dir "$T/rootfs" "$repo:list" --format v2s2 --index)
UCTR_TEST_CORRUPT=$(registry_push_dir "$T/rootfs2" "$repo:corrupt" --format oci --compress gzip)
export UCTR_TEST_OCI_GZIP UCTR_TEST_OCI_ZSTD UCTR_TEST_V2S2 UCTR_TEST_INDEX UCTR_TEST_LIST UCTR_TEST_CORRUPT

# The registry serves its files as they are: the corrupt image's layer
# gets its last byte changed (same size, other digest) and its manifest a
# tab for a space (the same JSON, other bytes).
python3 - "$REGISTRY_DIR/storage/docker/registry/v2/blobs" "$UCTR_TEST_CORRUPT" <<'EOF'
import json, sys

blobs, manifest = sys.argv[1], sys.argv[2]

def data(digest):
    hex = digest.split(':')[1]
    return f'{blobs}/sha256/{hex[:2]}/{hex}/data'

with open(data(manifest), 'rb') as f:
    text = f.read()
layer = json.loads(text)['layers'][0]['digest']
with open(data(layer), 'r+b') as f:
    f.seek(-1, 2)
    last = f.read(1)
    f.seek(-1, 2)
    f.write(bytes([last[0] ^ 0xff]))
assert b', ' in text
with open(data(manifest), 'wb') as f:
    f.write(text.replace(b', ', b',\t', 1))
EOF

# A registry as Docker Hub and ghcr.io are, in front of the same storage:
# Bearer tokens from a token service (a realm on the same server), blobs
# redirected to another host (localhost, where the registry is 127.0.0.1)
# that refuses any Authorization header, over plain http (so marked
# insecure: https is tried first). Blobs of test/chunked come without a
# Content-Length.
cat >"$T/fake.py" <<'EOF'
import base64, http.server, json, os, sys, urllib.parse

storage, creds, portfile, logfile = sys.argv[1:5]
token = 'fake-token-' + os.urandom(8).hex()
basic = 'Basic ' + base64.b64encode(creds.encode()).decode()


def blob(digest):
    hex = digest.split(':')[1]
    with open(f'{storage}/blobs/sha256/{hex[:2]}/{hex}/data', 'rb') as f:
        return f.read()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def send(self, status, body=b'', headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_chunked(self, data):
        self.send_response(200)
        self.send_header('Transfer-Encoding', 'chunked')
        self.end_headers()
        for i in range(0, len(data), 16384):
            chunk = data[i:i + 16384]
            self.wfile.write(b'%x\r\n%s\r\n' % (len(chunk), chunk))
        self.wfile.write(b'0\r\n\r\n')

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        auth = self.headers.get('Authorization')
        port = self.server.server_address[1]
        with open(logfile, 'a') as log:
            print(url.path, auth is not None, file=log)
        if url.path == '/token':
            query = urllib.parse.parse_qs(url.query)
            if auth != basic:
                return self.send(401, b'{}', [('WWW-Authenticate', 'Basic realm="fake"')])
            if (query.get('service') != ['fake-registry']
                    or not query.get('scope', [''])[0].startswith('repository:test/')):
                return self.send(400, b'bad token request')
            return self.send(200, json.dumps({'access_token': token}).encode(),
                             [('Content-Type', 'application/json')])
        if url.path.startswith('/cdn/'):
            if auth is not None or not self.headers.get('Host', '').startswith('localhost:'):
                return self.send(400, b'an Authorization header at the CDN')
            data = blob(url.path[5:])
            return self.send_chunked(data) if url.query == 'chunked' else self.send(200, data)
        parts = url.path.split('/')  # '', 'v2', 'test', REPO, KIND, REF
        if len(parts) != 6 or parts[1:3] != ['v2', 'test']:
            return self.send(404, b'{}')
        if auth != 'Bearer ' + token:
            challenge = (f'Bearer realm="http://127.0.0.1:{port}/token",service="fake-registry",'
                         f'scope="repository:test/{parts[3]}:pull"')
            return self.send(401, b'{"errors": []}', [('WWW-Authenticate', challenge)])
        if parts[4] == 'blobs':
            chunked = '?chunked' if parts[3] == 'chunked' else ''
            return self.send(307, b'', [('Location', f'http://localhost:{port}/cdn/{parts[5]}{chunked}')])
        link = f'{storage}/repositories/test/img/_manifests/tags/{parts[5]}/current/link'
        try:
            with open(link) as f:
                data = blob(f.read().strip())
        except FileNotFoundError:
            return self.send(404, b'{}')
        self.send(200, data, [('Content-Type', json.loads(data)['mediaType'])])


server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
with open(portfile + '.tmp', 'w') as f:
    print(server.server_address[1], file=f)
os.rename(portfile + '.tmp', portfile)
server.serve_forever()
EOF
python3 "$T/fake.py" "$REGISTRY_DIR/storage/docker/registry/v2" "$user:$password" "$T/fake.port" "$T/fake.log" \
  2>"$T/fake.err" &
fake_pid=$!
deadline=$((SECONDS + 20))
until [ -s "$T/fake.port" ]; do
  if ! kill -0 "$fake_pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
    echo "Bail out! the fake registry did not start: $(cat "$T/fake.err")"
    exit 1
  fi
  sleep 0.05
done
UCTR_TEST_FAKE=127.0.0.1:$(cat "$T/fake.port")
export UCTR_TEST_FAKE UCTR_TEST_FAKE_LOG=$T/fake.log

# One auth.json, as a user's: the right password for test/img, a wrong one
# for test/wrong (an entry per repository, as podman login can write),
# nothing for the rest of the registry.
auth ()
{
  printf '%s' "$1" | base64 -w0
}
cat >"$T/auth.json" <<EOF
{"auths": {
  "$REGISTRY_HOST/$repo": {"auth": "$(auth "$user:$password")"},
  "$REGISTRY_HOST/test/wrong": {"auth": "$(auth "$user:wrong-password")"},
  "$UCTR_TEST_FAKE": {"auth": "$(auth "$user:$password")"},
  "$UCTR_TEST_FAKE/test/wrong": {"auth": "$(auth "$user:wrong-password")"}
}}
EOF
export REGISTRY_AUTH_FILE=$T/auth.json
export UCTR_TEST_TMPDIR=$T

"$test_bin"
