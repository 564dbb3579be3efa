#!/usr/bin/env bash
# Boots Charon under QEMU (TCG).
#   tools/qemu.sh run   KERNEL [extra kernel command line]   interactive
#   tools/qemu.sh debug KERNEL [extra kernel command line]   waits for gdb on :1234
#   tools/qemu.sh test  KERNEL [extra kernel command line]   for scripts: no
#                                                            monitor, stdin ignored
#   tools/qemu.sh serial KERNEL [extra kernel command line]  for scripts that type:
#                                                            stdin is the serial input,
#                                                            no monitor (tools/console.py)
# Environment: QEMU_EXTRA (more QEMU options, e.g. "-icount shift=0"),
# CHARON_CMDLINE (prepended to the command line), INITRD (a module), MEM.
set -euo pipefail

mode=${1:?usage: tools/qemu.sh run|debug|test|serial KERNEL [cmdline...]}
kernel=${2:?usage: tools/qemu.sh run|debug|test|serial KERNEL [cmdline...]}
shift 2
cmdline="${CHARON_CMDLINE:-} $*"
cmdline="${cmdline# }"

args=(
    -machine q35 -accel tcg -cpu max
    -m "${MEM:-128M}"
    -nodefaults -no-reboot -display none
    -device isa-debug-exit,iobase=0xf4,iosize=0x04
    -kernel "$kernel"
    -append "$cmdline"
)
[[ -n ${INITRD:-} ]] && args+=(-initrd "$INITRD")
# shellcheck disable=SC2206
[[ -n ${QEMU_EXTRA:-} ]] && args+=($QEMU_EXTRA)

case $mode in
run)
    # mon:stdio: Ctrl-A X quits, Ctrl-A C reaches the QEMU monitor.
    echo "qemu: Ctrl-A X to quit" >&2
    status=0
    qemu-system-x86_64 "${args[@]}" -serial mon:stdio || status=$?
    # isa-debug-exit status 65 is "init exited with status 0" (docs/userland.md):
    # a clean end for an interactive run, as is quitting QEMU by hand (0).
    [[ $status == 65 ]] && status=0
    exit "$status"
    ;;
debug)
    echo "qemu: waiting for gdb on localhost:1234 (run gdb from the repository root; .gdbinit connects)" >&2
    exec qemu-system-x86_64 "${args[@]}" -serial mon:stdio -s -S
    ;;
test)
    exec qemu-system-x86_64 "${args[@]}" -serial stdio </dev/null
    ;;
serial)
    exec qemu-system-x86_64 "${args[@]}" -serial stdio
    ;;
*)
    echo "tools/qemu.sh: unknown mode $mode" >&2
    exit 2
    ;;
esac
