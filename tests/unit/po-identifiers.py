#!/usr/bin/env python3
"""Prints the translations in PO files that lost a technical identifier.

A translation must keep, byte for byte, what the user types or what uctr
names: options (--bundle), JSON paths and file names (process.args,
config.json), constants and variables (NOTIFY_SOCKET, no_new_privs) and
absolute paths (/dev/null). The prose around them is the translator's.
Only translated, non-fuzzy entries are checked. Exit status 1 when one is
missing. Usage: po-identifiers.py FILE.po...
"""
import re
import sys

TOKEN = re.compile(r"""
    (?<![\w-])--[a-z][a-z0-9-]*                          # --bundle
  | \b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+                    # process.args, config.json
  | \b[A-Za-z]\w*_\w+                                    # NOTIFY_SOCKET, no_new_privs
  | (?<![\w.])/[a-z][\w./-]*[\w]                         # /dev/null
""", re.VERBOSE)


def unquote(s):
    return re.sub(r'\\(.)', lambda m: {'n': '\n', 't': '\t'}.get(m.group(1), m.group(1)), s)


def entries(path):
    """Yields (line, flags, msgid, msgstr) of each entry with a single msgstr."""
    flags, msgid, msgstr, field, line = '', None, None, None, 0
    lines = open(path, encoding='utf-8').read().split('\n') + ['']
    for n, text in enumerate(lines, 1):
        if text.startswith('#,'):
            flags += text
        elif text.startswith('msgid '):
            msgid, field, line = unquote(text[7:-1]), 'msgid', n
        elif text.startswith('msgstr '):
            msgstr, field = unquote(text[8:-1]), 'msgstr'
        elif text.startswith('"') and field == 'msgid':
            msgid += unquote(text[1:-1])
        elif text.startswith('"') and field == 'msgstr':
            msgstr += unquote(text[1:-1])
        elif text.strip() == '' or text.startswith('#~') or text.startswith('msgid_plural'):
            if msgid and msgstr is not None:
                yield line, flags, msgid, msgstr
            flags, msgid, msgstr, field = '', None, None, None


def main():
    bad = 0
    for path in sys.argv[1:]:
        for line, flags, msgid, msgstr in entries(path):
            if 'fuzzy' in flags or msgstr == '':
                continue
            lost = [t for t in dict.fromkeys(TOKEN.findall(msgid)) if t not in msgstr]
            if lost:
                bad += 1
                print('%s:%d: %s missing in the translation of "%s"'
                      % (path, line, ', '.join(lost), msgid.replace('\n', '\\n')))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
