/* alarm(): SIGALRM arrives; alarm returns the seconds left of the previous
 * one; alarm(0) cancels; a fork child has no pending alarm; an alarm
 * survives execve; it interrupts a nanosleep of 2^62 s, which saturates at
 * Linux's KTIME_MAX. */
#include "t.h"

static volatile int rang;

static void ring(int sig)
{
    (void)sig;
    rang++;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "after") == 0) {
        unsigned left = alarm(0);
        return left >= 90 && left <= 100 ? 0 : 1;
    }
    const char *self = t_self_path(argv[0]);
    t_signal(SIGALRM, ring);
    CHECK_EQ(alarm(100), 0);
    unsigned left = alarm(50);
    CHECK(left >= 99 && left <= 100);
    pid_t pid = t_fork();
    if (pid == 0) {
        CHECK_EQ(alarm(0), 0); /* not inherited */
        _exit(0);
    }
    T_WAIT_OK(pid);
    left = alarm(0);
    CHECK(left >= 49 && left <= 50);
    CHECK_EQ(alarm(0), 0);

    pid = t_fork();
    if (pid == 0) {
        alarm(100);
        char *a[] = {(char *)self, "after", NULL};
        execv(self, a);
        _exit(127);
    }
    T_WAIT_OK(pid);

    /* It rings: a short itimer, waited for with sigsuspend. */
    t_block(SIGALRM);
    struct itimerval it = {{0, 0}, {0, 20000}};
    CHECK_SYS(setitimer(ITIMER_REAL, &it, NULL));
    sigset_t none;
    sigemptyset(&none);
    while (!rang)
        sigsuspend(&none);
    CHECK_EQ(rang, 1);
    struct itimerval cur;
    CHECK_SYS(getitimer(ITIMER_REAL, &cur));
    CHECK_EQ(cur.it_value.tv_sec, 0);
    CHECK_EQ(cur.it_value.tv_usec, 0);
    /* A default SIGALRM kills. */
    pid = t_fork();
    if (pid == 0) {
        signal(SIGALRM, SIG_DFL);
        t_unblock(SIGALRM);
        struct itimerval i2 = {{0, 0}, {0, 10000}};
        setitimer(ITIMER_REAL, &i2, NULL);
        for (;;)
            pause();
    }
    CHECK_EQ(t_wait(pid), SIGALRM);

    /* A sleep of 2^62 s is a sleep for ever: Linux ends it at KTIME_MAX
     * (about 9223372036 s) on the monotonic clock. Ended here by a 20 ms
     * timer: EINTR, with KTIME_MAX minus the uptime left. */
    int before = rang;
    t_unblock(SIGALRM);
    struct itimerval soon = {{0, 0}, {0, 20000}};
    CHECK_SYS(setitimer(ITIMER_REAL, &soon, NULL));
    struct timespec forever = {(time_t)1 << 62, 0}, rem = {0, 0}, now;
    CHECK_ERR(nanosleep(&forever, &rem), EINTR);
    CHECK(rang > before);
    CHECK_SYS(clock_gettime(CLOCK_MONOTONIC, &now));
    long long expected = 9223372036LL - (long long)now.tv_sec; /* the deadline is KTIME_MAX */
    if (rem.tv_sec < expected - 2 || rem.tv_sec > expected + 1)
        FAIL("nanosleep of 2^62 s left %lld s, not about %lld", (long long)rem.tv_sec, expected);
    return 0;
}
