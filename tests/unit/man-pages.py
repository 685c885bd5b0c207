#!/usr/bin/python3
# The manual pages against the binary (TAP): every command that `uctr --help`
# lists has its page, and every option that `uctr COMMAND --help` lists has an
# entry in it (a definition-list header, with its short form beside it when it
# has one); the global options are in uctr(1); every page renders with no
# groff or man warning.
#
# usage: man-pages.py UCTR MANDIR CLI_H

import os
import re
import subprocess
import sys

uctr, mandir, cli_h = sys.argv[1:4]
env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80")
n = 0
failed = 0


def ok(cond, desc, *diag):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, desc))
    if not cond:
        failed += 1
        for d in diag:
            for line in str(d).splitlines():
                print("# " + line)


def run(*argv):
    p = subprocess.run(argv, capture_output=True, text=True, env=env)
    return p.returncode, p.stdout, p.stderr


def section(text, heading):
    """The indented lines after HEADING, up to the first blank line."""
    lines = text.splitlines()
    start = lines.index(heading) + 1
    out = []
    for line in lines[start:]:
        if not line.strip():
            break
        out.append(line)
    return out


def help_options(text):
    """{long: short or None} of the option lines of a GOption --help."""
    opts = {}
    for line in text.splitlines():
        m = re.match(r"^\s+(?:-(\w), )?--([\w-]+)", line)
        if m:
            opts[m.group(2)] = m.group(1)
    return opts


def page_entries(path):
    """The options the page describes: every header of a definition list
    (a line followed by .RS 4, as scdoc writes them), as a list of
    {long: short or None}, one dict per header."""
    lines = open(path, encoding="utf-8").read().splitlines()
    entries = []
    for i, line in enumerate(lines[:-1]):
        if lines[i + 1] != ".RS 4" or not line.startswith("\\fB"):
            continue
        # \fB-b\fR, \fB--bundle\fR=\fIDIR\fR ; \fB--a\fR=..., \fB--b\fR=...
        flags = re.findall(r"\\fB(-{1,2}[\w-]+)\\fR", line)
        entry = {}
        short = None
        for f in flags:
            if f.startswith("--"):
                entry[f[2:]] = short
                short = None
            else:
                short = f[1:]
        entries.append(entry)
    return entries


def page_has(entries, long, short):
    for e in entries:
        if long in e:
            return e[long] == short, e[long]
    return False, "missing"


status, top_help, err = run(uctr, "--help")
ok(status == 0, "uctr --help exits 0", err)
verbs = [l.split()[0] for l in section(top_help, "Commands:")]
ok(len(verbs) > 0, "uctr --help lists commands", top_help)

# Every verb the code has is in --help (cli.h declares one uctr_cmd_VERB each).
declared = re.findall(r"\buctr_cmd_(\w+)\s*\(", open(cli_h).read())
ok(len(declared) > 0 and sorted(set(declared)) == sorted(set(declared) & set(verbs)),
   "uctr --help lists every command of cli.h",
   "missing: %s" % sorted(set(declared) - set(verbs)))

top_page = os.path.join(mandir, "uctr.1")
ok(os.path.exists(top_page), "uctr.1 is built")
top_entries = page_entries(top_page) if os.path.exists(top_page) else []
top_text = open(top_page).read() if os.path.exists(top_page) else ""

# Global options, as the usage text lists them ("  --root DIR   ...").
global_opts = [re.match(r"^\s+--([\w-]+)", l).group(1)
               for l in section(top_help, "Global options:") if re.match(r"^\s+--", l)]
ok(len(global_opts) > 0, "uctr --help lists global options", top_help)
for g in global_opts:
    ok(any(g in e for e in top_entries), "uctr.1 describes --%s" % g)

for verb in verbs:
    ok(re.search(r"^\\fB%s\\fR\n\.RS 4$" % re.escape(verb), top_text, re.M) is not None,
       "uctr.1 lists the command %s" % verb)
    page = os.path.join(mandir, "uctr-%s.1" % verb)
    if not os.path.exists(page):
        ok(False, "uctr-%s.1 exists" % verb, "no page %s for a command of uctr --help" % page)
        continue
    status, out, err = run(uctr, verb, "--help")
    ok(status == 0, "uctr %s --help exits 0" % verb, err)
    entries = page_entries(page)
    for long, short in sorted(help_options(out).items()):
        good, got = page_has(entries, long, short)
        want = "-%s, --%s" % (short, long) if short else "--%s" % long
        ok(good, "uctr-%s.1 describes %s" % (verb, want),
           "the page has: %s" % ("no entry for --" + long if got == "missing"
                                 else "-%s with --%s" % (got, long) if got else "--%s without -%s" % (long, short)))

# Rendering: groff's own warnings, and man's (which runs the page through
# its preprocessors and the device the user gets).
pages = sorted(f for f in os.listdir(mandir) if re.match(r"^uctr[\w-]*\.[1-8]$", f))
ok(len(pages) >= len(verbs) + 1, "a page for uctr and each command (%d pages)" % len(pages))
for p in pages:
    path = os.path.join(mandir, p)
    status, out, err = run("groff", "-man", "-ww", "-z", path)
    ok(status == 0 and err == "", "groff -man -ww renders %s without warnings" % p, err)
    status, out, err = run("man", "--warnings", "-l", path)
    ok(status == 0 and err == "" and "NAME" in out, "man -l renders %s without warnings" % p, err)

print("1..%d" % n)
sys.exit(1 if failed else 0)
