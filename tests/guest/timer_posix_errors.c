/* The errors of the POSIX timer syscalls, as Linux gives them, and how ids
 * are handed out: per process from 0, counting up, never reused while the
 * counter has not wrapped; a failure after the id was taken (bad sigevent,
 * an unwritable id pointer, an *_ALARM clock) uses one up, a failure before
 * (bad clock, unreadable sigevent) does not. */
#include "t.h"

#include <sys/syscall.h>

#define BAD_PTR ((void *)8)

static long tcreate(int clock, void *sev, void *id)
{
    return syscall(SYS_timer_create, clock, sev, id);
}

static int next_id(void)
{
    int id;
    CHECK_SYS(tcreate(CLOCK_MONOTONIC, NULL, &id));
    return id;
}

static volatile int g_alarms;
static void on_alarm(int sig)
{
    (void)sig;
    g_alarms++;
}

int main(void)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        /* A fresh process: ids from 0. */
        CHECK_EQ(next_id(), 0);
        CHECK_EQ(next_id(), 1);
        CHECK_SYS(syscall(SYS_timer_delete, 0));
        CHECK_EQ(next_id(), 2); /* a deleted id is not handed out again */

        int id;
        /* Clock ids: no timers on MONOTONIC_RAW and the coarse clocks
         * (EOPNOTSUPP), unknown ones EINVAL; neither uses an id up. */
        CHECK_ERR(tcreate(4, NULL, &id), EOPNOTSUPP);
        CHECK_ERR(tcreate(5, NULL, &id), EOPNOTSUPP);
        CHECK_ERR(tcreate(6, NULL, &id), EOPNOTSUPP);
        CHECK_ERR(tcreate(10, NULL, &id), EINVAL);
        CHECK_ERR(tcreate(12, NULL, &id), EINVAL);
        CHECK_ERR(tcreate(1000, NULL, &id), EINVAL);
        CHECK_EQ(next_id(), 3);
        /* The *_ALARM clocks: no wake-capable RTC here (EOPNOTSUPP; Linux
         * would say EPERM to a caller without CAP_WAKE_ALARM on a machine
         * with one), after an id was taken. */
        errno = 0;
        CHECK_EQ(tcreate(8, NULL, &id), -1);
        CHECK(errno == EOPNOTSUPP || errno == EPERM);
        errno = 0;
        CHECK_EQ(tcreate(9, NULL, &id), -1);
        CHECK(errno == EOPNOTSUPP || errno == EPERM);
        CHECK_EQ(next_id(), 6);
        /* The other clocks all take timers. */
        int clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
                        CLOCK_BOOTTIME, CLOCK_TAI};
        for (unsigned i = 0; i < sizeof clocks / sizeof *clocks; i++)
            CHECK_SYS(tcreate(clocks[i], NULL, &id));
        CHECK_EQ(next_id(), 13);

        /* sigevent checks (good_sigevent): after the id was taken. */
        struct sigevent sev;
        memset(&sev, 0, sizeof sev);
        sev.sigev_signo = SIGUSR1;
        int bad_notify[] = {3, 5, 6, 7, 8, -1};
        for (unsigned i = 0; i < sizeof bad_notify / sizeof *bad_notify; i++) {
            sev.sigev_notify = bad_notify[i];
            CHECK_ERR(tcreate(CLOCK_MONOTONIC, &sev, &id), EINVAL);
        }
        CHECK_EQ(next_id(), 20);
        sev.sigev_notify = SIGEV_SIGNAL;
        sev.sigev_signo = 0;
        CHECK_ERR(tcreate(CLOCK_MONOTONIC, &sev, &id), EINVAL);
        sev.sigev_signo = 65;
        CHECK_ERR(tcreate(CLOCK_MONOTONIC, &sev, &id), EINVAL);
        sev.sigev_signo = -1;
        CHECK_ERR(tcreate(CLOCK_MONOTONIC, &sev, &id), EINVAL);
        /* SIGEV_NONE ignores the signal number. */
        sev.sigev_notify = SIGEV_NONE;
        sev.sigev_signo = 999;
        CHECK_SYS(tcreate(CLOCK_MONOTONIC, &sev, &id));
        CHECK_EQ(id, 24);
        /* SIGEV_THREAD_ID: the tid must be a thread of the caller's group. */
        sev.sigev_notify = SIGEV_THREAD_ID;
        sev.sigev_signo = SIGUSR1;
        sev.sigev_notify_thread_id = getpid();
        CHECK_SYS(tcreate(CLOCK_MONOTONIC, &sev, &id));
        CHECK_EQ(id, 25);
        sev.sigev_notify_thread_id = 0;
        CHECK_ERR(tcreate(CLOCK_MONOTONIC, &sev, &id), EINVAL);
        sev.sigev_notify_thread_id = -5;
        CHECK_ERR(tcreate(CLOCK_MONOTONIC, &sev, &id), EINVAL);
        sev.sigev_notify_thread_id = getppid(); /* another process */
        CHECK_ERR(tcreate(CLOCK_MONOTONIC, &sev, &id), EINVAL);
        sev.sigev_notify_thread_id = getpid();
        sev.sigev_signo = 0;
        CHECK_ERR(tcreate(CLOCK_MONOTONIC, &sev, &id), EINVAL);
        sev.sigev_signo = SIGUSR1;
        sev.sigev_notify = SIGEV_THREAD_ID | SIGEV_THREAD;
        CHECK_ERR(tcreate(CLOCK_MONOTONIC, &sev, &id), EINVAL);
        CHECK_EQ(next_id(), 31);

        /* EFAULT: an unreadable sigevent before anything (no id used); an
         * unwritable id pointer after (the timer is gone, its id used). */
        CHECK_ERR(tcreate(CLOCK_MONOTONIC, BAD_PTR, &id), EFAULT);
        CHECK_ERR(tcreate(CLOCK_MONOTONIC, NULL, BAD_PTR), EFAULT);
        CHECK_EQ(next_id(), 33);
        struct itimerspec v;
        CHECK_ERR(syscall(SYS_timer_gettime, 32, &v), EINVAL);

        /* timer_settime. */
        int t = next_id();
        struct itimerspec ok = {{0, 0}, {100, 0}};
        CHECK_ERR(syscall(SYS_timer_settime, t, 0, NULL, NULL), EINVAL);
        CHECK_ERR(syscall(SYS_timer_settime, t, 0, BAD_PTR, NULL), EFAULT);
        struct itimerspec bad = ok;
        bad.it_value.tv_nsec = 1000000000;
        CHECK_ERR(syscall(SYS_timer_settime, t, 0, &bad, NULL), EINVAL);
        bad = ok;
        bad.it_value.tv_nsec = -1;
        CHECK_ERR(syscall(SYS_timer_settime, t, 0, &bad, NULL), EINVAL);
        bad = ok;
        bad.it_value.tv_sec = -1;
        CHECK_ERR(syscall(SYS_timer_settime, t, 0, &bad, NULL), EINVAL);
        /* The interval is checked even when the value disarms. */
        bad.it_value.tv_sec = 0;
        bad.it_interval.tv_nsec = 1000000000;
        CHECK_ERR(syscall(SYS_timer_settime, t, 0, &bad, NULL), EINVAL);
        CHECK_ERR(syscall(SYS_timer_settime, 9999, 0, &ok, NULL), EINVAL);
        CHECK_ERR(syscall(SYS_timer_settime, -1, 0, &ok, NULL), EINVAL);
        /* Unknown flag bits are ignored. */
        CHECK_SYS(syscall(SYS_timer_settime, t, 0x100, &ok, NULL));
        /* An unwritable old value: EFAULT, after the change took effect. */
        struct itimerspec later = {{0, 0}, {200, 0}};
        CHECK_ERR(syscall(SYS_timer_settime, t, 0, &later, BAD_PTR), EFAULT);
        CHECK_SYS(syscall(SYS_timer_gettime, t, &v));
        CHECK(v.it_value.tv_sec > 150);
        /* A huge value saturates instead of overflowing. */
        struct itimerspec huge = {{0, 0}, {0x7fffffffffffffffL, 999999999}};
        CHECK_SYS(syscall(SYS_timer_settime, t, 0, &huge, NULL));
        CHECK_SYS(syscall(SYS_timer_gettime, t, &v));
        CHECK(v.it_value.tv_sec > 1000000000L);

        /* timer_gettime, timer_getoverrun, timer_delete. */
        CHECK_ERR(syscall(SYS_timer_gettime, t, BAD_PTR), EFAULT);
        CHECK_ERR(syscall(SYS_timer_gettime, 9999, &v), EINVAL);
        CHECK_ERR(syscall(SYS_timer_getoverrun, 9999), EINVAL);
        CHECK_EQ(syscall(SYS_timer_getoverrun, t), 0);
        CHECK_SYS(syscall(SYS_timer_delete, t));
        CHECK_ERR(syscall(SYS_timer_delete, t), EINVAL); /* deleted twice */
        CHECK_ERR(syscall(SYS_timer_gettime, t, &v), EINVAL);
        CHECK_ERR(syscall(SYS_timer_getoverrun, t), EINVAL);
        CHECK_ERR(syscall(SYS_timer_delete, -1), EINVAL);

        /* A deleted timer never fires. */
        t_signal(SIGALRM, on_alarm);
        int a = next_id();
        struct itimerspec soon = {{0, 0}, {0, 20000000}};
        CHECK_SYS(syscall(SYS_timer_settime, a, 0, &soon, NULL));
        CHECK_SYS(syscall(SYS_timer_delete, a));
        t_msleep(60);
        CHECK_EQ(g_alarms, 0);
        _exit(0);
    }
    T_WAIT_OK(pid);
    return 0;
}
