#!/bin/bash
# Every source file with a translatable string is in po/POTFILES.in, which is sorted.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
echo "1..2"
want=$(grep -l -E '\b(N_|_)\(' -r src --include='*.c' | LC_ALL=C sort)
have=$(grep -v '^#' po/POTFILES.in | grep -v '^$' || true)
if [ "$want" = "$have" ]; then
  echo "ok 1 - po/POTFILES.in lists every source with translatable strings"
else
  echo "not ok 1 - po/POTFILES.in differs from the sources with _() (< missing, > stale):"
  diff <(echo "$want") <(echo "$have") | sed 's/^/# /' || true
fi
if [ "$have" = "$(echo "$have" | LC_ALL=C sort)" ]; then
  echo "ok 2 - po/POTFILES.in is sorted"
else
  echo "not ok 2 - po/POTFILES.in is not sorted"
fi
