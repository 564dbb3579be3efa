// The raw user-memory accessors under kernel/syscall/user_ptr.cpp. Every
// instruction that touches user memory has an .extable entry, so a fault
// there resumes at the routine's fix-up (after the memory manager had its
// chance: see handle_interrupt). With SMAP on, user pages are reachable only
// between stac and clac; charon_smap_enabled says whether those exist.

.macro smap_allow
    cmpb $0, charon_smap_enabled(%rip)
    je 99f
    stac
99:
.endm
.macro smap_forbid
    cmpb $0, charon_smap_enabled(%rip)
    je 98f
    clac
98:
.endm

    .text
// size_t charon_user_copy(void* dst, const void* src, size_t bytes)
// Returns the bytes NOT copied (0: success). rep movsb is precise: after a
// fault RCX counts what is left.
    .globl charon_user_copy
charon_user_copy:
    movq %rdx, %rcx
    smap_allow
1:  rep movsb
2:  smap_forbid
    movq %rcx, %rax
    ret
    .section .extable, "a"
    .p2align 3
    .quad 1b, 2b
    .text

// size_t charon_user_clear(void* dst, size_t bytes): bytes NOT cleared.
    .globl charon_user_clear
charon_user_clear:
    movq %rsi, %rcx
    xorl %eax, %eax
    smap_allow
1:  rep stosb
2:  smap_forbid
    movq %rcx, %rax
    ret
    .section .extable, "a"
    .p2align 3
    .quad 1b, 2b
    .text

// int64_t charon_user_string_copy(char* dst, const char* src, size_t limit)
// Copies bytes up to and including the first NUL among the first `limit`.
// Returns the length without the NUL, `limit` if there was no NUL, -1 on a
// fault.
    .globl charon_user_string_copy
charon_user_string_copy:
    xorl %eax, %eax
    smap_allow
3:  cmpq %rdx, %rax
    jae 4f
1:  movb (%rsi,%rax), %cl
    movb %cl, (%rdi,%rax)
    testb %cl, %cl
    jz 4f
    incq %rax
    jmp 3b
4:  smap_forbid
    ret
2:  smap_forbid
    movq $-1, %rax
    ret
    .section .extable, "a"
    .p2align 3
    .quad 1b, 2b
    .text

    .section .note.GNU-stack, "", @progbits
