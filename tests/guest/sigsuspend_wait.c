/* sigsuspend atomically swaps the mask and sleeps until a handled signal:
 * returns EINTR after the handler ran, with the old mask back. A signal
 * pending before the call is delivered at once. sigwaitinfo/sigtimedwait
 * take a blocked signal without a handler; sigtimedwait times out with
 * EAGAIN; invalid timeouts are EINVAL. */
#include "t.h"

static volatile int ran;

static void handler(int sig)
{
    (void)sig;
    ran++;
}

int main(void)
{
    t_signal(SIGUSR1, handler);
    t_block(SIGUSR1);
    int ready[2];
    t_pipe(ready);
    pid_t pid = t_fork();
    if (pid == 0) {
        t_recv(ready[0]);
        CHECK_SYS(kill(getppid(), SIGUSR1));
        _exit(0);
    }
    t_send(ready[1], 'g');
    sigset_t none;
    sigemptyset(&none);
    CHECK_ERR(sigsuspend(&none), EINTR);
    CHECK_EQ(ran, 1);
    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    CHECK(sigismember(&cur, SIGUSR1));
    T_WAIT_OK(pid);

    /* Already pending. */
    raise(SIGUSR1);
    CHECK_EQ(ran, 1);
    CHECK_ERR(sigsuspend(&none), EINTR);
    CHECK_EQ(ran, 2);

    /* sigtimedwait */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    t_block(SIGUSR2);
    struct timespec ts = {0, 20000000};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    siginfo_t si;
    CHECK_ERR(sigtimedwait(&set, &si, &ts), EAGAIN);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    CHECK(ms >= 19);
    struct timespec zero = {0, 0};
    CHECK_ERR(sigtimedwait(&set, &si, &zero), EAGAIN);
    struct timespec bad = {0, 1000000000};
    CHECK_ERR(sigtimedwait(&set, &si, &bad), EINVAL);
    struct timespec neg = {-1, 0};
    CHECK_ERR(sigtimedwait(&set, &si, &neg), EINVAL);
    CHECK_ERR(syscall(SYS_rt_sigtimedwait, &set, &si, &zero, 4), EINVAL);

    pid = t_fork();
    if (pid == 0) {
        CHECK_SYS(kill(getppid(), SIGUSR2));
        _exit(0);
    }
    memset(&si, 0, sizeof si);
    CHECK_EQ(sigwaitinfo(&set, &si), SIGUSR2);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_code, SI_USER);
    T_WAIT_OK(pid);
    /* Taken, not pending any more. */
    sigset_t p;
    sigpending(&p);
    CHECK(!sigismember(&p, SIGUSR2));
    /* A handled signal not in the set interrupts sigtimedwait with EINTR. */
    raise(SIGUSR1); /* pending but blocked: does not interrupt */
    CHECK_ERR(sigtimedwait(&set, &si, &zero), EAGAIN);
    CHECK_EQ(ran, 2);
    t_unblock(SIGUSR1);
    CHECK_EQ(ran, 3);
    return 0;
}
