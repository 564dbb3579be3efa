/* SIGCHLD set to SIG_IGN: children are reaped automatically, no zombie is
 * left, a blocked wait returns ECHILD once the last child is gone; a zombie
 * that existed before the change is not reaped by it. */
#include "t.h"

int main(void)
{
    /* A zombie made before SIG_IGN stays waitable. */
    pid_t old = t_fork();
    if (old == 0)
        _exit(5);
    siginfo_t si;
    CHECK_EQ(sys_waitid(P_PID, old, &si, WEXITED | WNOWAIT, NULL), 0);
    signal(SIGCHLD, SIG_IGN);
    int st;
    CHECK_EQ(sys_wait4(old, &st, 0, NULL), old);
    CHECK_EXITED(st, 5);

    int go[2];
    t_pipe(go);
    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = t_fork();
        if (kids[i] == 0) {
            close(go[1]);
            char c;
            (void)!read(go[0], &c, 1); /* EOF when the parent closes */
            _exit(i);
        }
    }
    close(go[0]);
    CHECK_EQ(sys_wait4(-1, &st, WNOHANG, NULL), 0); /* live children */
    close(go[1]);                                   /* all three exit now */
    /* Blocks until all are gone, then ECHILD; never reports a child. */
    CHECK_ERR(sys_wait4(-1, &st, 0, NULL), ECHILD);
    for (int i = 0; i < 3; i++)
        CHECK_GONE(kill(kids[i], 0));
    memset(&si, 0, sizeof si);
    CHECK_ERR(sys_waitid(P_ALL, 0, &si, WEXITED, NULL), ECHILD);

    /* A child that exits while we wait for it specifically. */
    pid_t pid = t_fork();
    if (pid == 0)
        _exit(0);
    CHECK_ERR(sys_wait4(pid, &st, 0, NULL), ECHILD);
    CHECK_GONE(kill(pid, 0));

    /* Stops are still reported to WUNTRACED waiters. */
    pid = t_fork();
    if (pid == 0) {
        raise(SIGSTOP);
        _exit(0);
    }
    CHECK_EQ(sys_wait4(pid, &st, WUNTRACED, NULL), pid);
    CHECK(WIFSTOPPED(st));
    CHECK_SYS(kill(pid, SIGCONT));
    CHECK_ERR(sys_wait4(pid, &st, 0, NULL), ECHILD);

    /* Back to SIG_DFL: zombies again. */
    signal(SIGCHLD, SIG_DFL);
    pid = t_fork();
    if (pid == 0)
        _exit(6);
    CHECK_EQ(t_wait(pid), 6 << 8);
    return 0;
}
