#!/bin/bash
# The systemd user unit template (data/uctr@.service) as meson configured
# it: systemd-analyze must take every line of it, with the uctr it names
# replaced by a program that exists (the unit names the installed path).
set -euo pipefail
unit=${1:?usage: user-unit.sh BUILT-UNIT}
echo "1..1"
if ! command -v systemd-analyze >/dev/null; then
  echo "ok 1 - the user unit parses # SKIP systemd-analyze is not installed (apt-get install systemd)"
  exit 0
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/uctr-unit.XXXXXX")
trap 'rm -rf "$dir"' EXIT
sed -E 's#^(Exec[A-Za-z]*=-?)[^ ]*/uctr #\1/bin/true #' "$unit" >"$dir/uctr@check.service"
out=$(systemd-analyze verify --man=no "$dir/uctr@check.service" 2>&1) && rc=0 || rc=$?
if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
  echo "ok 1 - the user unit parses: systemd-analyze verify says nothing"
else
  echo "not ok 1 - the user unit parses"
  sed 's/^/# /' <<<"$out"
fi
