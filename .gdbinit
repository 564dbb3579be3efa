# Loaded by gdb started from the repository root while `make debug` waits.
# gdb only reads a project .gdbinit it trusts; once, run:
#   echo "add-auto-load-safe-path $(pwd)/.gdbinit" >> ~/.gdbinit
# or start it as `gdb -x .gdbinit`.
set architecture i386:x86-64
set disassembly-flavor att
file build/charon.elf
target remote localhost:1234
# Hardware breakpoints: the kernel is not mapped yet when QEMU starts, so a
# software breakpoint could not be written into it.
hbreak kernel_main
hbreak charon::panic
hbreak charon::arch::fatal_exception
echo Charon: stopped at reset. `continue` runs to kernel_main.\n
