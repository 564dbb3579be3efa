/* Timers on CPU time fire only once that much CPU was used, never while the
 * process sleeps: timer_create on CLOCK_PROCESS_CPUTIME_ID (the whole
 * process) and CLOCK_THREAD_CPUTIME_ID (the creating thread only), and
 * setitimer ITIMER_VIRTUAL (user time, SIGVTALRM) and ITIMER_PROF (user +
 * system time, SIGPROF), both kernel-sent (SI_KERNEL) and reloaded from
 * their interval. */
#include "t.h"

#include <sys/syscall.h>

static volatile int g_usr1, g_usr2, g_vtalrm, g_prof;
static volatile long g_cpu_at_usr1;
static volatile int g_code_vtalrm, g_code_prof, g_code_usr1;

static long cpu_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (sig == SIGUSR1) {
        g_usr1++;
        g_code_usr1 = si->si_code;
        g_cpu_at_usr1 = cpu_ms(CLOCK_PROCESS_CPUTIME_ID);
    } else if (sig == SIGUSR2) {
        g_usr2++;
    } else if (sig == SIGVTALRM) {
        g_vtalrm++;
        g_code_vtalrm = si->si_code;
    } else if (sig == SIGPROF) {
        g_prof++;
        g_code_prof = si->si_code;
    }
}

/* Burns CPU until *flag reaches n, at most `limit_ms` of CPU. */
static void burn_until(volatile int *flag, int n, long limit_ms)
{
    long start = cpu_ms(CLOCK_PROCESS_CPUTIME_ID);
    volatile unsigned long x = 0;
    while (*flag < n && cpu_ms(CLOCK_PROCESS_CPUTIME_ID) - start < limit_ms)
        for (int i = 0; i < 20000; i++)
            x += (unsigned long)i;
}

static volatile int g_burner_stop;
static int burner(void *arg)
{
    (void)arg;
    volatile unsigned long x = 0;
    while (!g_burner_stop)
        for (int i = 0; i < 20000; i++)
            x += (unsigned long)i;
    return 0;
}

int main(void)
{
    t_sigaction(SIGUSR1, on_signal, SA_RESTART);
    t_sigaction(SIGUSR2, on_signal, SA_RESTART);
    t_sigaction(SIGVTALRM, on_signal, SA_RESTART);
    t_sigaction(SIGPROF, on_signal, SA_RESTART);

    /* Process CPU clock: 50 ms of CPU. Sleeping does not get there. */
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    int pid_timer;
    CHECK_SYS(syscall(SYS_timer_create, CLOCK_PROCESS_CPUTIME_ID, &sev, &pid_timer));
    long armed_at = cpu_ms(CLOCK_PROCESS_CPUTIME_ID);
    struct itimerspec its = {{0, 0}, {0, 50000000}};
    CHECK_SYS(syscall(SYS_timer_settime, pid_timer, 0, &its, NULL));
    t_msleep(150);
    CHECK_EQ(g_usr1, 0);
    struct itimerspec cur;
    CHECK_SYS(syscall(SYS_timer_gettime, pid_timer, &cur));
    CHECK(cur.it_value.tv_nsec > 0 && cur.it_value.tv_sec == 0);
    burn_until(&g_usr1, 1, 5000);
    CHECK_EQ(g_usr1, 1);
    CHECK_EQ(g_code_usr1, SI_TIMER);
    CHECK(g_cpu_at_usr1 - armed_at >= 50);
    CHECK_SYS(syscall(SYS_timer_gettime, pid_timer, &cur));
    CHECK_EQ(cur.it_value.tv_sec, 0);
    CHECK_EQ(cur.it_value.tv_nsec, 0);

    /* Thread CPU clock: another thread's CPU does not count, the process
     * clock's does. */
    sev.sigev_signo = SIGUSR2;
    int thread_timer;
    CHECK_SYS(syscall(SYS_timer_create, CLOCK_THREAD_CPUTIME_ID, &sev, &thread_timer));
    struct itimerspec hundred = {{0, 0}, {0, 100000000}};
    struct itimerspec thirty = {{0, 0}, {0, 30000000}};
    CHECK_SYS(syscall(SYS_timer_settime, thread_timer, 0, &hundred, NULL));
    g_usr1 = 0;
    CHECK_SYS(syscall(SYS_timer_settime, pid_timer, 0, &thirty, NULL));
    struct t_thread th;
    t_thread_start(&th, burner, NULL);
    for (int i = 0; i < 5000 && !g_usr1; i++)
        t_msleep(1);
    CHECK_EQ(g_usr1, 1); /* the burner's CPU is the process's */
    t_msleep(50);
    g_burner_stop = 1;
    t_thread_join(&th);
    CHECK_EQ(g_usr2, 0); /* but not this thread's */
    burn_until(&g_usr2, 1, 5000);
    CHECK_EQ(g_usr2, 1);
    CHECK_SYS(syscall(SYS_timer_delete, thread_timer));
    CHECK_SYS(syscall(SYS_timer_delete, pid_timer));

    /* ITIMER_VIRTUAL: reads back, not fired by sleeping, fires with
     * SI_KERNEL after user CPU, reloads. */
    struct itimerval v = {{0, 20000}, {0, 50000}}, got;
    CHECK_SYS(setitimer(ITIMER_VIRTUAL, &v, NULL));
    CHECK_SYS(getitimer(ITIMER_VIRTUAL, &got));
    CHECK_EQ(got.it_interval.tv_usec, 20000);
    /* Linux adds one tick (1/HZ) to a CPU itimer's value. */
    CHECK(got.it_value.tv_usec >= 30000 && got.it_value.tv_usec <= 70000 && got.it_value.tv_sec == 0);
    t_msleep(150);
    CHECK_EQ(g_vtalrm, 0);
    burn_until(&g_vtalrm, 3, 5000);
    CHECK(g_vtalrm >= 3);
    CHECK_EQ(g_code_vtalrm, SI_KERNEL);
    struct itimerval off = {{0, 0}, {0, 0}};
    CHECK_SYS(setitimer(ITIMER_VIRTUAL, &off, &got));
    CHECK_EQ(got.it_interval.tv_usec, 20000);
    int settled = g_vtalrm;
    t_burn_cpu_ms(60);
    CHECK_EQ(g_vtalrm, settled);

    /* ITIMER_PROF likewise, with SIGPROF. */
    struct itimerval p = {{0, 0}, {0, 40000}};
    CHECK_SYS(setitimer(ITIMER_PROF, &p, NULL));
    t_msleep(150);
    CHECK_EQ(g_prof, 0);
    burn_until(&g_prof, 1, 5000);
    CHECK_EQ(g_prof, 1);
    CHECK_EQ(g_code_prof, SI_KERNEL);
    CHECK_SYS(getitimer(ITIMER_PROF, &got));
    CHECK_EQ(got.it_value.tv_sec, 0);
    CHECK_EQ(got.it_value.tv_usec, 0); /* one-shot: disarmed */

    /* Linux keeps a CPU itimer's interval even when the value disarms it
     * (ITIMER_REAL drops it). */
    struct itimerval interval_only = {{1, 0}, {0, 0}};
    CHECK_SYS(setitimer(ITIMER_VIRTUAL, &interval_only, NULL));
    CHECK_SYS(getitimer(ITIMER_VIRTUAL, &got));
    CHECK_EQ(got.it_interval.tv_sec, 1);
    CHECK_EQ(got.it_value.tv_sec, 0);
    CHECK_EQ(got.it_value.tv_usec, 0);
    CHECK_SYS(setitimer(ITIMER_REAL, &interval_only, NULL));
    CHECK_SYS(getitimer(ITIMER_REAL, &got));
    CHECK_EQ(got.it_interval.tv_sec, 0);

    /* Not inherited by fork. */
    CHECK_SYS(setitimer(ITIMER_PROF, &(struct itimerval){{0, 0}, {100, 0}}, NULL));
    pid_t child = t_fork();
    if (child == 0) {
        CHECK_SYS(getitimer(ITIMER_PROF, &got));
        CHECK_EQ(got.it_value.tv_sec, 0);
        CHECK_EQ(got.it_value.tv_usec, 0);
        _exit(0);
    }
    T_WAIT_OK(child);
    CHECK_ERR(setitimer(3, &p, NULL), EINVAL);
    CHECK_ERR(getitimer(3, &got), EINVAL);
    return 0;
}
