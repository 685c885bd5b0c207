#!/bin/bash
# What uctr prints against the runtime-spec's JSON schemas (SCHEMA_DIR, else
# ../shared/runtime-spec-schema beside the clone, else the ones Debian ships in
# golang-github-opencontainers-specs-dev, which tests/setup.sh installs): spec
# and spec --rootless, state in each status, features (where the schemas
# have features-schema.json: Debian 12's predate it).
# Generic: also passes with UCTR_TEST_RUNTIME=runc.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

DEBIAN_SCHEMA_DIR=/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema
if [ -z "${SCHEMA_DIR:-}" ]; then
  SCHEMA_DIR=$TESTS_DIR/../../../shared/runtime-spec-schema
  [ -f "$SCHEMA_DIR/config-schema.json" ] || SCHEMA_DIR=$DEBIAN_SCHEMA_DIR
fi
echo "# schemas: $SCHEMA_DIR"
if [ ! -f "$SCHEMA_DIR/config-schema.json" ]; then
  [ -n "${CI:-}" ] && bail_out "no runtime-spec schemas in $SCHEMA_DIR"
  skip "the runtime-spec schemas" "none in $SCHEMA_DIR"
  done_testing
  exit 0
fi
CHECK=$TESTS_DIR/../schema-check.py

# valid SCHEMA FILE DESC: FILE validates against SCHEMA.
valid ()
{
  local r
  r=$(python3 "$CHECK" "$SCHEMA_DIR" "$1" <"$2" 2>&1) || true
  is "$r" valid "$3"
}

for mode in "" --rootless; do
  S=$T/spec$mode
  mkdir -p "$S"
  rt spec $mode --bundle "$S"
  valid config-schema.json "$S/config.json" "spec ${mode:-(for root)}: config.json validates against config-schema.json"
done

B=$(mkbundle st '.process.args = ["sh", "-c", "read x < /go"]')
mkfifo "$B/rootfs/go"
rt create --bundle "$B" st
echo "$out" >/dev/null
timeout 10 "$RT" --root "$R" state st >"$T/created.json" 2>/dev/null || true
valid state-schema.json "$T/created.json" "state of a created container validates against state-schema.json"
rt start st
timeout 10 "$RT" --root "$R" state st >"$T/running.json" 2>/dev/null || true
valid state-schema.json "$T/running.json" "state of a running container validates"
timeout 10 sh -c 'echo go > "$1"' sh "$B/rootfs/go" || true
wait_until 10 state_is st stopped || true
timeout 10 "$RT" --root "$R" state st >"$T/stopped.json" 2>/dev/null || true
valid state-schema.json "$T/stopped.json" "state of a stopped container validates"
rt delete st

rt features
printf '%s\n' "$out" >"$T/features.json"
if [ -f "$SCHEMA_DIR/features-schema.json" ]; then
  valid features-schema.json "$T/features.json" "features validates against features-schema.json"
else
  skip "features against features-schema.json" "$SCHEMA_DIR has none (runtime-spec before 1.1)"
fi
if uctr_only "what features claims"; then
  is "$(jq -r '[.linux.seccomp.enabled, .linux.apparmor.enabled] | map(tostring) | join(",")' "$T/features.json")" \
    "true,false" "features claims seccomp, no AppArmor"
  is "$(jq -r '.linux.seccomp | [(.actions | index("SCMP_ACT_NOTIFY") != null), (.operators | length),
      (.knownFlags | index("SECCOMP_FILTER_FLAG_LOG") != null), (.supportedFlags - .knownFlags | length)] | map(tostring) | join(",")' \
      "$T/features.json")" "true,7,true,0" "features lists the seccomp actions, the 7 operators, the flags (supported ones among the known)"
  is "$(jq -r '.linux.cgroup | [.v1, .v2, .systemd, .systemdUser, .rdma] | map(tostring) | join(",")' "$T/features.json")" \
    "true,true,true,true,false" "features: cgroup v1 (root), v2 and systemd scopes, no rdma"
  is "$(jq -r '[.mountOptions | index("rro", "rnosymfollow", "ratime", "tmpcopyup", "idmap", "ridmap") | . != null] | all' "$T/features.json"),$(jq -r '.linux.mountExtensions.idmap.enabled' "$T/features.json")" \
    "true,true" "features lists the recursive mount options, tmpcopyup and idmap, ridmap; idmapped mounts enabled"
fi

done_testing
