#!/usr/bin/env bash
# libFuzzer over the lifecycle core (docs/robustness.md): builds
# tests/unit/fuzz/proc_fuzz.cpp with clang -fsanitize=fuzzer,address,undefined
# against kernel/proc and the simulation (tests/unit/proc_sim.cpp, whose
# invariant checks it reuses), then fuzzes for LIBFUZZER_SECONDS (default
# 20) starting from the committed seed corpus (tests/unit/fuzz/corpus).
# A crash (a broken invariant aborts, or ASan/UBSan fire) fails the suite;
# libFuzzer leaves the input as BUILD/libfuzzer/crash-* to replay:
#   BUILD/libfuzzer/proc_fuzz BUILD/libfuzzer/crash-...
# Ends with "RESULT libfuzzer P F" (two tests: build, run).
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
SECONDS_TO_FUZZ=${LIBFUZZER_SECONDS:-20}
out=$BUILD/libfuzzer
mkdir -p "$out"
if ! command -v clang++ >/dev/null 2>&1; then
    tools/install-deps.sh || true
fi

sources=(tests/unit/fuzz/proc_fuzz.cpp tests/unit/proc_sim.cpp tests/unit/host_support.cpp
    kernel/lib/spinlock.cpp kernel/proc/*.cpp)
binary=$out/proc_fuzz
stale=0
[[ -x $binary ]] || stale=1
for f in "${sources[@]}" kernel/proc/*.h kernel/lib/*.h tests/unit/proc_sim.h tests/unit/proc_fake_host.h; do
    [[ $f -nt $binary ]] && stale=1
done
if ((stale)); then
    if ! clang++ -std=c++20 -DCHARON_HOSTED=1 -Ikernel -Itests/unit -Wall -Wextra -Werror \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -O1 -g \
        -o "$binary" "${sources[@]}" >"$out/build.log" 2>&1; then
        tail -n 30 "$out/build.log"
        echo "FAIL libfuzzer_build"
        echo "RESULT libfuzzer 0 1"
        exit 1
    fi
fi
echo "PASS libfuzzer_build"

# Fuzz into a scratch copy of the corpus: what libFuzzer finds stays out of
# the repository unless someone commits it.
corpus=$out/corpus
mkdir -p "$corpus"
cp tests/unit/fuzz/corpus/* "$corpus"/ 2>/dev/null
log=$out/run.log
(cd "$out" && ./proc_fuzz -max_total_time="$SECONDS_TO_FUZZ" -seed=1 -max_len=4096 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 corpus) >"$log" 2>&1
status=$?
if [[ $status == 0 ]] && grep -q 'Done [0-9]* runs' "$log"; then
    echo "PASS libfuzzer_proc: $(grep -oE 'Done [0-9]+ runs in [0-9]+ second\(s\)' "$log" | tail -n 1)," \
        "$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1)"
    echo "RESULT libfuzzer 2 0"
    exit 0
fi
echo "FAIL libfuzzer_proc: status $status. Last output:"
tail -n 40 "$log" | sed 's/^/    | /'
echo "RESULT libfuzzer 1 1"
exit 1
