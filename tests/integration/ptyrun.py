#!/usr/bin/env python3
"""Runs a command on a pty of its own, as a terminal emulator would: the pty
is its controlling terminal and its stdin, stdout and stderr, the command
leads a new session.  What it writes goes, byte for byte, to stdout.

  ptyrun.py --report FILE [--size ROWSxCOLS] [--on TEXT ACTION]... -- CMD...

--on TEXT ACTION does ACTION once TEXT has appeared in the output (after
where the previous --on matched; they fire in order).  ACTION is
  send:STRING   write STRING (Python escapes: send:\\x03 is ^C) to the terminal
  resize:RxC    set the window size, as a resized window does (SIGWINCH)
  termios       record whether the terminal is in raw mode now (raw=yes|no)
  hangup        close the terminal, as closing the window does
FILE gets key=value lines: pid= (the command's, at once), raw= (termios),
status= (its exit status, 128+N for signal N), restored=yes|no (the
terminal's settings after it ended are those before it started), and
timeout=yes when it did not end within --timeout seconds (it is killed)."""
import argparse
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time


def set_size(fd, size):
    rows, cols = (int(n) for n in size.split("x"))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def is_raw(fd):
    iflag, oflag, _, lflag = termios.tcgetattr(fd)[:4]
    return not (oflag & termios.OPOST) and not (lflag & (termios.ICANON | termios.ECHO | termios.ISIG)) \
        and not (iflag & (termios.ICRNL | termios.IXON))


def child_setup():
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Run:
    def __init__(self, args, report):
        self.master, self.slave = os.openpty()
        set_size(self.slave, args.size)
        self.before = termios.tcgetattr(self.slave)
        self.report = report
        self.out = bytearray()
        self.matched = 0
        self.triggers = list(args.on)
        self.proc = subprocess.Popen(args.cmd, stdin=self.slave, stdout=self.slave, stderr=self.slave,
                                     preexec_fn=child_setup)
        self.say("pid", self.proc.pid)

    def say(self, key, value):
        self.report.write("%s=%s\n" % (key, value))
        self.report.flush()

    def act(self, action):
        if action.startswith("send:"):
            os.write(self.master, action[5:].encode().decode("unicode_escape").encode("latin-1"))
        elif action.startswith("resize:"):
            set_size(self.master, action[7:])
        elif action == "termios":
            self.say("raw", "yes" if is_raw(self.slave) else "no")
        elif action == "hangup":
            os.close(self.master)
            os.close(self.slave)
            self.master = self.slave = None
        else:
            sys.exit("ptyrun: unknown action %s" % action)

    def fire_triggers(self):
        while self.triggers and self.master is not None:
            text = self.triggers[0][0].encode()
            at = self.out.find(text, self.matched)
            if at < 0:
                return
            self.matched = at + len(text)
            self.act(self.triggers.pop(0)[1])

    def read(self, wait):
        """Reads what is there within WAIT seconds; False when nothing came."""
        if self.master is None:
            time.sleep(wait)
            return False
        if not select.select([self.master], [], [], wait)[0]:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return False
        self.out += data
        return bool(data)

    def loop(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            got = self.read(0.05)
            self.fire_triggers()
            # Ended, and its last output read (the pty stays open: we hold the slave).
            if not got and self.proc.poll() is not None:
                return True
            if time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait()
                return False

    def finish(self, ended):
        if not ended:
            self.say("timeout", "yes")
        rc = self.proc.returncode
        self.say("status", 128 - rc if rc < 0 else rc)
        if self.slave is not None:
            self.say("restored", "yes" if termios.tcgetattr(self.slave) == self.before else "no")
        sys.stdout.buffer.write(self.out)
        sys.stdout.flush()


def main():
    p = argparse.ArgumentParser(description="Run a command on a pty of its own.")
    p.add_argument("--report", required=True)
    p.add_argument("--size", default="24x80")
    p.add_argument("--on", nargs=2, action="append", default=[], metavar=("TEXT", "ACTION"))
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("cmd", nargs="+")
    args = p.parse_args()
    with open(args.report, "w") as report:
        run = Run(args, report)
        run.finish(run.loop(args.timeout))


if __name__ == "__main__":
    main()
