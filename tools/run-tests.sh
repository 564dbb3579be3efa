#!/usr/bin/env bash
# Runs every test suite and prints one summary line over all of them.
# Each suite script ends its output with "RESULT <suite> <passed> <failed>";
# a suite that dies before saying so counts as one failure. The summary gives
# each suite's wall time: CI allows the whole run 20 minutes.
set -uo pipefail
cd "$(dirname "$0")/.."

suites=("$@")
total_passed=0
total_failed=0
summary=()
SECONDS=0

for suite in "${suites[@]}"; do
    echo "=== suite: $suite"
    log=$(mktemp)
    started=$SECONDS
    "tools/suites/$suite.sh" 2>&1 | tee "$log"
    line=$(grep -E '^RESULT ' "$log" | tail -n 1)
    rm -f "$log"
    if [[ -z $line ]]; then
        passed=0
        failed=1
        echo "suite $suite did not report a result: counted as one failure"
    else
        read -r _ _ passed failed <<<"$line"
    fi
    summary+=("$(printf '%-14s %5d passed, %d failed  (%ds)' "$suite" "$passed" "$failed" $((SECONDS - started)))")
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
done

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
echo "(all suites: ${SECONDS}s)"
echo "$total_passed passed, $total_failed failed"
[[ $total_failed -eq 0 ]]
