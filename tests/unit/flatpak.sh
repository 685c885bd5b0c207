#!/bin/bash
# flatpak/io.github.uctr.Uctr.json: it parses, its uctr module builds this
# tree with meson, and every -D option it passes exists (meson_options.txt,
# or one of meson's built-in options). flatpak-builder is not needed.
set -euo pipefail
src=${1:?usage: flatpak.sh SOURCE-DIR}
echo "1..1"
out=$(python3 - "$src" <<'PY'
import json, pathlib, re, sys
src = pathlib.Path(sys.argv[1])
manifest = json.loads((src / "flatpak" / "io.github.uctr.Uctr.json").read_text())
opts_file = src / "meson_options.txt"
options = set(re.findall(r"option\('([^']+)'", opts_file.read_text())) if opts_file.exists() else set()
builtin = {"buildtype", "prefix", "libdir", "bindir", "datadir", "optimization", "debug", "b_sanitize", "b_lto"}
problems = []
for key in ("app-id", "runtime", "sdk", "command", "modules"):
    if key not in manifest:
        problems.append("no " + key)
uctr = [m for m in manifest.get("modules", []) if isinstance(m, dict) and m.get("name") == "uctr"]
if len(uctr) != 1:
    problems.append("no uctr module")
else:
    m = uctr[0]
    if m.get("buildsystem") != "meson":
        problems.append("the uctr module is not built with meson")
    if not any(s.get("type") == "dir" and (src / "flatpak" / s.get("path", "")).resolve() == src.resolve()
               for s in m.get("sources", [])):
        problems.append("the uctr module does not build this tree")
    for opt in m.get("config-opts", []):
        name = opt[2:].split("=", 1)[0] if opt.startswith("-D") else None
        if name is not None and name not in options and name not in builtin:
            problems.append("unknown meson option " + name)
if manifest.get("command") != "uctr":
    problems.append("the command is not uctr")
print("\n".join(problems))
PY
)
if [ -z "$out" ]; then
  echo "ok 1 - the flatpak manifest parses, builds this tree with meson and passes only options that exist"
else
  echo "not ok 1 - the flatpak manifest"
  sed 's/^/# /' <<<"$out"
fi
