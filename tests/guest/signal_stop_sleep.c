/* Timed sleeps across a stop: a thread stopped by SIGSTOP inside a sleep and
 * continued by SIGCONT (no handler runs) goes on sleeping instead of failing
 * with EINTR. nanosleep, relative clock_nanosleep, poll and timed futex waits
 * resume through restart_syscall with their original deadline, so time spent
 * stopped counts; absolute clock_nanosleep restarts with the same deadline;
 * ppoll restarts with the time it had left when it was stopped (Linux writes
 * it back into its timespec). Under a handler, even with SA_RESTART, all of
 * them fail with EINTR (nanosleep reporting the time left), an untimed futex
 * wait restarts, and restart_syscall after sigreturn is EINTR. */
#include <poll.h>

#include "t.h"

/* <linux/futex.h> is not in musl's headers. */
#define T_FUTEX_WAIT_BITSET 9
#define T_FUTEX_PRIVATE 128
#define T_FUTEX_BITSET_ANY 0xffffffffu

enum {
    K_NANOSLEEP,
    K_CLOCK_REL,
    K_CLOCK_ABS,
    K_CLOCK_REALTIME_REL,
    K_POLL,
    K_PPOLL,
    K_FUTEX_REL,
    K_FUTEX_ABS,
    K_COUNT
};

static const char *kind_name[K_COUNT] = {"nanosleep", "clock_nanosleep rel", "clock_nanosleep abs",
                                         "clock_nanosleep realtime", "poll", "ppoll", "futex rel",
                                         "futex bitset abs"};

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec ts_of(long long ns)
{
    struct timespec ts = {ns / 1000000000LL, ns % 1000000000LL};
    return ts;
}

/* One sleep of `ns` of the given kind; returns the raw result, errno in *err. */
static long sleep_kind(int kind, long long ns, int *err, struct timespec *rem)
{
    static int futex_word;
    int fds[2];
    struct timespec req = ts_of(ns);
    long r = -1;
    errno = 0;
    switch (kind) {
    case K_NANOSLEEP:
        r = syscall(SYS_nanosleep, &req, rem);
        break;
    case K_CLOCK_REL:
        r = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, rem);
        break;
    case K_CLOCK_ABS: {
        struct timespec at = ts_of(now_ns() + ns);
        r = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &at, rem);
        break;
    }
    case K_CLOCK_REALTIME_REL:
        r = syscall(SYS_clock_nanosleep, CLOCK_REALTIME, 0, &req, rem);
        break;
    case K_POLL:
    case K_PPOLL: {
        t_pipe(fds); /* never written: the read end is never ready */
        struct pollfd p = {fds[0], POLLIN, 0};
        if (kind == K_POLL)
            r = syscall(SYS_poll, &p, 1, (int)(ns / 1000000));
        else
            r = syscall(SYS_ppoll, &p, 1, &req, NULL, T_KSIGSET_SIZE);
        *err = errno;
        close(fds[0]);
        close(fds[1]);
        return r;
    }
    case K_FUTEX_REL:
        futex_word = 0;
        r = syscall(SYS_futex, &futex_word, T_FUTEX_WAIT | T_FUTEX_PRIVATE, 0, &req, NULL, 0);
        break;
    case K_FUTEX_ABS: {
        futex_word = 0;
        struct timespec at = ts_of(now_ns() + ns);
        r = syscall(SYS_futex, &futex_word, T_FUTEX_WAIT_BITSET | T_FUTEX_PRIVATE, 0, &at, NULL,
                    T_FUTEX_BITSET_ANY);
        break;
    }
    }
    *err = errno;
    return r;
}

static int is_futex(int kind)
{
    return kind == K_FUTEX_REL || kind == K_FUTEX_ABS;
}

/* The result of a sleep that ran to its end. */
static void check_completed(int kind, long r, int err)
{
    if (is_futex(kind)) {
        if (r != -1 || err != ETIMEDOUT)
            FAIL("%s: expected ETIMEDOUT, got %ld errno %s", kind_name[kind], r, t_errname(err));
    } else if (r != 0 || err != 0) {
        FAIL("%s: expected 0, got %ld errno %s", kind_name[kind], r, t_errname(err));
    }
}

#define SHORT_SLEEP_NS 1500000000LL
#define LONG_SLEEP_NS 2000000000LL
#define SLACK_NS 2000000LL

/* Phase A: stopped for a moment in the middle of a 1.5 s sleep. The sleep
 * completes, and lasts at least its full time. */
static void child_short(int kind, int ready)
{
    long long start = now_ns();
    t_send(ready, 'r');
    int err;
    struct timespec rem = {-1, -1};
    long r = sleep_kind(kind, SHORT_SLEEP_NS, &err, &rem);
    long long elapsed = now_ns() - start;
    check_completed(kind, r, err);
    if (elapsed < SHORT_SLEEP_NS - SLACK_NS)
        FAIL("%s: returned after %lld ms of %lld", kind_name[kind], elapsed / 1000000,
             SHORT_SLEEP_NS / 1000000);
    _exit(0);
}

/* Phase B: stopped for longer than the whole 2 s sleep. A sleep that keeps
 * its deadline returns as soon as it is continued; one restarted with its
 * original timeout would sleep 2 s more. ppoll resumes with the time it had
 * left when stopped (at least 1 s here). */
static void child_long(int kind, int ready, int cont_fd)
{
    long long start = now_ns();
    t_send(ready, 'r');
    int err;
    struct timespec rem;
    long r = sleep_kind(kind, LONG_SLEEP_NS, &err, &rem);
    long long end = now_ns();
    check_completed(kind, r, err);
    long long cont;
    t_read_all(cont_fd, &cont, sizeof cont);
    if (end - start < LONG_SLEEP_NS - SLACK_NS)
        FAIL("%s: returned after %lld ms", kind_name[kind], (end - start) / 1000000);
    if (kind == K_PPOLL) {
        if (end - cont < 1000000000LL)
            FAIL("ppoll: returned %lld ms after SIGCONT, expected the rest of its timeout",
                 (end - cont) / 1000000);
    } else if (end - cont > 1500000000LL) {
        FAIL("%s: returned %lld ms after SIGCONT: the deadline was not kept", kind_name[kind],
             (end - cont) / 1000000);
    }
    _exit(0);
}

static void stop_and_continue(int long_stop)
{
    pid_t pid[K_COUNT];
    int cont_fds[K_COUNT][2];
    int ready[2];
    t_pipe(ready);
    for (int k = 0; k < K_COUNT; k++) {
        t_pipe(cont_fds[k]);
        pid[k] = t_fork();
        if (pid[k] == 0) {
            close(ready[0]);
            if (long_stop)
                child_long(k, ready[1], cont_fds[k][0]);
            child_short(k, ready[1]);
        }
        close(cont_fds[k][0]);
    }
    for (int k = 0; k < K_COUNT; k++)
        t_recv(ready[0]);
    t_msleep(300); /* let every child enter its sleep */
    for (int k = 0; k < K_COUNT; k++) {
        CHECK_SYS(kill(pid[k], SIGSTOP));
        int st;
        CHECK_EQ(sys_wait4(pid[k], &st, WUNTRACED, NULL), pid[k]);
        CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    }
    t_msleep(long_stop ? 2500 : 300);
    long long cont = now_ns();
    for (int k = 0; k < K_COUNT; k++) {
        t_write_all(cont_fds[k][1], (const char *)&cont, sizeof cont);
        CHECK_SYS(kill(pid[k], SIGCONT));
    }
    for (int k = 0; k < K_COUNT; k++) {
        int st = t_wait(pid[k]);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            FAIL("%s child (%s stop) failed: status 0x%x", kind_name[k], long_stop ? "long" : "short", st);
        close(cont_fds[k][1]);
    }
    close(ready[0]);
    close(ready[1]);
}

static volatile int futex_word_for_handler;
static volatile int alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
    futex_word_for_handler = 1;
}

static void arm_alarm_ms(long ms)
{
    struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    CHECK_SYS(setitimer(ITIMER_REAL, &it, NULL));
}

/* Phase C: a handler with SA_RESTART runs during each sleep. */
static void handled(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    CHECK_SYS(sigaction(SIGALRM, &sa, NULL));
    for (int k = 0; k < K_COUNT; k++) {
        alarms = 0;
        arm_alarm_ms(100);
        struct timespec rem = {-1, -1};
        int err;
        long long start = now_ns();
        long r = sleep_kind(k, LONG_SLEEP_NS, &err, &rem);
        long long elapsed = now_ns() - start;
        if (r != -1 || err != EINTR)
            FAIL("%s under a SA_RESTART handler: expected EINTR, got %ld errno %s", kind_name[k], r,
                 t_errname(err));
        CHECK_EQ(alarms, 1);
        CHECK(elapsed < LONG_SLEEP_NS);
        if (k == K_NANOSLEEP || k == K_CLOCK_REL || k == K_CLOCK_REALTIME_REL) {
            /* The time left, a valid timespec, less than asked. */
            long long left = rem.tv_sec * 1000000000LL + rem.tv_nsec;
            CHECK(rem.tv_sec >= 0 && rem.tv_nsec >= 0 && rem.tv_nsec < 1000000000);
            CHECK(left > 0 && left < LONG_SLEEP_NS);
            CHECK(left >= LONG_SLEEP_NS - elapsed - SLACK_NS);
        }
        if (k == K_CLOCK_ABS)
            CHECK(rem.tv_sec == -1 && rem.tv_nsec == -1); /* absolute: rem untouched */
    }
    /* The handler returned through rt_sigreturn: nothing to restart. */
    CHECK_ERR(syscall(SYS_restart_syscall), EINTR);

    /* An untimed futex wait restarts under SA_RESTART: the handler changed
     * the word, so the restarted wait fails with EAGAIN, not EINTR. */
    futex_word_for_handler = 0;
    alarms = 0;
    arm_alarm_ms(100);
    CHECK_ERR(syscall(SYS_futex, &futex_word_for_handler, T_FUTEX_WAIT | T_FUTEX_PRIVATE, 0, NULL, NULL, 0),
              EAGAIN);
    CHECK_EQ(alarms, 1);
    signal(SIGALRM, SIG_DFL);
}

/* ppoll writes the time left back into its timespec (raw syscall; musl
 * passes a copy). */
static void ppoll_writes_back(void)
{
    int fds[2];
    t_pipe(fds);
    struct pollfd p = {fds[0], POLLIN, 0};
    struct timespec ts = {0, 50000000};
    CHECK_EQ(syscall(SYS_ppoll, &p, 1, &ts, NULL, T_KSIGSET_SIZE), 0);
    CHECK_EQ(ts.tv_sec, 0);
    CHECK_EQ(ts.tv_nsec, 0);
    t_send(fds[1], 'x');
    ts.tv_sec = 5;
    ts.tv_nsec = 0;
    CHECK_EQ(syscall(SYS_ppoll, &p, 1, &ts, NULL, T_KSIGSET_SIZE), 1);
    CHECK(ts.tv_sec >= 3 && ts.tv_sec <= 4); /* ready at once: about 5 s left */
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    ppoll_writes_back();
    handled();
    stop_and_continue(0);
    stop_and_continue(1);
    return 0;
}
