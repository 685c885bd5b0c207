# shellcheck shell=bash
# TAP for the unit tests written in bash (sourced): `is GOT EXPECTED DESC`
# prints a test point, and `tap_done` the plan and the status.
n=0 failed=0

is ()
{
  n=$((n + 1))
  if [ "$1" = "$2" ]; then
    echo "ok $n - $3"
  else
    echo "not ok $n - $3"
    printf 'got:\n%s\nexpected:\n%s\n' "$1" "$2" | sed 's/^/# /'
    failed=$((failed + 1))
  fi
}

tap_done ()
{
  echo "1..$n"
  [ "$failed" -eq 0 ]
}
