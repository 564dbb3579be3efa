/* Stop/continue reports: SIGCONT to a running process reports nothing to
 * WCONTINUED; a second SIGSTOP to a stopped process is not reported again;
 * a continue report replaces an unconsumed stop report. */
#include "t.h"

int main(void)
{
    pid_t pid = t_fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    int st;
    CHECK_SYS(kill(pid, SIGCONT));
    CHECK_EQ(sys_wait4(pid, &st, WCONTINUED | WNOHANG, NULL), 0);
    CHECK_SYS(kill(pid, SIGSTOP));
    CHECK_EQ(sys_wait4(pid, &st, WUNTRACED, NULL), pid);
    CHECK_EQ(WSTOPSIG(st), SIGSTOP);
    CHECK_SYS(kill(pid, SIGSTOP));
    CHECK_SYS(kill(pid, SIGTSTP));
    CHECK_EQ(sys_wait4(pid, &st, WUNTRACED | WNOHANG, NULL), 0);
    /* Continue without consuming a (new) stop report first. */
    CHECK_SYS(kill(pid, SIGCONT));
    CHECK_EQ(sys_wait4(pid, &st, WCONTINUED, NULL), pid);
    CHECK(WIFCONTINUED(st));
    /* Stop, then continue before anyone waits: only the continue is left. */
    CHECK_SYS(kill(pid, SIGSTOP));
    t_wait_stopped_nowait(pid);
    CHECK_SYS(kill(pid, SIGCONT));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(P_PID, pid, &si, WCONTINUED | WNOWAIT, NULL), 0);
    CHECK_EQ(si.si_code, CLD_CONTINUED);
    CHECK_EQ(sys_wait4(pid, &st, WUNTRACED | WNOHANG, NULL), 0);
    CHECK_EQ(sys_wait4(pid, &st, WCONTINUED | WNOHANG, NULL), pid);
    CHECK_SYS(kill(pid, SIGKILL));
    CHECK_EQ(t_wait(pid), SIGKILL);
    return 0;
}
