// The SYSCALL entry (LSTAR). The CPU left RIP in RCX and RFLAGS in R11,
// masked RFLAGS with FMASK (IF, TF, DF, AC, NT off) and did not touch RSP:
// we swap GS to the per-CPU area (context.h: PerCpu), move to the thread's
// kernel stack, and save the user registers as a TrapFrame/SyscallFrame at
// its top, the same layout an interrupt from user mode produces:
//   ss rsp rflags cs rip | orig_rax (error_code slot) | 0x100 (vector) | rax .. r15
// Return: SYSRET when sched_prepare_return_to_user says the frame allows it
// (RCX == RIP, R11 == RFLAGS, RIP below the canonical hole, standard
// selectors, no TF/RF), otherwise IRET through interrupt_exit, which can
// restore any frame (the classic SYSRET #GP-in-ring-0 hole stays closed).

#include "trap_frame.inc"

    .set percpu_kernel_rsp, 8
    .set percpu_user_rsp, 16
    .set user_data_selector, 0x23
    .set user_code_selector, 0x2b

    .text
    .p2align 4
    .globl syscall_entry
syscall_entry:
    swapgs
    movq %rsp, %gs:percpu_user_rsp
    movq %gs:percpu_kernel_rsp, %rsp
    pushq $user_data_selector
    pushq %gs:percpu_user_rsp
    pushq %r11
    pushq $user_code_selector
    pushq %rcx
    pushq %rax                  // orig_rax
    pushq $0x100                // SyscallFrame::syscall_frame_vector
    push_trap_registers
    cld
    movq %rsp, %rdi
    sti
    call handle_syscall
    cli
    movq %rsp, %rdi
    call sched_prepare_return_to_user
    testb %al, %al
    jz interrupt_exit
    pop_trap_registers          // r11 == the RFLAGS slot, rcx == the RIP slot (both checked)
    addq $16, %rsp              // vector, orig_rax
    // rip cs rflags rsp ss: interrupts are off, so nothing runs on the user
    // stack in kernel mode (NMI and #MC use IST stacks).
    movq 24(%rsp), %rsp
    swapgs
    sysretq

    .section .note.GNU-stack, "", @progbits
