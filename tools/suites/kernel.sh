#!/usr/bin/env bash
# In-kernel suite: boots Charon under QEMU and judges what it prints.
#   1. `selftest`: every KERNEL_TEST (tests/kernel/), one line each, under plain
#      TCG; plus the boot-time check (banner within 1 s of wall time).
#   2. `selftest=clock` under -icount shift=0, where the TSC runs at 1 GHz.
#   3. Deliberate faults (`crash=...`): each must end in a readable report that
#      names the faulting function, and QEMU must exit through isa-debug-exit
#      (a triple fault would reset, which -no-reboot turns into exit status 0).
# Every boot runs under a timeout, so a hung kernel fails instead of hanging.
# Prints "PASS kernel/<test>" or "FAIL kernel/<test>: why", then
# "RESULT kernel <passed> <failed>".
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
KERNEL=${KERNEL:-$BUILD/charon.elf}
TIMEOUT=${KERNEL_TEST_TIMEOUT:-60}

passed=0
failed=0
declare -A failed_names
pass() { echo "PASS kernel/$1"; passed=$((passed + 1)); }
# A test with several failed expectations prints each, and counts once.
fail() {
    echo "FAIL kernel/$1: $2"
    [[ -n ${failed_names[$1]:-} ]] && return
    failed_names[$1]=1
    failed=$((failed + 1))
}

if [[ ! -f $KERNEL ]]; then
    fail build "$KERNEL does not exist (run make first)"
    echo "RESULT kernel $passed $failed"
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# boot LOG TIMEOUT [cmdline words...]: runs QEMU, writes "<ms since start>
# <line>" per output line to LOG and the exit status to LOG.status.
boot() {
    local log=$1 limit=$2
    shift 2
    local start=${EPOCHREALTIME/./}
    {
        timeout --kill-after=5 "$limit" tools/qemu.sh test "$KERNEL" "$@" 2>&1
        echo "$?" >"$log.status"
    } | while IFS= read -r line; do
        local now=${EPOCHREALTIME/./}
        printf '%d %s\n' $(((now - start) / 1000)) "${line%$'\r'}"
    done >"$log"
}

# show LOG: the kernel's last words, for a failure's context.
show() { sed -E 's/^[0-9]+ /    | /' "$1" | tail -n "${2:-25}"; }

# --- 0. layering (docs/architecture.md): portable code sees no hardware -------
bad=$(grep -rnE '#include +"(arch|mm|time|sched|syscall|init)/' kernel/lib kernel/proc kernel/fs kernel/exec 2>/dev/null)
if [[ -z $bad ]]; then
    pass layering_includes
else
    fail layering_includes "portable code includes kernel-only headers:"
    sed 's/^/    | /' <<<"$bad"
fi

# --- 0b. every registered syscall has its page (DEVELOPERS.md: docs/syscalls/NAME.md)
registered=$(grep -rhoE '^CHARON_SYSCALL\([0-9]+, *[a-z_0-9]+' kernel | sed -E 's/.*, *//' | sort -u)
undocumented=$(while read -r name; do
    [[ -f docs/syscalls/$name.md ]] || echo "$name"
done <<<"$registered")
if [[ $(grep -c . <<<"$registered") -lt 100 ]]; then
    fail docs_cover_syscalls "found only $(grep -c . <<<"$registered") CHARON_SYSCALL registrations; the pattern is stale"
elif [[ -z $undocumented ]]; then
    pass docs_cover_syscalls
else
    fail docs_cover_syscalls "registered syscalls without docs/syscalls/NAME.md: $(tr '\n' ' ' <<<"$undocumented")"
fi

# --- 1. self-tests under plain TCG --------------------------------------------
log=$work/selftest
boot "$log" "$TIMEOUT" selftest
status=$(cat "$log.status")
while read -r _ _ verdict name rest; do
    case $verdict in
    PASS) pass "$name" ;;
    FAIL) fail "${name%:}" "$rest" ;;
    esac
done < <(grep -E '^[0-9]+ KTEST (PASS|FAIL) ' "$log")
if ! grep -qE '^[0-9]+ KTEST RESULT ' "$log"; then
    # The test that was running when the kernel died or hung: the last RUN.
    culprit=$(grep -E '^[0-9]+ KTEST RUN ' "$log" | tail -n 1 | cut -d' ' -f4)
    if grep -qE "^[0-9]+ KTEST (PASS|FAIL) $culprit(:|\$)" "$log"; then
        culprit=""
    fi
    if [[ $status == 124 || $status == 137 ]]; then
        fail "${culprit:-selftest_boot}" "no result within ${TIMEOUT}s (kernel hung); last output:"
    else
        fail "${culprit:-selftest_boot}" "kernel stopped before reporting (QEMU status $status); last output:"
    fi
    show "$log"
elif [[ $status != 33 && $status != 35 ]]; then
    fail selftest_exit "QEMU exit status $status, expected 33 (passed) or 35 (failed) from isa-debug-exit"
fi

banner_ms=$(grep -m1 -E '^[0-9]+ Charon: [0-9]+ MiB RAM, [0-9]+ of [0-9]+ frames free' "$log" | cut -d' ' -f1)
if [[ -z $banner_ms ]]; then
    fail boot_banner "no banner with memory size and free frames"
else
    pass boot_banner
    # Wall time depends on how busy the host is, so it is only reported;
    # the check below uses guest time under -icount instead.
    echo "info: banner after ${banner_ms} ms of wall time"
fi

# --- 2. the clock under -icount shift=0 (TSC at 1 GHz) ------------------------
log=$work/icount
QEMU_EXTRA="${QEMU_EXTRA:-} -icount shift=0" boot "$log" "$TIMEOUT" selftest=clock
while read -r _ _ verdict name rest; do
    case $verdict in
    PASS) pass "icount/$name" ;;
    FAIL) fail "icount/${name%:}" "$rest" ;;
    esac
done < <(grep -E '^[0-9]+ KTEST (PASS|FAIL) ' "$log")
if ! grep -qE '^[0-9]+ KTEST RESULT ' "$log"; then
    fail icount/selftest_boot "no result (QEMU status $(cat "$log.status")); last output:"
    show "$log"
fi
# Guest time under icount counts instructions (1 ns each), so the boot's
# own cost is measured the same on a busy host and an idle one.
since_reset=$(grep -m1 -oE '[0-9]+ ms since reset' "$log" | grep -oE '^[0-9]+')
if [[ -n $since_reset ]] && ((since_reset < 1000)); then
    pass icount/boot_to_banner_under_1s
else
    fail icount/boot_to_banner_under_1s "banner after ${since_reset:-?} ms of guest time since reset"
fi
mhz=$(grep -m1 -oE 'TSC [0-9]+ MHz' "$log" | grep -oE '[0-9]+')
if [[ -n $mhz ]] && ((mhz >= 990 && mhz <= 1010)); then
    pass icount/tsc_calibrated_to_1ghz
else
    fail icount/tsc_calibrated_to_1ghz "banner says TSC ${mhz:-?} MHz, expected 1000 under -icount shift=0"
fi

# --- 3. deliberate faults ----------------------------------------------------
# kind : function the report must name : what the report must say
faults=(
    "null:crash_null_dereference:KERNEL FAULT: #PF page fault"
    "ud:crash_invalid_opcode:KERNEL FAULT: #UD invalid opcode"
    "gp:crash_non_canonical_access:KERNEL FAULT: #GP general protection fault"
    "divide:crash_divide_by_zero:KERNEL FAULT: #DE divide error"
    "stack:crash_stack_overflow:KERNEL FAULT: #DF double fault"
    "verify:crash_verify_failure:KERNEL PANIC: VERIFY(answer == 42) failed"
)
for entry in "${faults[@]}"; do
    IFS=: read -r kind function headline <<<"$entry"
    log=$work/crash-$kind
    boot "$log" 30 "crash=$kind"
    status=$(cat "$log.status")
    why=""
    if [[ $status == 124 || $status == 137 ]]; then
        why="no report within 30 s (hung)"
    elif [[ $status == 0 ]]; then
        why="QEMU exited with status 0: a triple fault (reset), not a report"
    elif [[ $status != 37 ]]; then
        why="QEMU exit status $status, expected 37 (kernel stopped after a report)"
    elif ! grep -qF "$headline" "$log"; then
        why="report lacks '$headline'"
    elif ! grep -qE '^[0-9]+ +#[0-9]+ +0x[0-9a-f]{16} <[^?]' "$log"; then
        why="backtrace lacks symbolized frames"
    elif ! grep -qE "^[0-9]+ +#[0-9]+ +0x[0-9a-f]{16} <.*$function" "$log"; then
        why="backtrace does not name $function"
    elif [[ $kind != verify ]] && ! grep -qE '^[0-9]+ RIP +0x[0-9a-f]{16} <' "$log"; then
        why="report lacks RIP"
    elif [[ $kind != verify ]] && ! grep -qE '^[0-9]+ CR2 ' "$log"; then
        why="report lacks CR2"
    elif [[ $kind != verify ]] && ! grep -qE '^[0-9]+ RAX 0x' "$log"; then
        why="report lacks registers"
    elif [[ $kind == stack ]] && ! grep -q 'kernel stack overflow' "$log"; then
        why="double fault not identified as a kernel stack overflow"
    elif ! grep -q 'kernel stopped' "$log"; then
        why="report does not say the kernel stopped"
    fi
    if [[ -z $why ]]; then
        pass "fault_report_$kind"
    else
        fail "fault_report_$kind" "$why; output:"
        show "$log"
    fi
done

echo "RESULT kernel $passed $failed"
[[ $failed -eq 0 ]]
