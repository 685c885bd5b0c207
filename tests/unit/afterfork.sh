#!/bin/bash
# src/base/afterfork.h makes the after-fork rule a compile error: a file
# that includes it last and then calls malloc (or any other name it
# poisons) does not compile, with the compiler meson found; the same file
# without it does, and so does code that keeps to the rule.
# usage: afterfork.sh SRCDIR CC [CC ARGS...]
set -u
srcdir=$1
shift
cc=("$@")
. "$(dirname "$0")/tap.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# compile FILE: the compiler's status, its messages in $tmp/out.
compile ()
{
  "${cc[@]}" -std=gnu11 -D_GNU_SOURCE -I"$srcdir" -fsyntax-only "$1" >"$tmp/out" 2>&1
}

cat >"$tmp/rule.c" <<'C'
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/afterfork.h"

int child (const char *s);
int
child (const char *s)
{
  return (int) write (2, s, strlen (s));
}
C
compile "$tmp/rule.c"
is "$? $(cat "$tmp/out")" "0 " "code that keeps to the rule compiles, with the header last"

cat >"$tmp/malloc.c" <<'C'
#include <stdlib.h>

#include "base/afterfork.h"

void *child (void);
void *
child (void)
{
  return malloc (16);
}
C
compile "$tmp/malloc.c"
is "$?" 1 "a call to malloc after the header does not compile"
is "$(grep -q 'malloc.c:9:.*poison' "$tmp/out" && echo yes)" yes "the compiler says malloc is poisoned"
sed '/afterfork.h/d' "$tmp/malloc.c" >"$tmp/malloc-free.c"
compile "$tmp/malloc-free.c"
is "$? $(cat "$tmp/out")" "0 " "the same file without the header compiles"

# Every name the header lists trips it, whatever it is (no declaration
# needed): one use per line, each line must have its error.
names=$(sed -n 's/^#pragma GCC poison //p' "$srcdir/base/afterfork.h")
printf '#include "base/afterfork.h"\nvoid f (void);\nvoid f (void) {\n' >"$tmp/names.c"
for name in $names; do
  printf '  (void) %s;\n' "$name" >>"$tmp/names.c"
done
printf '}\n' >>"$tmp/names.c"
# clang stops after 20 errors unless told.
"${cc[@]}" --version 2>/dev/null | grep -q clang && cc+=(-ferror-limit=0)
compile "$tmp/names.c"
missed= line=3
for name in $names; do
  line=$((line + 1))
  grep -q "names.c:$line:.*poison" "$tmp/out" || missed+=" $name"
done
is "$missed" "" "every name afterfork.h poisons is an error after it"
for name in malloc free strdup snprintf printf g_malloc g_new g_free g_strdup_printf g_printerr; do
  grep -q "^#pragma GCC poison.* $name\( \|$\)" "$srcdir/base/afterfork.h" || missed+=" $name"
done
is "$missed" "" "malloc, free, strdup, the printf family and GLib's allocators and printers are among them"

tap_done
