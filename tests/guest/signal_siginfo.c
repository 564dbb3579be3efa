/* The handler's siginfo: SI_USER from kill (si_pid, si_uid), SI_TKILL from
 * tgkill/tkill/raise, SI_QUEUE with si_value from sigqueue, and the pid of
 * another sending process. */
#include "t.h"

static siginfo_t got;
static volatile int count;

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    CHECK_EQ(si->si_signo, sig);
    got = *si;
    count++;
}

int main(void)
{
    t_sigaction(SIGUSR1, handler, 0);
    t_sigaction(SIGRTMIN + 1, handler, 0);

    CHECK_SYS(kill(getpid(), SIGUSR1));
    CHECK_EQ(count, 1); /* delivered before kill returns to us */
    CHECK_EQ(got.si_code, SI_USER);
    CHECK_EQ(got.si_pid, getpid());
    CHECK_EQ(got.si_uid, getuid());

    CHECK_SYS(sys_tgkill(getpid(), (pid_t)sys_gettid(), SIGUSR1));
    CHECK_EQ(count, 2);
    CHECK_EQ(got.si_code, SI_TKILL);
    CHECK_EQ(got.si_pid, getpid());
    CHECK_EQ(got.si_uid, getuid());

    CHECK_SYS(sys_tkill((pid_t)sys_gettid(), SIGUSR1));
    CHECK_EQ(count, 3);
    CHECK_EQ(got.si_code, SI_TKILL);

    CHECK_SYS(raise(SIGUSR1));
    CHECK_EQ(count, 4);
    CHECK_EQ(got.si_code, SI_TKILL); /* musl's raise is tkill */

    union sigval v = {.sival_int = 0x5eed};
    CHECK_SYS(sigqueue(getpid(), SIGRTMIN + 1, v));
    CHECK_EQ(count, 5);
    CHECK_EQ(got.si_signo, SIGRTMIN + 1);
    CHECK_EQ(got.si_code, SI_QUEUE);
    CHECK_EQ(got.si_pid, getpid());
    CHECK_EQ(got.si_uid, getuid());
    CHECK_EQ(got.si_value.sival_int, 0x5eed);

    /* From another process. */
    t_block(SIGUSR1);
    pid_t pid = t_fork();
    if (pid == 0) {
        CHECK_SYS(kill(getppid(), SIGUSR1));
        _exit(0);
    }
    T_WAIT_OK(pid);
    t_unblock(SIGUSR1);
    CHECK_EQ(count, 6);
    CHECK_EQ(got.si_code, SI_USER);
    CHECK_EQ(got.si_pid, pid);

    /* rt_sigqueueinfo with a forged positive si_code toward another process
     * is EPERM; to ourselves any negative code is accepted. */
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_code = SI_QUEUE;
    si.si_pid = 12345;
    si.si_value.sival_int = 7;
    CHECK_SYS(sys_rt_sigqueueinfo(getpid(), SIGRTMIN + 1, &si));
    CHECK_EQ(count, 7);
    CHECK_EQ(got.si_pid, 12345); /* the kernel keeps what we sent to ourselves */
    CHECK_EQ(got.si_value.sival_int, 7);
    return 0;
}
