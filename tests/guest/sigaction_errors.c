/* rt_sigaction / rt_sigprocmask validation, through raw syscalls (musl
 * filters some numbers itself): SIGKILL and SIGSTOP cannot be caught or
 * ignored (but can be queried), numbers outside 1..64 and bad sigset sizes
 * are EINVAL; SIGKILL/SIGSTOP silently stay unblockable. */
#include "t.h"

static void handler(int sig)
{
    (void)sig;
}

extern void __restore_rt(void);

int main(void)
{
    struct t_ksigaction act = {(void *)handler, 0, NULL, 0}, old;
    struct t_ksigaction ign = {(void *)SIG_IGN, 0, NULL, 0};
    struct t_ksigaction dfl = {(void *)SIG_DFL, 0, NULL, 0};
    CHECK_ERR(sys_rt_sigaction(SIGKILL, &act, NULL, 8), EINVAL);
    CHECK_ERR(sys_rt_sigaction(SIGSTOP, &act, NULL, 8), EINVAL);
    CHECK_ERR(sys_rt_sigaction(SIGKILL, &ign, NULL, 8), EINVAL);
    CHECK_ERR(sys_rt_sigaction(SIGSTOP, &dfl, NULL, 8), EINVAL);
    memset(&old, 0x5a, sizeof old);
    CHECK_SYS(sys_rt_sigaction(SIGKILL, NULL, &old, 8));
    CHECK(old.handler == (void *)SIG_DFL);
    CHECK_ERR(sys_rt_sigaction(0, &ign, NULL, 8), EINVAL);
    CHECK_ERR(sys_rt_sigaction(0, NULL, &old, 8), EINVAL);
    CHECK_ERR(sys_rt_sigaction(65, &ign, NULL, 8), EINVAL);
    CHECK_ERR(sys_rt_sigaction(-1, &ign, NULL, 8), EINVAL);
    CHECK_ERR(sys_rt_sigaction(SIGUSR1, &ign, NULL, 4), EINVAL);
    CHECK_ERR(sys_rt_sigaction(SIGUSR1, &ign, NULL, 16), EINVAL);
    CHECK_ERR(sys_rt_sigaction(SIGUSR1, NULL, NULL, 0), EINVAL);
    /* 32..64 are all valid for the kernel (musl reserves 32..34 itself). */
    CHECK_SYS(sys_rt_sigaction(32, &ign, NULL, 8));
    CHECK_SYS(sys_rt_sigaction(64, &ign, &old, 8));
    CHECK(old.handler == (void *)SIG_DFL);
    CHECK_SYS(sys_rt_sigaction(64, NULL, &old, 8));
    CHECK(old.handler == (void *)SIG_IGN);
    CHECK_SYS(sys_rt_sigaction(64, &dfl, NULL, 8));
    CHECK_SYS(sys_rt_sigaction(32, &dfl, NULL, 8));
    /* Both NULL: a valid no-op. */
    CHECK_SYS(sys_rt_sigaction(SIGUSR1, NULL, NULL, 8));
    /* The old action round-trips flags and mask. */
    struct t_ksigaction full = {(void *)handler, SA_RESTORER | SA_RESTART | SA_SIGINFO,
                                (void *)__restore_rt, 1ul << (SIGUSR2 - 1)};
    CHECK_SYS(sys_rt_sigaction(SIGUSR1, &full, NULL, 8));
    CHECK_SYS(sys_rt_sigaction(SIGUSR1, &dfl, &old, 8));
    CHECK(old.handler == (void *)handler);
    CHECK_EQ(old.flags & (SA_RESTART | SA_SIGINFO | SA_RESTORER),
             SA_RESTART | SA_SIGINFO | SA_RESTORER);
    CHECK_EQ(old.mask, 1ul << (SIGUSR2 - 1));

    /* rt_sigprocmask. */
    unsigned long set = ~0ul, cur = 0;
    CHECK_ERR(sys_rt_sigprocmask(SIG_BLOCK, &set, NULL, 4), EINVAL);
    CHECK_ERR(sys_rt_sigprocmask(SIG_BLOCK, &set, NULL, 16), EINVAL);
    CHECK_ERR(sys_rt_sigprocmask(3, &set, NULL, 8), EINVAL);
    CHECK_ERR(sys_rt_sigprocmask(-1, &set, NULL, 8), EINVAL);
    /* how is ignored when set is NULL. */
    CHECK_SYS(sys_rt_sigprocmask(99, NULL, &cur, 8));
    unsigned long saved = cur;
    CHECK_SYS(sys_rt_sigprocmask(SIG_SETMASK, &set, &cur, 8));
    CHECK_EQ(cur, saved);
    CHECK_SYS(sys_rt_sigprocmask(SIG_SETMASK, NULL, &cur, 8));
    CHECK_EQ(cur, ~0ul & ~((1ul << (SIGKILL - 1)) | (1ul << (SIGSTOP - 1))));
    unsigned long some = (1ul << (SIGUSR1 - 1)) | (1ul << (SIGTERM - 1));
    CHECK_SYS(sys_rt_sigprocmask(SIG_UNBLOCK, &some, NULL, 8));
    CHECK_SYS(sys_rt_sigprocmask(SIG_SETMASK, NULL, &cur, 8));
    CHECK_EQ(cur & some, 0);
    CHECK(cur & (1ul << (SIGUSR2 - 1)));
    unsigned long zero = 0;
    CHECK_SYS(sys_rt_sigprocmask(SIG_SETMASK, &zero, NULL, 8));
    CHECK_SYS(sys_rt_sigprocmask(SIG_BLOCK, &some, NULL, 8));
    CHECK_SYS(sys_rt_sigprocmask(SIG_SETMASK, NULL, &cur, 8));
    CHECK_EQ(cur, some);
    CHECK_SYS(sys_rt_sigprocmask(SIG_SETMASK, &zero, NULL, 8));
    return 0;
}
