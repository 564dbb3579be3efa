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


# --- the runner -----------------------------------------------------------------

ARGV = {
    "raw_vmin1": ["ttytest", "raw"],
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
