/* A clone child with a non-SIGCHLD exit signal reverts to SIGCHLD when it is
 * reparented: the subreaper then waits for it without __WCLONE and gets
 * SIGCHLD, not the original signal. */
#include "t.h"

int main(void)
{
    CHECK_SYS(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    t_block(SIGCHLD);
    t_block(SIGUSR1);
    int go[2], rep[2];
    t_pipe(go);
    t_pipe(rep);
    pid_t mid = t_fork();
    if (mid == 0) {
        long c = syscall(SYS_clone, (unsigned long)SIGUSR1, 0, NULL, NULL, 0);
        if (c == 0) {
            char ch;
            close(go[1]);
            (void)!read(go[0], &ch, 1);
            _exit(44);
        }
        CHECK(c > 0);
        pid_t cp = (pid_t)c;
        CHECK_EQ(write(rep[1], &cp, sizeof cp), sizeof cp);
        _exit(0);
    }
    close(go[0]);
    pid_t c;
    CHECK_EQ(read(rep[0], &c, sizeof c), sizeof c);
    T_WAIT_OK(mid);
    /* mid's SIGCHLD for us: consume it. */
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGCHLD);
    siginfo_t si;
    struct timespec two = {2, 0};
    CHECK_EQ(sigtimedwait(&s, &si, &two), SIGCHLD);
    CHECK_EQ(si.si_pid, mid);
    /* Now c is our child; let it exit. */
    close(go[1]);
    memset(&si, 0, sizeof si);
    CHECK_EQ(sigtimedwait(&s, &si, &two), SIGCHLD);
    CHECK_EQ(si.si_pid, c);
    CHECK_EQ(si.si_status, 44);
    int st;
    CHECK_EQ(sys_wait4(c, &st, 0, NULL), c); /* no __WCLONE needed */
    CHECK_EXITED(st, 44);
    sigset_t pend;
    sigpending(&pend);
    CHECK(!sigismember(&pend, SIGUSR1));
    return 0;
}
