/* clone/clone3 arguments Linux rejects, and the system survives them:
 * - flag combinations copy_process refuses (CLONE_SIGHAND without CLONE_VM,
 *   CLONE_THREAD without CLONE_SIGHAND) are EINVAL, over and over, with a
 *   working fork afterwards. The syscall fuzzer (tests/fuzz) found Charon
 *   starting the rejected child on the address space it had just freed
 *   (a triple fault).
 * - CLONE_SETTLS with a base at or above TASK_SIZE_MAX (0x7ffffffff000:
 *   kernel half, non-canonical) is EPERM, as arch_prctl(ARCH_SET_FS). */
#include "t.h"

#ifndef CLONE_SETTLS
#define CLONE_SETTLS 0x00080000
#endif

/* clone that, in a child, exits at once without touching memory (its TLS
 * may be garbage, its stack shared). Returns the raw result. */
long t_clone_exit(long flags, long tls);
__asm__(".text\n"
        "t_clone_exit:\n"
        "    mov %rsi, %r8\n"
        "    xor %esi, %esi\n"
        "    xor %edx, %edx\n"
        "    xor %r10d, %r10d\n"
        "    mov $56, %eax\n"
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jnz 1f\n"
        "    mov $60, %eax\n"
        "    mov $7, %edi\n"
        "    syscall\n"
        "1:  ret\n");

struct clone_args3 {
    unsigned long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

long t_clone3_exit(struct clone_args3 *args, long size);
__asm__(".text\n"
        "t_clone3_exit:\n"
        "    mov $435, %eax\n"
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jnz 1f\n"
        "    mov $60, %eax\n"
        "    mov $7, %edi\n"
        "    syscall\n"
        "1:  ret\n");

int main(void)
{
    for (int i = 0; i < 50; i++) {
        CHECK_EQ(t_clone_exit(CLONE_SIGHAND | SIGCHLD, 0), -EINVAL);
        CHECK_EQ(t_clone_exit(CLONE_THREAD | SIGCHLD, 0), -EINVAL);
        CHECK_EQ(t_clone_exit(CLONE_THREAD | CLONE_SIGHAND | SIGCHLD, 0), -EINVAL);
    }
    static const unsigned long bad_tls[] = {0xffff800000000000ul, 0x0000800000000000ul, 0x8000000000000000ul,
                                            0x00007ffffffff000ul};
    for (size_t i = 0; i < sizeof bad_tls / sizeof bad_tls[0]; i++) {
        CHECK_EQ(t_clone_exit(CLONE_SETTLS | SIGCHLD, (long)bad_tls[i]), -EPERM);
        struct clone_args3 args = {.flags = CLONE_SETTLS, .exit_signal = SIGCHLD, .tls = bad_tls[i]};
        CHECK_EQ(t_clone3_exit(&args, sizeof args), -EPERM);
    }
    /* The highest valid base works (the child never uses it). */
    long pid = t_clone_exit(CLONE_SETTLS | SIGCHLD, 0x00007fffffffe000l);
    CHECK(pid > 0);
    CHECK_EXITED(t_wait((pid_t)pid), 7);
    pid_t child = t_fork();
    if (child == 0)
        _exit(3);
    CHECK_EXITED(t_wait(child), 3);
    return 0;
}
