#!/bin/bash
# Every C file of src/ and tests/ is as clang-format (Debian 12's, 14) and
# .clang-format write it: a file the formatter would change fails here,
# with the lines it would change. Fix with:
#   clang-format -i $(git ls-files '*.c' '*.h')
set -euo pipefail
src=${1:?usage: format.sh SOURCE-DIR}
cd "$src"
fmt=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$fmt" ]; then
  echo "1..0 # SKIP clang-format is not installed (apt-get install clang-format)"
  [ "${CI:-}" != true ] || exit 1
  exit 0
fi
mapfile -t files < <(find src tests -name '*.[ch]' -not -path '*/build*' | LC_ALL=C sort)
n=0 failed=0
for f in "${files[@]}"; do
  n=$((n + 1))
  if out=$("$fmt" --style=file --dry-run --Werror "$f" 2>&1); then
    echo "ok $n - $f"
  else
    echo "not ok $n - $f would change"
    printf '%s\n' "$out" | head -20 | sed 's/^/# /'
    failed=$((failed + 1))
  fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
