/* waitid: P_PID / P_PGID / P_ALL with WEXITED, siginfo fields (si_status is
 * the raw code), WNOWAIT leaves the zombie, WNOHANG zeroes si_pid/si_signo,
 * option and id validation. */
#include "t.h"

static void check_exited(const siginfo_t *si, pid_t pid, int code)
{
    CHECK_EQ(si->si_signo, SIGCHLD);
    CHECK_EQ(si->si_code, CLD_EXITED);
    CHECK_EQ(si->si_pid, pid);
    CHECK_EQ(si->si_uid, getuid());
    CHECK_EQ(si->si_status, code);
    CHECK_EQ(si->si_errno, 0);
}

int main(void)
{
    siginfo_t si;
    /* Validation: none of WEXITED/WSTOPPED/WCONTINUED. */
    CHECK_ERR(sys_waitid(P_ALL, 0, &si, 0, NULL), EINVAL);
    CHECK_ERR(sys_waitid(P_ALL, 0, &si, WNOHANG, NULL), EINVAL);
    CHECK_ERR(sys_waitid(P_ALL, 0, &si, WNOWAIT, NULL), EINVAL);
    CHECK_ERR(sys_waitid(P_ALL, 0, &si, WEXITED | 0x10000000, NULL), EINVAL);
    CHECK_ERR(sys_waitid(P_PID, 0, &si, WEXITED, NULL), EINVAL);
    CHECK_ERR(sys_waitid(P_PID, -5, &si, WEXITED, NULL), EINVAL);
    CHECK_ERR(sys_waitid(P_PGID, -5, &si, WEXITED, NULL), EINVAL);
    CHECK_ERR(sys_waitid(42, 0, &si, WEXITED, NULL), EINVAL);
    CHECK_ERR(sys_waitid(P_ALL, 0, &si, WEXITED, NULL), ECHILD);
    CHECK_ERR(sys_waitid(P_ALL, 0, &si, WEXITED | WNOHANG, NULL), ECHILD);
    CHECK_ERR(sys_waitid(P_PGID, 0, &si, WEXITED, NULL), ECHILD);

    /* WNOHANG with a live child: 0, si_pid and si_signo zeroed. */
    int go[2];
    t_pipe(go);
    pid_t pid = t_fork();
    if (pid == 0) {
        close(go[1]);
        t_recv(go[0]);
        _exit(200);
    }
    close(go[0]);
    memset(&si, 0x5a, sizeof si);
    CHECK_EQ(sys_waitid(P_ALL, 0, &si, WEXITED | WNOHANG, NULL), 0);
    CHECK_EQ(si.si_pid, 0);
    CHECK_EQ(si.si_signo, 0);
    memset(&si, 0x5a, sizeof si);
    CHECK_EQ(sys_waitid(P_PID, pid, &si, WEXITED | WSTOPPED | WCONTINUED | WNOHANG, NULL), 0);
    CHECK_EQ(si.si_pid, 0);
    CHECK_EQ(si.si_signo, 0);

    t_send(go[1], 'x');
    /* WNOWAIT reports without reaping, as often as asked. */
    for (int i = 0; i < 3; i++) {
        memset(&si, 0, sizeof si);
        CHECK_EQ(sys_waitid(P_PID, pid, &si, WEXITED | WNOWAIT, NULL), 0);
        check_exited(&si, pid, 200);
    }
    CHECK_EQ(kill(pid, 0), 0); /* still a zombie */
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(P_PGID, 0, &si, WEXITED, NULL), 0);
    check_exited(&si, pid, 200);
    CHECK_ERR(sys_waitid(P_PID, pid, &si, WEXITED | WNOHANG, NULL), ECHILD);

    /* P_PGID with an explicit group, P_ALL, and a killed child. */
    pid = t_fork();
    if (pid == 0) {
        setpgid(0, 0);
        _exit(7);
    }
    setpgid(pid, pid);
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(P_PGID, pid, &si, WEXITED, NULL), 0);
    check_exited(&si, pid, 7);

    pid = t_fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    CHECK_SYS(kill(pid, SIGTERM));
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(P_ALL, 12345, &si, WEXITED, NULL), 0); /* id ignored */
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_signo, SIGCHLD);
    CHECK_EQ(si.si_code, CLD_KILLED);
    CHECK_EQ(si.si_status, SIGTERM);

    /* WEXITED missing: a zombie is not reported to WSTOPPED|WCONTINUED, and
     * Linux does not count it as an eligible child either: ECHILD, not 0. */
    pid = t_fork();
    if (pid == 0)
        _exit(1);
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(P_PID, pid, &si, WEXITED | WNOWAIT, NULL), 0);
    CHECK_ERR(sys_waitid(P_PID, pid, &si, WSTOPPED | WCONTINUED | WNOHANG, NULL), ECHILD);
    CHECK_ERR(sys_waitid(P_ALL, 0, &si, WSTOPPED | WCONTINUED, NULL), ECHILD);
    CHECK_EQ(t_wait(pid), 1 << 8);
    return 0;
}
