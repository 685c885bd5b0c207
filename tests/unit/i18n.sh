#!/bin/bash
# Translations, as a user sees them: with the catalogs of the build tree
# (UCTR_LOCALEDIR), LANGUAGE=<lang> turns uctr's help and errors into that
# language; every po/<lang>.po passes msgfmt --check and keeps the technical
# identifiers of its msgids. Strings added since the last update-po are not a
# failure (gettext shows them in English): the test says how many there are.
#
# The expected text comes from the compiled catalog itself (gettext -d uctr),
# so rewording a translation does not break the test; a string it uses that
# has no translation does, naming the string.
#
# Usage: i18n.sh UCTR SOURCE_ROOT PO_BUILDDIR
set -euo pipefail
uctr=${1:?usage: i18n.sh UCTR SOURCE_ROOT PO_BUILDDIR}
src=${2:?}
modir=${3:?}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
read -r -a langs <<<"$(tr '\n' ' ' <"$src/po/LINGUAS")"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/uctr-i18n.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); failed=1; echo "not ok $n - $1"; shift; printf '%s\n' "$@" | sed 's/^/# /'; }

# uctr in LANG (empty: no LANGUAGE) from the build tree. LANGUAGE needs a
# locale other than C/POSIX for LC_MESSAGES: C.UTF-8 is in every Debian libc.
in_lang ()
{
  local lang=$1
  shift
  env -u LC_ALL -u LC_MESSAGES LANG=C.UTF-8 ${lang:+LANGUAGE="$lang"} UCTR_LOCALEDIR="$modir" "$@"
}

# The catalog's translation of MSGID in LANG, or nothing when it has none.
translation ()
{
  local lang=$1 msgid=$2 out
  out=$(env -u LC_ALL -u LC_MESSAGES LANG=C.UTF-8 LANGUAGE="$lang" TEXTDOMAINDIR="$modir" gettext -d uctr -- "$msgid")
  [ "$out" != "$msgid" ] && printf '%s' "$out"
  return 0
}

# Whether the sources (as extracted now) still have MSGID: one without
# quotes or backslashes needs no more escaping than this.
in_sources ()
{
  local q=${1//\\/\\\\}
  q=${q//\"/\\\"}
  grep -qxF "msgid \"$q\"" "$tmp/msgids"
}

# check_said NAME LANG OUTPUT ARG MSGID...: OUTPUT holds the translation of
# each MSGID that the sources still have and the catalog translates (a
# printf format filled with ARG when ARG is not empty). When none is left,
# the strings changed since the last update-po: that falls back to English,
# which is allowed, so the check is skipped, saying so.
check_said ()
{
  local name=$1 lang=$2 output=$3 arg=$4 msgid want missing=() found=0
  shift 4
  for msgid in "$@"; do
    in_sources "$msgid" || continue
    want=$(translation "$lang" "$msgid")
    [ -n "$want" ] || continue
    # shellcheck disable=SC2059 # the translation is the format, as in uctr
    [ -n "$arg" ] && want=$(printf "$want" "$arg")
    found=$((found + 1))
    grep -qF -- "$want" <<<"$output" || missing+=("expected: $want")
  done
  if [ "$found" -eq 0 ]; then
    n=$((n + 1))
    echo "ok $n - $name # SKIP none of its strings is translated in $lang now (changed since the last update-po)"
  elif [ ${#missing[@]} -eq 0 ]; then
    ok "$name"
  else
    not_ok "$name" "${missing[@]}" "got:" "$output"
  fi
}

echo "1..$((1 + 8 * ${#langs[@]}))"

# The sources as they are now, for the statistics and check_said.
(cd "$src" && xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
   --files-from=po/POTFILES.in --output="$tmp/uctr.pot" 2>"$tmp/xgettext.err") || true
msgcat --no-wrap --no-location "$tmp/uctr.pot" 2>/dev/null | grep '^msgid ' >"$tmp/msgids" || true

for lang in "${langs[@]}"; do
  po=$src/po/$lang.po
  if out=$(msgfmt --check --output-file=/dev/null "$po" 2>&1); then
    ok "$lang.po passes msgfmt --check (format strings match)"
  else
    not_ok "$lang.po passes msgfmt --check" "$out"
  fi

  if out=$(python3 "$here/po-identifiers.py" "$po" 2>&1); then
    ok "$lang.po keeps the options, JSON paths, constants and paths of its msgids"
  else
    not_ok "$lang.po keeps the options, JSON paths, constants and paths of its msgids" "$out"
  fi

  stats=
  if [ -s "$tmp/uctr.pot" ] && msgmerge --quiet --no-fuzzy-matching --output-file="$tmp/$lang.po" "$po" "$tmp/uctr.pot" \
       && stats=$(LC_ALL=C msgfmt --statistics --output-file=/dev/null "$tmp/$lang.po" 2>&1); then
    total=$(($(wc -l <"$tmp/msgids") - 1))
    done_=$(sed -nE 's/^([0-9]+) translated message.*/\1/p' <<<"$stats")
    done_=${done_:-0}
    ok "$lang: $done_ of the $total strings in the sources are translated; $((total - done_)) fall back to English"
  else
    not_ok "$lang: counting the untranslated strings" "$(cat "$tmp/xgettext.err")" "$stats"
  fi

  out=$(in_lang "$lang" "$uctr" --help 2>&1) || true
  check_said "LANGUAGE=$lang: uctr --help speaks $lang" "$lang" "$out" "" \
    "Usage: uctr [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]" "Commands:" "List containers" \
    "Delete a container and its state" "Start a created container"

  out=$(in_lang "$lang" "$uctr" list --help 2>&1) || true
  check_said "LANGUAGE=$lang: uctr list --help (GOption) speaks $lang" "$lang" "$out" "" \
    "List the containers under --root." "Print the ids only" "table (default) or json"

  # No LANG at all (su -, env -i, a bare unit): LANGUAGE alone is enough.
  out=$(env -i PATH="$PATH" LANGUAGE="$lang" UCTR_LOCALEDIR="$modir" "$uctr" --help 2>&1) || true
  check_said "LANGUAGE=$lang without LANG: uctr --help speaks $lang" "$lang" "$out" "" \
    "Usage: uctr [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]" "Commands:" "List containers"

  root=$tmp/root-$lang
  name="LANGUAGE=$lang: uctr state no-such-id fails (exit 1) in $lang"
  out=$(in_lang "$lang" "$uctr" --root "$root" state no-such-id 2>&1) && rc=0 || rc=$?
  if [ "$rc" -ne 1 ]; then
    not_ok "$name" "exit status $rc:" "$out"
  else
    check_said "$name" "$lang" "$out" no-such-id "container %s does not exist"
  fi

  name="LANGUAGE=$lang: uctr run without config.json fails in $lang, leaving no state"
  mkdir -p "$tmp/empty-bundle"
  out=$(in_lang "$lang" "$uctr" --root "$root" run --bundle "$tmp/empty-bundle" box 2>&1) && rc=0 || rc=$?
  if [ "$rc" -eq 0 ] || [ -e "$root/box" ]; then
    not_ok "$name" "exit status $rc; in $root: $(find "$root" -mindepth 1 -maxdepth 1 -printf '%f ' 2>&1)" "$out"
  else
    check_said "$name" "$lang" "$out" "" "No config.json in the bundle (run \"uctr spec\" there to write one): "
  fi
done

# And without LANGUAGE, English: the msgids themselves, nothing else.
out=$(in_lang "" "$uctr" --help 2>&1) || true
missing=()
for msgid in "Usage: uctr [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]" "Commands:" "List containers"; do
  in_sources "$msgid" && ! grep -qF -- "$msgid" <<<"$out" && missing+=("expected: $msgid")
done
if LC_ALL=C.UTF-8 grep -qP '[^\x00-\x7f]' <<<"$out"; then
  missing+=("it has non-ASCII text")
fi
if [ ${#missing[@]} -eq 0 ]; then
  ok "without LANGUAGE (LANG=C.UTF-8) uctr --help stays English"
else
  not_ok "without LANGUAGE (LANG=C.UTF-8) uctr --help stays English" "${missing[@]}" "got:" "$out"
fi
exit "$failed"
