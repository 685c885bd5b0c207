# shellcheck shell=bash
# Shared by the bash and fish completion tests (sourced after tap.sh):
# against the real binary UCTR, every command of `uctr --help`, every global
# option and every option of `uctr COMMAND --help` is offered. The caller
# defines complete_line LINE, which prints the candidates for LINE.

# missing_from WANTED OFFERED: the words of WANTED missing from OFFERED.
missing_from ()
{
  local w missing=
  for w in $1; do
    [[ " $2 " == *" $w "* ]] || missing+=" $w"
  done
  echo "${missing# }"
}

check_everything_offered ()
{
  local uctr=$1 commands c
  commands=$("$uctr" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]\+\) .*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//')
  is "$(missing_from "$commands" "$(complete_line 'uctr ')")" "" "every command of uctr --help is offered ($commands)"
  is "$(missing_from "$("$uctr" --help | sed -n 's/^  \(--[a-z-]\+\).*/\1/p')" "$(complete_line 'uctr --')")" "" \
    "every global option of uctr --help is offered"
  for c in $commands; do
    is "$(missing_from "$("$uctr" "$c" --help | sed -n 's/^  \(-[a-zA-Z], \)\?\(--[a-z0-9-]\+\).*/\2/p')" \
                       "$(complete_line "uctr $c --")")" "" "every option of uctr $c --help is offered"
  done
}
