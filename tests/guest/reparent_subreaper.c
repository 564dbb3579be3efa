/* Orphans go to the nearest live child subreaper: live grandchildren and
 * zombie grandchildren alike; the subreaper can then wait for them. The
 * subreaper bit is not inherited by fork. */
#include "t.h"

int main(void)
{
    int v = -1;
    CHECK_SYS(prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0));
    CHECK_EQ(v, 0);
    CHECK_SYS(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    CHECK_SYS(prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0));
    CHECK_EQ(v, 1);

    /* Not inherited. */
    pid_t pid = t_fork();
    if (pid == 0) {
        int w = -1;
        CHECK_SYS(prctl(PR_GET_CHILD_SUBREAPER, &w, 0, 0, 0));
        CHECK_EQ(w, 0);
        _exit(0);
    }
    T_WAIT_OK(pid);

    /* A live grandchild learns its new parent through PDEATHSIG (sent after
     * the reparenting). */
    int rep[2];
    t_pipe(rep);
    pid_t mid = t_fork();
    if (mid == 0) {
        int ready[2];
        t_pipe(ready);
        pid_t g = t_fork();
        if (g == 0) {
            t_block(SIGUSR1);
            CHECK_SYS(prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0));
            t_send(ready[1], 'r');
            sigset_t s;
            sigemptyset(&s);
            sigaddset(&s, SIGUSR1);
            siginfo_t si;
            struct timespec ts = {5, 0};
            CHECK_EQ(sigtimedwait(&s, &si, &ts), SIGUSR1);
            pid_t pp = getppid();
            CHECK_EQ(write(rep[1], &pp, sizeof pp), sizeof pp);
            _exit(31);
        }
        t_recv(ready[0]);
        /* A zombie grandchild too. */
        pid_t z = t_fork();
        if (z == 0)
            _exit(32);
        siginfo_t si;
        CHECK_EQ(sys_waitid(P_PID, z, &si, WEXITED | WNOWAIT, NULL), 0);
        pid_t both[2] = {g, z};
        CHECK_EQ(write(rep[1], both, sizeof both), sizeof both);
        _exit(0);
    }
    pid_t both[2];
    CHECK_EQ(read(rep[0], both, sizeof both), sizeof both);
    T_WAIT_OK(mid);
    pid_t newparent;
    CHECK_EQ(read(rep[0], &newparent, sizeof newparent), sizeof newparent);
    CHECK_EQ(newparent, getpid());
    int st;
    CHECK_EQ(sys_wait4(both[1], &st, 0, NULL), both[1]);
    CHECK_EXITED(st, 32);
    CHECK_EQ(sys_wait4(both[0], &st, 0, NULL), both[0]);
    CHECK_EXITED(st, 31);
    CHECK_ERR(sys_wait4(-1, &st, WNOHANG, NULL), ECHILD);

    /* The nearest subreaper wins: a subreaper child takes its grandchild. */
    pid = t_fork();
    if (pid == 0) {
        CHECK_SYS(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
        pid_t m = t_fork();
        if (m == 0) {
            pid_t g = t_fork();
            if (g == 0)
                _exit(41);
            _exit(0);
        }
        T_WAIT_OK(m);
        int s;
        pid_t r = (pid_t)sys_wait4(-1, &s, 0, NULL);
        CHECK(r > 0 && r != m);
        CHECK_EXITED(s, 41);
        _exit(0);
    }
    T_WAIT_OK(pid);
    CHECK_ERR(sys_wait4(-1, &st, WNOHANG, NULL), ECHILD);
    return 0;
}
