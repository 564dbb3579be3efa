#!/usr/bin/env python3
"""The shell suite: BusyBox sh on a terminal, typed into like a person would
(tools/console.py), natively under a pty first (Linux is the oracle), then
in Charon on the serial console, where /sbin/init starts the shell with the
console as its controlling terminal (init -t).

    tests/shell/scenarios.py --build BUILD [--native-only | --charon-only] [FILTER...]

One shell per side runs every scenario in turn; between scenarios a marker
is echoed, so a failed scenario does not leave the next one reading stale
output. Prints "PASS name[native]", "FAIL name[charon]: why" ... and last
"RESULT shell P F".
"""

import argparse
import os
import re
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from console import Console, ConsoleTimeout  # noqa: E402

SCENARIOS = []


def scenario(function):
    SCENARIOS.append(function)
    return function


class ScenarioFailed(Exception):
    pass


class Shell:
    """A console running sh, with a known prompt."""

    def __init__(self, console, native):
        self.c = console
        self.native = native
        self.serial = 0

    def sync(self, timeout=30):
        """Waits until the shell has read everything typed so far."""
        self.serial += 1
        # The marker is built by the shell, so the echo of what we typed
        # does not match it.
        self.c.send(f"echo SYNC$((0+{self.serial}))\r")
        self.c.expect(rf"SYNC{self.serial}\r?\n", timeout)
        # The prompt; BusyBox's line editor may follow it with a cursor
        # position query (ESC [6n), which nothing here answers.
        self.c.expect(r"\$ ", timeout)

    def run(self, line, expect=None, timeout=30):
        """Types `line` and Enter; returns the match of `expect` if given."""
        self.c.send(line + "\r")
        match = self.c.expect(expect, timeout) if expect else None
        return match

    def status(self, line, tag, timeout=30):
        """Types `line`, which ends with `echo TAG=$?`, and returns the
        number. Matched up to its line end: on the serial line output comes
        a few bytes at a time, and `TAG=(\\d+)` alone matches `TAG=1` of a
        `TAG=130` still on its way (harness_reads_whole_numbers)."""
        return self.run(line, rf"{tag}=(\d+)\r?\n", timeout).group(1)

    def value(self, expression, timeout=30):
        """The output of `echo "V=<expression>"` as a string."""
        self.serial += 1
        tag = f"V{self.serial}"
        self.c.send(f'echo "{tag}""=""{expression}"\r')
        return self.c.expect(rf"{tag}=(.*?)\r?\n", timeout).group(1)


def want(condition, why):
    if not condition:
        raise ScenarioFailed(why)


# --- scenarios ------------------------------------------------------------------


@scenario
def pipeline(sh):
    """A pipeline's output, and its status."""
    count = sh.value("$(ls /proc | wc -l)")
    want(int(count) > 5, f"ls /proc | wc -l gave {count}")
    want(sh.value("$(echo hello world | tr a-z A-Z | cut -d' ' -f2)") == "WORLD", "tr | cut")
    want(sh.value("$(false | true; echo $?)") == "0", "status of a pipeline is the last command's")


@scenario
def command_substitution_and_subshell(sh):
    """$(...) and ( ... ): their own process, the shell's state untouched."""
    want(sh.value("$(echo abc | tr a-c A-C)") == "ABC", "command substitution")
    sh.run("cd /")
    want(sh.value("$(cd /proc && pwd)") == "/proc", "cd in a subshell")
    want(sh.value("$(pwd)") == "/", "the shell's cwd stayed")
    want(sh.value("$( (exit 3); echo $?)") == "3", "subshell exit status")
    pid = sh.value("$$")
    want(sh.value("$(sh -c 'echo $PPID')") == pid, "a child's PPID is the shell")


@scenario
def background_jobs(sh):
    """sleep 100 &, jobs, kill %1, wait."""
    sh.run("sleep 100 &")
    sh.sync()
    sh.run("jobs", r"\[1\]\+? +Running +sleep 100")
    sh.sync()
    # One line: between lines ash's prompt loop reaps and forgets a job that
    # has died (showjobs), and `wait %1` would then fail with 2 (no such job),
    # natively as in Charon, whenever the job dies before the prompt.
    status = sh.status("kill %1; wait %1; echo W1=$?", "W1")
    want(status == "143", f"wait %1 gave {status}, not 128 + SIGTERM")
    sh.run("wait; echo W=$?", r"W=0")
    sh.sync()
    sh.run("jobs; echo JOBS-END", r"JOBS-END\r?\n")


@scenario
def kill_9_status(sh):
    """$? of a job killed with SIGKILL is 128 + 9."""
    sh.run("sleep 100 & kill -9 $!; wait $!; echo K=$?", r"K=137")


# A foreground job that says when it runs: the child makes its process group
# the terminal's foreground one before it execs (ash's forkchild), so once
# READY is out, ^Z and ^C reach the job and not the shell, however slow the
# machine is.
READY_SLEEP = "sh -c 'echo READY; exec sleep 100'"


def start_foreground(sh, line):
    sh.run(line)
    sh.c.expect(r"READY\r?\n", 60)


def interrupt_foreground(sh, tag):
    """^C to the foreground job, then its status. A ^C that reached the
    shell before the job owned the terminal again (right after fg) is
    pressed once more; what was typed meanwhile is flushed by the next ^C."""
    for attempt in range(5):
        sh.c.send(b"\x03")
        try:
            return sh.status(f"echo {tag}=$?", tag, timeout=10)
        except ConsoleTimeout:
            if attempt == 4:
                raise
    return None


@scenario
def ctrl_z_bg_fg_ctrl_c(sh):
    """A foreground job stopped with Ctrl-Z, resumed in the background,
    brought back with fg, interrupted with Ctrl-C; the shell survives."""
    start_foreground(sh, READY_SLEEP)
    sh.c.send(b"\x1a")
    sh.c.expect(r"Stopped|stopped", 30)
    sh.sync()
    # The job's one process (sh, or sleep once it exec'd) as ps reads it
    # from /proc/PID/stat.
    state = "$(ps -o stat,args | grep '[s]leep 100' | cut -c1)"
    want(sh.value(state) == "T", "the stopped job is not T in ps")
    sh.run("bg", r"sleep 100")
    sh.sync()
    sh.run("jobs", r"Running +.*sleep 100")
    sh.sync()
    want(sh.value(state) == "S", "the resumed job is not S in ps")
    # fg prints the job's command before it gives the job the terminal: a
    # ^C typed in between goes to the shell, which then leaves the job
    # running in the background (as it would on Linux under that timing;
    # Charon under host load makes the window wide). The job is still in
    # `jobs` then: fg it again and press ^C again.
    for attempt in range(5):
        sh.run("fg", r"sleep 100")
        status = interrupt_foreground(sh, "R")
        # Only a bare $(jobs) sees the shell's job table (a pipeline in the
        # substitution runs in a child that has none).
        if "sleep 100" not in sh.value("$(jobs)"):
            break
        print(f"info: ctrl_z_bg_fg_ctrl_c: ^C reached the shell before fg gave the job the terminal (try {attempt + 1})")
    want(status == "130", f"status after Ctrl-C is {status}, not 128 + SIGINT")
    want(sh.value("$(pidof sleep | wc -w)") == "0", "the interrupted job still runs")


def interrupt_pipeline(sh, line, programs):
    """^C to a foreground pipeline that printed READY: $? is the last
    member's, 128 + SIGINT, and no member survives."""
    start_foreground(sh, line)
    status = interrupt_foreground(sh, "P")
    want(status == "130", f"status after Ctrl-C on a pipeline is {status}")
    want(sh.value(f"$(pidof {programs} | wc -w)") == "0", "part of the pipeline survived ^C")
    want(sh.value("alive") == "alive", "the shell answers")


@scenario
def ctrl_c_pipeline(sh):
    """Ctrl-C stops a whole foreground pipeline and leaves the shell alive."""
    interrupt_pipeline(sh, READY_SLEEP + " | cat | cat", "sleep cat")


@scenario
def ctrl_c_long_pipeline(sh):
    """Six members, five of them blocked reading an empty pipe."""
    interrupt_pipeline(sh, READY_SLEEP + " | cat | cat | cat | cat | cat", "sleep cat")


@scenario
def ctrl_c_busy_pipeline(sh):
    """^C while the pipes and the terminal are busy: `yes` floods two cats
    that write to the terminal, so members are mid-write (a full pipe, the
    console) or mid-read when the signal comes."""
    interrupt_pipeline(sh, "sh -c 'echo READY; exec yes' | cat | cat", "yes cat")


@scenario
def ctrl_c_blocked_writer(sh):
    """^C while the first member sleeps writing to a full pipe nobody reads
    (READY from the last member: by then every member is in the job's
    group; the second it waits lets `yes` fill the pipe)."""
    interrupt_pipeline(sh, "yes | sh -c 'sleep 1; echo READY; exec sleep 100'", "yes sleep")


@scenario
def trap_handler(sh):
    """A trap runs when the signal arrives."""
    sh.run("trap 'echo CAUGHT-USR1' USR1")
    sh.run("kill -USR1 $$", r"CAUGHT-USR1")
    sh.run("trap - USR1")
    sh.sync()


@scenario
def exec_replaces(sh):
    """exec replaces the process: same pid, new program."""
    out = sh.value("$(sh -c 'echo $$; exec sh -c \"echo \\$\\$\"' | tr '\\n' ' ')")
    pids = out.split()
    want(len(pids) == 2 and pids[0] == pids[1], f"exec kept the pid: {out}")


@scenario
def timeout_and_setsid(sh):
    """timeout kills a slow command; setsid starts a new session."""
    # Were the command not killed, the answer would take 100 s.
    status = sh.value("$(timeout 1 sleep 100; echo $?)", timeout=60)
    want(status in ("143", "124"), f"timeout status {status}")
    # Field 6 of /proc/self/stat is the session id; a setsid child leads its own.
    out = sh.value("$(setsid sh -c 'echo $$ $(cut -d\" \" -f6 /proc/self/stat)')")
    pid, sid = out.split()[0], out.split()[-1]
    want(sid != sh.value("$(cut -d' ' -f6 /proc/$$/stat)"), "setsid: a new session")
    want(pid == sid, f"setsid: the child leads its session: {out}")


@scenario
def ps_zombie(sh):
    """A zombie made on purpose: ps shows it as Z until its parent reaps it."""
    # The shell is the parent: `sleep 0 &` exits while the shell only reads
    # the pipe of a command substitution (no wait), so the substitution's
    # ps sees the zombie; the shell reaps it when the substitution ends.
    sh.run("sleep 0 & Z=$(for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do "
           "ps -o stat,ppid,comm | grep '^Z' && break; sleep 1; done)")
    sh.sync(timeout=60)
    found = sh.value("$Z").split()
    want(found[:1] == ["Z"], f"no zombie in ps: {found}")
    want(found[1:2] == [sh.value("$$")], f"the zombie's parent is not the shell: {found}")
    want(found[2:3] == ["sleep"], f"the zombie is not the sleep: {found}")
    gone = sh.value("$(ps -o stat,comm | grep -c '^Z')")
    want(gone == "0", f"zombies left after the shell reaped: {gone}")


@scenario
def orphans_reaped_by_init(sh):
    """An orphaned tree (a subshell and its sleep, their parent gone) ends up
    reaped by init: no zombie, no process left."""
    pids = sh.value("$(sh -c '(sleep 1; :) & echo $!')")
    want(pids.isdigit(), f"no orphan pid: {pids}")
    left = "?"
    for _ in range(60):
        left = sh.value(f"$(ls -d /proc/{pids} 2>/dev/null | wc -l) $(ps -o stat | grep -c '^Z')")
        if left == "0 0":
            break
        time.sleep(0.5)
    want(left == "0 0", f"orphan {pids} still in /proc, or zombies: {left}")


@scenario
def mount_proc(sh):
    """mount -t proc proc DIR: a second /proc, listed in /proc/mounts, gone
    after umount (natively the PID namespace has its own mount namespace)."""
    sh.run("D=$(mktemp -d) && mount -t proc proc $D")
    sh.sync()
    directory = sh.value("$D")
    want(directory.startswith("/tmp/"), f"mktemp -d gave {directory}")
    line = sh.value(f"$(grep ' {directory} ' /proc/mounts)")
    want(line == f"proc {directory} proc rw,relatime 0 0", f"/proc/mounts says {line!r}")
    # The reader execs readlink, so its pid is the one sh printed.
    pids = sh.value("$(D=$D sh -c 'echo $$; exec readlink $D/self' | tr '\\n' ' ')").split()
    want(len(pids) == 2 and pids[0] == pids[1], f"DIR/self is not the reader: {pids}")
    # pid, comm, ppid and pgrp; not the state, which changes between the two
    # reads (sh may still be running when its child's cat reads it).
    mounted = sh.value("$(cat $D/$$/stat)").split()
    usual = sh.value("$(cat /proc/$$/stat)").split()
    want(mounted[:2] + mounted[3:5] == usual[:2] + usual[3:5], f"DIR/PID/stat {mounted[:5]} vs {usual[:5]}")
    sh.run("umount $D; echo U=$?", r"U=0")
    sh.sync()
    want(sh.value("$(ls $D | wc -l)") == "0", "DIR not empty after umount")
    want(sh.value(f"$(grep -c ' {directory} ' /proc/mounts)") == "0", "still in /proc/mounts")
    sh.run("rmdir $D")
    sh.sync()


@scenario
def system_tools(sh):
    """top, free, uptime, pidof, killall, watch: their output agrees with
    /proc and with the processes the shell started."""
    sh.run("top -n 1 -b | head -3", r"Load average: [\d.]+ [\d.]+ [\d.]+")
    sh.sync()
    # top lists itself, with its state and command line.
    want(sh.value("$(top -n 1 -b | awk '$4 == \"R\" && $8 == \"top\"' | wc -l)") == "1", "top does not list itself running")
    total = sh.value("$(grep MemTotal /proc/meminfo | tr -s ' ' | cut -d' ' -f2)")
    sh.run("free", rf"Mem: +{total} +\d+ +\d+")
    sh.sync()
    sh.run("uptime", r"up .*load average: [\d.]+, [\d.]+, [\d.]+")
    sh.sync()
    sh.run("sleep 77 & A=$!; sleep 77 & B=$!")
    sh.sync()
    got = sorted(sh.value("$(pidof sleep)").split())
    want(got == sorted([sh.value("$A"), sh.value("$B")]), f"pidof sleep: {got}")
    # renice (setpriority) shows in ps's NI column (/proc/PID/stat field 19).
    sh.run("renice -n 7 -p $A >/dev/null")
    sh.sync()
    nice_a = sh.value("$(ps -o pid,nice | awk -v p=$A '$1 == p {print $2}')")
    nice_b = sh.value("$(ps -o pid,nice | awk -v p=$B '$1 == p {print $2}')")
    want(nice_a.lstrip("-").isdigit() and nice_b.lstrip("-").isdigit() and int(nice_a) == int(nice_b) + 7,
         f"ps NI after renice -n 7: {nice_a} (renice'd) and {nice_b}")
    sh.run("killall sleep; wait")
    sh.sync()
    want(sh.value("$(pidof sleep | wc -w)") == "0", "killall left sleepers")
    # Quoted so that the echo of the typed line does not match.
    sh.run("watch -n 1 -t echo WATCH''ED")
    sh.c.expect(r"WATCHED", 30)
    sh.c.expect(r"WATCHED", 30)  # again a second later
    # watch runs the command with system(), which ignores SIGINT while the
    # command runs: a ^C that lands then is lost, as on Linux. Press again.
    for attempt in range(10):
        sh.c.send(b"\x03")
        try:
            sh.sync(timeout=5)
            break
        except ConsoleTimeout:
            if attempt == 9:
                raise


@scenario
def thousand_processes(sh):
    """1,000 processes come and go; the process count and free memory read
    from /proc return to their baseline (in Charon, where the machine is
    ours; natively only the shell's own children are counted)."""
    count = "$(ls -d /proc/[0-9]* | wc -l)"
    # Free memory plus what the shell itself holds (its heap may grow: job
    # table, history), in kB.
    free = "$(( $(grep MemFree /proc/meminfo | tr -s ' ' | cut -d' ' -f2) + $(grep VmRSS /proc/$$/status | tr -s ' \t' ' ' | cut -d' ' -f2) ))"
    # Warm-up with the same loop and the same measurements: the kernel
    # heap's slabs grow to their working size once and are kept (not a
    # leak), and the shell's history fills.
    sh.run("i=0; while [ $i -lt 1000 ]; do (:) & wait; i=$((i+1)); done; echo LOOP-DONE", r"LOOP-DONE\r?\n",
           timeout=120)
    sh.value(count), sh.value(free)
    sh.sync(timeout=60)
    before_count, before_free = sh.value(count), sh.value(free)
    sh.run("i=0; while [ $i -lt 1000 ]; do (:) & wait; i=$((i+1)); done; echo LOOP-DONE", r"LOOP-DONE\r?\n",
           timeout=120)
    sh.sync()
    after_count, after_free = sh.value(count), sh.value(free)
    if not sh.native:
        want(after_count == before_count, f"processes {before_count} -> {after_count}")
        want(abs(int(after_free) - int(before_free)) <= 16, f"MemFree + the shell's VmRSS {before_free} -> {after_free} kB")
    want(sh.value("$(ps -o ppid | grep -cw $$)") in ("0", "1", "2"), "children left over")


# --- driver -----------------------------------------------------------------------


def start(native, build):
    if native:
        # The same init in a PID namespace with its own /proc: ps, pidof
        # and killall see only this tree (never the host's processes), and
        # init is pid 1 there, as in Charon.
        busybox = shutil.which("busybox") or "/bin/busybox"
        init = os.path.join(os.path.abspath(build), "user", "init")
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/", "TERM": "linux"}
        console = Console.native([shutil.which("unshare") or "/usr/bin/unshare", "--fork", "--pid", "--mount-proc",
                                  init, "-q", "-t", busybox, "sh"], env=env, cwd="/")
    else:
        console = Console.charon(["/bin/sh"], build=build, init_options=("-q", "-t"))
    sh = Shell(console, native)
    # Type only once the shell is reading: earlier input may be flushed
    # when its line editor switches the terminal to raw mode.
    console.expect(r"# ", 60)
    time.sleep(0.2)
    console.send("PS1='$ '\r")
    sh.sync(timeout=30)
    return sh


def harness_reads_whole_numbers():
    """The harness on its own: a status whose digits arrive in two pieces,
    as they do on Charon's serial line under load (`P=1`, then `30`), is
    read whole. Matched without its line end it read 1: the "wrong $? after
    ^C" once listed in KNOWN_BUGS (docs/testing.md)."""
    out_r, out_w = os.pipe()
    in_r, in_w = os.pipe()

    def arrive():
        os.write(out_w, b"P=1")
        time.sleep(0.5)
        os.write(out_w, b"30\r\n")

    writer = threading.Thread(target=arrive)
    writer.start()
    try:
        status = Shell(Console(out_r, in_w, "split status"), native=True).status("echo P=$?", "P", timeout=10)
    except ConsoleTimeout as error:
        status = f"nothing ({error})"
    finally:
        writer.join()
        for fd in (out_r, out_w, in_r, in_w):
            os.close(fd)
    if status == "130":
        print("PASS harness_reads_whole_numbers")
        return 1, 0
    print(f"FAIL harness_reads_whole_numbers: P=130 in two pieces read as {status}")
    return 0, 1


def boot_to_prompt(build):
    """Charon only: `make run`'s boot (init with no arguments: /bin/sh on
    the console) reaches the shell's prompt within 1 s of guest time under
    -icount shift=0, where guest time counts instructions (1 ns each), so a
    busy host cannot fail it. The figure is an upper bound: the banner's
    "ms since reset" (firmware and kernel up to the clock) plus /proc/uptime
    as read by the first command typed at the prompt (everything since the
    clock started, that command and the wait for it included). The wall
    time of the same boot under plain TCG is only reported."""
    passed = failed = 0
    try:
        start = time.monotonic()
        with Console.charon([], build=build, init_options=()) as console:
            console.expect(r"# ", 60)
            wall_ms = (time.monotonic() - start) * 1000
        with Console.charon([], build=build, init_options=(), qemu_extra="-icount shift=0") as console:
            console.expect(r"# ", 120)
            console.send("cat /proc/uptime\r")
            uptime = float(console.expect(r"\n([\d.]+) [\d.]+\r?\n", 60).group(1))
            since_reset = int(re.search(r"(\d+) ms since reset", console.output).group(1))
        guest_ms = since_reset + uptime * 1000
        print(f"info: boot to prompt: {wall_ms:.0f} ms of wall time under TCG (host-load dependent); "
              f"at most {guest_ms:.0f} ms of guest time under -icount ({since_reset} ms to the banner, "
              f"{uptime * 1000:.0f} ms of uptime at the first command)")
        if guest_ms < 1000:
            print("PASS boot_to_prompt_under_1s[charon]")
            passed += 1
        else:
            print(f"FAIL boot_to_prompt_under_1s[charon]: {guest_ms:.0f} ms of guest time")
            failed += 1
    except (ConsoleTimeout, OSError, AttributeError, ValueError) as error:
        print(f"FAIL boot_to_prompt_under_1s[charon]: {error}")
        failed += 1
    return passed, failed


# Scenarios that expose a known Charon bug and fail intermittently there
# (they pass natively, and in Charon on most runs): not run on the Charon
# side unless a filter names them, so that `make test` stays reliable; each
# is printed as KNOWN-BUG. Remove an entry with its fix.
KNOWN_BUGS = {}


def run_side(native, build, filters):
    name = "native" if native else "charon"
    passed = failed = 0
    chosen = [s for s in SCENARIOS if not filters or any(f in s.__name__ for f in filters)]
    if not native and not filters:
        for s in chosen:
            if s.__name__ in KNOWN_BUGS:
                print(f"KNOWN-BUG {s.__name__}[charon]: {KNOWN_BUGS[s.__name__]} (not run; name it to run it)")
        chosen = [s for s in chosen if s.__name__ not in KNOWN_BUGS]
    try:
        sh = start(native, build)
    except (ConsoleTimeout, OSError) as error:
        for s in chosen:
            print(f"FAIL {s.__name__}[{name}]: no shell: {error}")
        return 0, len(chosen)
    with sh.c:
        for s in chosen:
            try:
                s(sh)
                sh.sync()
                print(f"PASS {s.__name__}[{name}]")
                passed += 1
            except (ScenarioFailed, ConsoleTimeout, ValueError, IndexError) as error:
                print(f"FAIL {s.__name__}[{name}]: {error}")
                failed += 1
                # Back to a prompt: interrupt whatever runs, then resync.
                try:
                    sh.c.send(b"\x03")
                    sh.sync(timeout=15)
                except ConsoleTimeout:
                    try:
                        sh.c.send(b"\x03\r")
                        sh.sync(timeout=15)
                    except ConsoleTimeout:
                        pass
            sys.stdout.flush()
    return passed, failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.environ.get("BUILD", "build"))
    side = parser.add_mutually_exclusive_group()
    side.add_argument("--native-only", action="store_true")
    side.add_argument("--charon-only", action="store_true")
    parser.add_argument("filters", nargs="*")
    args = parser.parse_args()
    passed = failed = 0
    if not args.filters or any(f in "harness_reads_whole_numbers" for f in args.filters):
        passed, failed = harness_reads_whole_numbers()
    for native in (True, False):
        if (native and args.charon_only) or (not native and args.native_only):
            continue
        p, f = run_side(native, args.build, args.filters)
        passed += p
        failed += f
        if not native and (not args.filters or any(f in "boot_to_prompt_under_1s" for f in args.filters)):
            p, f = boot_to_prompt(args.build)
            passed += p
            failed += f
    print(f"RESULT shell {passed} {failed}")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
