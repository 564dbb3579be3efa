/* Permission to signal: a child that dropped to another uid cannot signal
 * its root parent (EPERM, also for signal 0), can signal processes of its
 * own uid, and may send SIGCONT to any process of its session (only
 * SIGCONT), but not across sessions. */
#include "t.h"

int main(void)
{
    T_REQUIRE_ROOT();
    int ready[2];
    t_pipe(ready);
    /* A root sibling in our session, and one in its own session. */
    pid_t sib = t_fork();
    if (sib == 0) {
        signal(SIGCONT, SIG_IGN);
        for (;;)
            pause();
    }
    pid_t far = t_fork();
    if (far == 0) {
        CHECK_SYS(setsid());
        signal(SIGCONT, SIG_IGN);
        t_send(ready[1], 'f');
        for (;;)
            pause();
    }
    t_recv(ready[0]);
    pid_t parent = getpid();
    uid_t uid1 = t_private_uid(0), uid2 = t_private_uid(1);
    pid_t pid = t_fork();
    if (pid == 0) {
        CHECK_SYS(setresuid(uid1, uid1, uid1));
        CHECK_ERR(kill(parent, SIGTERM), EPERM);
        CHECK_ERR(kill(parent, 0), EPERM);
        CHECK_ERR(kill(sib, SIGUSR1), EPERM);
        CHECK_SYS(kill(sib, SIGCONT));        /* same session */
        CHECK_ERR(kill(far, SIGCONT), EPERM); /* other session */
        CHECK_ERR(kill(1, 0), EPERM);
        CHECK_SYS(kill(getpid(), 0));
        /* A process of our own uid. */
        pid_t mine = t_fork();
        if (mine == 0) {
            for (;;)
                pause();
        }
        CHECK_SYS(kill(mine, SIGTERM));
        CHECK_EQ(t_wait(mine), SIGTERM);
        /* Real uid matching the target's saved uid suffices. */
        _exit(0);
    }
    T_WAIT_OK(pid);

    /* A process with only its effective uid changed is still signalable by
     * a sender whose uid matches the target's real or saved uid. */
    pid = t_fork();
    if (pid == 0) {
        CHECK_SYS(setresuid(uid2, uid2, uid2));
        pid_t tgt = t_fork();
        if (tgt == 0) {
            for (;;)
                pause();
        }
        CHECK_SYS(kill(tgt, SIGKILL));
        CHECK_EQ(t_wait(tgt), SIGKILL);
        _exit(0);
    }
    T_WAIT_OK(pid);
    /* Root may signal anyone. */
    CHECK_SYS(kill(sib, SIGKILL));
    CHECK_SYS(kill(far, SIGKILL));
    CHECK_EQ(t_wait(sib), SIGKILL);
    CHECK_EQ(t_wait(far), SIGKILL);
    return 0;
}
