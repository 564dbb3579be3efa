/* wait4 selectors: pid > 0, -1, 0 (own process group), < -1 (that group),
 * INT_MIN (ESRCH), and ECHILD in each mode when nothing matches. */
#include "t.h"

int main(void)
{
    int st;
    /* No children at all: ECHILD in every selector mode. */
    CHECK_ERR(sys_wait4(-1, &st, 0, NULL), ECHILD);
    CHECK_ERR(sys_wait4(0, &st, 0, NULL), ECHILD);
    CHECK_ERR(sys_wait4(-getpgrp(), &st, 0, NULL), ECHILD);
    CHECK_ERR(sys_wait4(getpid(), &st, 0, NULL), ECHILD);
    CHECK_ERR(sys_wait4(-1, &st, WNOHANG, NULL), ECHILD);
    CHECK_ERR(sys_wait4(INT_MIN, &st, 0, NULL), ESRCH);

    /* A in our group, B in its own group. */
    int go_a[2], go_b[2], ready[2];
    t_pipe(go_a);
    t_pipe(go_b);
    t_pipe(ready);
    pid_t a = t_fork();
    if (a == 0) {
        t_recv(go_a[0]);
        _exit(11);
    }
    pid_t b = t_fork();
    if (b == 0) {
        CHECK_SYS(setpgid(0, 0));
        t_send(ready[1], 'r');
        t_recv(go_b[0]);
        _exit(22);
    }
    setpgid(b, b); /* may race with the child's own call: either wins */
    CHECK_EQ(t_recv(ready[0]), 'r');
    CHECK_EQ(getpgid(b), b);

    /* Let B exit; it is a zombie in another group. */
    t_send(go_b[1], 'g');
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK_SYS(sys_waitid(P_PID, b, &si, WEXITED | WNOWAIT, NULL));
    CHECK_EQ(si.si_pid, b);
    /* Own group: only A matches, and it is still running. */
    CHECK_EQ(sys_wait4(0, &st, WNOHANG, NULL), 0);
    /* Another group with no children in it. */
    CHECK_ERR(sys_wait4(-getpid() - 100000, &st, WNOHANG, NULL), ECHILD);
    /* < -1: group of B. */
    CHECK_EQ(sys_wait4(-b, &st, 0, NULL), b);
    CHECK_EXITED(st, 22);
    CHECK_ERR(sys_wait4(-b, &st, WNOHANG, NULL), ECHILD);
    /* A pid that is not (any more) our child. */
    CHECK_ERR(sys_wait4(b, &st, WNOHANG, NULL), ECHILD);
    /* 0: own group gets A. */
    t_send(go_a[1], 'g');
    CHECK_EQ(sys_wait4(0, &st, 0, NULL), a);
    CHECK_EXITED(st, 11);
    CHECK_ERR(sys_wait4(0, &st, 0, NULL), ECHILD);

    /* pid > 0 picks that child even if another one is ready first. */
    pid_t c1 = t_fork();
    if (c1 == 0)
        _exit(1);
    pid_t c2 = t_fork();
    if (c2 == 0)
        _exit(2);
    memset(&si, 0, sizeof si);
    CHECK_SYS(sys_waitid(P_PID, c1, &si, WEXITED | WNOWAIT, NULL));
    CHECK_EQ(sys_wait4(c2, &st, 0, NULL), c2);
    CHECK_EXITED(st, 2);
    CHECK_EQ(sys_wait4(-1, &st, 0, NULL), c1);
    CHECK_EXITED(st, 1);
    CHECK_ERR(sys_wait4(-1, &st, 0, NULL), ECHILD);
    return 0;
}
