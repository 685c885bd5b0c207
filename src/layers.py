#!/usr/bin/env python3
"""Fails when a source file under src/ includes a header of a layer above
its own, so that the layering README describes holds on every build; and
when a file that runs after fork does not include base/afterfork.h last.

Usage: layers.py SRCDIR STAMP"""
import os
import re
import sys

# Each folder and what it may include besides itself. A layer's folder may
# name only some of its headers (the rest are private to it).
ALLOWED = {
    'base': {},
    # The exec trampoline, a program of its own (static, no GLib).
    'dmz': {'base': {'dmz-argv.h'}},
    'oci': {'base': None},
    'plan': {'base': None, 'oci': None},
    'init': {'base': None, 'oci': None, 'plan': None},
    'cgroup': {'base': None},
    'net/inside': {'base': None},
    'net': {'base': None, 'net/inside': None},
    # A detached one-line container's log: its logger, records and reader.
    'logs': {'base': None},
    # Images: layers, manifests, the store.
    'image': {'base': None},
    # The image store: layers made and removed in a user namespace.
    'store': {'base': None, 'oci': None, 'plan': {'idmap.h'}, 'image': None},
    # The network helper is started (launch.h) with options create parses
    # (options.h) and ports it checks (ports.h); its end is read (netexit.h).
    # The logger is started (logger.h, for its fds) and its log read (reader.h, files.h).
    'runtime': {'base': None, 'oci': None, 'plan': None, 'init': None, 'cgroup': None,
                'net': {'launch.h', 'ports.h', 'netexit.h', 'options.h', 'portclient.h', 'handoverclient.h'},
                'logs': {'logger.h', 'reader.h', 'files.h'},
                # A container run from an image: its writable layer in the store.
                'store': {'containers.h', 'store.h'}},
    # One-line runs: flags made into a config, above what runs it.
    # An image's root and config: the store's images, read (never pulled: uctr-image).
    'oneline': {'base': None, 'oci': None, 'runtime': {'container.h'},
                'store': {'containers.h', 'images.h', 'rootfile.h'}, 'image': {'manifest.h', 'convert.h'}},
    # runtime/container.h is the whole API cli/ sees.
    'cli': {'base': None, 'oci': None, 'oneline': None, 'runtime': {'container.h'}},
    # uctr-image: the image verbs, over the image store.
    'imagecli': {'base': None, 'image': None, 'store': None},
    '.': {'base': None, 'cli': None, 'runtime': None, 'net': {'helper.h'}, 'logs': {'logger.h'},
          'store': {'helper.h', 'copyroot.h'}},
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
ANY_INCLUDE = re.compile(r'^\s*#\s*include\s+["<]([^">]+)[">]', re.M)

# What runs between fork and execve: its .c files include base/afterfork.h,
# and last, for the poison to cover everything they write.
AFTER_FORK_DIRS = ('init', 'net/inside')
AFTER_FORK_FILES = ('base/resolve.c',)


def layer_of(rel):
    """The most specific folder of ALLOWED that REL (relative to src) is in."""
    d = os.path.dirname(rel) or '.'
    while d not in ALLOWED:
        d = os.path.dirname(d) or '.'
    return d


def check(srcdir):
    errors = []
    for dirpath, _, files in os.walk(srcdir):
        for name in sorted(files):
            if not name.endswith(('.c', '.h')):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, srcdir)
            own = layer_of(rel)
            with open(path, encoding='utf-8') as f:
                text = f.read()
            if name.endswith('.c') and (os.path.dirname(rel) in AFTER_FORK_DIRS or rel in AFTER_FORK_FILES):
                includes = ANY_INCLUDE.findall(text)
                if not includes or includes[-1] != 'base/afterfork.h':
                    errors.append('%s: runs after fork: its last include must be "base/afterfork.h"' % rel)
            for inc in INCLUDE.findall(text):
                target = layer_of(inc)
                if target == own:
                    continue
                allowed = ALLOWED[own]
                if target not in allowed:
                    errors.append('%s: includes "%s": %s/ may not use %s/' % (rel, inc, own, target))
                elif allowed[target] is not None and os.path.basename(inc) not in allowed[target]:
                    errors.append('%s: includes "%s": %s/ reaches %s/ only through %s'
                                  % (rel, inc, own, target, ', '.join(sorted(allowed[target]))))
    return errors


def main():
    errors = check(sys.argv[1])
    for e in errors:
        print('src/' + e, file=sys.stderr)
    if errors:
        return 1
    with open(sys.argv[2], 'w') as f:
        f.write('ok\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
