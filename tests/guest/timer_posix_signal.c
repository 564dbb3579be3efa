/* POSIX timers (timer_create and friends, raw syscalls) deliver what Linux
 * delivers: SIGEV_SIGNAL with si_code SI_TIMER, si_timerid = the id and
 * si_value = sigev_value; the default sigevent (NULL) is SIGALRM with the
 * id as the value; SIGEV_THREAD_ID reaches the named thread; SIGEV_THREAD
 * is a plain signal to the kernel; SIGEV_NONE never signals but reads back;
 * TIMER_ABSTIME in the past fires at once; settime returns the old
 * setting; a periodic timer keeps firing; disarming stops it. */
#include "t.h"

#include <sys/syscall.h>

static long t_timer_create(int clock, struct sigevent *sev, int *id)
{
    return syscall(SYS_timer_create, clock, sev, id);
}
static long t_timer_settime(int id, int flags, const struct itimerspec *v, struct itimerspec *old)
{
    return syscall(SYS_timer_settime, id, flags, v, old);
}
static long t_timer_gettime(int id, struct itimerspec *v)
{
    return syscall(SYS_timer_gettime, id, v);
}

static volatile int g_count, g_signo, g_code, g_timerid, g_overrun, g_tid;
static volatile unsigned long g_value;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    g_count++;
    g_signo = sig;
    g_code = si->si_code;
    g_timerid = si->si_timerid;
    g_overrun = si->si_overrun;
    g_value = (unsigned long)si->si_value.sival_ptr;
    g_tid = (int)sys_gettid();
}

static void wait_count(int n)
{
    for (int i = 0; i < 5000 && g_count < n; i++)
        t_msleep(1);
    CHECK_EQ(g_count, n);
}

static long ns_of(struct timespec ts)
{
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static volatile int g_thread_go, g_thread_done;
static int thread_main(void *arg)
{
    (void)arg;
    /* Spin (with sleeps) until the main thread's timer signal reached us. */
    g_thread_go = 1;
    while (!g_thread_done)
        t_msleep(1);
    return 0;
}

int main(void)
{
    t_sigaction(SIGUSR1, on_timer, 0);
    t_sigaction(SIGALRM, on_timer, 0);
    t_sigaction(SIGRTMIN + 2, on_timer, 0);

    /* SIGEV_SIGNAL: signal, code, id and the full 64-bit value. */
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    sev.sigev_value.sival_ptr = (void *)0x123456789abcUL;
    int id;
    CHECK_SYS(t_timer_create(CLOCK_MONOTONIC, &sev, &id));
    struct itimerspec its = {{0, 0}, {0, 20000000}};
    CHECK_SYS(t_timer_settime(id, 0, &its, NULL));
    struct itimerspec cur;
    CHECK_SYS(t_timer_gettime(id, &cur));
    CHECK(ns_of(cur.it_value) > 0 && ns_of(cur.it_value) <= 20000000);
    CHECK_EQ(ns_of(cur.it_interval), 0);
    wait_count(1);
    CHECK_EQ(g_signo, SIGUSR1);
    CHECK_EQ(g_code, SI_TIMER);
    CHECK_EQ(g_timerid, id);
    CHECK_EQ(g_overrun, 0);
    CHECK_EQ(g_value, 0x123456789abcUL);
    /* A fired one-shot timer reads as disarmed. */
    CHECK_SYS(t_timer_gettime(id, &cur));
    CHECK_EQ(ns_of(cur.it_value), 0);

    /* settime returns the old setting (time left and interval). */
    struct itimerspec longer = {{3, 0}, {50, 0}}, old;
    CHECK_SYS(t_timer_settime(id, 0, &longer, NULL));
    struct itimerspec off = {{0, 0}, {0, 0}};
    CHECK_SYS(t_timer_settime(id, 0, &off, &old));
    CHECK(old.it_value.tv_sec >= 48 && old.it_value.tv_sec <= 50);
    CHECK_EQ(old.it_interval.tv_sec, 3);
    CHECK_EQ(old.it_interval.tv_nsec, 0);
    CHECK_SYS(t_timer_gettime(id, &cur));
    CHECK_EQ(ns_of(cur.it_value), 0);
    CHECK_EQ(ns_of(cur.it_interval), 0); /* disarming drops the interval */

    /* TIMER_ABSTIME in the past: fires at once, on the way out of settime. */
    g_count = 0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct itimerspec past = {{0, 0}, {now.tv_sec > 0 ? now.tv_sec - 1 : 0, 1}};
    CHECK_SYS(t_timer_settime(id, TIMER_ABSTIME, &past, NULL));
    wait_count(1);
    /* TIMER_ABSTIME on CLOCK_REALTIME, 30 ms ahead. */
    int rid;
    CHECK_SYS(t_timer_create(CLOCK_REALTIME, &sev, &rid));
    clock_gettime(CLOCK_REALTIME, &now);
    long target = ns_of(now) + 30000000L;
    struct itimerspec abs_rt = {{0, 0}, {target / 1000000000L, target % 1000000000L}};
    g_count = 0;
    CHECK_SYS(t_timer_settime(rid, TIMER_ABSTIME, &abs_rt, NULL));
    wait_count(1);
    clock_gettime(CLOCK_REALTIME, &now);
    CHECK(ns_of(now) >= target);
    CHECK_EQ(g_timerid, rid);
    CHECK_SYS(syscall(SYS_timer_delete, rid));

    /* Periodic: keeps firing every interval until disarmed. */
    g_count = 0;
    struct itimerspec periodic = {{0, 10000000}, {0, 10000000}};
    CHECK_SYS(t_timer_settime(id, 0, &periodic, NULL));
    for (int i = 0; i < 5000 && g_count < 3; i++)
        t_msleep(1);
    CHECK(g_count >= 3); /* a slow machine may see a fourth by now */
    CHECK_SYS(t_timer_gettime(id, &cur));
    CHECK_EQ(ns_of(cur.it_interval), 10000000);
    CHECK(ns_of(cur.it_value) > 0 && ns_of(cur.it_value) <= 10000000);
    CHECK_SYS(t_timer_settime(id, 0, &off, NULL));
    int settled = g_count;
    t_msleep(60);
    CHECK_EQ(g_count, settled);
    CHECK_SYS(syscall(SYS_timer_delete, id));

    /* The default sigevent: SIGALRM, value = the id. */
    int did;
    CHECK_SYS(t_timer_create(CLOCK_MONOTONIC, NULL, &did));
    g_count = 0;
    struct itimerspec soon = {{0, 0}, {0, 5000000}};
    CHECK_SYS(t_timer_settime(did, 0, &soon, NULL));
    wait_count(1);
    CHECK_EQ(g_signo, SIGALRM);
    CHECK_EQ(g_code, SI_TIMER);
    CHECK_EQ(g_timerid, did);
    CHECK_EQ(g_value, (unsigned long)did);
    CHECK_SYS(syscall(SYS_timer_delete, did));

    /* SIGEV_THREAD is, to the kernel, a signal like SIGEV_SIGNAL (the C
     * library builds its threads on SIGEV_THREAD_ID). */
    sev.sigev_notify = SIGEV_THREAD;
    sev.sigev_signo = SIGRTMIN + 2;
    int tid_;
    CHECK_SYS(t_timer_create(CLOCK_BOOTTIME, &sev, &tid_));
    g_count = 0;
    CHECK_SYS(t_timer_settime(tid_, 0, &soon, NULL));
    wait_count(1);
    CHECK_EQ(g_signo, SIGRTMIN + 2);
    CHECK_EQ(g_timerid, tid_);
    CHECK_SYS(syscall(SYS_timer_delete, tid_));

    /* SIGEV_THREAD_ID: the signal goes to that thread, not to the process
     * (the main thread blocks nothing, and is not the one that runs the
     * handler). */
    struct t_thread th;
    t_thread_start(&th, thread_main, NULL);
    while (!g_thread_go)
        t_msleep(1);
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = SIGUSR1;
    sev.sigev_notify_thread_id = th.tid_ret;
    int thid;
    CHECK_SYS(t_timer_create(CLOCK_MONOTONIC, &sev, &thid));
    g_count = 0;
    CHECK_SYS(t_timer_settime(thid, 0, &soon, NULL));
    wait_count(1);
    CHECK_EQ(g_tid, th.tid_ret);
    CHECK_EQ(g_code, SI_TIMER);
    g_thread_done = 1;
    t_thread_join(&th);
    CHECK_SYS(syscall(SYS_timer_delete, thid));

    /* SIGEV_NONE: nothing is ever sent; gettime reads the time left, 0 once
     * a one-shot has expired, the next period for a periodic one. */
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_NONE;
    int nid;
    CHECK_SYS(t_timer_create(CLOCK_MONOTONIC, &sev, &nid));
    g_count = 0;
    CHECK_SYS(t_timer_settime(nid, 0, &soon, NULL));
    CHECK_SYS(t_timer_gettime(nid, &cur));
    CHECK(ns_of(cur.it_value) > 0);
    t_msleep(20);
    CHECK_SYS(t_timer_gettime(nid, &cur));
    CHECK_EQ(ns_of(cur.it_value), 0);
    struct itimerspec nper = {{0, 3000000}, {0, 3000000}};
    CHECK_SYS(t_timer_settime(nid, 0, &nper, NULL));
    t_msleep(20);
    CHECK_SYS(t_timer_gettime(nid, &cur));
    CHECK(ns_of(cur.it_value) > 0 && ns_of(cur.it_value) <= 3000000);
    CHECK_EQ(syscall(SYS_timer_getoverrun, nid), 0);
    CHECK_EQ(g_count, 0);
    CHECK_SYS(syscall(SYS_timer_delete, nid));
    return 0;
}
