#!/usr/bin/env bash
# user/ programs natively on the host (the oracle), as the guest tests are:
# /bin/demo alone, under init as a subreaper, and under init as a real pid 1
# (a PID namespace, when unshare is allowed); init's exit status, its
# survival of stray signals, and the reaping of orphans; and the guest suite
# under init as pid 1, as Charon runs it.
#   tools/suites/user-native.sh        (BUILD defaults to build)
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
mkdir -p "$BUILD"
build_abs=$(cd "$BUILD" && pwd)
bin=$build_abs/user
passed=0
failed=0
pass() {
    echo "PASS $1"
    passed=$((passed + 1))
}
fail() {
    echo "FAIL $1: $2"
    failed=$((failed + 1))
    [[ -n ${3:-} ]] && sed 's/^/    | /' <<<"$3" | tail -n 20
}

if ! command -v musl-gcc >/dev/null 2>&1; then
    tools/install-deps.sh || true
fi
if ! make -s -C user -j2 BUILD="$build_abs"; then
    echo "user-native: build failed"
    echo "RESULT user-native 0 1"
    exit 1
fi

# run NAME EXPECTED_STATUS GREP_PATTERN COMMAND...: the command (under a
# timeout) must end with EXPECTED_STATUS and print a line matching the pattern.
run() {
    local name=$1 want=$2 pattern=$3
    shift 3
    local out status
    out=$(timeout --kill-after=5 120 "$@" 2>&1)
    status=$?
    if [[ $status != "$want" ]]; then
        fail "$name" "exit status $status, expected $want" "$out"
    elif [[ -n $pattern ]] && ! grep -qE "$pattern" <<<"$out"; then
        fail "$name" "no line matching /$pattern/" "$out"
    else
        pass "$name"
    fi
}

run demo 0 'all [0-9]+ expectations met' "$bin/demo"
# How many orphans init reaps before demo ends varies: an orphan killed last
# may still be exiting when demo returns (demo's checks are its own).
run init_runs_demo 0 'demo \(pid [0-9]+\) exited with status 0' "$bin/init" -v "$bin/demo"
run init_reaps_orphans 0 'reaped orphan pid [0-9]+: killed by SIG(TERM|KILL)' "$bin/init" -v "$bin/demo"
run init_exit_status 5 'exited with status 5' "$bin/init" /bin/sh -c 'exit 5'
run init_signal_status 137 'killed by SIGKILL' "$bin/init" /bin/sh -c 'kill -KILL $$'
run init_exec_failure 127 'cannot run /nonexistent' "$bin/init" /nonexistent
# Stray signals to init (and a core-dumping one) do not end it.
run init_survives_signals 0 'exited with status 0' "$bin/init" /bin/sh -c \
    'for s in TERM INT HUP QUIT USR1 USR2 TSTP TTIN TTOU ALRM PIPE SEGV; do kill -$s $PPID; done; exit 0'
# The main program starts with default dispositions and an empty mask.
run init_child_defaults 0 'exited with status 0' "$bin/init" /bin/sh -c \
    'grep -qE "^SigBlk:\s+0+$" /proc/self/status && grep -qE "^SigIgn:\s+0+$" /proc/self/status'
if unshare -fp true 2>/dev/null; then
    run pid1_demo 0 'adopted by init \(pid 1\)' unshare -fp "$bin/init" -v "$bin/demo"
    run pid1_status 3 'exited with status 3' unshare -fp "$bin/init" /bin/sh -c 'exit 3'
    # The guest suite exactly as Charon will run it: runner under init, pid 1.
    if make -s -C tests/guest -j2 BUILD="$build_abs"; then
        run pid1_guest_runner 0 '^RESULT guest-under-init [0-9]+ 0$' unshare -fp "$bin/init" -q \
            "$build_abs/guest/runner" -s guest-under-init -t 10 "$build_abs/guest/bin"
    else
        fail pid1_guest_runner "tests/guest build failed"
    fi
else
    echo "SKIP pid1_demo (unshare --pid not permitted)"
fi

echo "RESULT user-native $passed $failed"
[[ $failed -eq 0 ]]
