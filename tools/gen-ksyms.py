#!/usr/bin/env python3
"""Turns `nm -n -S -C --defined-only kernel.elf` output into an assembly file
holding the kernel's function-symbol table, linked into the .ksyms section so
that backtraces can name functions at run time (QEMU's -kernel loads only
PT_LOAD segments, so the ELF .symtab is not in memory).

Layout (all little-endian, read by kernel/arch/x86_64/symbols.cpp):
    u64 count
    count x { u64 address; u32 size; u32 name_offset }   sorted by address
    NUL-terminated names, name_offset bytes after the end of the entries
"""
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen-ksyms.py nm-output.txt out.S")
    entries = []
    with open(sys.argv[1]) as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 3)
            # With -S: "addr size type name"; without a size: "addr type name".
            if len(parts) >= 4 and len(parts[2]) == 1:
                address, size, kind, name = parts[0], parts[1], parts[2], parts[3]
            else:
                parts = line.rstrip("\n").split(" ", 2)
                if len(parts) < 3:
                    continue
                address, size, kind, name = parts[0], "0", parts[1], parts[2]
            if kind not in "TtWw":
                continue
            entries.append((int(address, 16), int(size, 16), name))
    entries.sort(key=lambda e: e[0])

    names = bytearray()
    out = ['    .section .ksyms, "a"', "    .p2align 3", f"    .quad {len(entries)}"]
    for address, size, name in entries:
        out.append(f"    .quad {address:#x}")
        out.append(f"    .long {min(size, 0xffffffff):#x}, {len(names):#x}")
        names += name.encode() + b"\0"
    for i in range(0, len(names), 32):
        out.append("    .byte " + ",".join(str(b) for b in names[i:i + 32]))
    out.append('    .section .note.GNU-stack, "", @progbits')
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
