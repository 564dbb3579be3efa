/* Signal system calls with bad user pointers: EFAULT, nothing changed. */
#include "t.h"

static void *const bad[] = {BAD_PTR_LOW, BAD_PTR_KERNEL, BAD_PTR_NONCANON};

int main(void)
{
    struct t_ksigaction ign = {(void *)SIG_IGN, 0, NULL, 0}, old;
    unsigned long set = 1ul << (SIGUSR1 - 1), cur;
    struct timespec zero = {0, 0};
    siginfo_t si;
    for (int i = 0; i < 3; i++) {
        void *b = bad[i];
        CHECK_ERR(sys_rt_sigaction(SIGUSR1, b, NULL, 8), EFAULT);
        CHECK_ERR(sys_rt_sigaction(SIGUSR1, NULL, b, 8), EFAULT);
        CHECK_ERR(sys_rt_sigaction(SIGUSR1, &ign, b, 8), EFAULT);
        /* Linux installs the new action, then fails to copy out the old. */
        CHECK_SYS(sys_rt_sigaction(SIGUSR1, NULL, &old, 8));
        CHECK(old.handler == (void *)SIG_IGN);
        struct t_ksigaction dfl = {(void *)SIG_DFL, 0, NULL, 0};
        CHECK_SYS(sys_rt_sigaction(SIGUSR1, &dfl, NULL, 8));
        CHECK_ERR(sys_rt_sigprocmask(SIG_BLOCK, b, NULL, 8), EFAULT);
        CHECK_ERR(sys_rt_sigprocmask(SIG_BLOCK, NULL, b, 8), EFAULT);
        CHECK_SYS(sys_rt_sigprocmask(SIG_BLOCK, NULL, &cur, 8));
        CHECK_EQ(cur & set, 0);
        CHECK_ERR(syscall(SYS_rt_sigpending, b, 8), EFAULT);
        CHECK_ERR(sys_rt_sigqueueinfo(getpid(), SIGUSR1, b), EFAULT);
        CHECK_ERR(syscall(SYS_rt_tgsigqueueinfo, getpid(), sys_gettid(), SIGUSR1, b), EFAULT);
        CHECK_ERR(syscall(SYS_rt_sigtimedwait, b, &si, &zero, 8), EFAULT);
        CHECK_ERR(syscall(SYS_rt_sigtimedwait, &set, &si, b, 8), EFAULT);
        CHECK_ERR(syscall(SYS_rt_sigsuspend, b, 8), EFAULT);
        CHECK_ERR(syscall(SYS_sigaltstack, b, NULL), EFAULT);
        CHECK_ERR(syscall(SYS_sigaltstack, NULL, b), EFAULT);
    }
    /* A bad siginfo pointer for a taken signal: the signal is consumed but
     * the copy-out fails. */
    CHECK_SYS(sys_rt_sigprocmask(SIG_BLOCK, &set, NULL, 8));
    CHECK_SYS(raise(SIGUSR1));
    CHECK_ERR(syscall(SYS_rt_sigtimedwait, &set, BAD_PTR_LOW, &zero, 8), EFAULT);
    unsigned long pend = 0;
    CHECK_SYS(syscall(SYS_rt_sigpending, &pend, 8));
    CHECK_EQ(pend & set, 0);
    return 0;
}
