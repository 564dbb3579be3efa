/* A handler that forges its sigreturn frame cannot gain privilege. As the
 * host does it: kernel code or stack selectors in the frame, or a return
 * address in the kernel half or non-canonical, end the process with SIGSEGV
 * (Linux forces RPL 3 on the selectors and the return to user mode faults);
 * privileged RFLAGS bits (IOPL, NT, VIF, VIP) are dropped and IF stays set,
 * so the process continues unprivileged ("cli" then faults). */
#include "t.h"

static int mode;

static void forge(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ucv;
    unsigned long long *csgsfs = (unsigned long long *)&uc->uc_mcontext.gregs[REG_CSGSFS];
    switch (mode) {
    case 0: *csgsfs = (*csgsfs & ~0xffffull) | 0x10; break; /* kernel code selector */
    case 1: *csgsfs = (*csgsfs & ~0xffffull) | 0x08; break;
    case 2: *csgsfs = (*csgsfs & ~(0xffffull << 48)) | (0x18ull << 48); break; /* kernel SS */
    case 3: uc->uc_mcontext.gregs[REG_RIP] = (long long)0xffffffff81000000ull; break;
    case 4: uc->uc_mcontext.gregs[REG_RIP] = 0x0000800000000000ll; break;
    case 5: uc->uc_mcontext.gregs[REG_RIP] = (long long)0xffff800000000000ull; break;
    case 6: /* IOPL 3, NT, VIF, VIP, IF clear */
        uc->uc_mcontext.gregs[REG_EFL] |= 0x3000 | 0x4000 | 0x80000 | 0x100000;
        uc->uc_mcontext.gregs[REG_EFL] &= ~0x200ll;
        break;
    }
}

static int run(int m, int try_cli)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        t_no_core();
        mode = m;
        t_sigaction(SIGUSR1, forge, 0);
        raise(SIGUSR1);
        unsigned long flags;
        unsigned short cs;
        __asm__ volatile("pushfq\n popq %0" : "=r"(flags));
        __asm__ volatile("mov %%cs, %0" : "=r"(cs));
        if ((cs & 3) != 3)
            _exit(10);
        if (flags & 0x3000)
            _exit(11); /* IOPL granted */
        if (flags & (0x4000 | 0x80000 | 0x100000))
            _exit(12);
        if (!(flags & 0x200))
            _exit(13); /* interrupts disabled in user mode */
        if (try_cli)
            __asm__ volatile("cli"); /* must fault */
        _exit(0);
    }
    return t_wait(pid);
}

int main(void)
{
    for (int m = 0; m <= 5; m++) {
        int st = run(m, 0);
        if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV)
            FAIL("forged frame mode %d: status 0x%x, want death by SIGSEGV", m, st);
    }
    CHECK_EQ(run(6, 0), 0);
    CHECK_EQ(run(6, 1), SIGSEGV);
    return 0;
}
