#!/usr/bin/python3
# The zsh completion (TAP): it parses (zsh -n), compinit picks it up for
# uctr, and, in an interactive zsh on a pty, TAB at the end of a line gives
# what a user gets (the line after TAB, read back through a zle widget),
# with a stand-in `uctr` on PATH for the container ids. Every command of
# `uctr --help` and every option of `uctr COMMAND --help` is in the file.
#
# usage: completion-zsh.py COMPLETION_DIR UCTR [ZSH]

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

compdir, uctr = os.path.realpath(sys.argv[1]), os.path.realpath(sys.argv[2])
zsh = sys.argv[3] if len(sys.argv) > 3 else "zsh"
comp = os.path.join(compdir, "_uctr")
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


def is_(got, want, desc):
    ok(got == want, desc, "got:      %r" % got, "expected: %r" % want)


tmp = tempfile.mkdtemp()
try:
    bindir = os.path.join(tmp, "bin")
    os.mkdir(bindir)
    with open(os.path.join(bindir, "uctr"), "w") as f:
        f.write("""#!/bin/sh
root=default
if [ "$1" = --root ]; then root=$2; shift 2; fi
case "$1 $2" in
  "list -q")
    if [ "$root" = default ]; then printf 'web\\n'; else printf 'in-%s\\n' "${root##*/}"; fi ;;
  "port list")
    printf 'HOST IP     HOST PORT   CONTAINER PORT   PROTO\\n127.0.0.1   5353        53               udp\\n' ;;
  "images --format")
    printf '[\\n  {\\n    "Name" : "docker.io/library/alpine:3.20",\\n    "Tag" : "3.20"\\n  }\\n]\\n' ;;
esac
""")
    os.chmod(os.path.join(bindir, "uctr"), 0o755)
    env = dict(os.environ, HOME=tmp, PATH=bindir + ":" + os.environ["PATH"], TERM="dumb", ZDOTDIR=tmp)

    p = subprocess.run([zsh, "-n", comp], capture_output=True, text=True)
    ok(p.returncode == 0 and p.stderr == "", "zsh -n parses it", p.stderr)

    p = subprocess.run([zsh, "-f", "-c", 'fpath=(%s $fpath); autoload -U compinit; compinit -u -D; '
                        'print -r -- $_comps[uctr]' % compdir], capture_output=True, text=True, env=env)
    is_(p.stdout.strip(), "_uctr", "compinit picks it up for uctr")

    # One interactive zsh for the TAB cases.
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(tmp)
        os.execvpe(zsh, [zsh, "-f", "-i"], env)

    def drain(timeout):
        out = b""
        end = time.time() + timeout
        while time.time() < end:
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    break
        return out

    dump = os.path.join(tmp, "buffer")
    os.write(fd, ("fpath=(%s $fpath); autoload -U compinit; compinit -u -D\n"
                  "dump () { print -r -- \"$BUFFER\" > %s.new && mv %s.new %s }\n"
                  "zle -N dump; bindkey '^X^D' dump; print READY-$((6 * 7))\n" % (compdir, dump, dump, dump)).encode())
    # Typed ahead of the prompt, keys may be dropped: wait for it.
    seen = b""
    end = time.time() + 30
    while b"READY-42" not in seen and time.time() < end:
        seen += drain(0.1)
    drain(0.2)

    def tab(line):
        """The line after TAB at its end."""
        if os.path.exists(dump):
            os.unlink(dump)
        os.write(fd, line.encode() + b"\t\x18\x04")
        end = time.time() + 20
        while not os.path.exists(dump) and time.time() < end:
            drain(0.1)
        os.write(fd, b"\x15")  # kill the line for the next case
        drain(0.1)
        return open(dump).read().rstrip("\n") if os.path.exists(dump) else "(no answer)"

    is_(tab("uctr ru"), "uctr run ", "a command: uctr ru -> run")
    is_(tab("uctr run --bu"), "uctr run --bundle=", "an option: uctr run --bu -> --bundle=")
    is_(tab("uctr kill "), "uctr kill web ", "an id from uctr list -q")
    is_(tab("uctr --root /tmp/other kill "), "uctr --root /tmp/other kill in-other ", "an id under --root DIR")
    is_(tab("uctr --root=/tmp/x state "), "uctr --root=/tmp/x state in-x ", "an id under --root=DIR")
    is_(tab("uctr kill web SIGK"), "uctr kill web SIGKILL ", "a signal")
    is_(tab("uctr run --network=slirp:a"), "uctr run --network=slirp:allow_host_loopback=", "a slirp option")
    is_(tab("uctr run --network slirp:mtu=1500,ip"), "uctr run --network slirp:mtu=1500,ipv6=",
        "a second slirp option")
    is_(tab("uctr run --network slirp:dns=f"), "uctr run --network slirp:dns=false ", "a slirp boolean")
    is_(tab("uctr run --network slirp:outbound_t"), "uctr run --network slirp:outbound_tcp=", "outbound_tcp")
    is_(tab("uctr run --network slirp:publish_"), "uctr run --network slirp:publish_tcp=", "publish_tcp")
    is_(tab("uctr run --network slirp:outbound_tcp=sp"), "uctr run --network slirp:outbound_tcp=splice ",
        "outbound_tcp=splice")
    is_(tab("uctr run --network=slirp:dns=false,outbound_tcp=sl"),
        "uctr run --network=slirp:dns=false,outbound_tcp=slirp ", "outbound_tcp=slirp after another option")
    is_(tab("uctr run --rootfs / --socket=se"), "uctr run --rootfs / --socket=session-bus ", "--socket=NAME")
    is_(tab("uctr list --format j"), "uctr list --format json ", "--format")
    is_(tab("uctr exec --cap CAP_NET_R"), "uctr exec --cap CAP_NET_RAW ", "exec --cap")
    is_(tab("uctr run --cap-add NET_R"), "uctr run --cap-add NET_RAW ", "run --cap-add: podman's names")
    is_(tab("uctr run --cap-drop CHOWN,NET_R"), "uctr run --cap-drop CHOWN,NET_RAW ", "run --cap-drop: a list")
    is_(tab("uctr run --security-opt no-"), "uctr run --security-opt no-new-privileges ", "run --security-opt")
    is_(tab("uctr exec --t"), "uctr exec --tty ", "exec: options before the id")
    is_(tab("uctr port remove web "), "uctr port remove web 127.0.0.1:5353:53/udp ", "port remove: the spec")
    is_(tab("uctr rmi d"), "uctr rmi docker.io/library/alpine:3.20 ", "rmi: an image name from uctr images")
    is_(tab("uctr image ins"), "uctr image inspect ", "image: its commands")
    is_(tab("uctr image rm -f d"), "uctr image rm -f docker.io/library/alpine:3.20 ", "image rm: an image name")
    is_(tab("uctr image ls --f"), "uctr image ls --format=", "image ls: the options of images")
    is_(tab("uctr run -d d"), "uctr run -d docker.io/library/alpine:3.20 ", "run: an image name")
    is_(tab("uctr run --pull a"), "uctr run --pull always ", "run --pull POLICY")
    is_(tab("uctr spec --image d"), "uctr spec --image docker.io/library/alpine:3.20 ", "spec --image IMAGE")
    is_(tab("uctr sy"), "uctr system ", "system: the command")
    is_(tab("uctr system "), "uctr system df ", "system: its commands")
    is_(tab("uctr system df --h"), "uctr system df --help ", "system df: --help")

    os.write(fd, b"exit\n")
    drain(0.5)
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)

    # Every command and option of the binary is in the file.
    text = open(comp).read()
    top = subprocess.run([uctr, "--help"], capture_output=True, text=True).stdout
    block = top.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    commands = [l.split()[0] for l in block.splitlines() if l.strip()]
    missing = [c for c in commands if "'%s:" % c not in text]
    is_(missing, [], "every command of uctr --help is described (%s)" % " ".join(commands))
    for c in [None] + commands:
        out = subprocess.run([uctr, "--help"] if c is None else [uctr, c, "--help"],
                             capture_output=True, text=True).stdout
        opts = re.findall(r"^\s+(?:-\w, )?(--[\w-]+)", out, re.M)
        missing = [o for o in opts if not re.search(re.escape(o) + r"[=\['}]", text)]
        is_(missing, [], "every option of uctr %s--help is in it" % (c + " " if c else ""))
finally:
    shutil.rmtree(tmp, ignore_errors=True)

print("1..%d" % n)
sys.exit(1 if failed else 0)
