#!/usr/bin/env bash
# BusyBox sh driven over a terminal like a person would type into it:
# tests/shell/scenarios.py (through tools/console.py) runs every scenario
# natively first (init and the host's busybox in a PID namespace with its
# own /proc, under a pty: the oracle), then in Charon on the serial console,
# where init starts /bin/sh with the console as controlling terminal. Ends
# with "RESULT shell P F".
#   tools/suites/shell.sh [FILTER...]      (BUILD defaults to build)
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}

fail() {
    echo "shell: $1"
    echo "RESULT shell 0 1"
    exit 1
}

mkdir -p "$BUILD"
build_abs=$(cd "$BUILD" && pwd)
if ! command -v musl-gcc >/dev/null 2>&1 || [[ ! -x /bin/busybox ]]; then
    tools/install-deps.sh || true
fi
if [[ ! -f $BUILD/build.ninja ]]; then
    cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || fail "cmake configure failed"
fi
if ! cmake --build "$BUILD" --target charon.elf -j2 >"$build_abs/shell-build.log" 2>&1; then
    tail -n 30 "$build_abs/shell-build.log"
    fail "kernel build failed"
fi
make -s -C user -j2 BUILD="$build_abs" && make -s -C tests/guest -j2 BUILD="$build_abs" ||
    fail "user or test build failed"
tools/mkinitramfs.py --build "$build_abs" -o "$build_abs/initramfs.cpio" || fail "initramfs build failed"

exec python3 tests/shell/scenarios.py --build "$build_abs" "$@"
