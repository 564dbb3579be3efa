/* A handler address user mode cannot run (non-canonical, kernel half) or a
 * signal stack the frame cannot be written to ends the process with SIGSEGV,
 * as on Linux (the IRET to a non-canonical RIP faults and becomes the
 * thread's SIGSEGV; a frame that cannot be written is force_sigsegv). Also
 * when SIGSEGV's own handler is the bad one and has SA_NODEFER: the kernel
 * must fall back to the default action, not retry forever. Found by the
 * syscall fuzzer (tests/fuzz): the kernel used to end only the thread, so
 * the process never exited and its parent waited forever. */
#include "t.h"

struct ksigaction {
    unsigned long handler, flags, restorer, mask;
};
#define K_SA_RESTORER 0x04000000ul

void t_bad_handler_restorer(void);
__asm__(".text\nt_bad_handler_restorer: mov $15, %eax\nsyscall\nud2\n");

static void good_handler(int sig)
{
    (void)sig;
}

/* Installs `handler` for `sig` (raw rt_sigaction: musl would refuse or wrap
 * it), raises the signal and returns the child's wait status. */
static int run(int sig, unsigned long handler, unsigned long flags, unsigned long altstack)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        t_no_core();
        if (altstack) {
            stack_t ss = {.ss_sp = (void *)altstack, .ss_size = 65536, .ss_flags = 0};
            CHECK_SYS(syscall(SYS_sigaltstack, &ss, NULL));
        }
        struct ksigaction sa = {handler, flags | K_SA_RESTORER, (unsigned long)t_bad_handler_restorer, 0};
        CHECK_SYS(syscall(SYS_rt_sigaction, sig, &sa, NULL, T_KSIGSET_SIZE));
        syscall(SYS_kill, getpid(), sig);
        _exit(0);
    }
    return t_wait(pid);
}

int main(void)
{
    CHECK_SIGNALED(run(SIGUSR1, 0x8000000000000000ul, 0, 0), SIGSEGV);
    CHECK_SIGNALED(run(SIGUSR1, 0xffff800000000000ul, 0, 0), SIGSEGV);
    CHECK_SIGNALED(run(SIGSEGV, 0x0000800000000000ul, SA_NODEFER, 0), SIGSEGV);
    /* The frame cannot be written to the alternate stack. */
    CHECK_SIGNALED(run(SIGUSR1, (unsigned long)good_handler, SA_ONSTACK, 0xffff800000000000ul), SIGSEGV);
    CHECK_SIGNALED(run(SIGUSR1, (unsigned long)good_handler, SA_ONSTACK, 0x0000800000000000ul - 0x1000), SIGSEGV);
    CHECK_SIGNALED(run(SIGSEGV, (unsigned long)good_handler, SA_ONSTACK | SA_NODEFER, 1), SIGSEGV);
    /* A good handler still works. */
    CHECK_EXITED(run(SIGUSR1, (unsigned long)good_handler, 0, 0), 0);
    return 0;
}
