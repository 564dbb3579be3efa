// Interrupt and exception entry: one stub per vector pushes a uniform frame
// (a zero error code where the CPU pushes none, then the vector number) and
// jumps to the common path, which saves the general registers into a
// TrapFrame (trap.h) and calls handle_interrupt(TrapFrame*).
//
// From user mode the stubs also swap GS (user GS base <-> the per-CPU area,
// see context.h) on the way in and out; the frame is then the thread's user
// frame at the top of its kernel stack, and handle_interrupt leaves through
// the scheduler's return-to-user path before interrupt_exit restores it.

// Vectors where the CPU pushes an error code: #DF #TS #NP #SS #GP #PF #AC #CP
// #VC #SX (8, 10-14, 17, 21, 29, 30).
#include "trap_frame.inc"

.macro stub vector
    .p2align 4
interrupt_stub_\vector:
    .if (\vector == 8) || (\vector >= 10 && \vector <= 14) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30)
    .else
    pushq $0
    .endif
    pushq $\vector
    jmp interrupt_common
.endm

    .text
    .p2align 4
interrupt_common:
    testb $3, 24(%rsp)                  // CS of the interrupted context
    jz 1f
    swapgs
1:  push_trap_registers
    cld
    // 5 CPU words + error code + vector + 15 registers = 176 bytes on a
    // stack the CPU aligned to 16: the call below is correctly aligned.
    mov %rsp, %rdi
    call handle_interrupt
// Restores a TrapFrame at RSP and returns to it (also the IRET path of the
// syscall exit and of a new user thread).
    .globl interrupt_exit
interrupt_exit:
    pop_trap_registers
    addq $16, %rsp                      // vector and error code
    testb $3, 8(%rsp)                   // returning to user mode?
    jz 2f
    swapgs
2:  iretq

    .altmacro
    .set i, 0
    .rept 256
    stub %i
    .set i, i + 1
    .endr

// The table the IDT is built from: the address of every stub, by vector.
    .section .rodata
    .p2align 3
    .globl interrupt_stub_table
interrupt_stub_table:
    .macro stub_address vector
    .quad interrupt_stub_\vector
    .endm
    .set i, 0
    .rept 256
    stub_address %i
    .set i, i + 1
    .endr

    .section .note.GNU-stack, "", @progbits
