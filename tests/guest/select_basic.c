/* select(2) and pselect6(2) over pipes: readiness of the read and write
 * ends, a reader woken by a writer in another process, the timeout (0 polls
 * once; an expiring one returns 0 with cleared sets and writes the time left
 * back, here 0), EBADF for a closed descriptor in a set, EINVAL for a
 * negative nfds or a bad timeout, EFAULT for a set, pselect6's signal mask
 * letting a blocked signal in only during the wait; and ppoll writing the
 * time left back too (the raw syscalls do; libc wrappers hide it). */
#include "t.h"

#include <poll.h>
#include <sys/select.h>

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig)
{
    (void)sig;
    got_usr1 = 1;
}

static long raw_select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
    return syscall(SYS_select, n, r, w, e, tv);
}

int main(void)
{
    int p[2];
    t_pipe(p);
    fd_set r, w;
    struct timeval tv = {0, 0};

    /* Empty pipe: the write end is ready, the read end is not. */
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(p[1], &w);
    CHECK_EQ(raw_select(p[1] + 1, &r, &w, NULL, &tv), 1);
    CHECK(!FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
    CHECK_EQ(tv.tv_sec, 0);
    CHECK_EQ(tv.tv_usec, 0);

    /* Data: readable. */
    CHECK_EQ(write(p[1], "x", 1), 1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    FD_ZERO(&w);
    FD_SET(p[1], &w);
    CHECK_EQ(raw_select(p[1] + 1, &r, &w, NULL, &tv), 2);
    CHECK(FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
    char c;
    CHECK_EQ(read(p[0], &c, 1), 1);

    /* An expiring timeout: 0, cleared set, the time left written back. */
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 0;
    tv.tv_usec = 30000;
    CHECK_EQ(raw_select(p[0] + 1, &r, NULL, NULL, &tv), 0);
    CHECK(!FD_ISSET(p[0], &r));
    CHECK_EQ(tv.tv_sec, 0);
    CHECK_EQ(tv.tv_usec, 0);

    /* A reader woken by another process's write; time is left over. */
    pid_t pid = t_fork();
    if (pid == 0) {
        struct timespec pause_ts = {0, 20000000};
        nanosleep(&pause_ts, NULL);
        CHECK_EQ(write(p[1], "y", 1), 1);
        _exit(0);
    }
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 20;
    tv.tv_usec = 0;
    CHECK_EQ(raw_select(p[0] + 1, &r, NULL, NULL, &tv), 1);
    CHECK(FD_ISSET(p[0], &r));
    CHECK(tv.tv_sec < 20 && tv.tv_sec >= 10); /* some time left, less than given */
    CHECK_EXITED(t_wait(pid), 0);
    CHECK_EQ(read(p[0], &c, 1), 1);

    /* No reader left: the write end selects as writable (POLLERR). */
    int q[2];
    t_pipe(q);
    close(q[0]);
    FD_ZERO(&w);
    FD_SET(q[1], &w);
    CHECK_EQ(raw_select(q[1] + 1, NULL, &w, NULL, NULL), 1);
    CHECK(FD_ISSET(q[1], &w));
    close(q[1]);

    /* Errors. */
    int closed = dup(p[0]);
    close(closed);
    FD_ZERO(&r);
    FD_SET(closed, &r);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    CHECK_ERR(raw_select(closed + 1, &r, NULL, NULL, &tv), EBADF);
    CHECK_ERR(raw_select(-1, NULL, NULL, NULL, &tv), EINVAL);
    tv.tv_sec = -1;
    CHECK_ERR(raw_select(1, NULL, NULL, NULL, &tv), EINVAL);
    tv.tv_sec = 0;
    tv.tv_usec = -1;
    CHECK_ERR(raw_select(1, NULL, NULL, NULL, &tv), EINVAL);
    /* tv_usec beyond a second is folded into tv_sec, not refused. */
    tv.tv_sec = 0;
    tv.tv_usec = 1000000;
    FD_ZERO(&w);
    FD_SET(p[1], &w);
    CHECK_EQ(raw_select(p[1] + 1, NULL, &w, NULL, &tv), 1);
    CHECK_ERR(raw_select(p[1] + 1, BAD_PTR_LOW, NULL, NULL, NULL), EFAULT);
    /* nfds 0 with a zero timeout: nothing to wait for. */
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    CHECK_EQ(raw_select(0, NULL, NULL, NULL, &tv), 0);

    /* pselect6: SIGUSR1 blocked outside, let in by the call's mask. */
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    CHECK_SYS(sigaction(SIGUSR1, &sa, NULL));
    sigset_t block, during;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    CHECK_SYS(sigprocmask(SIG_BLOCK, &block, NULL));
    CHECK_SYS(kill(getpid(), SIGUSR1));
    sigemptyset(&during);
    struct {
        const sigset_t *set;
        size_t size;
    } mask_arg = {&during, 8};
    struct timespec ts = {5, 0};
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    CHECK_ERR(syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, &mask_arg), EINTR);
    CHECK_EQ(got_usr1, 1);
    sigset_t now;
    CHECK_SYS(sigprocmask(SIG_BLOCK, NULL, &now));
    CHECK(sigismember(&now, SIGUSR1)); /* the old mask is back */
    mask_arg.size = 4;
    CHECK_ERR(syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, &mask_arg), EINVAL);
    ts.tv_nsec = 1000000000;
    CHECK_ERR(syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, NULL), EINVAL);
    ts.tv_sec = 0;
    ts.tv_nsec = 20000000;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    CHECK_EQ(syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, NULL), 0);
    CHECK_EQ(ts.tv_sec, 0);
    CHECK_EQ(ts.tv_nsec, 0);

    /* ppoll writes the time left back as well. */
    struct pollfd pfd = {p[0], POLLIN, 0};
    ts.tv_sec = 0;
    ts.tv_nsec = 20000000;
    CHECK_EQ(syscall(SYS_ppoll, &pfd, 1, &ts, NULL, 8), 0);
    CHECK_EQ(ts.tv_sec, 0);
    CHECK_EQ(ts.tv_nsec, 0);
    CHECK_EQ(write(p[1], "z", 1), 1);
    ts.tv_sec = 7;
    ts.tv_nsec = 0;
    CHECK_EQ(syscall(SYS_ppoll, &pfd, 1, &ts, NULL, 8), 1);
    CHECK(ts.tv_sec <= 7 && ts.tv_sec >= 6);
    return 0;
}
