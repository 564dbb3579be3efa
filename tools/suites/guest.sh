#!/usr/bin/env bash
# Guest behavioural tests inside Charon: the same static binaries and runner
# as guest-native, in the initramfs, run by /sbin/init as pid 1's main program:
#   kernel command line: -- /tests/runner -s guest -t SECONDS /tests/bin [FILTER...]
# Builds the kernel, user/, tests/guest and the initramfs; boots once with
# init with /bin/demo (which must report success: test "demo"),
# then boots the suite under a
# timeout, relays the runner's PASS/FAIL/SKIP lines and ends with
# "RESULT guest P F". A test the runner never reported (the kernel could not
# start init, hung, or crashed) counts as failed, so this suite cannot pass
# by saying nothing.
#   tools/suites/guest.sh [FILTER...]      (make guest-test T=FILTER)
# Environment: BUILD (default build), GUEST_TIMEOUT (whole boot, default 900 s),
# GUEST_TEST_TIMEOUT (per test inside the guest, default 20 s), QEMU_EXTRA.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
TIMEOUT=${GUEST_TIMEOUT:-900}
TEST_TIMEOUT=${GUEST_TEST_TIMEOUT:-20}

result() {
    echo "RESULT guest $1 $2"
    exit $(($2 > 0))
}

mkdir -p "$BUILD"
build_abs=$(cd "$BUILD" && pwd)
if ! command -v musl-gcc >/dev/null 2>&1; then
    tools/install-deps.sh || true
fi
if [[ ! -f $BUILD/build.ninja ]]; then
    cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || {
        echo "guest: cmake configure failed"
        result 0 1
    }
fi
if ! cmake --build "$BUILD" --target charon.elf -j2 >"$build_abs/guest-build.log" 2>&1; then
    tail -n 30 "$build_abs/guest-build.log"
    echo "guest: kernel build failed"
    result 0 1
fi
if ! make -s -C user -j2 BUILD="$build_abs" || ! make -s -C tests/guest -j2 BUILD="$build_abs"; then
    echo "guest: user or guest test build failed"
    result 0 1
fi
initrd=$build_abs/initramfs.cpio
if ! tools/mkinitramfs.py --build "$build_abs" -o "$initrd"; then
    echo "guest: initramfs build failed"
    result 0 1
fi

# The tests the runner should report: its own rule (name contains a filter).
expected=0
for test in "$build_abs"/guest/bin/*; do
    name=${test##*/}
    if (($# == 0)); then
        expected=$((expected + 1))
        continue
    fi
    for filter in "$@"; do
        if [[ $name == *"$filter"* ]]; then
            expected=$((expected + 1))
            break
        fi
    done
done
if ((expected == 0)); then
    echo "guest: no test matches: $*"
    result 0 1
fi

log=$(mktemp)
demo_log=$(mktemp)
trap 'rm -f "$log" "$demo_log"' EXIT

# `make run INIT_ARGS="-v /bin/demo"`: init runs /bin/demo, which exits 0 only if every
# expectation held; init exits with it, QEMU with 65. Counted as one test
# (not when filtering).
demo_passed=0
demo_failed=0
if (($# == 0)); then
    INITRD=$initrd timeout --kill-after=5 120 tools/qemu.sh test "$build_abs/charon.elf" -- -v /bin/demo \
        >"$demo_log" 2>&1
    demo_status=$?
    tr -d '\r' <"$demo_log" >"$demo_log.txt" && mv "$demo_log.txt" "$demo_log"
    if [[ $demo_status == 65 ]] && grep -qE '^demo: all [0-9]+ expectations met' "$demo_log"; then
        echo "PASS demo"
        demo_passed=1
    else
        echo "FAIL demo: QEMU status $demo_status (65 expected: init and demo exit 0). Last output:"
        tail -n 15 "$demo_log" | sed 's/^/    | /'
        demo_failed=1
    fi
fi

start=$SECONDS
INITRD=$initrd timeout --kill-after=5 "$TIMEOUT" tools/qemu.sh test "$build_abs/charon.elf" \
    -- /tests/runner -s guest -t "$TEST_TIMEOUT" /tests/bin "$@" 2>&1 |
    tr -d '\r' | tee "$log" | grep -E '^(PASS|FAIL|SKIP) '
status=${PIPESTATUS[0]}
elapsed=$((SECONDS - start))

passed=$(grep -cE '^PASS ' "$log")
reported_failed=$(grep -cE '^FAIL ' "$log")
skipped=$(grep -cE '^SKIP ' "$log")
runner_result=$(grep -E '^RESULT guest [0-9]+ [0-9]+$' "$log" | tail -n 1)

# Not reported at all: failed.
missing=$((expected - passed - reported_failed - skipped))
((missing < 0)) && missing=0
failed=$((reported_failed + missing + demo_failed))
passed=$((passed + demo_passed))

if [[ -z $runner_result ]]; then
    case $status in
    124 | 137) why="no result within ${TIMEOUT}s (Charon hung)" ;;
    37) why="the kernel panicked" ;;
    39) why="init could not be started" ;;
    *) why="QEMU exited with status $status before the runner finished" ;;
    esac
    echo "FAIL guest_suite: $why; $missing of $expected tests never reported. Last output:"
    grep -vE '^(PASS|FAIL|SKIP) ' "$log" | tail -n 25 | sed 's/^/    | /'
    result "$passed" "$((failed > 0 ? failed : 1))"
fi

# init exits with the runner's status and the kernel powers off with it:
# 0 -> isa-debug-exit 0x20 -> QEMU status 65; 1 -> 67 (docs/userland.md).
read -r _ _ runner_passed runner_failed <<<"$runner_result"
want_status=$((runner_failed == 0 ? 65 : 67))
if [[ $status != "$want_status" ]]; then
    echo "FAIL guest_exit_status: QEMU exited with $status, expected $want_status (init's status after RESULT $runner_passed $runner_failed)"
    grep -E '^(init|\[error\]|\[warn\])' "$log" | tail -n 5 | sed 's/^/    | /'
    failed=$((failed + 1))
fi
echo "guest: $passed passed, $failed failed, $skipped skipped in ${elapsed}s"
result "$passed" "$failed"
