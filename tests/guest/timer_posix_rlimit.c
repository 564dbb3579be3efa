/* A POSIX timer's siginfo is allocated when the timer is created and counts
 * against the user's RLIMIT_SIGPENDING for the timer's whole life (Linux
 * preallocates it): timer_create fails with EAGAIN at the limit, the
 * timers' entries leave no room for sigqueue, and deleting one makes room.
 * The exact counts need a uid of our own (root only: skipped natively as a
 * user, whose other processes also hold entries); the limit 0 case runs
 * everywhere. */
#include "t.h"

#include <sys/syscall.h>

static long tcreate(void)
{
    int id;
    long r = syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &id);
    return r == 0 ? id : r;
}

int main(void)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        struct rlimit rl = {0, 0};
        CHECK_SYS(setrlimit(RLIMIT_SIGPENDING, &rl));
        CHECK_ERR(tcreate(), EAGAIN);
        CHECK_ERR(tcreate(), EAGAIN);
        _exit(0);
    }
    T_WAIT_OK(pid);

    T_REQUIRE_ROOT();
    uid_t uid = t_private_uid(0);
    pid = t_fork();
    if (pid == 0) {
        struct rlimit rl = {3, 3};
        CHECK_SYS(setrlimit(RLIMIT_SIGPENDING, &rl));
        CHECK_SYS(setresuid(uid, uid, uid));
        /* EAGAIN comes before an id is taken. */
        CHECK_EQ(tcreate(), 0);
        CHECK_EQ(tcreate(), 1);
        CHECK_EQ(tcreate(), 2);
        CHECK_ERR(tcreate(), EAGAIN);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGRTMIN);
        sigprocmask(SIG_BLOCK, &set, NULL);
        union sigval v = {.sival_int = 1};
        CHECK_ERR(sigqueue(getpid(), SIGRTMIN, v), EAGAIN);
        CHECK_SYS(syscall(SYS_timer_delete, 1));
        CHECK_SYS(sigqueue(getpid(), SIGRTMIN, v));
        CHECK_ERR(tcreate(), EAGAIN);
        struct timespec zero = {0, 0};
        siginfo_t si;
        CHECK_EQ(sigtimedwait(&set, &si, &zero), SIGRTMIN);
        CHECK_EQ(tcreate(), 3);
        /* A timer's own signal queued takes no more room. */
        struct sigevent sev;
        memset(&sev, 0, sizeof sev);
        sev.sigev_notify = SIGEV_SIGNAL;
        sev.sigev_signo = SIGRTMIN;
        CHECK_SYS(syscall(SYS_timer_delete, 3));
        int id;
        CHECK_SYS(syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id));
        struct itimerspec soon = {{0, 0}, {0, 1000000}};
        CHECK_SYS(syscall(SYS_timer_settime, id, 0, &soon, NULL));
        t_msleep(20);
        CHECK_EQ(sigtimedwait(&set, &si, &zero), SIGRTMIN);
        CHECK_EQ(si.si_code, SI_TIMER);
        CHECK_EQ(si.si_timerid, id);
        CHECK_ERR(tcreate(), EAGAIN);
        /* Exit frees them all: a new process of this uid has the room. */
        _exit(0);
    }
    T_WAIT_OK(pid);
    pid = t_fork();
    if (pid == 0) {
        struct rlimit rl = {3, 3};
        CHECK_SYS(setrlimit(RLIMIT_SIGPENDING, &rl));
        CHECK_SYS(setresuid(uid, uid, uid));
        for (int i = 0; i < 3; i++)
            CHECK_EQ(tcreate(), i);
        _exit(0);
    }
    T_WAIT_OK(pid);
    return 0;
}
