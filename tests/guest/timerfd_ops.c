/* timerfd_create, timerfd_settime, timerfd_gettime and the file (Linux 6.x):
 * argument errors in Linux's order, the *_ALARM clocks needing
 * CAP_WAKE_ALARM, the 8-byte expiration count (EINVAL for less, EAGAIN
 * nonblocking, blocking otherwise and interruptible by a signal, restarted
 * with SA_RESTART), periodic timers counting every interval passed,
 * absolute times, disarm and old values, poll/select readiness, the shared
 * open file across fork and a descriptor kept across exec. Timing checks
 * are lower bounds, or upper bounds from the time measured. */
#include "t.h"

#include <sys/select.h>
#include <sys/stat.h>
#include <sys/timerfd.h>

#define MS 1000000L

static long now_ns(void)
{
    struct timespec ts;
    CHECK_SYS(clock_gettime(CLOCK_MONOTONIC, &ts));
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void arm(int fd, int flags, long value_ns, long interval_ns)
{
    struct itimerspec its = {{interval_ns / 1000000000L, interval_ns % 1000000000L},
                             {value_ns / 1000000000L, value_ns % 1000000000L}};
    CHECK_SYS(timerfd_settime(fd, flags, &its, NULL));
}

static long ts_ns(struct timespec ts) { return ts.tv_sec * 1000000000L + ts.tv_nsec; }

/* read(2) of the count; -errno on failure. */
static long long read_count(int fd)
{
    unsigned long long n = 0;
    ssize_t r = read(fd, &n, sizeof n);
    if (r < 0)
        return -errno;
    CHECK_EQ(r, 8);
    return (long long)n;
}

static void errors(void)
{
    CHECK_ERR(timerfd_create(CLOCK_TAI, 0), EINVAL);
    CHECK_ERR(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
    CHECK_ERR(timerfd_create(CLOCK_MONOTONIC_COARSE, 0), EINVAL);
    CHECK_ERR(timerfd_create(-1, 0), EINVAL);
    CHECK_ERR(timerfd_create(CLOCK_MONOTONIC, 1), EINVAL);
    CHECK_ERR(timerfd_create(CLOCK_MONOTONIC, TFD_TIMER_ABSTIME), EINVAL);

    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    CHECK(fd >= 0);
    CHECK_EQ(fcntl(fd, F_GETFL), O_RDWR | O_NONBLOCK);
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    struct itimerspec its = {{0, 0}, {0, 1000000000}};
    CHECK_ERR(timerfd_settime(fd, 0, &its, NULL), EINVAL); /* tv_nsec 1e9 */
    its.it_value.tv_nsec = 0;
    its.it_value.tv_sec = -1;
    CHECK_ERR(timerfd_settime(fd, 0, &its, NULL), EINVAL);
    its.it_value.tv_sec = 1;
    its.it_interval.tv_nsec = -1;
    CHECK_ERR(timerfd_settime(fd, 0, &its, NULL), EINVAL);
    its.it_interval.tv_nsec = 0;
    CHECK_ERR(timerfd_settime(fd, 4, &its, NULL), EINVAL);
    CHECK_ERR(timerfd_settime(fd, 0, NULL, NULL), EFAULT);
    CHECK_ERR(timerfd_settime(fd, 4, BAD_PTR_LOW, NULL), EFAULT); /* the copy comes first */
    CHECK_ERR(timerfd_settime(-1, 4, &its, NULL), EINVAL);        /* then the flags */
    CHECK_ERR(timerfd_settime(-1, 0, &its, NULL), EBADF);
    int p[2];
    t_pipe(p);
    CHECK_ERR(timerfd_settime(p[0], 0, &its, NULL), EINVAL);
    struct itimerspec cur;
    CHECK_ERR(timerfd_gettime(p[0], &cur), EINVAL);
    CHECK_ERR(timerfd_gettime(-1, &cur), EBADF);
    CHECK_ERR(timerfd_gettime(fd, BAD_PTR_LOW), EFAULT);
    close(p[0]);
    close(p[1]);

    /* The file: read wants 8 bytes, write is EINVAL, lseek does nothing,
     * pread has no position; an anonymous inode "anon_inode:[timerfd]". */
    char b[16];
    CHECK_ERR(read(fd, b, 4), EINVAL);
    CHECK_ERR(read(fd, b, 0), EINVAL);
    CHECK_ERR(read(fd, b, 8), EAGAIN);
    CHECK_ERR(write(fd, b, 8), EINVAL);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_ERR(pread(fd, b, 8, 0), ESPIPE);
    struct stat st;
    CHECK_SYS(fstat(fd, &st));
    CHECK_EQ(st.st_mode & S_IFMT, 0);
    CHECK_EQ(st.st_mode & 0777, 0600);
    char path[64], link[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, link, sizeof link - 1);
    CHECK(n > 0);
    link[n] = 0;
    CHECK(strcmp(link, "anon_inode:[timerfd]") == 0);
    /* Disarmed: zeros. */
    CHECK_SYS(timerfd_gettime(fd, &cur));
    CHECK_EQ(ts_ns(cur.it_value) + ts_ns(cur.it_interval), 0);
    close(fd);
}

/* CAP_WAKE_ALARM (root's) is needed to create, and to set, an alarm timer. */
static void alarm_clocks(void)
{
    if (!t_is_root())
        return;
    int rt = timerfd_create(CLOCK_REALTIME_ALARM, TFD_NONBLOCK);
    int bt = timerfd_create(CLOCK_BOOTTIME_ALARM, TFD_NONBLOCK);
    CHECK(rt >= 0 && bt >= 0);
    arm(bt, 0, 1 * MS, 0);
    CHECK_EQ(t_poll_in(bt, 5000), POLLIN);
    CHECK_EQ(read_count(bt), 1);
    uid_t uid = t_private_uid(0);
    pid_t pid = t_fork();
    if (pid == 0) {
        CHECK_SYS(setresuid(uid, uid, uid));
        CHECK_ERR(timerfd_create(CLOCK_REALTIME_ALARM, 0), EPERM);
        CHECK_ERR(timerfd_create(CLOCK_BOOTTIME_ALARM, 0), EPERM);
        CHECK_ERR(timerfd_create(CLOCK_TAI, 0), EINVAL); /* the clock is checked first */
        struct itimerspec its = {{0, 0}, {1, 0}}, cur;
        CHECK_ERR(timerfd_settime(rt, 0, &its, NULL), EPERM);
        CHECK_SYS(timerfd_gettime(rt, &cur)); /* reading is allowed */
        _exit(0);
    }
    CHECK_EQ(t_wait(pid), 0);
    close(rt);
    close(bt);
}

static void one_shot_and_periodic(void)
{
    static const int clocks[] = {CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME};
    for (unsigned i = 0; i < 3; i++) {
        int fd = timerfd_create(clocks[i], 0);
        CHECK(fd >= 0);
        long start = now_ns();
        arm(fd, 0, 20 * MS, 0);
        struct itimerspec cur;
        CHECK_SYS(timerfd_gettime(fd, &cur));
        CHECK(ts_ns(cur.it_value) > 0 && ts_ns(cur.it_value) <= 20 * MS);
        CHECK_EQ(read_count(fd), 1); /* blocks until it expires */
        CHECK(now_ns() - start >= 19 * MS);
        CHECK_SYS(timerfd_gettime(fd, &cur));
        CHECK_EQ(ts_ns(cur.it_value), 0); /* expired one-shot */
        CHECK_EQ(t_poll_in(fd, 0), 0);
        close(fd);
    }

    /* Periodic: every interval that passed is counted, as one read. */
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    long start = now_ns();
    arm(fd, 0, 5 * MS, 5 * MS);
    t_msleep(60);
    long long n = read_count(fd);
    long elapsed = now_ns() - start;
    CHECK(n >= 12 && n <= elapsed / (5 * MS) + 1);
    struct itimerspec cur;
    CHECK_SYS(timerfd_gettime(fd, &cur));
    CHECK_EQ(ts_ns(cur.it_interval), 5 * MS);
    CHECK(ts_ns(cur.it_value) <= 5 * MS);

    /* A new setting returns the old one and discards the count; a zero
     * value disarms and (as Linux) the interval is still reported. */
    t_msleep(12);
    struct itimerspec zero = {{0, 7 * MS}, {0, 0}}, old;
    CHECK_SYS(timerfd_settime(fd, 0, &zero, &old));
    CHECK_EQ(ts_ns(old.it_interval), 5 * MS);
    CHECK(ts_ns(old.it_value) <= 5 * MS);
    CHECK_EQ(read_count(fd), -EAGAIN);
    CHECK_SYS(timerfd_gettime(fd, &cur));
    CHECK_EQ(ts_ns(cur.it_value), 0);
    CHECK_EQ(ts_ns(cur.it_interval), 7 * MS);

    /* Old value of a far timer. */
    arm(fd, 0, 10000 * MS, 3000 * MS);
    struct itimerspec later = {{0, 0}, {20, 0}};
    CHECK_SYS(timerfd_settime(fd, 0, &later, &old));
    CHECK(ts_ns(old.it_value) > 9000 * MS && ts_ns(old.it_value) <= 10000 * MS);
    CHECK_EQ(ts_ns(old.it_interval), 3000 * MS);
    close(fd);
}

static void absolute_and_readiness(void)
{
    int fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    struct timespec rt;
    CHECK_SYS(clock_gettime(CLOCK_REALTIME, &rt));
    /* In the past: expired at once. */
    struct itimerspec past = {{0, 0}, {rt.tv_sec - 1, rt.tv_nsec}};
    CHECK_SYS(timerfd_settime(fd, TFD_TIMER_ABSTIME, &past, NULL));
    CHECK_EQ(t_poll_in(fd, 0), POLLIN);
    CHECK_EQ(read_count(fd), 1);
    /* In 20 ms, with TFD_TIMER_CANCEL_ON_SET accepted. */
    struct itimerspec soon = {{0, 0}, {rt.tv_sec, rt.tv_nsec + 20 * MS}};
    if (soon.it_value.tv_nsec >= 1000000000L) {
        soon.it_value.tv_sec++;
        soon.it_value.tv_nsec -= 1000000000L;
    }
    CHECK_SYS(timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &soon, NULL));
    fd_set set;
    FD_ZERO(&set);
    FD_SET(fd, &set);
    struct timeval tv = {5, 0};
    CHECK_EQ(select(fd + 1, &set, NULL, NULL, &tv), 1);
    CHECK(FD_ISSET(fd, &set));
    struct timespec after;
    CHECK_SYS(clock_gettime(CLOCK_REALTIME, &after));
    CHECK(ts_ns(after) >= ts_ns(soon.it_value));
    CHECK_EQ(read_count(fd), 1);
    CHECK_EQ(t_poll_in(fd, 0), 0);
    close(fd);

    /* A monotonic absolute time, waited for by poll. */
    fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    long at = now_ns() + 10 * MS;
    arm(fd, TFD_TIMER_ABSTIME, at, 0);
    CHECK_EQ(t_poll_in(fd, 5000), POLLIN);
    CHECK(now_ns() >= at);
    CHECK_EQ(read_count(fd), 1);
    close(fd);
}

static volatile sig_atomic_t g_alarms;
static int g_alarm_fd;
/* Re-arms the timer the interrupted read waits on to expire in 1 ms. */
static void on_alarm(int sig)
{
    (void)sig;
    g_alarms++;
    struct itimerspec soon = {{0, 0}, {0, 1000000}};
    timerfd_settime(g_alarm_fd, 0, &soon, NULL);
}

/* A blocking read is interrupted by a handled signal: EINTR without
 * SA_RESTART; with it the read goes on, and returns when the timer the
 * handler re-armed expires. */
static void signals(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, 0);
    g_alarm_fd = fd;
    arm(fd, 0, 10000 * MS, 0);
    t_signal(SIGALRM, on_alarm);
    struct itimerval it = {{0, 0}, {0, 20000}};
    CHECK_SYS(setitimer(ITIMER_REAL, &it, NULL));
    CHECK_EQ(read_count(fd), -EINTR);
    CHECK_EQ(g_alarms, 1);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    CHECK_SYS(sigaction(SIGALRM, &sa, NULL));
    arm(fd, 0, 10000 * MS, 0);
    CHECK_SYS(setitimer(ITIMER_REAL, &it, NULL));
    CHECK_EQ(read_count(fd), 1);
    CHECK_EQ(g_alarms, 2);
    signal(SIGALRM, SIG_DFL);
    close(fd);
}

/* fork shares the open file (and so the timer and its count); exec keeps a
 * descriptor without FD_CLOEXEC, armed, and closes the TFD_CLOEXEC one. */
static void fork_and_exec(const char *self)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    arm(fd, 0, 10 * MS, 0);
    pid_t pid = t_fork();
    if (pid == 0) {
        CHECK_EQ(t_poll_in(fd, 5000), POLLIN);
        CHECK_EQ(read_count(fd), 1);
        arm(fd, 0, 30000 * MS, 0);
        _exit(0);
    }
    CHECK_EQ(t_wait(pid), 0);
    CHECK_EQ(read_count(fd), -EAGAIN); /* the child took the count */
    struct itimerspec cur;
    CHECK_SYS(timerfd_gettime(fd, &cur));
    CHECK(ts_ns(cur.it_value) > 20000 * MS); /* and re-armed our timer */

    int gone = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    arm(fd, 0, 5 * MS, 5 * MS);
    pid = t_fork();
    if (pid == 0) {
        char a[16], b[16];
        snprintf(a, sizeof a, "%d", fd);
        snprintf(b, sizeof b, "%d", gone);
        char *argv[] = {(char *)self, "exec", a, b, NULL};
        execv(self, argv);
        _exit(127);
    }
    CHECK_EQ(t_wait(pid), 5 << 8);
    close(gone);
    close(fd);
}

static int after_exec(int fd, int gone)
{
    CHECK_ERR(fcntl(gone, F_GETFD), EBADF);
    struct itimerspec cur;
    CHECK_SYS(timerfd_gettime(fd, &cur));
    CHECK_EQ(ts_ns(cur.it_interval), 5 * MS);
    CHECK_EQ(t_poll_in(fd, 5000), POLLIN);
    CHECK(read_count(fd) >= 1);
    return 5;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "exec") == 0)
        return after_exec(atoi(argv[2]), atoi(argv[3]));
    const char *self = t_self_path(argv[0]);
    errors();
    alarm_clocks();
    one_shot_and_periodic();
    absolute_and_readiness();
    signals();
    fork_and_exec(self);
    printf("ok\n");
    return 0;
}
