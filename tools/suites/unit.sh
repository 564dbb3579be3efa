#!/usr/bin/env bash
# Hosted GoogleTest suite (ASan + UBSan) through CTest.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
log=$(mktemp)
ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)" --timeout 300 2>&1 | tee "$log"
# "100% tests passed, 0 tests failed out of 57"
line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
rm -f "$log"
if [[ -z $line ]]; then
    echo "RESULT unit 0 1"
    exit 1
fi
failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
total=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
echo "RESULT unit $((total - failed)) $failed"
[[ $failed -eq 0 ]]
