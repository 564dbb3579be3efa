/* The CPU clocks of other processes and threads by clock id (Linux's
 * encoding, as clock_getcpuclockid and pthread_getcpuclockid make them):
 * clock_gettime and clock_getres on a child's process clock (its CPU time,
 * also as a zombie, EINVAL once reaped, which glibc reports as ESRCH),
 * the PROF/VIRT/SCHED variants and their resolutions, thread clocks
 * only within the caller's thread group, a non-leader's tid as a process
 * clock (only clock_gettime by that thread itself accepts it), and the
 * descriptor clocks (CLOCKFD) Charon has none of. */
#include "t.h"

#include <sys/syscall.h>

#define PROF 0
#define VIRT 1
#define SCHED 2
#define CLOCKFD 3
#define PERTHREAD 4

static clockid_t cpu_clock(pid_t pid, int which) { return (clockid_t)(((unsigned)~pid << 3) | (unsigned)which); }

static long gettime(clockid_t c, long *ns)
{
    struct timespec ts;
    long r = syscall(SYS_clock_gettime, c, &ts);
    if (r == 0 && ns)
        *ns = ts.tv_sec * 1000000000L + ts.tv_nsec;
    return r;
}

static long getres(clockid_t c, long *ns)
{
    struct timespec ts;
    long r = syscall(SYS_clock_getres, c, &ts);
    if (r == 0 && ns)
        *ns = ts.tv_sec * 1000000000L + ts.tv_nsec;
    return r;
}

static volatile int g_thread_ok, g_release;
static int g_main_tid;

static int thread_main(void *arg)
{
    (void)arg;
    int tid = (int)sys_gettid();
    long ns;
    /* Its own tid as a process clock: clock_gettime takes it (the
     * process's clock), clock_getres does not (not a thread-group leader). */
    CHECK_EQ(gettime(cpu_clock(tid, SCHED), &ns), 0);
    CHECK_ERR(getres(cpu_clock(tid, SCHED), NULL), EINVAL);
    /* The main thread's thread clock, and its own. */
    CHECK_EQ(gettime(cpu_clock(g_main_tid, SCHED | PERTHREAD), &ns), 0);
    CHECK_EQ(gettime(cpu_clock(0, SCHED | PERTHREAD), &ns), 0);
    g_thread_ok = 1;
    while (!g_release)
        sched_yield();
    return 0;
}

int main(void)
{
    long ns, res;
    /* Our own process: by pid and as pid 0. */
    clockid_t self;
    CHECK_EQ(clock_getcpuclockid(getpid(), &self), 0);
    CHECK_EQ(self, cpu_clock(getpid(), SCHED));
    CHECK_EQ(gettime(self, &ns), 0);
    CHECK_EQ(gettime(cpu_clock(0, SCHED), &ns), 0);
    CHECK_EQ(getres(self, &res), 0);
    CHECK_EQ(res, 1);

    /* A child that burns 30 ms of CPU, then waits. */
    int go[2], done[2];
    t_pipe(go);
    t_pipe(done);
    pid_t child = t_fork();
    if (child == 0) {
        close(go[1]); /* a parent that fails leaves us at EOF, not waiting */
        t_burn_cpu_ms(30);
        t_send(done[1], 'd');
        t_recv(go[0]);
        _exit(0);
    }
    t_recv(done[0]);
    clockid_t c;
    CHECK_EQ(clock_getcpuclockid(child, &c), 0);
    CHECK_EQ(gettime(c, &ns), 0);
    CHECK(ns >= 20 * 1000000L); /* tick-sampled: a little may be missing */
    long virt, prof;
    CHECK_EQ(gettime(cpu_clock(child, VIRT), &virt), 0);
    CHECK_EQ(gettime(cpu_clock(child, PROF), &prof), 0);
    /* PROF and VIRT are tick-sampled (Linux may not have charged a tick
     * yet; SCHED is exact there). */
    if (virt > prof)
        FAIL("virt %ld > prof %ld", virt, prof);
    CHECK_EQ(getres(c, &res), 0);
    CHECK_EQ(res, 1);
    CHECK_EQ(getres(cpu_clock(child, PROF), &res), 0);
    CHECK(res >= 1000000 && res <= 10000000); /* one tick: 1/HZ */
    CHECK_ERR(getres(cpu_clock(child, CLOCKFD), NULL), EINVAL); /* fd ~... is no clock */
    /* Another process's thread clock: EINVAL. */
    CHECK_ERR(gettime(cpu_clock(child, SCHED | PERTHREAD), NULL), EINVAL);
    CHECK_ERR(getres(cpu_clock(child, SCHED | PERTHREAD), NULL), EINVAL);

    /* A zombie's clock still reads; a reaped one is gone (ESRCH from the
     * C library, EINVAL from the kernel). */
    t_send(go[1], 'g');
    siginfo_t si;
    CHECK_SYS(waitid(P_PID, child, &si, WEXITED | WNOWAIT));
    long zombie;
    CHECK_EQ(gettime(c, &zombie), 0);
    CHECK(zombie >= ns);
    CHECK_EQ(t_wait(child), 0);
    CHECK_ERR(gettime(c, NULL), EINVAL);
    CHECK_ERR(getres(c, NULL), EINVAL);
    int r = clock_getcpuclockid(child, &c); /* glibc says ESRCH, musl passes EINVAL on */
    CHECK(r == ESRCH || r == EINVAL);

    /* Threads: ours by tid; a non-leader tid as a process clock. */
    g_main_tid = (int)sys_gettid();
    CHECK_EQ(gettime(cpu_clock(g_main_tid, SCHED | PERTHREAD), &ns), 0);
    CHECK_EQ(getres(cpu_clock(g_main_tid, SCHED | PERTHREAD), &res), 0);
    CHECK_EQ(res, 1);
    struct t_thread th;
    t_thread_start(&th, thread_main, NULL);
    while (!g_thread_ok)
        sched_yield();
    /* A live non-leader is no process for anyone else. */
    CHECK_ERR(gettime(cpu_clock(th.tid_ret, SCHED), NULL), EINVAL);
    CHECK_EQ(gettime(cpu_clock(th.tid_ret, SCHED | PERTHREAD), &ns), 0);
    g_release = 1;
    t_thread_join(&th);
    CHECK_ERR(gettime(cpu_clock(th.tid_ret, SCHED), NULL), EINVAL); /* gone */
    close(go[0]);
    close(go[1]);
    close(done[0]);
    close(done[1]);
    printf("ok\n");
    return 0;
}
