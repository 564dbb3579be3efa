/* waitid WSTOPPED / WCONTINUED: CLD_STOPPED with the stop signal,
 * CLD_CONTINUED with SIGCONT, WNOWAIT keeps the report, consumption. */
#include "t.h"

int main(void)
{
    siginfo_t si;
    pid_t pid = t_fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    CHECK_SYS(kill(pid, SIGSTOP));
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(P_PID, pid, &si, WSTOPPED | WNOWAIT, NULL), 0);
    CHECK_EQ(si.si_code, CLD_STOPPED);
    CHECK_EQ(si.si_status, SIGSTOP);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_signo, SIGCHLD);
    CHECK_EQ(si.si_uid, getuid());
    /* WNOWAIT left it: wait4 WUNTRACED sees it and consumes it. */
    int st;
    CHECK_EQ(sys_wait4(pid, &st, WUNTRACED | WNOHANG, NULL), pid);
    CHECK_EQ(st, 0x137f);
    memset(&si, 0x5a, sizeof si);
    CHECK_EQ(sys_waitid(P_PID, pid, &si, WSTOPPED | WNOHANG, NULL), 0);
    CHECK_EQ(si.si_pid, 0);

    CHECK_SYS(kill(pid, SIGCONT));
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(P_ALL, 0, &si, WCONTINUED, NULL), 0);
    CHECK_EQ(si.si_code, CLD_CONTINUED);
    CHECK_EQ(si.si_status, SIGCONT);
    CHECK_EQ(si.si_pid, pid);
    memset(&si, 0x5a, sizeof si);
    CHECK_EQ(sys_waitid(P_ALL, 0, &si, WCONTINUED | WNOHANG, NULL), 0);
    CHECK_EQ(si.si_pid, 0);

    /* Stop by SIGTTIN; waitid consumes without WNOWAIT. */
    CHECK_SYS(kill(pid, SIGTTIN));
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(P_PGID, 0, &si, WSTOPPED, NULL), 0);
    CHECK_EQ(si.si_code, CLD_STOPPED);
    CHECK_EQ(si.si_status, SIGTTIN);
    CHECK_EQ(sys_wait4(pid, &st, WUNTRACED | WNOHANG, NULL), 0);

    /* A stopped child still gets killed by SIGKILL; the WEXITED report. */
    CHECK_SYS(kill(pid, SIGKILL));
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(P_PID, pid, &si, WEXITED, NULL), 0);
    CHECK_EQ(si.si_code, CLD_KILLED);
    CHECK_EQ(si.si_status, SIGKILL);
    return 0;
}
