/* RLIMIT_SIGPENDING bounds queued signals per user: sigqueue fails with
 * EAGAIN past it; kill never fails and the signal is still delivered (the
 * host, 6.18, then keeps only the pending bit: two kills past the limit give
 * one delivery with an SI_USER siginfo; older kernels queued both, so only
 * "at least one" is asserted). Runs in a child with its own uid so no other
 * process's pending signals count. */
#include "t.h"

int main(void)
{
    T_REQUIRE_ROOT();
    uid_t uid = t_private_uid(0);
    pid_t pid = t_fork();
    if (pid == 0) {
        struct rlimit rl = {4, 4};
        CHECK_SYS(setrlimit(RLIMIT_SIGPENDING, &rl));
        CHECK_SYS(setresuid(uid, uid, uid));
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGRTMIN);
        sigaddset(&set, SIGRTMIN + 1);
        sigprocmask(SIG_BLOCK, &set, NULL);
        union sigval v = {.sival_int = 0};
        int queued = 0;
        for (int i = 0; i < 10; i++) {
            v.sival_int = i;
            if (sigqueue(getpid(), SIGRTMIN, v) == 0)
                queued++;
            else {
                CHECK_EQ(errno, EAGAIN);
                break;
            }
        }
        CHECK_EQ(queued, 4);
        CHECK_SYS(kill(getpid(), SIGRTMIN + 1)); /* kill is not limited */
        CHECK_SYS(kill(getpid(), SIGRTMIN + 1));
        struct timespec zero = {0, 0};
        siginfo_t si;
        int got = 0, got_kill = 0;
        int s;
        while ((s = sigtimedwait(&set, &si, &zero)) > 0) {
            if (s == SIGRTMIN) {
                CHECK_EQ(si.si_value.sival_int, got);
                got++;
            } else {
                CHECK_EQ(si.si_code, SI_USER);
                got_kill++;
            }
        }
        CHECK_EQ(got, 4);
        CHECK(got_kill >= 1 && got_kill <= 2);
        _exit(0);
    }
    T_WAIT_OK(pid);
    return 0;
}
