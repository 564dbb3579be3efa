/* A timer's signal is queued once: while it is pending, further expiries
 * only count, and the delivered siginfo carries them in si_overrun (also
 * what timer_getoverrun says afterwards; 0 before any delivery). Even a
 * real-time signal is not queued twice. A signal still pending when its
 * timer is disarmed, re-armed or deleted is dropped at delivery (Linux 6.x:
 * sigpending still shows it until then); re-arming revives it for the new
 * expiry. */
#include "t.h"

#include <sys/syscall.h>

static long ns_between(struct timespec a, struct timespec b)
{
    return (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
}

static volatile int g_handled;
static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    (void)uc;
    g_handled++;
}

static int pending(int sig)
{
    sigset_t p;
    sigpending(&p);
    return sigismember(&p, sig);
}

int main(void)
{
    int sig = SIGRTMIN + 3;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_BLOCK, &set, NULL);
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = sig;
    sev.sigev_value.sival_int = 77;
    int id;
    CHECK_SYS(syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id));
    struct timespec zero = {0, 0};
    siginfo_t si;
    for (int round = 0; round < 2; round++) {
        /* 20 ms period, blocked for about 110 ms. */
        struct timespec start, end;
        struct itimerspec its = {{0, 20000000}, {0, 20000000}};
        clock_gettime(CLOCK_MONOTONIC, &start);
        CHECK_SYS(syscall(SYS_timer_settime, id, 0, &its, NULL));
        t_msleep(110);
        CHECK_EQ(syscall(SYS_timer_getoverrun, id), 0); /* nothing delivered yet */
        memset(&si, 0, sizeof si);
        CHECK_EQ(sigtimedwait(&set, &si, &zero), sig);
        clock_gettime(CLOCK_MONOTONIC, &end);
        /* Expiries at 20, 40, ... ms up to now: the first is the signal,
         * the rest overruns (a loaded machine only adds some). */
        long expiries = ns_between(start, end) / 20000000L;
        CHECK_EQ(si.si_code, SI_TIMER);
        CHECK_EQ(si.si_timerid, id);
        CHECK_EQ(si.si_value.sival_int, 77);
        CHECK(si.si_overrun >= 4);
        CHECK(si.si_overrun <= expiries - 1);
        CHECK_EQ(syscall(SYS_timer_getoverrun, id), si.si_overrun);
        /* Only one instance was queued, real-time signal or not. */
        CHECK_ERR(sigtimedwait(&set, &si, &zero), EAGAIN);
        struct itimerspec off = {{0, 0}, {0, 0}};
        CHECK_SYS(syscall(SYS_timer_settime, id, 0, &off, NULL));
        /* settime starts the overrun accounting over. */
        CHECK_EQ(syscall(SYS_timer_getoverrun, id), 0);
        sigtimedwait(&set, &si, &zero); /* one that raced the disarm */
    }
    CHECK_SYS(syscall(SYS_timer_delete, id));

    /* Dropped signals, through a handler. */
    t_sigaction(SIGUSR1, on_usr1, 0);
    t_block(SIGUSR1);
    sev.sigev_signo = SIGUSR1;
    CHECK_SYS(syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id));
    struct itimerspec once = {{0, 0}, {0, 5000000}};
    struct itimerspec off = {{0, 0}, {0, 0}};
    /* Disarmed while pending. */
    CHECK_SYS(syscall(SYS_timer_settime, id, 0, &once, NULL));
    for (int i = 0; i < 2000 && !pending(SIGUSR1); i++)
        t_msleep(1);
    CHECK(pending(SIGUSR1));
    CHECK_SYS(syscall(SYS_timer_settime, id, 0, &off, NULL));
    CHECK(pending(SIGUSR1));
    t_unblock(SIGUSR1);
    CHECK_EQ(g_handled, 0);
    CHECK(!pending(SIGUSR1));
    /* Re-armed while pending: the queued signal stands for the new expiry,
     * delivered once. */
    t_block(SIGUSR1);
    CHECK_SYS(syscall(SYS_timer_settime, id, 0, &once, NULL));
    for (int i = 0; i < 2000 && !pending(SIGUSR1); i++)
        t_msleep(1);
    CHECK_SYS(syscall(SYS_timer_settime, id, 0, &once, NULL));
    t_msleep(30);
    t_unblock(SIGUSR1);
    CHECK_EQ(g_handled, 1);
    /* Deleted while pending. */
    t_block(SIGUSR1);
    CHECK_SYS(syscall(SYS_timer_settime, id, 0, &once, NULL));
    for (int i = 0; i < 2000 && !pending(SIGUSR1); i++)
        t_msleep(1);
    CHECK_SYS(syscall(SYS_timer_delete, id));
    CHECK(pending(SIGUSR1));
    t_unblock(SIGUSR1);
    CHECK_EQ(g_handled, 1);
    CHECK(!pending(SIGUSR1));
    /* A kill() of the same signal is still delivered normally. */
    kill(getpid(), SIGUSR1);
    CHECK_EQ(g_handled, 2);
    return 0;
}
