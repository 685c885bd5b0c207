#!/bin/bash
# Every source file with a translatable string is in po/POTFILES.in, which is
# sorted, and no translatable string is glued to a macro: xgettext cannot
# expand G_GSIZE_FORMAT and friends, so it would cut the msgid short there and
# the real message would never find its translation (use %zu, or %llu and a cast).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
echo "1..3"
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
# A string literal inside _() or N_() followed by a name (a macro) before the
# closing parenthesis, across lines.
mapfile -t sources <<<"$want"
glued=$(perl -0777 -ne 'while (/\bN?_\(\s*(?:"(?:[^"\\\n]|\\.)*"\s*)+[A-Za-z_]\w*/g) {
                           my $l = 1 + (substr ($_, 0, $-[0]) =~ tr/\n//); print "$ARGV:$l\n" }' \
          "${sources[@]}")
if [ -z "$glued" ]; then
  echo "ok 3 - no translatable string is glued to a macro"
else
  echo "not ok 3 - translatable strings glued to a macro (xgettext cuts them there):"
  printf '%s\n' "$glued" | sed 's/^/# /'
fi
