/* Hardware faults as signals: the siginfo and frame of a null dereference
 * (SEGV_MAPERR, si_addr = the address, trap 14), a write to a read-only page
 * (SEGV_ACCERR), int3 (SIGTRAP, SI_KERNEL, RIP after the int3, trap 3), an
 * integer division by zero (FPE_INTDIV, si_addr = RIP of the div, trap 0),
 * a non-canonical access (#GP: SIGSEGV, SI_KERNEL, si_addr 0, trap 13).
 * A fault whose signal is blocked or ignored still kills the process. */
#include "t.h"
#include <setjmp.h>

static sigjmp_buf jb;
static siginfo_t got;
static long long got_rip, got_trapno;

static void handler(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    ucontext_t *uc = ucv;
    got = *si;
    got_rip = uc->uc_mcontext.gregs[REG_RIP];
    got_trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
    siglongjmp(jb, 1);
}

extern char after_int3[];

/* An idiv by zero the compiler cannot fold away (gcc turns 1/x into
 * compares). */
static void div_by_zero(void)
{
    __asm__ volatile("xor %%ecx, %%ecx\n mov $1, %%eax\n cltd\n idivl %%ecx" ::
                         : "eax", "ecx", "edx", "cc");
}

int main(void)
{
    t_sigaction(SIGSEGV, handler, 0);
    t_sigaction(SIGTRAP, handler, 0);
    t_sigaction(SIGFPE, handler, 0);

    if (sigsetjmp(jb, 1) == 0) {
        t_null_deref();
        FAIL("no fault");
    }
    CHECK_EQ(got.si_signo, SIGSEGV);
    CHECK_EQ(got.si_code, SEGV_MAPERR);
    CHECK(got.si_addr == (void *)8);
    CHECK_EQ(got_trapno, 14);

    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(ro != MAP_FAILED);
    if (sigsetjmp(jb, 1) == 0) {
        *(volatile char *)(ro + 5) = 1;
        FAIL("no fault");
    }
    CHECK_EQ(got.si_signo, SIGSEGV);
    CHECK_EQ(got.si_code, SEGV_ACCERR);
    CHECK(got.si_addr == ro + 5);
    CHECK_EQ(got_trapno, 14);

    if (sigsetjmp(jb, 1) == 0) {
        __asm__ volatile("int3\n.globl after_int3\nafter_int3:");
        FAIL("no trap");
    }
    CHECK_EQ(got.si_signo, SIGTRAP);
    CHECK_EQ(got.si_code, SI_KERNEL);
    CHECK_EQ(got_rip, (long long)(uintptr_t)after_int3);
    CHECK_EQ(got_trapno, 3);

    if (sigsetjmp(jb, 1) == 0) {
        div_by_zero();
        FAIL("no fault");
    }
    CHECK_EQ(got.si_signo, SIGFPE);
    CHECK_EQ(got.si_code, FPE_INTDIV);
    CHECK_EQ((long long)(uintptr_t)got.si_addr, got_rip);
    CHECK_EQ(got_trapno, 0);

    if (sigsetjmp(jb, 1) == 0) {
        __asm__ volatile("movabs $0x0000800000000000, %%rax\n mov (%%rax), %%rax" ::: "rax");
        FAIL("no fault");
    }
    CHECK_EQ(got.si_signo, SIGSEGV);
    CHECK_EQ(got.si_code, SI_KERNEL);
    CHECK(got.si_addr == NULL);
    CHECK_EQ(got_trapno, 13);

    /* The handler's mask was restored by siglongjmp; faults again work. */
    for (int mode = 0; mode < 3; mode++) {
        pid_t pid = t_fork();
        if (pid == 0) {
            t_no_core();
            if (mode == 0)
                t_block(SIGSEGV); /* handler installed but blocked */
            else if (mode == 1)
                signal(SIGSEGV, SIG_IGN);
            else {
                t_block(SIGFPE);
                div_by_zero();
            }
            t_null_deref();
            _exit(0);
        }
        CHECK_EQ(t_wait(pid), mode == 2 ? SIGFPE : SIGSEGV);
    }
    return 0;
}
