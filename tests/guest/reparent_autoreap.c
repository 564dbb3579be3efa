/* A child that is already a zombie when its parent dies is handed to the
 * new parent at once: a subreaper that ignores SIGCHLD reaps it
 * automatically (nothing left to wait for); one that does not gets a
 * SIGCHLD for it and can wait for it. */
#include "t.h"

/* mid makes a zombie child z, reports it, waits for "go", then exits. */
static pid_t spawn_mid(pid_t *zp, int go[2])
{
    int rep[2];
    t_pipe(rep);
    t_pipe(go);
    pid_t mid = t_fork();
    if (mid == 0) {
        signal(SIGCHLD, SIG_DFL);
        pid_t z = t_fork();
        if (z == 0)
            _exit(12);
        siginfo_t si;
        CHECK_EQ(sys_waitid(P_PID, z, &si, WEXITED | WNOWAIT, NULL), 0);
        CHECK_EQ(write(rep[1], &z, sizeof z), sizeof z);
        t_recv(go[0]);
        _exit(0);
    }
    CHECK_EQ(read(rep[0], zp, sizeof *zp), sizeof *zp);
    close(rep[0]);
    close(rep[1]);
    return mid;
}

int main(void)
{
    CHECK_SYS(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    t_block(SIGCHLD);
    pid_t z;
    int go[2];
    pid_t mid = spawn_mid(&z, go);
    t_send(go[1], 'g');
    CHECK_EQ(t_wait(mid), 0);
    /* z was reparented to us as a zombie: a SIGCHLD names it, and we can
     * reap it. */
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGCHLD);
    siginfo_t si;
    struct timespec two = {2, 0};
    int seen_z = 0;
    for (int i = 0; i < 2 && !seen_z; i++) {
        memset(&si, 0, sizeof si);
        if (sigtimedwait(&s, &si, &two) != SIGCHLD)
            break;
        if (si.si_pid == z) {
            seen_z = 1;
            CHECK_EQ(si.si_code, CLD_EXITED);
            CHECK_EQ(si.si_status, 12);
        }
    }
    CHECK_EQ(seen_z, 1);
    int st;
    CHECK_EQ(sys_wait4(z, &st, 0, NULL), z);
    CHECK_EXITED(st, 12);

    /* Now ignoring SIGCHLD: the reparented zombie is reaped at once. */
    mid = spawn_mid(&z, go);
    signal(SIGCHLD, SIG_IGN);
    t_send(go[1], 'g');
    CHECK_ERR(sys_wait4(-1, &st, 0, NULL), ECHILD); /* returns once both are gone */
    CHECK_GONE(kill(z, 0));
    CHECK_GONE(kill(mid, 0));
    return 0;
}
