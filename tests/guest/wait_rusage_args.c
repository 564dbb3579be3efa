/* wait4 and waitid fill the rusage of the reaped child when asked, and not
 * when nothing is reported. */
#include "t.h"

int main(void)
{
    struct rusage ru;
    pid_t pid = t_fork();
    if (pid == 0) {
        t_burn_cpu_ms(60);
        _exit(0);
    }
    int st;
    memset(&ru, 0, sizeof ru);
    CHECK_EQ(sys_wait4(pid, &st, 0, &ru), pid);
    CHECK_EXITED(st, 0);
    CHECK(t_tv_us(ru.ru_utime) + t_tv_us(ru.ru_stime) >= 40000);

    pid = t_fork();
    if (pid == 0) {
        t_burn_cpu_ms(60);
        _exit(0);
    }
    siginfo_t si;
    memset(&ru, 0, sizeof ru);
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(P_PID, pid, &si, WEXITED, &ru), 0);
    CHECK_EQ(si.si_pid, pid);
    CHECK(t_tv_us(ru.ru_utime) + t_tv_us(ru.ru_stime) >= 40000);

    /* WNOHANG with nothing ready: Linux copies the rusage out only when a
     * child is reported, so the buffer is left untouched. */
    int go[2];
    t_pipe(go);
    pid = t_fork();
    if (pid == 0) {
        t_recv(go[0]);
        _exit(0);
    }
    memset(&ru, 0x5a, sizeof ru);
    CHECK_EQ(sys_waitid(P_PID, pid, &si, WEXITED | WNOHANG, &ru), 0);
    CHECK_EQ(ru.ru_utime.tv_sec, 0x5a5a5a5a5a5a5a5all);
    CHECK_EQ(ru.ru_nvcsw, 0x5a5a5a5a5a5a5a5all);
    memset(&ru, 0x5a, sizeof ru);
    CHECK_EQ(sys_wait4(pid, &st, WNOHANG, &ru), 0);
    CHECK_EQ(ru.ru_stime.tv_usec, 0x5a5a5a5a5a5a5a5all);
    t_send(go[1], 'x');
    CHECK_EQ(t_wait(pid), 0);
    return 0;
}
