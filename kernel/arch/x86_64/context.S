// The context switch and the first instructions of a new thread.
//
// A switched-out thread's kernel stack holds, from its saved RSP upwards:
// r15 r14 r13 r12 rbx rbp rflags return-address. RFLAGS is part of the
// context so that IF (and AC, which the user-copy routines set) belong to
// the thread rather than leaking into the next one.

    .text
    .globl charon_context_switch
// void charon_context_switch(uint64_t* save_rsp, uint64_t new_rsp)
charon_context_switch:
    pushfq
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    popfq
    ret

// First switch-in of a kernel thread: r12 = entry, r13 = its argument.
// The stack is 16-byte aligned here (see prepare_kernel_thread).
    .globl charon_kernel_thread_start
charon_kernel_thread_start:
    call sched_after_first_switch
    sti
    movq %r13, %rdi
    call *%r12
    call sched_kernel_thread_returned
    ud2

// First switch-in of a user thread: r12 = its user frame (a TrapFrame at the
// top of the kernel stack). Leaves through the common return-to-user path.
    .globl charon_user_thread_start
charon_user_thread_start:
    call sched_after_first_switch
    movq %r12, %rsp
    movq %rsp, %rdi
    call sched_prepare_return_to_user
    jmp interrupt_exit

    .section .note.GNU-stack, "", @progbits
