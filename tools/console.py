#!/usr/bin/env python3
"""Drive a program through a terminal: Charon's serial console under QEMU, or a
pseudo-terminal on the host Linux. Python 3 standard library only.

The same scenario runs against both, so a terminal test is judged by Linux
first (docs/tty.md):

    from console import Console

    with Console.charon(["/tests/tty/bin/tty_demo", "sigint"], build="build") as c:
    # or: Console.native(["build/tty/bin/tty_demo", "sigint"])
        c.expect(r"ready")          # regex (str) or bytes; returns the re.Match
        c.send(b"\\x03")             # Ctrl-C into the terminal's input
        c.expect(r"child: SIGINT", timeout=5)
        status = c.wait()           # the program's exit status (see below)

Console.charon(init_args, ...) boots BUILD/charon.elf with BUILD/initramfs.cpio
and the kernel command line "... -- INIT_ARGS": /sbin/init runs INIT_ARGS[0]
as its main program (its own session, no controlling terminal, fds 0-2 on
/dev/console) and the machine powers off when init exits. `kernel_args` adds
kernel words before "--"; `init_options` adds init's own options (e.g. ["-q"]).
The serial port is QEMU's stdio: send() writes the UART's input, and what
Charon writes (the kernel log included) is read back.

Console.native(argv) runs argv on the host under a new pseudo-terminal: the
child is a session leader whose controlling terminal is the pty slave (fds
0-2), as a login shell is. The pty starts in Linux's default mode (ICANON,
ECHO, ISIG, ICRNL, ONLCR ...), as Charon's console does.

Interface:
    expect(pattern, timeout=10)   waits until `pattern` (regex: str, or bytes)
                                  matches output not yet consumed; consumes up
                                  to the end of the match and returns the
                                  match. Raises ConsoleTimeout (with the tail
                                  of the output) on timeout or EOF.
    expect_exact(text, timeout)   the same for a literal string.
    send(data)                    bytes or str (UTF-8), written at once.
    wait(timeout=10)              waits for the end and returns the exit status
                                  of the program: natively the child's, under
                                  Charon init's, which is its main program's
                                  (QEMU's isa-debug-exit code decoded; None if
                                  the kernel panicked or QEMU died otherwise).
    output                        everything received so far (str, '\\r' kept).
    close()                       kills what is still running.

Output is decoded as UTF-8 with errors replaced; patterns see '\\r' as sent
(ONLCR turns '\\n' into '\\r\\n' on both sides).

Command line (a quick interactive check, or for scripts):
    tools/console.py [--native | --build DIR] [--send TEXT --expect RE ...] -- ARGV...
Steps run in order; exits 0 if every expectation held.
"""

import argparse
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class ConsoleTimeout(Exception):
    pass


class Console:
    def __init__(self, read_fd, write_fd, description):
        self._read_fd = read_fd
        self._write_fd = write_fd
        self._buffer = ""  # received, not yet consumed by expect()
        self.output = ""  # everything received
        self._eof = False
        self.description = description
        self._status = None

    # --- construction --------------------------------------------------------

    @classmethod
    def charon(cls, init_args, build=None, kernel_args=(), init_options=("-q",), qemu_extra=None, memory=None):
        """Boots Charon with `init_args` after "--" on the kernel command line."""
        build = os.path.abspath(build or os.environ.get("BUILD", os.path.join(ROOT, "build")))
        kernel = os.path.join(build, "charon.elf")
        initrd = os.path.join(build, "initramfs.cpio")
        for path in (kernel, initrd):
            if not os.path.exists(path):
                raise FileNotFoundError(f"{path} is missing (make build initramfs BUILD={build})")
        words = list(kernel_args) + ["--"] + list(init_options) + list(init_args)
        for word in words:
            if not word or any(ch.isspace() for ch in word):
                raise ValueError(f"kernel command line words cannot be empty or hold spaces: {word!r}")
        env = dict(os.environ, INITRD=initrd)
        if memory:
            env["MEM"] = memory
        if qemu_extra is not None:
            env["QEMU_EXTRA"] = qemu_extra
        process = subprocess.Popen(
            [os.path.join(ROOT, "tools", "qemu.sh"), "serial", kernel] + words,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # close() kills QEMU and qemu.sh together
        )
        console = cls(process.stdout.fileno(), process.stdin.fileno(), "charon " + " ".join(init_args))
        console._process = process
        console._charon = True
        return console

    @classmethod
    def native(cls, argv, env=None, cwd=None):
        """Runs argv under a new pty, as the session leader it controls."""
        pid, master = pty.fork()
        if pid == 0:
            try:
                if cwd:
                    os.chdir(cwd)
                # Start the session as a login would, whatever we inherited:
                # a harness run in the background of a non-interactive shell
                # has SIGINT and SIGQUIT ignored (and Python ignores SIGPIPE),
                # and an ignored disposition survives execve, so ^C would
                # reach a job that cannot die of it.
                for sig in range(1, signal.NSIG):
                    try:
                        signal.signal(sig, signal.SIG_DFL)
                    except (OSError, ValueError):
                        pass  # SIGKILL, SIGSTOP and numbers libc reserves
                signal.pthread_sigmask(signal.SIG_SETMASK, [])
                os.execve(argv[0], argv, env if env is not None else os.environ)
            finally:
                os._exit(127)
        console = cls(master, master, "native " + " ".join(argv))
        console._pid = pid
        console._charon = False
        return console

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # --- I/O -------------------------------------------------------------------

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        view = memoryview(data)
        while view:
            written = os.write(self._write_fd, view)
            view = view[written:]

    def _fill(self, deadline):
        """Reads what is available until `deadline`; False at timeout or EOF."""
        if self._eof:
            return False
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([self._read_fd], [], [], left)
        if not ready:
            return False
        try:
            chunk = os.read(self._read_fd, 65536)
        except OSError:  # EIO: the pty slave has no more holders
            chunk = b""
        if not chunk:
            self._eof = True
            return False
        text = chunk.decode("utf-8", errors="replace")
        self._buffer += text
        self.output += text
        return True

    def expect(self, pattern, timeout=10):
        if isinstance(pattern, bytes):
            pattern = pattern.decode()
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self._buffer)
            if match:
                self._buffer = self._buffer[match.end():]
                return match
            if not self._fill(deadline):
                if self._eof:
                    # The last read may have brought the match.
                    match = regex.search(self._buffer)
                    if match:
                        self._buffer = self._buffer[match.end():]
                        return match
                why = "end of output" if self._eof else f"{timeout}s"
                tail = self.output[-600:]
                raise ConsoleTimeout(f"{self.description}: no {regex.pattern!r} after {why}; last output:\n{tail}")

    def expect_exact(self, text, timeout=10):
        return self.expect(re.escape(text), timeout)

    def drain(self, timeout=0.2):
        """Reads for `timeout` seconds and returns what arrived (consumed)."""
        deadline = time.monotonic() + timeout
        while self._fill(deadline):
            pass
        text, self._buffer = self._buffer, ""
        return text

    # --- the end -------------------------------------------------------------

    def wait(self, timeout=10):
        """The program's exit status (an int as os.waitstatus_to_exitcode gives
        natively, negative for a signal); under Charon, init's exit status as
        decoded from QEMU (None: the kernel panicked or QEMU failed)."""
        deadline = time.monotonic() + timeout
        if self._charon:
            while self._fill(deadline):
                pass
            left = max(0.0, deadline - time.monotonic())
            try:
                code = self._process.wait(timeout=left)
            except subprocess.TimeoutExpired:
                raise ConsoleTimeout(f"{self.description}: QEMU still running after {timeout}s; last output:\n"
                                     f"{self.output[-600:]}")
            # isa-debug-exit: QEMU exits with (value << 1) | 1; init's exit
            # status N is written as 0x20 + N (docs/userland.md), so 65 + 2N.
            # (Values 0x20..0x3f; a status above 31 reads as 31.)
            if 65 <= code <= 127 and code % 2 == 1:
                self._status = (code - 65) // 2
            else:
                self._status = None
            return self._status
        while True:
            pid, status = os.waitpid(self._pid, os.WNOHANG)
            if pid:
                self._pid = None
                self._status = os.waitstatus_to_exitcode(status)
                # Keep what the child wrote before it ended.
                while self._fill(time.monotonic() + 0.05):
                    pass
                return self._status
            if time.monotonic() >= deadline:
                raise ConsoleTimeout(f"{self.description}: still running after {timeout}s; last output:\n"
                                     f"{self.output[-600:]}")
            # Reading keeps the pty from filling up while we wait.
            self._fill(min(deadline, time.monotonic() + 0.05))

    def close(self):
        if self._charon:
            if self._process.poll() is None:
                try:
                    os.killpg(self._process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self._process.wait()
            for stream in (self._process.stdin, self._process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
        else:
            if getattr(self, "_pid", None):
                try:
                    os.killpg(self._pid, signal.SIGKILL)  # the session leader leads its group too
                except ProcessLookupError:
                    pass
                try:
                    os.waitpid(self._pid, 0)
                except ChildProcessError:
                    pass
                self._pid = None
            if self._read_fd is not None:
                os.close(self._read_fd)
                self._read_fd = None


def main():
    parser = argparse.ArgumentParser(
        description="Run a program on a terminal and script it.",
        epilog="Example: tools/console.py --build build --expect 'ready' --send '\\x03' -- /tests/tty/bin/x")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--native", action="store_true", help="run ARGV on the host under a pty")
    where.add_argument("--build", help="boot Charon from this build directory (default $BUILD or build)")
    parser.add_argument("--timeout", type=float, default=10, help="seconds per expectation")
    parser.add_argument("--send", action="append", dest="steps", type=lambda s: ("send", s),
                        help="bytes to type; Python escapes (\\x03, \\r) are understood")
    parser.add_argument("--expect", action="append", dest="steps", type=lambda s: ("expect", s),
                        help="a regular expression to wait for")
    parser.add_argument("argv", nargs="+")
    args = parser.parse_args()

    console = Console.native(args.argv) if args.native else Console.charon(args.argv, build=args.build)
    with console:
        try:
            for kind, value in args.steps or []:
                if kind == "send":
                    console.send(value.encode().decode("unicode_escape").encode("latin-1"))
                else:
                    console.expect(value, args.timeout)
            status = console.wait(args.timeout)
        except ConsoleTimeout as error:
            sys.stdout.write(console.output)
            print(f"\nconsole.py: {error}", file=sys.stderr)
            return 1
    sys.stdout.write(console.output)
    print(f"\nconsole.py: exit status {status}", file=sys.stderr)
    return 0 if status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
