/* Waiting for a pid that is not our child: our parent, ourselves, a
 * grandchild, a sibling: ECHILD, even when that process is a zombie. */
#include "t.h"

int main(void)
{
    int st;
    CHECK_ERR(sys_wait4(getppid(), &st, WNOHANG, NULL), ECHILD);
    CHECK_ERR(sys_wait4(getpid(), &st, 0, NULL), ECHILD);

    int fds[2], done[2];
    t_pipe(fds);
    t_pipe(done);
    pid_t child = t_fork();
    if (child == 0) {
        pid_t g = t_fork();
        if (g == 0)
            _exit(9); /* a zombie grandchild */
        CHECK_EQ(write(fds[1], &g, sizeof g), sizeof g);
        t_recv(done[0]);
        CHECK_EQ(t_wait(g), 9 << 8);
        _exit(0);
    }
    pid_t g;
    CHECK_EQ(read(fds[0], &g, sizeof g), sizeof g);
    CHECK_ERR(sys_wait4(g, &st, 0, NULL), ECHILD);
    siginfo_t si;
    CHECK_ERR(sys_waitid(P_PID, g, &si, WEXITED, NULL), ECHILD);
    /* A sibling: a second child's view of the first. */
    pid_t sib = t_fork();
    if (sib == 0) {
        int s;
        CHECK_ERR(sys_wait4(child, &s, 0, NULL), ECHILD);
        _exit(0);
    }
    T_WAIT_OK(sib);
    t_send(done[1], 'd');
    T_WAIT_OK(child);
    return 0;
}
