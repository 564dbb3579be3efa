#!/usr/bin/env bash
# Smoke check of the benchmark program (bench/bench.c; `make bench` is the
# real measurement, docs/performance.md): `bench --quick` runs every metric
# with the fewest operations, natively on the host and inside Charon, and
# must print one well-formed BENCH line per metric of `bench --list`, then
# BENCH-END, and exit 0. It keeps the program from rotting and Charon able
# to run it (10,000 live children, 256 MiB processes); it measures nothing.
#   tools/suites/bench.sh        (BUILD defaults to build)
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
TIMEOUT=${BENCH_SMOKE_TIMEOUT:-300}
mkdir -p "$BUILD"
build_abs=$(cd "$BUILD" && pwd)
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
result() {
    echo "RESULT bench $passed $failed"
    exit $((failed > 0))
}

if ! command -v musl-gcc >/dev/null 2>&1; then
    tools/install-deps.sh || true
fi
if ! make -s -C bench BUILD="$build_abs"; then
    fail bench_build "make -C bench failed"
    result
fi
bench=$build_abs/bench/bench
mapfile -t metrics < <("$bench" --list)
if ((${#metrics[@]} < 20)); then
    fail bench_list "bench --list printed ${#metrics[@]} metrics"
    result
fi

# check NAME STATUS OUTPUT: exit 0, every metric once with sane numbers
# (median between min and max, operations > 0), and the end line.
check() {
    local name=$1 status=$2 out=$3 metric line
    if [[ $status != 0 ]]; then
        fail "$name" "exit status $status" "$out"
        return
    fi
    for metric in "${metrics[@]}"; do
        line=$(grep -E "^BENCH $metric " <<<"$out")
        if [[ $(grep -c . <<<"$line") != 1 ]] ||
            ! awk '{ exit !(NF == 6 && $4 <= $3 && $3 <= $5 && $6 > 0) }' <<<"$line"; then
            fail "$name" "metric $metric: expected one line 'BENCH $metric median min max operations', got '$line'" "$out"
            return
        fi
    done
    if ! grep -qE "^BENCH-END ${#metrics[@]}$" <<<"$out"; then
        fail "$name" "no 'BENCH-END ${#metrics[@]}' line" "$out"
        return
    fi
    pass "$name"
}

out=$(timeout --kill-after=5 "$TIMEOUT" "$bench" --quick 2>&1)
check bench_quick_native $? "$out"

# Inside Charon, started by init as make bench does (without -icount).
if [[ ! -f $BUILD/build.ninja ]]; then
    cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
if ! cmake --build "$BUILD" --target charon.elf -j2 >"$build_abs/bench-build.log" 2>&1 ||
    ! make -s -C user -j2 BUILD="$build_abs"; then
    fail bench_quick_charon "kernel or user build failed" "$(tail -n 20 "$build_abs/bench-build.log")"
    result
fi
initrd=$build_abs/bench/smoke.cpio
if ! tools/mkinitramfs.py --build "$build_abs" -o "$initrd" --add "/bin/bench=$bench"; then
    fail bench_quick_charon "initramfs build failed"
    result
fi
log=$build_abs/bench/smoke-charon.log
MEM=2G INITRD=$initrd timeout --kill-after=5 "$TIMEOUT" tools/qemu.sh test "$build_abs/charon.elf" \
    -- /bin/bench --args --quick >"$log" 2>&1
status=$?
out=$(tr -d '\r' <"$log")
# init exits with bench's status: 0 -> isa-debug-exit status 65.
[[ $status == 65 ]] && status=0
check bench_quick_charon "$status" "$out"

result
