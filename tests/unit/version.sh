#!/bin/bash
# uctr --version (and -v): the version, the runtime-spec version and the
# features built in, in runc's "name: value" lines.
# usage: version.sh UCTR VERSION FEATURES
set -u
uctr=$1 version=$2 features=$3
. "$(dirname "$0")/tap.sh"

expected="uctr version $version
spec: 1.2.0
features: $features"
out=$("$uctr" --version 2>&1); status=$?
is "$status" 0 "uctr --version exits 0"
is "$out" "$expected" "uctr --version prints the version, the spec and the features"
out=$("$uctr" -v 2>&1)
is "$out" "$expected" "uctr -v prints the same"
# The network is always built in.
is "$(sed -n 's/^features: .*+slirp\b.*/yes/p' <<<"$out")" yes "the features list +slirp"

tap_done
