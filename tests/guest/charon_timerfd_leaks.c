/* Charon only: timerfds give back every file and timer. Each round creates
 * timerfds on each clock, arms them (one-shot, periodic, far and already
 * expired), dups them, lets a child inherit them and exit holding them
 * armed, execs with them (the close-on-exec ones go), reads some and closes
 * the rest while still armed; afterwards the kernel's timerfds, open_files
 * and memory counters are back to their baseline exactly. On Linux
 * charon_stats is ENOSYS and the test skips. */
#include "t.h"

#include <sys/timerfd.h>

static void stats(struct t_charon_stats *s)
{
    if (!t_charon_stats(s)) {
        printf("SKIP: no charon_stats (not Charon)\n");
        exit(77);
    }
}

static void workload(const char *self)
{
    static const int clocks[] = {CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME};
    enum { N = 24 };
    for (int round = 0; round < 4; round++) {
        int fds[N];
        for (int i = 0; i < N; i++) {
            fds[i] = timerfd_create(clocks[i % 3], TFD_NONBLOCK | (i % 2 ? TFD_CLOEXEC : 0));
            CHECK(fds[i] >= 0);
            struct itimerspec its = {{0, 0}, {0, 0}};
            if (i % 4 == 0)
                its.it_value.tv_nsec = 1000000; /* 1 ms, one-shot */
            else if (i % 4 == 1)
                its.it_value.tv_nsec = its.it_interval.tv_nsec = 2000000; /* periodic */
            else if (i % 4 == 2)
                its.it_value.tv_sec = 1000; /* far */
            CHECK_SYS(timerfd_settime(fds[i], 0, &its, NULL));
        }
        struct t_charon_stats s;
        stats(&s);
        CHECK(s.timerfds >= N); /* counted while alive */
        int d = dup(fds[1]);
        CHECK(d >= 0);
        pid_t child = t_fork();
        if (child == 0) {
            int own = timerfd_create(CLOCK_MONOTONIC, 0);
            struct itimerspec its = {{1, 0}, {1, 0}};
            CHECK_SYS(timerfd_settime(own, 0, &its, NULL));
            _exit(2); /* holding all of them, armed */
        }
        pid_t exec_child = t_fork();
        if (exec_child == 0) {
            char *argv[] = {(char *)self, "child", NULL};
            execv(self, argv);
            _exit(127);
        }
        CHECK_EQ(t_wait(child), 2 << 8);
        CHECK_EQ(t_wait(exec_child), 5 << 8);
        CHECK_EQ(t_poll_in(fds[0], 5000), POLLIN);
        unsigned long long n;
        CHECK_EQ(read(fds[0], &n, sizeof n), 8);
        CHECK_EQ(n, 1);
        for (int i = 0; i < N; i++)
            close(fds[i]); /* many still armed */
        close(d);          /* the last reference of an armed periodic one */
    }
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "child") == 0) {
        int fd = timerfd_create(CLOCK_REALTIME, 0);
        struct itimerspec its = {{0, 0}, {100, 0}};
        CHECK_SYS(timerfd_settime(fd, 0, &its, NULL));
        return 5; /* exits with its inherited and own timerfds */
    }
    const char *self = t_self_path(argv[0]);
    struct t_charon_stats base;
    stats(&base);
    workload(self); /* warm-up: the heap grows to its working size */
    t_charon_stable_snapshot(&base);
    workload(self);
    t_charon_expect_baseline(&base);
    printf("ok\n");
    return 0;
}
