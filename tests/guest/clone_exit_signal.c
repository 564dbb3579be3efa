/* Clone children and the exit signal: a child whose exit signal is not
 * SIGCHLD is a "clone child", matched only by __WCLONE or __WALL; a fork
 * child is not matched by __WCLONE; the parent gets the chosen signal. */
#include "t.h"

static pid_t clone_child(int exit_signal, int code)
{
    long r = syscall(SYS_clone, (unsigned long)exit_signal, 0, NULL, NULL, 0);
    if (r == -1)
        FAIL("clone");
    if (r == 0)
        syscall(SYS_exit_group, code);
    return (pid_t)r;
}

int main(void)
{
    int st;
    siginfo_t si;
    t_block(SIGUSR1);
    t_block(SIGUSR2);

    /* Exit signal SIGUSR1: only __WCLONE / __WALL see it. */
    pid_t c = clone_child(SIGUSR1, 12);
    struct timespec ts = {2, 0};
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    memset(&si, 0, sizeof si);
    CHECK_EQ(sigtimedwait(&set, &si, &ts), SIGUSR1);
    CHECK_EQ(si.si_code, CLD_EXITED);
    CHECK_EQ(si.si_pid, c);
    CHECK_EQ(si.si_status, 12);
    CHECK_ERR(sys_wait4(-1, &st, WNOHANG, NULL), ECHILD);
    CHECK_ERR(sys_wait4(c, &st, 0, NULL), ECHILD);
    CHECK_ERR(sys_waitid(P_PID, c, &si, WEXITED | WNOHANG, NULL), ECHILD);
    CHECK_EQ(sys_wait4(c, &st, __WCLONE, NULL), c);
    CHECK_EXITED(st, 12);

    c = clone_child(SIGUSR1, 13);
    CHECK_EQ(sys_wait4(-1, &st, __WALL, NULL), c);
    CHECK_EXITED(st, 13);
    CHECK_EQ(sigtimedwait(&set, &si, &ts), SIGUSR1);

    /* Exit signal 0: no signal at all, still a clone child. */
    c = clone_child(0, 14);
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(P_ALL, 0, &si, WEXITED | __WCLONE, NULL), 0);
    CHECK_EQ(si.si_pid, c);
    CHECK_EQ(si.si_status, 14);

    /* Exit signal SIGCHLD: an ordinary child; __WCLONE does not match it. */
    c = clone_child(SIGCHLD, 15);
    memset(&si, 0, sizeof si);
    CHECK_EQ(sys_waitid(P_PID, c, &si, WEXITED | WNOWAIT, NULL), 0);
    CHECK_ERR(sys_wait4(c, &st, __WCLONE | WNOHANG, NULL), ECHILD);
    CHECK_EQ(sys_wait4(-1, &st, 0, NULL), c);
    CHECK_EXITED(st, 15);

    /* Mixed: fork child and clone child; each selector finds its kind. */
    pid_t f = t_fork();
    if (f == 0)
        _exit(16);
    c = clone_child(SIGUSR2, 17);
    CHECK_EQ(sys_wait4(-1, &st, 0, NULL), f);
    CHECK_EXITED(st, 16);
    CHECK_ERR(sys_wait4(-1, &st, WNOHANG, NULL), ECHILD);
    CHECK_EQ(sys_wait4(-1, &st, __WCLONE, NULL), c);
    CHECK_EXITED(st, 17);
    CHECK_ERR(sys_wait4(-1, &st, __WALL, NULL), ECHILD);
    return 0;
}
