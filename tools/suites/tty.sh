#!/usr/bin/env bash
# Terminal behaviour (line discipline, job control) driven through a terminal:
# tests/tty/scenarios.py types into a program of tests/tty with
# tools/console.py and checks what comes back, natively under a pty (the
# oracle) and then in Charon on the serial console. Ends with
# "RESULT tty P F".
#   tools/suites/tty.sh [FILTER...]      (BUILD defaults to build)
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}

fail() {
    echo "tty: $1"
    echo "RESULT tty 0 1"
    exit 1
}

mkdir -p "$BUILD"
build_abs=$(cd "$BUILD" && pwd)
if ! command -v musl-gcc >/dev/null 2>&1; then
    tools/install-deps.sh || true
fi
if [[ ! -f $BUILD/build.ninja ]]; then
    cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || fail "cmake configure failed"
fi
if ! cmake --build "$BUILD" --target charon.elf -j2 >"$build_abs/tty-build.log" 2>&1; then
    tail -n 30 "$build_abs/tty-build.log"
    fail "kernel build failed"
fi
make -s -C user -j2 BUILD="$build_abs" && make -s -C tests/guest -j2 BUILD="$build_abs" &&
    make -s -C tests/tty -j2 BUILD="$build_abs" || fail "user or test build failed"
tools/mkinitramfs.py --build "$build_abs" -o "$build_abs/initramfs.cpio" || fail "initramfs build failed"

exec python3 tests/tty/scenarios.py --build "$build_abs" "$@"
