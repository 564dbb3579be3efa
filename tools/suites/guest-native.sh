#!/usr/bin/env bash
# Guest behavioural tests run natively on the host Linux (the oracle):
# builds tests/guest with musl-gcc, then runs them all with the guest runner.
#   tools/suites/guest-native.sh [FILTER...]    (BUILD defaults to build)
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
mkdir -p "$BUILD"
build_abs=$(cd "$BUILD" && pwd)
if ! command -v musl-gcc >/dev/null 2>&1; then
    tools/install-deps.sh || true
fi
if ! make -s -C tests/guest -j2 BUILD="$build_abs"; then
    echo "guest-native: build failed"
    echo "RESULT guest-native 0 1"
    exit 1
fi
"$build_abs/guest/runner" -s guest-native -t 10 "$build_abs/guest/bin" "$@"
