// Memory probes that survive a fault: see search_exception_table (trap.cpp).
// Each .extable entry is {faulting instruction, where to resume}.

    .text
    .globl _ZN6charon4arch14probe_read_u64EPKvPm
// bool probe_read_u64(const void* address, uint64_t* out)
_ZN6charon4arch14probe_read_u64EPKvPm:
1:  movq (%rdi), %rax
    movq %rax, (%rsi)
    movl $1, %eax
    ret
2:  xorl %eax, %eax
    ret
    .section .extable, "a"
    .p2align 3
    .quad 1b, 2b
    .text

    .globl _ZN6charon4arch15probe_write_u64EPvm
// bool probe_write_u64(void* address, uint64_t value)
_ZN6charon4arch15probe_write_u64EPvm:
1:  movq %rsi, (%rdi)
    movl $1, %eax
    ret
2:  xorl %eax, %eax
    ret
    .section .extable, "a"
    .p2align 3
    .quad 1b, 2b

    .section .note.GNU-stack, "", @progbits
