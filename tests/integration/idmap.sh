#!/bin/bash
# shellcheck disable=SC2016 # container scripts are single-quoted on purpose
# The user namespace uctr makes itself: a bundle written for root (no user
# namespace, no mappings) runs rootless with the caller's whole first range;
# newuidmap/newgidmap that fail or are missing.  uctr-specific (runc refuses
# a root bundle when rootless), so every test here is marked uctr_only.
# UCTR_NEWUIDMAP and UCTR_NEWGIDMAP name the helpers uctr runs instead of
# newuidmap and newgidmap found on PATH.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# The maps inside, whitespace squeezed: "uid_map -- gid_map".
MAPS='cat /proc/self/uid_map; echo --; cat /proc/self/gid_map'
squeeze () { tr -s ' \t' ' ' | sed 's/^ //'; }
whole_range () { printf '0 %s 1\n1 %s %s\n--\n0 %s 1\n1 %s %s' "$MY_UID" "$SUBUID_START" "$SUBUID_COUNT" "$MY_GID" "$SUBGID_START" "$SUBGID_COUNT"; }

if [ -z "$SUBUID" ] || [ -z "$SUBGID" ]; then
  bail_out "$MY_USER has no range in /etc/subuid or /etc/subgid"
fi

# --- a root bundle ---------------------------------------------------------------------
if uctr_only "a bundle written for root runs rootless"; then
  b=$T/rootbundle
  mkdir -p "$b"
  cp -a "$ROOTFS" "$b/rootfs"
  rt spec --bundle "$b"
  status_is 0 "spec (not --rootless) exits 0"
  is "$(jq -r '([.linux.namespaces[]?.type] | index("user") == null) and ((.linux.uidMappings // []) | length == 0)' "$b/config.json" 2>&1)" true \
    "spec without --rootless: no user namespace, no mappings"
  edit_config "$b" ".process.terminal = false | .process.args = $(args_json sh -c "$MAPS; id -u")"
  rt run --bundle "$b" rootbundle
  status_is 0 "a bundle written for root runs rootless"
  is "$(squeeze <<<"$out")" "$(whole_range; printf '\n0')" \
    "uctr adds the user namespace: 0 -> caller, 1.. -> the whole first subordinate range"
  nothing_left rootbundle "the root bundle's container is gone after run"
fi

if uctr_only "a user namespace without mappings gets the default ones"; then
  b=$(mkbundle nomaps --map keep "del(.linux.uidMappings, .linux.gidMappings) | .process.args = $(args_json sh -c "$MAPS")")
  rt run --bundle "$b" nomaps
  is "$status/$(squeeze <<<"$out")" "0/$(whole_range)" "a user namespace without mappings: the default mappings"
fi

# --- spec --rootless: runc's mappings, extended by uctr.subids -----------------------------
if uctr_only "uctr.subids"; then
  b=$T/subids
  mkdir -p "$b"
  cp -a "$ROOTFS" "$b/rootfs"
  rt spec --rootless --bundle "$b"
  is "$(jq -r '.annotations["uctr.subids"]' "$b/config.json")" true "spec --rootless writes uctr.subids"
  edit_config "$b" ".process.terminal = false | .process.args = $(args_json sh -c "$MAPS")"
  rt run --network none --bundle "$b" subids
  is "$status/$(squeeze <<<"$out")" "0/$(whole_range)" \
    "uctr.subids on the caller's ids alone: the whole first subordinate range is added"
  # A script written for runc adds its own range: kept as written, no overlap.
  edit_config "$b" ".linux.uidMappings += [{containerID: 1, hostID: $SUBUID_START, size: 1000}]
    | .linux.gidMappings += [{containerID: 1, hostID: $SUBGID_START, size: 1000}]"
  rt run --network none --bundle "$b" subids2
  is "$status/$(squeeze <<<"$out")" \
    "0/$(printf '0 %s 1\n1 %s 1000\n--\n0 %s 1\n1 %s 1000' "$MY_UID" "$SUBUID_START" "$MY_GID" "$SUBGID_START")" \
    "uctr.subids with ranges a script added: the mappings as written"
  # Without the annotation: the caller alone, as runc.
  edit_config "$b" 'del(.annotations["uctr.subids"]) | .linux.uidMappings |= .[:1] | .linux.gidMappings |= .[:1]'
  rt run --network none --bundle "$b" subids3
  is "$status/$(squeeze <<<"$out")" "0/$(printf '0 %s 1\n--\n0 %s 1' "$MY_UID" "$MY_GID")" \
    "the same mappings without uctr.subids: the caller alone, as runc"
fi

# --- newuidmap / newgidmap that fail -------------------------------------------------------
cat >"$T/fake-newidmap" <<'EOF'
#!/bin/sh
echo "${0##*/}: write to uid_map failed: Operation not permitted" >&2
exit 1
EOF
chmod 0755 "$T/fake-newidmap"
ln -s fake-newidmap "$T/newuidmap"
ln -s fake-newidmap "$T/newgidmap"

for tool in newuidmap newgidmap; do
  uctr_only "a failing $tool" || continue
  b=$(mkbundle "fail-$tool" '.process.args = ["true"]')
  var=UCTR_$(tr '[:lower:]' '[:upper:]' <<<"$tool")
  status=0
  # shellcheck disable=SC2034 # _last_call is read by fail
  _last_call="$var=$T/$tool $RT_NAME create fail-$tool"
  err=$(env "$var=$T/$tool" UCTR_TEST_TAG="$T" timeout -k 5 "$CALL_TIMEOUT" "$RT" --root "$R" create --bundle "$b" "fail-$tool" 2>&1 >/dev/null </dev/null) || status=$?
  check "a failing $tool: create fails" test "$status" -ne 0
  like "$err" "$tool" "a failing $tool: the message names it"
  like "$err" "Operation not permitted" "a failing $tool: the message has what it said"
  nothing_left "fail-$tool" "a failing $tool: nothing left behind"
done

# --- newuidmap / newgidmap missing ------------------------------------------------------------
if uctr_only "without newuidmap: the single-id fallback"; then
  b=$(mkbundle nohelpers --map keep "del(.linux.uidMappings, .linux.gidMappings) | .process.args = $(args_json sh -c "$MAPS; echo --; cat /proc/self/setgroups")")
  status=0
  out=$(UCTR_NEWUIDMAP=$T/missing UCTR_NEWGIDMAP=$T/missing UCTR_TEST_TAG="$T" timeout -k 5 "$CALL_TIMEOUT" \
    "$RT" --root "$R" run --bundle "$b" nohelpers 2>"$T/nohelpers.err" </dev/null) || status=$?
  err=$(cat "$T/nohelpers.err")
  is "$status/$(squeeze <<<"$out")" "$(printf '0/0 %s 1\n--\n0 %s 1\n--\ndeny' "$MY_UID" "$MY_GID")" \
    "without newuidmap/newgidmap: one id mapped, written directly, setgroups denied"
  like "$err" 'newuidmap|newgidmap|uidmap' "without newuidmap: the warning says what is missing"
  is "$(sort <<<"$err" | uniq -d)" "" "the warning is said once"

  b=$(mkbundle nohelpers2 '.process.args = ["true"]')
  status=0
  err=$(UCTR_NEWUIDMAP=$T/missing UCTR_NEWGIDMAP=$T/missing UCTR_TEST_TAG="$T" timeout -k 5 "$CALL_TIMEOUT" \
    "$RT" --root "$R" create --bundle "$b" nohelpers2 2>&1 >/dev/null </dev/null) || status=$?
  check "without newuidmap, mappings that need it: create fails" test "$status" -ne 0
  like "$err" 'newuidmap' "without newuidmap, mappings that need it: the message names newuidmap"
  nothing_left nohelpers2 "without newuidmap: nothing left behind"
fi

# Already inside a user namespace (rootless podman runs the runtime as the
# uid 0 of its own): a root bundle runs there, devices bound rather than made.
b=$(mkbundle inns '.process.args = ["sh", "-c", "id -u; test -c /dev/null && echo null-ok"] | del(.linux.namespaces[] | select(.type == "user")) | del(.linux.uidMappings, .linux.gidMappings)')
status=0
out=$(UCTR_TEST_TAG=$T timeout -k 5 "$CALL_TIMEOUT" unshare -Ur "$RT" --root "$R" run --bundle "$b" inns 2>"$T/inns.err") || status=$?
is "$status/$out" "0/$(printf '0\nnull-ok')" "inside an existing user namespace, as uid 0 there: the container runs, /dev/null bound"
nothing_left inns "and leaves nothing behind"

done_testing
