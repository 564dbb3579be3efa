#!/usr/bin/env python3
"""The tty suite's scenarios: a program of tests/tty runs on a terminal, this
file types into it (tools/console.py) and checks what comes back. Every
scenario runs natively under a pty first (Linux is the oracle), then in
Charon on the serial console (one boot per scenario).

    tests/tty/scenarios.py --build BUILD [--native-only | --charon-only] [FILTER...]

Prints "PASS name[native]", "FAIL name[charon]: why" ... and last
"RESULT tty P F". A scenario is a function taking a Console and the program's
path prefix (BUILD/tty/bin natively, /tests/tty in Charon); it raises on
failure and returns nothing.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from console import Console, ConsoleTimeout  # noqa: E402

SCENARIOS = []


def scenario(function):
    SCENARIOS.append(function)
    return function


class ScenarioFailed(Exception):
    pass


def finish(console, want=0, timeout=10):
    status = console.wait(timeout)
    if status != want:
        raise ScenarioFailed(f"exit status {status}, expected {want}; output:\n{console.output[-800:]}")


# --- scenarios ------------------------------------------------------------------


@scenario
def raw_vmin1(c):
    """Raw mode, VMIN 1: bytes as typed, no echo, no CR mapping."""
    c.expect("ready")
    c.send(b"ab\rc")
    c.expect("got 6162" "0d63")
    finish(c)


@scenario
def canon_editing(c):
    """Canonical mode: echo, ERASE (DEL), WERASE (^W), KILL (^U) with
    ECHOE/ECHOKE, ^V, ECHOCTL, ICRNL and ONLCR, EOF (^D) mid-line and on an
    empty line; ^H erases only once it is the erase character."""
    c.expect("ready")
    c.send(b"abx\x7fc\r")
    c.expect_exact("abx\b \bc\r\nline [abc\\x0a]\r\n")
    c.send(b"foo bar\x17baz\r")
    c.expect_exact("line [foo baz\\x0a]")
    c.send(b"junk\x15ok\r")
    c.expect_exact("junk\b \b\b \b\b \b\b \bok\r\nline [ok\\x0a]")
    c.send(b"a\x01b\r")
    c.expect_exact("a^Ab\r\nline [a\\x01b\\x0a]")
    c.send(b"x\x01\x7f\r")
    c.expect_exact("x^A\b \b\b \b\r\nline [x\\x0a]")
    c.send(b"\x16\x15\r")
    c.expect_exact("^\b^U\r\nline [\\x15\\x0a]")
    c.send(b"q\x08\r")
    c.expect_exact("line [q\\x08\\x0a]")
    c.send(b"erase-h\r")
    c.expect_exact("erase is ^H")
    c.send(b"qr\x08s\r")
    c.expect_exact("line [qs\\x0a]")
    c.send(b"par\x04")
    c.expect_exact("line [par]")
    c.send(b"\x04")
    c.expect_exact("eof")
    finish(c)


@scenario
def ixon_stop_start(c):
    """IXON: ^S holds output (echo and a program's write) until ^Q; with
    IXANY any typed byte restarts it."""
    c.expect("ready")
    c.send(b"\x13go\r")
    held = c.drain(1.0)
    if "held output" in held or "go" in held:
        raise ScenarioFailed(f"output while stopped: {held!r}")
    c.send(b"\x11")
    c.expect_exact("go\r\nheld output")
    c.expect_exact("ixany ready")
    c.send(b"go2\r\x13")
    held = c.drain(1.5)
    if "second held" in held:
        raise ScenarioFailed(f"output while stopped (IXANY): {held!r}")
    c.send(b"k")
    c.expect_exact("second held")
    c.send(b"\r")
    c.expect_exact("done")
    finish(c)


@scenario
def ixon_drain_waits(c):
    """Output held by ^S: write + tcdrain, and write + tcsetattr(TCSADRAIN),
    complete only after ^Q; SIGALRM without SA_RESTART ends the wait with
    EINTR, with SA_RESTART the wait goes on."""
    c.expect("ready")
    c.send(b"\x13go\r")
    held = c.drain(1.0)
    if "held A" in held or "go" in held:
        raise ScenarioFailed(f"output while stopped: {held!r}")
    c.send(b"\x11")
    c.expect_exact("go\r\nheld A\r\ndrain A waited")
    c.expect_exact("stop again")
    c.send(b"\x13x\r")
    held = c.drain(1.5)
    if "held" in held or "ok" in held:
        raise ScenarioFailed(f"output while stopped: {held!r}")
    c.send(b"\x11")
    c.expect_exact("drain B C ok")
    finish(c)


@scenario
def canon_short_read(c):
    """A read shorter than the line leaves the rest for the next read."""
    c.expect("ready")
    c.send(b"hello\r")
    c.expect_exact("first [hel]")
    c.expect_exact("second [lo\\x0a]")
    finish(c)


@scenario
def poll_select_console(c):
    """poll, ppoll and select on the terminal: writable at once, readable in
    canonical mode only when the line is complete, woken by the CR."""
    c.expect("ready")
    c.send(b"ab")
    c.expect_exact("partial")
    time.sleep(0.2)  # the ppoll must be asleep before the line ends
    c.send(b"\r")
    c.expect_exact("line [ab\\x0a]")
    finish(c)


@scenario
def signal_ends_long_write(c):
    """^C (caught) during an 8 MiB write to the terminal: the write returns
    early with the count written, and the handler runs then."""
    c.expect("ready")
    c.send(b"\x03")
    match = c.expect(r"wrote (-?\d+) of (\d+) ", 120)
    written, total = int(match.group(1)), int(match.group(2))
    if not 0 < written < total:
        raise ScenarioFailed(f"write returned {written} of {total}")
    finish(c)


@scenario
def noncanon_vmin_vtime(c):
    """VMIN/VTIME: a poll, a read timer, VMIN bytes, the inter-byte timer;
    FIONREAD and TCFLSH."""
    c.expect("step 3", timeout=10)
    c.send(b"12")
    time.sleep(0.3)  # the read must still be waiting for its third byte
    c.send(b"3")
    c.expect_exact("vmin3 [123]")
    c.expect("step 4")
    c.send(b"xy")
    c.expect_exact("timer [xy]")
    c.expect("step 5")
    c.send(b"wxyz")
    c.expect("done")
    finish(c)


@scenario
def ctrl_c_kills_foreground_job(c):
    """^C: SIGINT to the foreground group (echoed as ^C); the session leader
    in the background survives."""
    c.expect("job ready")
    c.send(b"\x03")
    c.expect_exact("^C")
    c.expect_exact("job: killed by SIGINT")
    c.expect_exact("leader alive")
    finish(c)


@scenario
def ctrl_backslash_quits_foreground_job(c):
    c.expect("job ready")
    c.send(b"\x1c")
    c.expect_exact("job: killed by SIGQUIT")
    c.expect_exact("leader alive")
    finish(c)


@scenario
def ctrl_z_stops_foreground_job(c):
    """^Z: SIGTSTP stops the foreground job; waitpid(WUNTRACED) sees it."""
    c.expect("job ready")
    c.send(b"\x1a")
    c.expect_exact("job: stopped by SIGTSTP")
    c.expect_exact("leader alive")
    finish(c)


@scenario
def background_read_sigttin(c):
    """A background reader is stopped by SIGTTIN; continued in the
    foreground its read restarts; with SIGTTIN ignored the read is EIO."""
    c.expect_exact("reader: stopped by SIGTTIN")
    c.expect("type now")
    c.send(b"k\r")
    c.expect_exact("read returned 1 errno 0")
    c.expect_exact("reader: exited 0")
    c.expect_exact("read returned -1 errno EIO")
    c.expect_exact("ignoring reader: exited 0")
    finish(c)


@scenario
def background_write_tostop(c):
    """Background output passes without TOSTOP and stops the writer with
    SIGTTOU under TOSTOP (unless ignored); tcsetattr from the background
    is stopped by SIGTTOU either way."""
    c.expect_exact("bg output")
    c.expect_exact("write returned 10")
    c.expect_exact("writer: exited 0")
    c.expect_exact("tcsetattr: stopped by SIGTTOU")
    c.expect_exact("tostop writer: stopped by SIGTTOU")
    c.expect_exact("write returned 10")
    c.expect_exact("ignoring writer: exited 0")
    finish(c)


@scenario
def tcsetpgrp_errors(c):
    """tcgetpgrp/tcsetpgrp, TIOCGSID, TIOCNOTTY, /dev/tty: Linux's errors."""
    c.expect_exact("other session ok")
    c.expect_exact("notty ok")
    c.expect_exact("tcsetpgrp ok")
    finish(c)


@scenario
def session_leader_exit_hangs_up(c):
    """The session leader exits: its foreground job gets SIGHUP."""
    c.expect_exact("session leader exits")
    c.expect_exact("foreground job got SIGHUP")
    finish(c)


@scenario
def session_leader_exit_hangs_up_the_line(c):
    """The session leader exits: a serial line (Charon's console) is hung
    up for the files open on it (read 0, write and ioctl EIO, POLLHUP), a
    pty (natively) is not; /dev/console stays usable."""
    c.expect_exact("session leader exits")
    c.expect_exact("hangup checked (line)" if c.description.startswith("charon") else "hangup checked (pty)")
    finish(c)


@scenario
def vhangup_controlling_tty(c):
    """vhangup(2) by the session leader: EPERM without CAP_SYS_ADMIN, then
    /dev/tty files hung up, SIGHUP and SIGCONT to the leader, no controlling
    terminal left (the program checks; its exit status is the report)."""
    c.expect_exact("vhangup now")
    c.send(b"\r")
    finish(c)


# --- the runner -----------------------------------------------------------------

ARGV = {
    "raw_vmin1": ["ttytest", "raw"],
    "canon_editing": ["ttytest", "canon"],
    "ixon_stop_start": ["ttytest", "ixon"],
    "ixon_drain_waits": ["ttytest", "drain"],
    "canon_short_read": ["ttytest", "short-read"],
    "poll_select_console": ["ttytest", "poll"],
    "noncanon_vmin_vtime": ["ttytest", "vmin-vtime"],
    "ctrl_c_kills_foreground_job": ["ttytest", "sigint"],
    "ctrl_backslash_quits_foreground_job": ["ttytest", "sigquit"],
    "ctrl_z_stops_foreground_job": ["ttytest", "sigtstp"],
    "background_read_sigttin": ["ttytest", "sigttin"],
    "background_write_tostop": ["ttytest", "tostop"],
    "tcsetpgrp_errors": ["ttytest", "tcsetpgrp"],
    "signal_ends_long_write": ["ttytest", "signal-write"],
    "session_leader_exit_hangs_up": ["ttytest", "sighup"],
    "session_leader_exit_hangs_up_the_line": ["ttytest", "hangup"],
    "vhangup_controlling_tty": ["ttytest", "vhangup"],
}


def run(build, name, function, where, timeout):
    argv = ARGV[name]
    if where == "native":
        console = Console.native([os.path.join(build, "tty", "bin", argv[0])] + argv[1:])
    else:
        console = Console.charon(["/tests/tty/" + argv[0]] + argv[1:], build=build)
    with console:
        function(console)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.environ.get("BUILD", "build"))
    parser.add_argument("--native-only", action="store_true")
    parser.add_argument("--charon-only", action="store_true")
    parser.add_argument("--timeout", type=float, default=20)
    parser.add_argument("filters", nargs="*")
    args = parser.parse_args()
    build = os.path.abspath(args.build)

    wheres = ["native", "charon"]
    if args.native_only:
        wheres = ["native"]
    if args.charon_only:
        wheres = ["charon"]
    passed = failed = 0
    for function in SCENARIOS:
        name = function.__name__
        if args.filters and not any(f in name for f in args.filters):
            continue
        for where in wheres:
            start = time.monotonic()
            try:
                run(build, name, function, where, args.timeout)
            except (ConsoleTimeout, ScenarioFailed, OSError) as error:
                failed += 1
                print(f"FAIL {name}[{where}]: {error}".replace("\r", ""))
                continue
            passed += 1
            print(f"PASS {name}[{where}] ({time.monotonic() - start:.1f}s)")
            sys.stdout.flush()
    print(f"RESULT tty {passed} {failed}")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
