#!/usr/bin/env bash
# Installs the Debian packages that building, running and testing Charon need.
# Cheap when everything is present: it checks first and calls apt-get only for
# what is missing. `make` runs it before anything else.
#   tools/install-deps.sh          what make, make run and make test need
#   tools/install-deps.sh bench    that, plus what make bench needs: a Linux
#                                  kernel to compare with, matplotlib for the chart
set -euo pipefail

# command-or-file : package
needs=(
    "g++:g++"
    "cmake:cmake"
    "ninja:ninja-build"
    "qemu-system-x86_64:qemu-system-x86"
    "musl-gcc:musl-tools"
    "gdb:gdb"
    "gcovr:gcovr"
    "cpio:cpio"
    "python3:python3"
    "/usr/include/gtest/gtest.h:libgtest-dev"
    "/usr/lib/x86_64-linux-gnu/libgtest.a:libgtest-dev"
    "/bin/busybox:busybox-static"
    # libFuzzer over the lifecycle core (tools/suites/libfuzzer.sh)
    "clang++:clang"
    "/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a:libclang-rt-14-dev"
)

# `what` may be a glob (the first match must exist).
if [[ ${1:-} == bench ]]; then
    needs+=(
        "/boot/vmlinuz-*:linux-image-amd64"
        "/usr/lib/python3/dist-packages/matplotlib/__init__.py:python3-matplotlib"
    )
elif [[ -n ${1:-} ]]; then
    echo "usage: tools/install-deps.sh [bench]" >&2
    exit 2
fi

missing=()
for entry in "${needs[@]}"; do
    what=${entry%%:*}
    package=${entry#*:}
    if [[ $what == /* ]]; then
        # shellcheck disable=SC2206
        matches=($what)
        [[ -e ${matches[0]} ]] && continue
    else
        command -v "$what" >/dev/null 2>&1 && continue
    fi
    missing+=("$package")
done

[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
