#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# One-line runs: `uctr run --rootfs DIR [OPTIONS] -- COMMAND`, no
# config.json. A rootfs and the host's own / (read-only), binds, the working
# dir, env, a published port, the exit status, names made up or given,
# -d with exec and kill on it, `spec` printing the config, and bad flags.
# uctr-only: runc has no such mode.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

uctr_only "one-line runs" || { done_testing; exit 0; }

ROOT=$T/rootfs
cp -a "$ROOTFS" "$ROOT"
mkdir -p "$T/data"
echo hello-bind >"$T/data/f"

rt run --rootfs "$ROOT" --network none -- sh -c 'echo in-rootfs; exit 5'
is "$status/$out" "5/in-rootfs" "run --rootfs DIR -- COMMAND: its output and exit status"
rt list -q
is "$out" "" "a one-shot run leaves no container behind (--rm by default)"

rt run --rootfs "$ROOT" --network none --bind "$T/data:/data:ro" -w /data -e FOO=bar -e PATH=/bin -- \
  sh -c 'pwd; cat f; echo "$FOO $PATH"; touch g 2>/dev/null && echo writable || echo read-only'
is "$out" "$(printf '/data\nhello-bind\nbar /bin\nread-only')" "--bind SRC:DEST:ro, --workdir, --env"

# podman's -e: KEY alone passes the host's value (nothing when unset),
# PREFIX* every such variable; --env-file first, -e over it.
printf '# a comment\nFROMFILE=f\n\nOVER=file\nHOSTVAR\n' >"$T/env"
HOSTVAR=from-host UCTR_T_A=a UCTR_T_B=b rt run --rootfs "$ROOT" --network none --env-file "$T/env" \
  -e OVER=flag -e HOSTVAR -e UNSET_IN_HOST -e 'UCTR_T_*' -- \
  sh -c 'echo "$FROMFILE $OVER $HOSTVAR ${UNSET_IN_HOST-unset} $UCTR_T_A$UCTR_T_B"'
is "$status/$out" "0/f flag from-host unset ab" "-e KEY, -e PREFIX*, --env-file"
rt run --rootfs "$ROOT" --network none --env-file "$T/nosuch" -- true
like "$status $err" "^[1-9][0-9]* uctr: --env-file: .*nosuch: No such file" "--env-file: a missing file is named"
printf 'BAD LINE\n' >"$T/env2"
rt run --rootfs "$ROOT" --network none --env-file "$T/env2" -- true
like "$err" "--env-file $T/env2:1: \"BAD LINE\": expected KEY=VALUE" "--env-file: a bad line is named with its number"
rt list -q
is "$out" "" "a refused --env-file leaves nothing behind"

rt run --rootfs "$ROOT" --network none --read-only -u 1000:1000 -- sh -c 'id -u; id -g; touch /x 2>/dev/null || echo ro-root'
is "$out" "$(printf '1000\n1000\nro-root')" "--user and --read-only"

rt run --rootfs "$ROOT" --network none -- hostname
like "$out" '^hostname-[0-9a-f]{6}$' "no --name: an id (and hostname) made from the command"
rt run --rootfs "$ROOT" --network none --name given -- hostname
is "$out" given "--name: the id and hostname"

# The host's own /, read-only, with the current directory bound writable.
mkdir -p "$T/work"
cd "$T/work"
rt run --rootfs / --network none --bind "$T/work" --workdir "$T/work" -- \
  sh -c 'pwd; echo made > out; touch /usr/uctr-test-x 2>/dev/null && echo host-writable || echo host-ro'
cd - >/dev/null
is "$out" "$(printf '%s\nhost-ro' "$T/work")" "--rootfs /: the host's tree read-only, the bound workdir as it is"
is "$(cat "$T/work/out" 2>/dev/null)" made "and what the command wrote there is on the host"

# Detached, with a published port; exec and kill reach it by its name.
port=$(random_port)
mkdir -p "$T/www"
echo one-line-page >"$T/www/index.html"
rt run -d --rootfs "$ROOT" --network slirp -p "127.0.0.1:$port:80" --name web --bind "$T/www:/www" -- httpd -f -p 80 -h /www
is "$status" 0 "run -d --rootfs with -p and --name"
got=''
for _ in $(seq 50); do
  got=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=2).read().decode().strip())' "$port" 2>/dev/null) && break
  sleep 0.2
done
is "$got" one-line-page "the published port reaches the command"
rt list -q
is "$out" web "list shows it"
rt exec web sh -c 'cat /www/index.html'
is "$out" one-line-page "exec into it"
rt delete --force web
nothing_left web "delete --force leaves nothing"

# spec prints what such a run uses; it is a valid config.
rt spec --rootfs "$ROOT" --name s1 --bind "$T/data:/d" -- echo hi
is "$status" 0 "spec --rootfs ... -- COMMAND"
is "$(jq -c '[.root.path, .process.args, .hostname, (.mounts[-1] | .destination, .source)]' <<<"$out")" \
  "[\"$ROOT\",[\"echo\",\"hi\"],\"s1\",\"/d\",\"$T/data\"]" "the config has the root, command, hostname and bind"
if [ -n "${SCHEMA_DIR:-}" ] && python3 -c 'import jsonschema' 2>/dev/null; then
  printf '%s\n' "$out" >"$T/s1.json"
  check "and it validates against config-schema.json" python3 - "$SCHEMA_DIR" "$T/s1.json" <<'PY'
import json, sys, pathlib, jsonschema
d = pathlib.Path(sys.argv[1])
schema = json.loads((d / "config-schema.json").read_text())
resolver = jsonschema.RefResolver(base_uri=d.as_uri() + "/", referrer=schema)
jsonschema.validate(json.loads(pathlib.Path(sys.argv[2]).read_text()), schema, resolver=resolver)
PY
fi

# --- bad input -----------------------------------------------------------------------
rt run --rootfs "$ROOT" --network none --bind /no/such/path -- true
like "$err" '--bind /no/such/path: .*No such file' "a missing bind source: named"
rt run --rootfs "$T/nosuch" -- true
like "$err" '--rootfs .*not a directory' "a missing rootfs: named"
rt run --rootfs "$ROOT"
like "$err" 'give the command' "no command: a clear error"
rt run --rootfs "$ROOT" -w relative -- true
like "$err" '--workdir relative: not an absolute path' "a relative --workdir"
rt run --rootfs "$ROOT" --network none --rm -- true
is "$status" 0 "--rm is accepted (a one-shot run is deleted anyway)"
rt run -d --rm --rootfs "$ROOT" --network none -- true
like "$err" '--rm with --detach' "--rm with --detach is refused"
rt list -q
is "$out" "" "and none of them left a container"

done_testing
