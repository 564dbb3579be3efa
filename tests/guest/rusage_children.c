/* getrusage(RUSAGE_CHILDREN) and times() grow only when a child is reaped,
 * include reaped grandchildren, and exclude auto-reaped children. */
#include "t.h"
#include <sys/times.h>

static long children_us(void)
{
    struct rusage ru;
    CHECK_SYS(getrusage(RUSAGE_CHILDREN, &ru));
    return t_tv_us(ru.ru_utime) + t_tv_us(ru.ru_stime);
}

int main(void)
{
    CHECK_EQ(children_us(), 0);
    struct tms t0;
    CHECK(times(&t0) != (clock_t)-1);
    CHECK_EQ(t0.tms_cutime + t0.tms_cstime, 0);

    pid_t pid = t_fork();
    if (pid == 0) {
        t_burn_cpu_ms(150);
        _exit(0);
    }
    siginfo_t si;
    CHECK_EQ(sys_waitid(P_PID, pid, &si, WEXITED | WNOWAIT, NULL), 0);
    /* A zombie's time is not counted yet. */
    CHECK_EQ(children_us(), 0);
    CHECK_EQ(t_wait(pid), 0);
    long after = children_us();
    CHECK(after >= 100000);
    struct tms t1;
    times(&t1);
    CHECK(t1.tms_cutime + t1.tms_cstime >= sysconf(_SC_CLK_TCK) / 10);
    /* RUSAGE_SELF is ours only. */
    struct rusage self;
    CHECK_SYS(getrusage(RUSAGE_SELF, &self));
    CHECK(t_tv_us(self.ru_utime) + t_tv_us(self.ru_stime) < 100000);
    CHECK_ERR(getrusage(12345, &self), EINVAL);

    /* Grandchild reaped by the child: its time reaches us through the child. */
    pid = t_fork();
    if (pid == 0) {
        pid_t g = t_fork();
        if (g == 0) {
            t_burn_cpu_ms(150);
            _exit(0);
        }
        CHECK_EQ(t_wait(g), 0);
        _exit(0);
    }
    CHECK_EQ(t_wait(pid), 0);
    long after2 = children_us();
    CHECK(after2 - after >= 100000);

    /* An auto-reaped child (SIGCHLD ignored) is never added. */
    signal(SIGCHLD, SIG_IGN);
    pid = t_fork();
    if (pid == 0) {
        t_burn_cpu_ms(150);
        _exit(0);
    }
    int st;
    CHECK_ERR(sys_wait4(-1, &st, 0, NULL), ECHILD);
    CHECK(children_us() - after2 < 50000);
    return 0;
}
