#!/usr/bin/env bash
# Robustness inside Charon (docs/robustness.md). Three boots, one test each:
#   fuzz        the syscall fuzzer (tests/fuzz, /tests/fuzz in the initramfs)
#               as init's program for a short seeded run
#   fault       tests/guest/charon_fault with fault injection on the command
#               line (fault_every=7): fork/clone/execve/mmap/pipe/open fail
#               cleanly under allocation failure and nothing leaks
#   fuzz_fault  the fuzzer again, its workers armed for fault injection
#               (fault_every=20 fault_seed=SEED)
# A test passes when its program reports success and init ends with 0 (QEMU
# status 65); a panic (status 37), a hang (no result in time) or a leak
# (the fuzzer compares every kernel counter after each epoch) fails.
#   tools/suites/fuzz.sh                 (part of make test)
#   make fuzz SECONDS=600 SEED=7         (a long run, every epoch shown)
# Environment: BUILD (default build), FUZZ_SECONDS (default 20; the fault
# boot's fuzzer runs half as long), FUZZ_SEED
# (default 1), FUZZ_ARGS (more fuzzer options, e.g. "-w 8 -l 4000" or
# "-e 12 -n 1 -v" to replay epoch 12 with every call traced), FUZZ_VERBOSE=1
# (relay the fuzzer's epoch lines), QEMU_EXTRA.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
FUZZ_SEED=${FUZZ_SEED:-1}
FUZZ_ARGS=${FUZZ_ARGS:-}
FUZZ_VERBOSE=${FUZZ_VERBOSE:-0}

passed=0
failed=0
result() {
    echo "RESULT fuzz $passed $failed"
    exit $((failed > 0))
}

mkdir -p "$BUILD"
build_abs=$(cd "$BUILD" && pwd)
if ! command -v musl-gcc >/dev/null 2>&1; then
    tools/install-deps.sh || true
fi
if [[ ! -f $BUILD/build.ninja ]]; then
    cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || {
        echo "fuzz: cmake configure failed"
        failed=1
        result
    }
fi
if ! cmake --build "$BUILD" --target charon.elf -j2 >"$build_abs/fuzz-build.log" 2>&1; then
    tail -n 30 "$build_abs/fuzz-build.log"
    echo "fuzz: kernel build failed"
    failed=1
    result
fi
if ! make -s -C user -j2 BUILD="$build_abs" || ! make -s -C tests/guest -j2 BUILD="$build_abs" ||
    ! make -s -C tests/fuzz BUILD="$build_abs"; then
    echo "fuzz: user, guest test or fuzzer build failed"
    failed=1
    result
fi
initrd=$build_abs/fuzz/initramfs.cpio
if ! tools/mkinitramfs.py --build "$build_abs" -o "$initrd"; then
    echo "fuzz: initramfs build failed"
    failed=1
    result
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# boot NAME TIMEOUT KERNEL-ARGS...: boots, leaves the output in $log and
# QEMU's status in $status.
boot() {
    local name=$1 limit=$2
    shift 2
    local start=$SECONDS
    if [[ $FUZZ_VERBOSE == 1 ]]; then
        INITRD=$initrd timeout --kill-after=5 "$limit" tools/qemu.sh test "$build_abs/charon.elf" "$@" 2>&1 |
            tr -d '\r' | tee "$log" | grep --line-buffered -E '^fuzz: '
        status=${PIPESTATUS[0]}
    else
        INITRD=$initrd timeout --kill-after=5 "$limit" tools/qemu.sh test "$build_abs/charon.elf" "$@" 2>&1 |
            tr -d '\r' >"$log"
        status=${PIPESTATUS[0]}
    fi
    elapsed=$((SECONDS - start))
    echo "fuzz: $name: QEMU status $status after ${elapsed}s"
}

why_failed() {
    case $status in
    124 | 137) echo "no result in time (Charon hung)" ;;
    37) echo "the kernel panicked" ;;
    39) echo "init could not be started" ;;
    *) echo "QEMU status $status" ;;
    esac
}

# fuzz_run NAME SECONDS KERNEL-ARGS... -- FUZZER-ARGS...
fuzz_run() {
    local name=$1 seconds=$2
    shift 2
    local kernel_args=()
    while (($# > 0)) && [[ $1 != -- ]]; do
        kernel_args+=("$1")
        shift
    done
    shift
    # Epoch lines only when someone watches (make fuzz).
    local quiet=-q
    [[ $FUZZ_VERBOSE == 1 ]] && quiet=
    # shellcheck disable=SC2086
    boot "$name" $((seconds + 120)) "${kernel_args[@]}" -- -q /tests/fuzz $quiet -s "$FUZZ_SEED" -t "$seconds" "$@" $FUZZ_ARGS
    local summary
    summary=$(grep -E '^fuzz: (PASS|FAIL)' "$log" | tail -n 1)
    if [[ $status == 65 && $summary == "fuzz: PASS"* ]]; then
        echo "PASS $name: seed $FUZZ_SEED: ${summary#fuzz: PASS }"
        passed=$((passed + 1))
    else
        echo "FAIL $name: seed $FUZZ_SEED ($(why_failed)); reproduce with make fuzz SEED=$FUZZ_SEED SECONDS=$seconds. Last output:"
        tail -n 60 "$log" | sed 's/^/    | /'
        failed=$((failed + 1))
    fi
}

# The fuzzer: epochs of 2 s, then the counters must be back to the baseline.
fuzz_run fuzz "$FUZZ_SECONDS" --

# Fault injection, armed by the test program for its workload's processes.
boot fault 180 fault_every=7 -- -q /tests/bin/charon_fault
if [[ $status == 65 ]] && grep -q '^charon_fault: ' "$log"; then
    echo "PASS fault: $(grep '^charon_fault: ' "$log" | sed 's/^charon_fault: //')"
    passed=$((passed + 1))
else
    echo "FAIL fault: $(why_failed). Last output:"
    tail -n 30 "$log" | sed 's/^/    | /'
    failed=$((failed + 1))
fi

# The fuzzer with every worker's allocations failing at random.
fuzz_run fuzz_fault $((FUZZ_SECONDS / 2)) fault_every=20 "fault_seed=$FUZZ_SEED" -- -f

result
