/* signalfd(2)/signalfd4(2): argument errors, the record each kind of sender
 * leaves (kill, tgkill, sigqueue, a POSIX timer, SIGCHLD from the exit path,
 * stops and continues), the dequeue order (the thread's own queue first),
 * several records per read, the mask update, nonblocking and blocking reads
 * (a blocked read is interrupted by a handled signal: EINTR, or restarted
 * with SA_RESTART), poll and select, fork (the child reads its own signals)
 * and exec (kept unless close-on-exec), the classic SIGCHLD loop, and a
 * fault's signal, which a signalfd never gets. */
#include "t.h"

#include <sys/select.h>
#include <sys/signalfd.h>

#define REC sizeof(struct signalfd_siginfo)

static long sfd4(int fd, const void *mask, size_t size, int flags)
{
    return syscall(SYS_signalfd4, fd, mask, size, flags);
}

static int make_sfd(int flags, int sig1, int sig2)
{
    sigset_t m;
    sigemptyset(&m);
    if (sig1)
        sigaddset(&m, sig1);
    if (sig2)
        sigaddset(&m, sig2);
    return (int)CHECK_SYS(signalfd(-1, &m, flags));
}

static void read_one(int fd, struct signalfd_siginfo *si)
{
    ssize_t n;
    do {
        n = read(fd, si, sizeof *si);
    } while (n == -1 && errno == EINTR);
    CHECK_EQ(n, (long)REC);
}

static void check_link(int fd, const char *want)
{
    char path[64], link[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n < 0)
        return; /* no /proc here */
    link[n] = 0;
    if (strcmp(link, want) != 0)
        FAIL("fd link %s, expected %s", link, want);
}

static void errors(void)
{
    unsigned long mask = 1ul << (SIGUSR1 - 1);
    CHECK_ERR(sfd4(-1, &mask, 4, 0), EINVAL);
    CHECK_ERR(sfd4(-1, &mask, 16, 0), EINVAL);
    CHECK_ERR(sfd4(-1, &mask, 8, O_APPEND), EINVAL);
    CHECK_ERR(sfd4(-1, BAD_PTR_LOW, 8, 0), EFAULT);
    CHECK_ERR(syscall(SYS_signalfd, -1, &mask, 4), EINVAL);
    int p[2];
    t_pipe(p);
    CHECK_ERR(sfd4(p[0], &mask, 8, 0), EINVAL); /* not a signalfd */
    close(p[0]);
    close(p[1]);
    CHECK_ERR(sfd4(p[0], &mask, 8, 0), EBADF);
    CHECK_ERR(sfd4(-2, &mask, 8, 0), EBADF);
    /* SIGKILL and SIGSTOP are dropped, not refused. */
    unsigned long all = ~0ul;
    int fd = (int)CHECK_SYS(sfd4(-1, &all, 8, SFD_NONBLOCK | SFD_CLOEXEC));
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);
    check_link(fd, "anon_inode:[signalfd]");
    char small[REC];
    CHECK_ERR(read(fd, small, REC - 1), EINVAL);
    CHECK_ERR(read(fd, small, REC), EAGAIN);
    CHECK_ERR(write(fd, small, REC), EINVAL);
    CHECK_EQ(lseek(fd, 100, SEEK_SET), 0); /* noop_llseek */
    CHECK_ERR(read(fd, BAD_PTR_LOW, REC), EAGAIN); /* nothing to copy yet */
    /* Updating the mask of a signalfd returns that descriptor. */
    CHECK_EQ(sfd4(fd, &mask, 8, 0), fd);
    close(fd);
    fd = (int)CHECK_SYS(sfd4(-1, &mask, 8, 0));
    CHECK_EQ(fcntl(fd, F_GETFD), 0);
    CHECK_EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    close(fd);
}

/* Records by sender, and the order of dequeue. */
static void records(void)
{
    t_block(SIGUSR1);
    t_block(SIGUSR2);
    t_block(SIGRTMIN);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigaddset(&m, SIGUSR2);
    sigaddset(&m, SIGRTMIN);
    int fd = (int)CHECK_SYS(signalfd(-1, &m, SFD_NONBLOCK));
    struct signalfd_siginfo si[8];
    CHECK_EQ(t_poll_in(fd, 0), 0);

    /* kill: SI_USER with the sender's pid and uid; dequeued, so no longer pending. */
    CHECK_SYS(kill(getpid(), SIGUSR1));
    CHECK_EQ(t_poll_in(fd, 0), POLLIN);
    CHECK_EQ(read(fd, si, sizeof si), (long)REC);
    CHECK_EQ(si[0].ssi_signo, SIGUSR1);
    CHECK_EQ(si[0].ssi_code, SI_USER);
    CHECK_EQ(si[0].ssi_pid, getpid());
    CHECK_EQ(si[0].ssi_uid, getuid());
    CHECK_EQ(si[0].ssi_int, 0);
    CHECK_EQ(si[0].ssi_ptr, 0);
    sigset_t pend;
    sigpending(&pend);
    CHECK(!sigismember(&pend, SIGUSR1));
    CHECK_ERR(read(fd, si, sizeof si), EAGAIN);

    /* The thread's own queue first: SIGUSR2 by tgkill before SIGUSR1 by kill. */
    CHECK_SYS(kill(getpid(), SIGUSR1));
    CHECK_SYS(sys_tgkill(getpid(), (pid_t)sys_gettid(), SIGUSR2));
    union sigval v;
    for (int i = 0; i < 3; i++) {
        v.sival_int = 100 + i;
        CHECK_SYS(sigqueue(getpid(), SIGRTMIN, v));
    }
    /* Room for 4 records and a bit: 4 are read, in order. */
    CHECK_EQ(read(fd, si, 4 * REC + 10), (long)(4 * REC));
    CHECK_EQ(si[0].ssi_signo, SIGUSR2);
    CHECK_EQ(si[0].ssi_code, SI_TKILL);
    CHECK_EQ(si[0].ssi_pid, getpid());
    CHECK_EQ(si[0].ssi_uid, getuid());
    CHECK_EQ(si[1].ssi_signo, SIGUSR1);
    CHECK_EQ(si[1].ssi_code, SI_USER);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(si[2 + i].ssi_signo, SIGRTMIN);
        CHECK_EQ(si[2 + i].ssi_code, SI_QUEUE);
        CHECK_EQ(si[2 + i].ssi_pid, getpid());
        CHECK_EQ(si[2 + i].ssi_int, 100 + i);
        CHECK_EQ(si[2 + i].ssi_ptr & 0xffffffffu, 100u + i);
    }
    CHECK_EQ(read(fd, si, sizeof si), (long)REC);
    CHECK_EQ(si[0].ssi_int, 102);
    CHECK_ERR(read(fd, si, sizeof si), EAGAIN);

    /* A fault while copying the first record: EFAULT (the signal is lost). */
    CHECK_SYS(kill(getpid(), SIGUSR1));
    CHECK_ERR(read(fd, BAD_PTR_LOW, REC), EFAULT);
    CHECK_ERR(read(fd, si, sizeof si), EAGAIN);

    /* The mask update: SIGUSR1 stays pending, unread; SIGUSR2 is read. */
    CHECK_SYS(kill(getpid(), SIGUSR1));
    CHECK_SYS(kill(getpid(), SIGUSR2));
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    CHECK_EQ(signalfd(fd, &m, 0), fd);
    CHECK_EQ(read(fd, si, sizeof si), (long)REC);
    CHECK_EQ(si[0].ssi_signo, SIGUSR2);
    CHECK_ERR(read(fd, si, sizeof si), EAGAIN);
    CHECK_EQ(t_poll_in(fd, 0), 0);
    sigpending(&pend);
    CHECK(sigismember(&pend, SIGUSR1));
    /* select sees it readable once the mask takes SIGUSR1 in. */
    sigaddset(&m, SIGUSR1);
    CHECK_EQ(signalfd(fd, &m, 0), fd);
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(fd, &rs);
    struct timeval tv = {0, 0};
    CHECK_EQ(select(fd + 1, &rs, NULL, NULL, &tv), 1);
    CHECK(FD_ISSET(fd, &rs));
    CHECK_EQ(read(fd, si, sizeof si), (long)REC);
    CHECK_EQ(si[0].ssi_signo, SIGUSR1);

    /* A POSIX timer: SI_TIMER with the timer id, overrun and value. */
    sigaddset(&m, SIGRTMIN);
    CHECK_EQ(signalfd(fd, &m, 0), fd);
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGRTMIN;
    ev.sigev_value.sival_int = 77;
    timer_t timer;
    CHECK_SYS(timer_create(CLOCK_MONOTONIC, &ev, &timer));
    struct itimerspec its = {{0, 0}, {0, 1000000}};
    CHECK_SYS(timer_settime(timer, 0, &its, NULL));
    CHECK_EQ(t_poll_in(fd, 10000), POLLIN);
    CHECK_EQ(read(fd, si, sizeof si), (long)REC);
    CHECK_EQ(si[0].ssi_signo, SIGRTMIN);
    CHECK_EQ(si[0].ssi_code, SI_TIMER);
    CHECK_EQ(si[0].ssi_tid, (unsigned)(intptr_t)timer);
    CHECK_EQ(si[0].ssi_overrun, 0);
    CHECK_EQ(si[0].ssi_int, 77);
    CHECK_SYS(timer_delete(timer));
    close(fd);
}

static pid_t spawn_exit(int code, int burn_ms)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        if (burn_ms)
            t_burn_cpu_ms(burn_ms);
        _exit(code);
    }
    return pid;
}

/* The classic loop: SIGCHLD blocked, read from a signalfd, reap. */
static void sigchld(void)
{
    t_block(SIGCHLD);
    int fd = make_sfd(0, SIGCHLD, 0);
    struct signalfd_siginfo si;

    pid_t a = spawn_exit(7, 50);
    read_one(fd, &si); /* blocks until the child exits */
    CHECK_EQ(si.ssi_signo, SIGCHLD);
    CHECK_EQ(si.ssi_code, CLD_EXITED);
    CHECK_EQ(si.ssi_pid, a);
    CHECK_EQ(si.ssi_uid, getuid());
    CHECK_EQ(si.ssi_status, 7);
    /* Clock ticks of its CPU time: it burnt 50 ms, but Linux's tick
     * sampling may have charged none of them, so only a bound holds. */
    CHECK(si.ssi_utime + si.ssi_stime <= 500);
    int status;
    CHECK_EQ(waitpid(a, &status, 0), a);
    CHECK_EXITED(status, 7);

    pid_t b = t_fork();
    if (b == 0) {
        for (;;)
            pause();
    }
    CHECK_SYS(kill(b, SIGSTOP));
    read_one(fd, &si);
    CHECK_EQ(si.ssi_code, CLD_STOPPED);
    CHECK_EQ(si.ssi_pid, b);
    CHECK_EQ(si.ssi_status, SIGSTOP);
    CHECK_EQ(waitpid(b, &status, WUNTRACED), b);
    CHECK(WIFSTOPPED(status));
    CHECK_SYS(kill(b, SIGCONT));
    read_one(fd, &si);
    CHECK_EQ(si.ssi_code, CLD_CONTINUED);
    CHECK_EQ(si.ssi_status, SIGCONT);
    CHECK_SYS(kill(b, SIGTERM));
    read_one(fd, &si);
    CHECK_EQ(si.ssi_code, CLD_KILLED);
    CHECK_EQ(si.ssi_pid, b);
    CHECK_EQ(si.ssi_status, SIGTERM);
    CHECK_EQ(waitpid(b, &status, 0), b);
    CHECK_SIGNALED(status, SIGTERM);

    /* Several children, one pending SIGCHLD may stand for many: reap with
     * WNOHANG after each record until all are gone. */
    int left = 4;
    for (int i = 0; i < 4; i++)
        spawn_exit(i, 0);
    while (left > 0) {
        read_one(fd, &si);
        CHECK_EQ(si.ssi_signo, SIGCHLD);
        pid_t r;
        while ((r = waitpid(-1, &status, WNOHANG)) > 0)
            left--;
        CHECK(r == 0 || (r == -1 && errno == ECHILD));
    }
    CHECK_ERR(waitpid(-1, &status, WNOHANG), ECHILD);
    close(fd);
    t_unblock(SIGCHLD);
}

static volatile sig_atomic_t alarms, send_at;
static void on_alarm(int sig)
{
    (void)sig;
    if (++alarms == send_at)
        kill(getpid(), SIGUSR2); /* blocked, in the signalfd's mask */
}

static void set_timer(long us)
{
    struct itimerval it = {{0, us}, {0, us}};
    CHECK_SYS(setitimer(ITIMER_REAL, &it, NULL));
}

/* A blocked read is interrupted by a handled signal: EINTR without
 * SA_RESTART; with it, the read goes on and returns the signalfd's signal. */
static void blocking_interrupted(void)
{
    t_block(SIGUSR2);
    int fd = make_sfd(0, SIGUSR2, 0);
    struct signalfd_siginfo si;
    alarms = 0;
    send_at = 0;
    t_signal(SIGALRM, on_alarm); /* no SA_RESTART */
    set_timer(20000);
    errno = 0;
    CHECK_ERR(read(fd, &si, sizeof si), EINTR);
    set_timer(0);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    CHECK_SYS(sigaction(SIGALRM, &sa, NULL));
    alarms = 0;
    send_at = 3;
    set_timer(20000);
    CHECK_EQ(read(fd, &si, sizeof si), (long)REC);
    set_timer(0);
    CHECK_EQ(si.ssi_signo, SIGUSR2);
    CHECK(alarms >= 3);
    signal(SIGALRM, SIG_DFL);
    close(fd);
}

/* poll sleeps until another process's signal arrives. */
static void poll_wakes(void)
{
    t_block(SIGUSR1);
    int fd = make_sfd(SFD_NONBLOCK, SIGUSR1, 0);
    pid_t parent = getpid();
    pid_t c = t_fork();
    if (c == 0) {
        t_msleep(30);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    CHECK_EQ(t_poll_in(fd, 20000), POLLIN);
    struct signalfd_siginfo si;
    CHECK_EQ(read(fd, &si, sizeof si), (long)REC);
    CHECK_EQ(si.ssi_pid, c);
    CHECK_EQ(t_wait(c), 0);
    close(fd);
}

/* Across fork the descriptor reads the reader's signals: the child sees its
 * own, not the parent's pending one, and the parent keeps its own. */
static void fork_and_exec(const char *self)
{
    t_block(SIGUSR1);
    t_block(SIGUSR2);
    int fd = make_sfd(SFD_NONBLOCK, SIGUSR1, SIGUSR2);
    int cloexec_fd = make_sfd(SFD_NONBLOCK | SFD_CLOEXEC, SIGUSR1, 0);
    CHECK_SYS(kill(getpid(), SIGUSR2));
    pid_t c = t_fork();
    if (c == 0) {
        struct signalfd_siginfo si;
        CHECK_EQ(t_poll_in(fd, 0), 0); /* pending signals are not inherited */
        CHECK_ERR(read(fd, &si, sizeof si), EAGAIN);
        CHECK_SYS(kill(getpid(), SIGUSR1));
        CHECK_EQ(t_poll_in(fd, 0), POLLIN);
        CHECK_EQ(read(fd, &si, sizeof si), (long)REC);
        CHECK_EQ(si.ssi_signo, SIGUSR1);
        CHECK_EQ(si.ssi_pid, getpid());
        /* Across exec: the plain one stays (the mask stays blocked), the
         * close-on-exec one goes. */
        CHECK_SYS(kill(getpid(), SIGUSR1));
        char a[16], b[16];
        snprintf(a, sizeof a, "%d", fd);
        snprintf(b, sizeof b, "%d", cloexec_fd);
        char *argv[] = {(char *)self, "exec-child", a, b, NULL};
        execv(self, argv);
        _exit(127);
    }
    CHECK_EQ(t_wait(c), 9 << 8);
    struct signalfd_siginfo si;
    CHECK_EQ(read(fd, &si, sizeof si), (long)REC);
    CHECK_EQ(si.ssi_signo, SIGUSR2);
    CHECK_EQ(si.ssi_pid, getpid());
    CHECK_ERR(read(fd, &si, sizeof si), EAGAIN);
    close(fd);
    close(cloexec_fd);
}

/* A fault's signal is never read: blocked, it is unblocked and delivered
 * at once (signalfd(2): synchronously generated signals only reach handlers). */
static void fault_not_readable(void)
{
    pid_t c = t_fork();
    if (c == 0) {
        t_no_core();
        t_block(SIGSEGV);
        int fd = make_sfd(SFD_NONBLOCK, SIGSEGV, 0);
        (void)fd;
        t_null_deref();
        _exit(0);
    }
    int status = t_wait(c);
    CHECK_SIGNALED(status, SIGSEGV);
}

static int exec_child(int fd, int cloexec_fd)
{
    struct signalfd_siginfo si;
    CHECK_ERR(fcntl(cloexec_fd, F_GETFD), EBADF);
    CHECK_EQ(read(fd, &si, sizeof si), (long)REC);
    CHECK_EQ(si.ssi_signo, SIGUSR1);
    CHECK_EQ(si.ssi_pid, getpid());
    return 9;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "exec-child") == 0)
        return exec_child(atoi(argv[2]), atoi(argv[3]));
    const char *self = t_self_path(argv[0]);
    errors();
    records();
    sigchld();
    blocking_interrupted();
    poll_wakes();
    fork_and_exec(self);
    fault_not_readable();
    printf("ok\n");
    return 0;
}
